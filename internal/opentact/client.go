// Package opentact is a client for the OpenTact SIP user API. It knows
// nothing of Terraform: typed requests and answers, typed errors, retries.
package opentact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.opentact.org"

// Defaults for a rate-limited API.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
	defaultRetryWaitMin   = 500 * time.Millisecond
	defaultRetryWaitMax   = 30 * time.Second
	// MaxAnswerBytes bounds what one answer may hold (a list of about
	// 100,000 users); a longer answer is refused, not cut and misread.
	MaxAnswerBytes = 64 << 20
)

// Logger receives one line per request attempt and retry. Fields never hold
// the token or a body.
type Logger func(ctx context.Context, msg string, fields map[string]any)

// Config is everything a Client needs.
type Config struct {
	BaseURL        string
	Token          string
	UserAgent      string
	MaxRetries     int
	RequestTimeout time.Duration
	// RetryWaitMin and RetryWaitMax bound the backoff between attempts
	// (a Retry-After from the API wins). Zero means the defaults.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRequestsPerSecond is a known rate limit of the account: calls are
	// never sent faster. Zero means adaptive (learned from 429s).
	MaxRequestsPerSecond float64
	// CACertificatePEM adds a private CA to the system's trusted roots.
	CACertificatePEM string
	// CoalesceReads serves reads of many users of one SIP connection from
	// one list call (see ReadUser).
	CoalesceReads bool
	Logger        Logger
}

// Client talks to one OpenTact API endpoint. It is safe for concurrent use.
type Client struct {
	base           *url.URL
	token          string
	userAgent      string
	maxRetries     int
	requestTimeout time.Duration
	http           *retryablehttp.Client
	pacer          *pacer
	logger         Logger
	coalesce       bool
	snapshots      snapshots
}

// New checks the configuration and builds a client. Errors say which
// setting is wrong and never contain the token.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	token := NormalizeToken(cfg.Token)
	if token == "" {
		return nil, errors.New("the API token is empty")
	}
	if cfg.MaxRequestsPerSecond < 0 {
		return nil, errors.New("max_requests_per_second must be more than 0")
	}
	transport, err := newTransport(cfg.CACertificatePEM)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:           base,
		token:          token,
		userAgent:      cfg.UserAgent,
		maxRetries:     max(cfg.MaxRetries, 0),
		requestTimeout: cfg.RequestTimeout,
		logger:         cfg.Logger,
		coalesce:       cfg.CoalesceReads,
		pacer:          sharedPacer(base.Host, token, cfg.MaxRequestsPerSecond),
	}
	if c.userAgent == "" {
		c.userAgent = "terraform-provider-opentact"
	}
	if c.logger == nil {
		c.logger = func(context.Context, string, map[string]any) {}
	}
	if c.requestTimeout <= 0 {
		c.requestTimeout = DefaultRequestTimeout
	}
	waitMin, waitMax := cfg.RetryWaitMin, cfg.RetryWaitMax
	if waitMin <= 0 {
		waitMin = defaultRetryWaitMin
	}
	if waitMax < waitMin {
		waitMax = max(defaultRetryWaitMax, waitMin)
	}
	c.http = &retryablehttp.Client{
		// No http.Client timeout: it would count a call's wait for the
		// pacer against request_timeout. pacedTransport times each request
		// from when it leaves.
		HTTPClient: &http.Client{
			Transport:     &pacedTransport{base: transport, client: c},
			CheckRedirect: c.checkRedirect,
		},
		RetryWaitMin: waitMin,
		RetryWaitMax: waitMax,
		// checkRetry decides: 429s until the deadline, the rest up to
		// maxRetries. This only keeps the library's own count out of it.
		RetryMax:       1 << 30,
		CheckRetry:     c.checkRetry,
		Backoff:        backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.logAttempt,
	}
	return c, nil
}

// Host is the API host this client talks to, for messages.
func (c *Client) Host() string { return c.base.Host }

// BaseURL is the API base URL this client talks to, for messages.
func (c *Client) BaseURL() string { return c.base.String() }

// call is one API operation as the client sends it.
type call struct {
	method string
	path   string // below the base URL, already escaped
	body   any
	// unsafe marks a call that must not be repeated blindly when its
	// outcome is unknown (a create): the transport never retries it, and
	// CreateUser owns its retries.
	unsafe bool
	// cheap marks a call that only saves other calls (the list behind
	// coalesced reads): errors other than 429 are not retried, since the
	// calls it would have saved are made instead.
	cheap bool
	// secrets are values the call sends (a password) that must never come
	// back in an error, should the API echo them.
	secrets []string
}

