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
	maxAnswerBytes        = 64 << 20
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
	// CACertificatePEM adds a private CA to the system's trusted roots.
	CACertificatePEM string
	// CoalesceReads serves reads of many users of one SIP connection from
	// one list call (see ReadUser).
	CoalesceReads bool
	Logger        Logger
}

// Client talks to one OpenTact API endpoint. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	token      string
	userAgent  string
	maxRetries int
	http       *retryablehttp.Client
	logger     Logger
	coalesce   bool
	snapshots  snapshots
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
	transport, err := newTransport(cfg.CACertificatePEM)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:       base,
		token:      token,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		logger:     cfg.Logger,
		coalesce:   cfg.CoalesceReads,
	}
	if c.userAgent == "" {
		c.userAgent = "terraform-provider-opentact"
	}
	if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.logger == nil {
		c.logger = func(context.Context, string, map[string]any) {}
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	waitMin, waitMax := cfg.RetryWaitMin, cfg.RetryWaitMax
	if waitMin <= 0 {
		waitMin = defaultRetryWaitMin
	}
	if waitMax < waitMin {
		waitMax = max(defaultRetryWaitMax, waitMin)
	}
	c.http = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport:     transport,
			Timeout:       timeout,
			CheckRedirect: c.checkRedirect,
		},
		RetryWaitMin:   waitMin,
		RetryWaitMax:   waitMax,
		RetryMax:       c.maxRetries,
		CheckRetry:     c.checkRetry,
		Backoff:        backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: c.logAttempt,
	}
	return c, nil
}

// Host is the API host this client talks to, for messages.
func (c *Client) Host() string { return c.base.Host }

// call is one API operation as the client sends it.
type call struct {
	method string
	path   string // below the base URL, already escaped
	body   any
	// unsafe marks a call that must not be repeated blindly when its
	// outcome is unknown (a create).
	unsafe bool
}

type unsafeCallKey struct{}

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
	if cl.unsafe {
		ctx = context.WithValue(ctx, unsafeCallKey{}, true)
	}
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
	started := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, cl, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		kind := ErrServer
		if cl.unsafe {
			kind = ErrUnknownOutcome
		}
		return nil, c.fail(cl, resp.StatusCode, kind, "the connection broke while reading the answer")
	}
	c.logger(ctx, "OpenTact API answered", map[string]any{
		"method": cl.method, "path": cl.path, "status": resp.StatusCode,
		"duration_ms": time.Since(started).Milliseconds(), "bytes": len(raw),
	})
	payload, aerr := parseAnswer(resp.StatusCode, raw)
	if aerr != nil && cl.unsafe && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout) {
		// A gateway gave up; the API behind it may have done the work.
		aerr.kind = ErrUnknownOutcome
	}
	if aerr != nil {
		if resp.StatusCode == http.StatusTooManyRequests || aerr.kind == ErrRateLimit {
			aerr.message = fmt.Sprintf("%s (after %d retries; raise max_retries or lower -parallelism)", aerr.message, c.maxRetries)
		}
		return nil, c.fail(cl, aerr.status, aerr.kind, aerr.message)
	}
	return payload, nil
}

// fail builds the error of a call. The token is scrubbed from the message
// in case a server or proxy echoed it back.
func (c *Client) fail(cl call, status int, kind error, message string) error {
	return &APIError{
		Method:  cl.method,
		Path:    cl.path,
		Host:    c.base.Host,
		Status:  status,
		Message: c.scrub(message),
		kind:    kind,
	}
}

// minScrubLength keeps a token too short to be a secret (an emulator's "t")
// from turning every "t" of a message into "[token]".
const minScrubLength = 8

func (c *Client) scrub(s string) string {
	if len(c.token) < minScrubLength {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[token]")
}

// transportError explains a call that got no usable HTTP answer.
func (c *Client) transportError(ctx context.Context, cl call, err error) error {
	var redirect *RedirectError
	switch {
	case errors.As(err, &redirect):
		return c.fail(cl, 0, ErrInsecure, redirect.Error())
	case ctx.Err() != nil:
		return c.fail(cl, 0, ErrServer, "gave up: the operation's timeout ran out or it was cancelled")
	case isDialError(err):
		return c.fail(cl, 0, ErrServer, "cannot connect: "+c.scrub(rootCause(err)))
	case cl.unsafe:
		return c.fail(cl, 0, ErrUnknownOutcome, "the connection broke before an answer came: "+c.scrub(rootCause(err)))
	default:
		return c.fail(cl, 0, ErrServer, "no answer: "+c.scrub(rootCause(err)))
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
