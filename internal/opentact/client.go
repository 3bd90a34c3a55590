// Package opentact is a client for the OpenTact SIP user API. It knows
// nothing of Terraform: typed requests and answers, typed errors that carry
// what a caller needs to explain them, and one call path with its retries
// (call.go). Its messages name no setting of any tool that uses it.
package opentact

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.opentact.org"

// Defaults for a rate-limited API.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
	// DefaultNotSentWindow is how long a read of a client that has never
	// had an answer, or a call without a deadline, keeps trying when nothing
	// reaches the API, and how long a connection may take to be made (see
	// notSentWait).
	DefaultNotSentWindow = 5 * time.Second
	defaultRetryWaitMin  = 500 * time.Millisecond
	defaultRetryWaitMax  = 30 * time.Second
	defaultNotSentWait   = 100 * time.Millisecond
	notSentWaitMax       = time.Second
	// MaxAnswerBytes bounds what one answer may hold (a list of about
	// 100,000 users); a longer answer is refused, not cut and misread.
	MaxAnswerBytes = 64 << 20
	// loggedWait is the shortest wait for the rate limit worth a log line.
	loggedWait = 10 * time.Millisecond
)

// ErrEmptyToken is New's error for a configuration without a token.
var ErrEmptyToken = errors.New("the API token is empty")

// Logger receives one line per request attempt, answer and retry. Fields
// never hold the token or a body.
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
	// NotSentWindow bounds the retries of attempts that reach nothing for a
	// read of a client that has never had an answer, and for a call without
	// a deadline (other calls retry them until their deadline), and the time
	// a connection may take; NotSentWaitMin is the first wait between them.
	// Zero means the defaults. MaxRetries does not bound these retries.
	NotSentWindow, NotSentWaitMin time.Duration
	// Pacer paces the calls of one API account (NewPacer); clients of the
	// same account share one. Nil gives the client an adaptive pacer of its
	// own.
	Pacer *Pacer
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
	retryWaitMin   time.Duration
	retryWaitMax   time.Duration
	notSentWindow  time.Duration
	notSentWaitMin time.Duration
	http           *http.Client
	pacer          *Pacer
	logger         Logger
	coalesce       bool
	snapshots      snapshots
	reach          reach
}

// New checks the configuration and builds a client. Its errors are typed
// (*BaseURLError, ErrEmptyToken, ErrNoPEMCertificate) and never contain the
// token.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	token := NormalizeToken(cfg.Token)
	if token == "" {
		return nil, ErrEmptyToken
	}
	c := &Client{
		base:           base,
		token:          token,
		userAgent:      cmp.Or(cfg.UserAgent, "terraform-provider-opentact"),
		maxRetries:     max(cfg.MaxRetries, 0),
		requestTimeout: orDefault(cfg.RequestTimeout, DefaultRequestTimeout),
		retryWaitMin:   orDefault(cfg.RetryWaitMin, defaultRetryWaitMin),
		notSentWindow:  orDefault(cfg.NotSentWindow, DefaultNotSentWindow),
		notSentWaitMin: orDefault(cfg.NotSentWaitMin, defaultNotSentWait),
		logger:         cfg.Logger,
		coalesce:       cfg.CoalesceReads,
		pacer:          cfg.Pacer,
	}
	c.retryWaitMax = max(orDefault(cfg.RetryWaitMax, defaultRetryWaitMax), c.retryWaitMin)
	if c.pacer == nil {
		c.pacer = NewPacer(0)
	}
	if c.logger == nil {
		c.logger = func(context.Context, string, map[string]any) {}
	}
	if c.http, err = newHTTPClient(cfg.CACertificatePEM, c.notSentWindow, c.checkRedirect); err != nil {
		return nil, err
	}
	return c, nil
}

// orDefault is d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Host is the API host this client talks to, for messages.
func (c *Client) Host() string { return c.base.Host }

// BaseURL is the API base URL this client talks to, for messages.
func (c *Client) BaseURL() string { return c.base.String() }
