package opentact

import (
	"context"
	"encoding/json"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
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
	// saved are made instead).
	hintCall
	// settleCall is the lookup that settles a create's unknown outcome: a
	// read with a write's patience (an orphan is worse than a wait), on an
	// operation of its own.
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
	// uncertain is, for a create, the first attempt that may have made the
	// user: from then on, a failure that ends the call is settled by looking.
	uncertain *attempt
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

// note records what an attempt tells the operation, before decide reads it.
func (op *operation) note(k callKind, a *attempt, now time.Time) {
	if k == createCall && a.class.mayHaveActed() && op.uncertain == nil {
		op.uncertain = a
	}
	switch {
	case a.class != classNotSent:
		op.notSentSince = time.Time{}
	case op.notSentSince.IsZero():
		op.notSentSince = now
	}
}

// ending is how a call that cannot go on ends: a create that may have made
// the user is settled by looking; anything else fails.
func (op *operation) ending() verdict {
	if op.uncertain != nil {
		return settle
	}
	return fail
}

// result is what a call came to: a payload, or a failure; settle is set for
// a create whose outcome its caller must settle by looking.
type result struct {
	payload json.RawMessage
	err     *APIError
	settle  bool
}

// step is what decide says follows an attempt.
type step struct {
	verdict verdict
	wait    time.Duration // before the retry
	// counted is a retry that max_retries bounds.
	counted bool
	// outOfTime is a call that would have retried, but the wait would pass
	// its operation's deadline.
	outOfTime bool
}

// do runs a call to its end. op is the call's operation, or nil for a new
// one. decide says what follows each attempt; do does it.
func (c *Client) do(ctx context.Context, cl call, op *operation) result {
	if op == nil {
		op = newOperation()
	}
	for {
		start := c.pacer.clock.now()
		a := c.reach.learnt(cl.kind, start, c.notSentWindow)
		if a == nil {
			a = c.send(ctx, &cl, op)
			c.reach.observe(a, start)
		}
		now := c.pacer.clock.now()
		op.note(cl.kind, a, start)
		s := c.decide(ctx, cl.kind, op, a, now)
		if s.outOfTime {
			a.timeout = deadlineOf(ctx)
		}
		if s.verdict == retry {
			c.logger(ctx, "OpenTact API call will be retried", map[string]any{
				"method": cl.method, "path": cl.path, "reason": a.class.String(), "status": a.status, "attempt": op.attempts, "wait_ms": s.wait.Milliseconds(),
			})
			if s.counted {
				op.retries++
			}
			if a.class == classRateLimited {
				op.rateWait += s.wait
			}
			if _, err := c.pacer.clock.sleep(ctx, s.wait, nil); err == nil {
				continue
			}
			// Cancelled while waiting: the last answer still says what
			// happened; an attempt that reached nothing says the wait was
			// cut.
			a.timeout, s.verdict = deadlineOf(ctx), op.ending()
			if a.class == classNotSent && a.timeout == NoTimeout {
				a.kind = ErrCancelled
			}
		}
		switch s.verdict {
		case done:
			return result{payload: a.payload}
		case settle:
			return result{err: c.failure(cl, op, a), settle: true}
		default:
			return result{err: c.failure(cl, op, a)}
		}
	}
}

// decide is the one place that says what follows an attempt. It changes
// nothing: do records the attempt (operation.note, reach.observe) before,
// and acts on the step after.
//   - A 429 means "later": it is retried while the call has time left.
//   - A gateway error (502, 503, 504) or a lost answer is retried up to
//     maxRetries (for a create: sent again, which cannot make a second user,
//     since logins are unique).
//   - An attempt that reached nothing is retried (see notSentWait), unless
//     retrying cannot mend it (a refused certificate).
//   - A create that may have made the user, and cannot go on, is settled by
//     looking; any other failure is returned.
func (c *Client) decide(ctx context.Context, k callKind, op *operation, a *attempt, now time.Time) step {
	if a.class == classOK {
		return step{verdict: done}
	}
	end := step{verdict: op.ending()}
	switch a.class {
	case classRateLimited:
		wait := a.retryAfter
		switch {
		case !a.hasRetry:
			wait = jittered(c.retryWaitMin, 2*defaultHold)
		case wait == 0: // "now", but not in a tight loop
			wait = exponential(c.retryWaitMin, c.retryWaitMax, op.rateLimited)
		}
		wait = min(wait, maxHold)
		if fits(ctx, wait) {
			return step{verdict: retry, wait: wait}
		}
		end.outOfTime = true
	case classUnavailable, classMaybeSent:
		wait := exponential(c.retryWaitMin, c.retryWaitMax, op.retries+1)
		if a.hasRetry && a.retryAfter > 0 {
			wait = min(a.retryAfter, maxHold)
		}
		if k != hintCall && op.retries < c.maxRetries && fits(ctx, wait) {
			return step{verdict: retry, wait: wait, counted: true}
		}
	case classNotSent:
		wait, ok, outOfTime := c.notSentWait(ctx, k, op, a, now)
		if ok {
			return step{verdict: retry, wait: wait}
		}
		end.outOfTime = outOfTime
	}
	return end
}

// notSentWait is the wait before trying again an attempt that reached
// nothing, and whether to. Nothing was sent, so trying again is always
// safe, and max_retries does not bound it. A read against an address that
// has never answered in this process gives up once attempts have reached
// nothing for notSentWindow, counted from the first such attempt of any
// call; every other call tries until its deadline (see reach), or for the
// window when it has none. The hint list behind coalesced reads is not
// retried: its reads are made instead.
func (c *Client) notSentWait(ctx context.Context, k callKind, op *operation, a *attempt, now time.Time) (wait time.Duration, ok, outOfTime bool) {
	if k == hintCall || a.hopeless || ctx.Err() != nil {
		return 0, false, false
	}
	wait = exponential(c.notSentWaitMin, notSentWaitMax, op.attempts)
	since, never := c.reach.neverAnswered()
	shared := never && k == readCall
	if _, hasDeadline := ctx.Deadline(); shared || !hasDeadline {
		// Without a deadline of its own, a call tries for the window.
		start := op.notSentSince
		if shared && !since.IsZero() && since.Before(start) {
			start = since
		}
		left := c.notSentWindow - now.Sub(start)
		if left <= 0 {
			return 0, false, false
		}
		wait = min(wait, left)
	}
	if !fits(ctx, wait) {
		return 0, false, true
	}
	return wait, true, false
}

// fits reports whether ctx has time for a wait of d.
func fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() == nil && (!ok || time.Now().Add(d).Before(deadline))
}

