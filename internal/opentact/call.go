package opentact

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The one call path. Every API call is a call of some kind; each attempt is
// classified once (attempt.go), and decide alone says, from the kind, the
// class and what the call has left, whether to wait and try again, to settle
// by looking (a create), or to return.

// callKind is what a call is, which decides what its failures allow.
type callKind int

const (
	// readCall reads (a user, a list that decisions rest on): safe to repeat.
	readCall callKind = iota
	// writeCall changes or removes a user: idempotent, safe to repeat.
	writeCall
	// createCall makes a user: not idempotent. After an attempt that may
	// have made it, the create is repeated (a second one meets the login,
	// 409) and settled by looking.
	createCall
	// hintCall is the list behind coalesced reads: it only saves calls, so
	// a failure other than a 429 is not retried (the calls it would have
	// saved are made instead), and does not mark the API unreachable.
	hintCall
	// settleCall is the lookup that settles a create's unknown outcome: a
	// read that goes through even when the API is known to be unreachable.
	settleCall
)

// call is one API call as the client sends it.
type call struct {
	kind   callKind
	method string
	path   string // below the base URL, already escaped
	body   any    // encoded as JSON, when not nil
	// secrets are values the call sends (a password), or that the create it
	// settles sent, that must never come back in an error, should the API
	// echo them.
	secrets []string
	// decode reads a successful payload; a problem makes the answer
	// unreadable (for a create: an answer that says it acted, on what is
	// unknown).
	decode func(json.RawMessage) (problem string)
}

// verdict is what follows an attempt.
type verdict int

const (
	done verdict = iota
	retry
	settle
	fail
)

// operation is what one call has been through, across its attempts. It
// travels as a parameter, never in a context.
type operation struct {
	started  time.Time
	attempts int
	// retries counts the retries after gateway errors and lost answers,
	// which Config.MaxRetries bounds.
	retries int
	// notSentSince is when the call's current run of attempts that reached
	// nothing began.
	notSentSince time.Time
	rateLimited  int           // 429 answers met
	rateWait     time.Duration // time waiting for the rate limit
	// uncertain is set once an attempt of a create may have made the user;
	// uncertainBy is that attempt.
	uncertain   bool
	uncertainBy *attempt
	// serverOffset is the API's clock minus ours, from the Date header of
	// the first answer that had one, when knowsServerTime.
	serverOffset    time.Duration
	knowsServerTime bool
}

func newOperation() *operation { return &operation{started: time.Now()} }

// noteAnswer learns what an answer says about the call: a 429, the API's
// clock.
func (op *operation) noteAnswer(resp *http.Response) {
	if resp.StatusCode == http.StatusTooManyRequests {
		op.rateLimited++
	}
	if op.knowsServerTime {
		return
	}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		op.serverOffset = time.Until(date)
		op.knowsServerTime = true
	}
}

// result is what a call came to: a payload, or a failure; settle is set for
// a create whose outcome its caller must settle by looking.
type result struct {
	payload json.RawMessage
	err     *APIError
	settle  bool
}

// do runs a call to its end. op is the call's operation, or nil for a new
// one.
func (c *Client) do(ctx context.Context, cl call, op *operation) result {
	if op == nil {
		op = newOperation()
	}
	for {
		a := c.reach.admit(cl.kind, c.pacer.clock.now())
		if a == nil {
			a = c.send(ctx, &cl, op)
			c.reach.observe(a, c.pacer.clock.now())
		}
		next, wait := c.decide(ctx, cl.kind, op, a)
		if next == retry {
			c.logger(ctx, "OpenTact API call will be retried", map[string]any{
				"method": cl.method, "path": cl.path, "reason": a.class.String(), "status": a.status, "attempt": op.attempts, "wait_ms": wait.Milliseconds(),
			})
			if a.class == classRateLimited {
				op.rateWait += wait
			}
			if _, err := c.pacer.clock.sleep(ctx, wait, nil); err == nil {
				continue
			}
			// Cancelled while waiting: the last answer still says what happened.
			a.timeout, next = deadlineOf(ctx), fail
			if op.uncertain {
				next = settle
			}
		}
		switch next {
		case done:
			return result{payload: a.payload}
		case settle:
			return result{err: c.failure(cl, op, a), settle: true}
		default:
			if a.class == classNotSent && cl.kind != hintCall {
				c.reach.trip(a, op.notSentSince, c.pacer.clock.now())
			}
			return result{err: c.failure(cl, op, a)}
		}
	}
}