// do sends a call, with retries where they are safe, and returns the payload
// of a successful answer or an error that names the call.
func (c *Client) do(ctx context.Context, cl call) (json.RawMessage, error) {
	var body io.Reader
	if cl.body != nil {
		raw, err := json.Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s %s request: %w", cl.method, cl.path, err)
		}
		body = bytes.NewReader(raw)
	}
	st := &callState{call: cl, op: opStatsOf(ctx)}
	ctx = context.WithValue(ctx, callStateKey{}, st)
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, c.base.String()+cl.path, body)
	if err != nil {
		return nil, c.fail(cl, 0, ErrBadAnswer, "building the request: "+err.Error())
	}
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, st, err)
	}
	defer func() { _ = resp.Body.Close() }()
	st.op.noteServerTime(resp.Header)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		kind := ErrServer
		if cl.unsafe {
			kind = ErrUnknownOutcome
		}
		return nil, c.fail(cl, resp.StatusCode, kind, "the connection broke while reading the answer")
	}
	c.logger(ctx, "OpenTact API answered", map[string]any{
		"method": cl.method, "path": cl.path, "status": resp.StatusCode,
		"duration_ms": time.Since(st.op.started).Milliseconds(), "bytes": len(raw),
	})
	if len(raw) > MaxAnswerBytes {
		kind := ErrBadAnswer
		if cl.unsafe {
			kind = ErrUnknownOutcome
		}
		return nil, c.fail(cl, resp.StatusCode, kind, fmt.Sprintf("the answer is larger than %d MiB, the most this provider reads from one answer", MaxAnswerBytes>>20))
	}
	payload, aerr := parseAnswer(resp.StatusCode, raw)
	if aerr == nil {
		return payload, nil
	}
	var hint string
	switch {
	case aerr.notAPI:
		hint = fmt.Sprintf("the answer to %s %s is not the OpenTact API's answer (a 404 without the API's error envelope), so it says nothing about the object; check base_url (%s) and any proxy between Terraform and the API",
			cl.method, c.base.String()+cl.path, c.base.String())
	case resp.StatusCode == http.StatusTooManyRequests:
		hint = st.op.rateLimitAdvice()
	case resp.StatusCode >= 500 && st.retries > 0:
		hint = fmt.Sprintf("after %d retries (max_retries)", st.retries)
	}
	if cl.unsafe && (resp.StatusCode >= 500 || resp.StatusCode < 300 || aerr.status >= 500) {
		// A server or gateway failed, or an answer under 2xx cannot be
		// read: the API behind it may have done the work. CreateUser
		// finds out.
		aerr.kind = ErrUnknownOutcome
	}
	failure := c.fail(cl, aerr.status, aerr.kind, aerr.message, hint)
	if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		failure.retryAfter = ra
	}
	return nil, failure
}

// fail builds the error of a call. The token is scrubbed from the message,
// in case a server or proxy echoed it back, before the message is cut to
// size: a cut first could leave a prefix of the token behind. The hint, the
// provider's own advice, is appended whole.
func (c *Client) fail(cl call, status int, kind error, message string, hint ...string) *APIError {
	msg := cleanMessage(c.scrub(message, cl.secrets...))
	for _, h := range hint {
		if h = strings.TrimSpace(h); h != "" {
			msg += "; " + c.scrub(h, cl.secrets...)
		}
	}
	return &APIError{Method: cl.method, Path: cl.path, Host: c.base.Host, Status: status, Message: msg, kind: kind}
}

// minScrubLength keeps a token too short to be a secret (an emulator's "t")
// from turning every "t" of a message into "[token]"; minSecretScrubLength
// does the same for a password a call sent, which an API might echo in a
// validation message.
const (
	minScrubLength       = 8
	minSecretScrubLength = 6
)

func (c *Client) scrub(s string, secrets ...string) string {
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

// transportError explains a call that got no usable HTTP answer. For a
// create it tells whether the request may have reached the API.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	cl := st.call
	var redirect *RedirectError
	var notSent *notSentError
	switch {
	case errors.As(err, &redirect):
		return c.fail(cl, 0, ErrInsecure, redirect.Error())
	case errors.As(err, &notSent) && errors.Is(notSent.err, errPacingDeadline):
		return c.fail(cl, 0, ErrRateLimit, "not sent: "+errPacingDeadline.Error(), st.op.rateLimitAdvice())
	case cl.unsafe && st.maybeSent && ctx.Err() != nil:
		return c.fail(cl, 0, ErrUnknownOutcome, "the operation's timeout ran out or it was cancelled before the API answered")
	case ctx.Err() != nil && st.op.rateLimited > 0:
		return c.fail(cl, 0, ErrRateLimit, "the operation's timeout ran out while the API kept answering 429", st.op.rateLimitAdvice())
	case ctx.Err() != nil:
		return c.fail(cl, 0, ErrCancelled, "gave up: the operation's timeout ran out or it was cancelled", st.op.rateLimitAdvice())
	case isDialError(err):
		return c.fail(cl, 0, ErrServer, "cannot connect: "+rootCause(err))
	case cl.unsafe && st.maybeSent:
		return c.fail(cl, 0, ErrUnknownOutcome, "no answer came (the connection broke or the request timed out): "+rootCause(err))
	default:
		return c.fail(cl, 0, ErrServer, "no answer: "+rootCause(err))
	}
}

// rootCause drops url.Error's "Post \"https://...\"" prefix: the call is
// already named by APIError.
func rootCause(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return err.Error()
}

// logAttempt is the log hook of retryablehttp: one line per attempt.
func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	fields := map[string]any{"method": req.Method, "path": req.URL.Path, "host": req.URL.Host}
	if attempt > 0 {
		fields["retry"] = attempt
	}
	c.logger(req.Context(), "OpenTact API request", fields)
}