// failure is the error a call ends with, from its last attempt; for a
// create that may have made the user, the attempt that made its outcome
// uncertain is nested in it (APIError.Uncertain), scrubbed the same way.
func (c *Client) failure(cl call, op *operation, a *attempt) *APIError {
	e := c.attemptError(cl, op, a)
	if op.uncertain != nil {
		e.MaybeSent = true
		e.Uncertain = c.attemptError(cl, op, op.uncertain)
	}
	if a.pacingDeadline || e.kind == ErrCancelled && (op.rateLimited > 0 || op.rateWait >= time.Second) {
		// The time ran out while the API kept answering 429, or while the
		// call waited its turn at the rate limit.
		e.kind = ErrRateLimit
	}
	return e
}

// attemptError is what one attempt of a call says, with what the call went
// through; the one place where an attempt's text is scrubbed of the token
// and the call's secrets.
func (c *Client) attemptError(cl call, op *operation, a *attempt) *APIError {
	e := &APIError{
		Method: cl.method, Path: cl.path, Host: c.base.Host, URL: c.base.String() + cl.path,
		Status: a.status, Enveloped: a.enveloped, NotAPI: a.class == classNotAPI,
		Cause: c.scrub(a.cause, cl.secrets), NotTLS: a.notTLS, RedirectTo: a.redirectTo,
		Timeout: a.timeout, RequestLimit: c.requestTimeout,
		Attempts: op.attempts, Retries: op.retries, MaxRetries: c.maxRetries, RateLimited: op.rateLimited, RateWait: op.rateWait,
		Elapsed: time.Since(op.started), MaybeSent: a.class == classMaybeSent, kind: a.kind,
	}
	if a.cert != nil {
		cert := *a.cert
		cert.Host = c.base.Host
		e.Certificate = &cert
	}
	e.Message, e.Withheld = c.scrubMessage(a.message, cl.secrets)
	return e
}

