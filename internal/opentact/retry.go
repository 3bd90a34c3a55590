package opentact

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Who retries what. The transport (retryablehttp, with checkRetry below)
// retries reads, updates and deletes: a 429 until the operation's deadline,
// since it only means "later"; 502, 503, 504 and broken connections up to
// max_retries. It never retries a create: CreateUser owns those retries,
// because only it can tell a repeated create from a colleague's user.
// Every attempt, first or retry, waits its turn at the process's pacer.

// callState is what one call has been through, across its attempts.
type callState struct {
	call call
	op   *opStats
	// maybeSent is set once an attempt may have reached the API.
	maybeSent bool
	retries   int           // retries after 5xx and connection errors
	nextWait  time.Duration // the wait checkRetry chose for the next attempt
}

// opStats is what an operation has been through with the API's rate limit,
// across its calls (a create's attempts are calls of their own).
type opStats struct {
	started     time.Time
	rateLimited int           // 429 answers met
	paced       time.Duration // time spent waiting for the pacer
	// serverOffset is the API's clock minus ours, from the Date header of
	// the operation's first answer (to a second), when knowsServerTime.
	serverOffset    time.Duration
	knowsServerTime bool
}

// noteServerTime learns the API's clock from an answer's Date header.
func (op *opStats) noteServerTime(h http.Header) {
	if op.knowsServerTime {
		return
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		op.serverOffset = time.Until(date)
		op.knowsServerTime = true
	}
}

type (
	callStateKey struct{}
	opStatsKey   struct{}
)

func stateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// withOpStats gives the calls made with the returned context one opStats,
// for an operation of several calls.
func withOpStats(ctx context.Context) (context.Context, *opStats) {
	op := &opStats{started: time.Now()}
	return context.WithValue(ctx, opStatsKey{}, op), op
}

// opStatsOf is the operation's opStats, or new ones for a call on its own.
func opStatsOf(ctx context.Context) *opStats {
	if op, ok := ctx.Value(opStatsKey{}).(*opStats); ok {
		return op
	}
	return &opStats{started: time.Now()}
}

// rateLimitAdvice says, for an operation that met rate limits, what it
// went through and what to change; "" for one that met none.
func (op *opStats) rateLimitAdvice() string {
	if op == nil || op.rateLimited == 0 && op.paced < time.Second {
		return ""
	}
	return fmt.Sprintf("gave up after %s, %s of it waiting for the API's rate limit, through %d rate-limit answers (429); "+
		"give the operation more time in the resource's timeouts block, set the provider's max_requests_per_second to the account's limit, or lower terraform -parallelism",
		roundDuration(time.Since(op.started)), roundDuration(op.paced), op.rateLimited)
}

// roundDuration keeps a duration readable in a message.
func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// notSentError is a request that never left: it waited for the pacer until
// its context ended.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// pacedTransport is where every attempt waits for the pacer, where the
// pacer learns from every answer, and where request_timeout bounds each
// attempt from when it leaves (until its body is read).
type pacedTransport struct {
	base   http.RoundTripper
	client *Client
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateOf(ctx)
	waited, err := t.client.pacer.wait(ctx)
	if st != nil {
		st.op.paced += waited
	}
	if waited >= 10*time.Millisecond {
		t.client.logger(ctx, "OpenTact API request waited for the rate limit", map[string]any{
			"method": req.Method, "path": req.URL.Path, "waited_ms": waited.Milliseconds(),
		})
	}
	if err == nil {
		err = ctx.Err() // cancelled before the request left
	}
	if err != nil {
		return nil, &notSentError{err: err}
	}
	sent := t.client.pacer.clock.now()
	attemptCtx, cancel := context.WithTimeout(ctx, t.client.requestTimeout)
	resp, err := t.base.RoundTrip(req.WithContext(attemptCtx))
	if st != nil && (err == nil || !isDialError(err)) {
		st.maybeSent = true
	}
	if err != nil {
		cancel()
		if attemptCtx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within request_timeout (%s): %w", t.client.requestTimeout, err)
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	if st != nil && resp.StatusCode == http.StatusTooManyRequests {
		st.op.rateLimited++
	}
	t.client.pacer.observe(resp, sent)
	return resp, nil
}

// cancelOnClose ends an attempt's timeout when its answer has been read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// checkRetry is retryablehttp's CheckRetry (see the top of this file).
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		if resp != nil {
			return false, nil // an answer came: it is the call's to read
		}
		return false, ctx.Err()
	}
	st := stateOf(ctx)
	if st == nil || st.call.unsafe {
		return false, nil
	}
	if err != nil {
		var notSent *notSentError
		var redirect *RedirectError
		var unknownAuthority x509.UnknownAuthorityError
		var hostname x509.HostnameError
		var certInvalid x509.CertificateInvalidError
		if errors.As(err, &notSent) || errors.As(err, &redirect) || errors.As(err, &unknownAuthority) ||
			errors.As(err, &hostname) || errors.As(err, &certInvalid) {
			return false, nil
		}
		return c.retryFailure(ctx, st, "connection error", 0), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			wait = jittered(defaultRetryWaitMin, defaultHold*2)
		}
		if deadline, has := ctx.Deadline(); has && time.Now().Add(wait).After(deadline) {
			return false, nil
		}
		st.nextWait = wait
		c.logger(ctx, "OpenTact API call will be retried", map[string]any{"reason": resp.Status, "wait_ms": wait.Milliseconds(), "rate_limited": st.op.rateLimited})
		return true, nil
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		wait, _ := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return c.retryFailure(ctx, st, resp.Status, wait), nil
	}
	return false, nil
}

// retryFailure decides on a retry after a 5xx or a connection error: up to
// max_retries, and never for a call that only saves other calls.
func (c *Client) retryFailure(ctx context.Context, st *callState, reason string, retryAfter time.Duration) bool {
	if st.call.cheap || st.retries >= c.maxRetries {
		return false
	}
	st.retries++
	st.nextWait = retryAfter
	if st.nextWait <= 0 {
		st.nextWait = exponential(c.http.RetryWaitMin, c.http.RetryWaitMax, st.retries)
	}
	c.logger(ctx, "OpenTact API call will be retried", map[string]any{"reason": reason, "retry": st.retries, "wait_ms": st.nextWait.Milliseconds()})
	return true
}

// backoff is retryablehttp's Backoff: the wait checkRetry chose. A
// connection error has no response to carry the call's state, so its wait
// is chosen again from the attempt number.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.Request != nil {
		if st := stateOf(resp.Request.Context()); st != nil && st.nextWait > 0 {
			return min(st.nextWait, maxHold)
		}
	}
	return exponential(minWait, maxWait, min(attempt+1, 6))
}

// exponential is a fully jittered exponential backoff between minWait and
// maxWait.
func exponential(minWait, maxWait time.Duration, retry int) time.Duration {
	ceiling := minWait << min(max(retry-1, 0), 20)
	if ceiling <= 0 || ceiling > maxWait {
		ceiling = maxWait
	}
	return jittered(minWait/2, ceiling)
}

func jittered(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