// decide is the one place that says what follows an attempt.
//   - A 429 means "later": it is retried while the call has time left.
//   - A gateway error (502, 503, 504) or a lost answer is retried up to
//     maxRetries (for a create: sent again, which cannot make a second user,
//     since logins are unique).
//   - An attempt that reached nothing is retried for notSentWindow, whatever
//     the count, unless the API is known to be unreachable or its
//     certificate was refused.
//   - A create that may have made the user, and cannot go on, is settled by
//     looking; any other failure is returned.
func (c *Client) decide(ctx context.Context, k callKind, op *operation, a *attempt) (verdict, time.Duration) {
	if a.class == classOK {
		return done, 0
	}
	if k == createCall && a.class.mayHaveActed() && !op.uncertain {
		op.uncertain, op.uncertainBy = true, a
	}
	if a.class != classNotSent {
		op.notSentSince = time.Time{}
	}
	switch a.class {
	case classRateLimited:
		wait := a.retryAfter
		switch {
		case !a.hasRetry:
			wait = jittered(c.retryWaitMin, 2*defaultHold)
		case wait == 0: // "now", but not in a tight loop
			wait = exponential(c.retryWaitMin, c.retryWaitMax, op.rateLimited)
		}
		if fits(ctx, min(wait, maxHold)) {
			return retry, min(wait, maxHold)
		}
		a.timeout = deadlineOf(ctx) // the wait would pass the operation's deadline
	case classUnavailable, classMaybeSent:
		wait := exponential(c.retryWaitMin, c.retryWaitMax, op.retries+1)
		if a.hasRetry && a.retryAfter > 0 {
			wait = min(a.retryAfter, maxHold)
		}
		if k != hintCall && op.retries < c.maxRetries && fits(ctx, wait) {
			op.retries++
			return retry, wait
		}
	case classNotSent:
		if op.notSentSince.IsZero() {
			op.notSentSince = c.pacer.clock.now()
		}
		spent := c.pacer.clock.now().Sub(op.notSentSince)
		if k != hintCall && c.maxRetries > 0 && !a.hopeless && !c.reach.isDown() && spent < c.notSentWindow && ctx.Err() == nil {
			return retry, min(exponential(c.notSentWaitMin, notSentWaitMax, op.attempts), c.notSentWindow-spent)
		}
	}
	if op.uncertain {
		return settle, 0
	}
	return fail, 0
}

// fits reports whether ctx has time for a wait of d.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() == nil && (!ok || time.Now().Add(d).Before(deadline))
}

// failure is the error a call ends with, from its last attempt.
func (c *Client) failure(cl call, op *operation, a *attempt) *APIError {
	e := &APIError{
		Method: cl.method, Path: cl.path, Host: c.base.Host, URL: c.base.String() + cl.path,
		Status: a.status, Enveloped: a.enveloped, NotAPI: a.class == classNotAPI,
		Cause: c.scrub(a.cause, cl.secrets), Certificate: a.cert, NotTLS: a.notTLS, RedirectTo: a.redirectTo, Unreachable: a.knownDown,
		Timeout: a.timeout, RequestLimit: c.requestTimeout,
		Attempts: op.attempts, Retries: op.retries, MaxRetries: c.maxRetries, RateLimited: op.rateLimited, RateWait: op.rateWait,
		Elapsed: time.Since(op.started), MaybeSent: op.uncertain || a.class == classMaybeSent, kind: a.kind,
	}
	if a.cert != nil {
		cert := *a.cert // attempts of a known-down API share one
		cert.Host = c.base.Host
		e.Certificate = &cert
	}
	e.Message, e.Withheld = c.scrubMessage(a.message, cl.secrets)
	if u := op.uncertainBy; u != nil {
		e.UncertainStatus, e.UncertainTimeout = u.status, u.timeout
		switch {
		case u.kind == ErrCancelled && u.timeout == NoTimeout:
			e.UncertainCancelled = true
		case u.cause != "":
			e.UncertainCause = c.scrub(u.cause, cl.secrets)
		default:
			// The API's message, scrubbed as the call's own: a short
			// password in it withholds it.
			e.UncertainCause, e.UncertainWithheld = c.scrubMessage(u.message, cl.secrets)
		}
	}
	if a.pacingDeadline || e.kind == ErrCancelled && (op.rateLimited > 0 || op.rateWait >= time.Second) {
		// The time ran out while the API kept answering 429, or while the
		// call waited its turn at the rate limit.
		e.kind = ErrRateLimit
	}
	return e
}

// minScrubLength keeps a token too short to be a secret (an emulator's "t")
// from turning every "t" of a message into "[token]". A password is scrubbed
// whatever its length: minSecretScrubLength is the length below which cutting
// one out would garble the message, so a message that holds it is withheld.
const (
	minScrubLength       = 8
	minSecretScrubLength = 6
)

// scrubMessage scrubs the token and the call's secrets from a message, then
// cuts it: a cut first could leave a prefix of a secret behind.
func (c *Client) scrubMessage(msg string, secrets []string) (string, bool) {
	for _, s := range secrets {
		if s != "" && len(s) < minSecretScrubLength && strings.Contains(msg, s) {
			return "", true
		}
	}
	return cleanMessage(c.scrub(msg, secrets)), false
}

func (c *Client) scrub(s string, secrets []string) string {
	if len(c.token) >= minScrubLength {
		s = strings.ReplaceAll(s, c.token, "[token]")
	}
	for _, secret := range secrets {
		if len(secret) >= minSecretScrubLength {
			s = strings.ReplaceAll(s, secret, "[password]")
		}
	}
	return s
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