// minScrubLength keeps a token too short to be a secret (an emulator's "t")
// from turning every "t" of a message into "[token]", and is the stretch of
// a token that withholds a message. minSecretStretch is the longest part of
// a password that may appear in an error: a message that holds a longer
// stretch of one is withheld.
const (
	minScrubLength   = 8
	minSecretStretch = 6
)

// scrubMessage cuts an API message for an error. A message that echoes a
// secret, even in part (see echoes), is withheld whole: cutting the echo out
// would leave its neighbours, a cut short or re-cased copy, or a copy in
// another encoding behind.
func (c *Client) scrubMessage(msg string, secrets []string) (string, bool) {
	if echoes(msg, secrets, minSecretStretch) || len(c.token) >= minScrubLength && echoes(msg, []string{c.token}, minScrubLength) {
		return "", true
	}
	return cleanMessage(msg), false
}

// echoes reports whether msg, read as it is or decoded (JSON string escapes,
// HTML entities, URL encoding), holds any stretch of n characters of a
// secret (a shorter secret: the whole of it), compared without regard to
// case.
func echoes(msg string, secrets []string, n int) bool {
	forms := decodedForms(msg)
	for _, secret := range secrets {
		for _, stretch := range stretches(strings.ToLower(secret), n) {
			for _, form := range forms {
				if strings.Contains(form, stretch) {
					return true
				}
			}
		}
	}
	return false
}

// decodedForms is msg lower-cased as it is, and as each decoding an echo may
// have gone through leaves it (twice, for an echo escaped twice).
func decodedForms(msg string) []string {
	forms := []string{msg}
	for range 2 {
		last := forms[len(forms)-1]
		forms = append(forms, unescapeJSON(last), html.UnescapeString(last))
		if u, err := url.QueryUnescape(last); err == nil {
			forms = append(forms, u)
		}
		forms = append(forms, html.UnescapeString(unescapeJSON(last)))
	}
	for i := range forms {
		forms[i] = strings.ToLower(forms[i])
	}
	return forms
}

// jsonEscape is one escape of a JSON string: a surrogate pair, \\uXXXX, or a
// backslash and a character.
var jsonEscape = regexp.MustCompile(`\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\(u[0-9a-fA-F]{4}|["\\/bfnrt])`)

// unescapeJSON decodes the escapes of a JSON string wherever they stand in s.
func unescapeJSON(s string) string {
	return jsonEscape.ReplaceAllStringFunc(s, func(e string) string {
		hex := func(from int) rune {
			n, _ := strconv.ParseUint(e[from:from+4], 16, 16) // four hex digits: at most 0xFFFF
			return rune(n)                                    //nolint:gosec // bounded by bitSize 16 above
		}
		switch {
		case len(e) == 12:
			return string(utf16.DecodeRune(hex(2), hex(8)))
		case e[1] == 'u':
			return string(hex(2))
		}
		if r, ok := map[byte]string{'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t"}[e[1]]; ok {
			return r
		}
		return e[1:]
	})
}

// stretches are the runs of n characters of s (s itself when shorter; none
// when empty).
func stretches(s string, n int) []string {
	runes := []rune(s)
	if len(runes) <= n {
		if len(runes) == 0 {
			return nil
		}
		return []string{s}
	}
	out := make([]string, 0, len(runes)-n+1)
	for i := 0; i+n <= len(runes); i++ {
		out = append(out, string(runes[i:i+n]))
	}
	return out
}

// scrub replaces the token and the call's secrets in a text that is not the
// API's message (a failure below HTTP).
func (c *Client) scrub(s string, secrets []string) string {
	if len(c.token) >= minScrubLength {
		s = strings.ReplaceAll(s, c.token, "[token]")
	}
	for _, secret := range secrets {
		if len(secret) >= minSecretStretch {
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
