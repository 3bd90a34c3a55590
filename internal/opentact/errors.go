package opentact

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The kinds of failure a caller branches on. An *APIError wraps exactly one
// of them, so callers write errors.Is(err, opentact.ErrNotFound).
var (
	ErrAuth       = errors.New("not authorised")
	ErrNotFound   = errors.New("not found")
	ErrConflict   = errors.New("conflict")
	ErrValidation = errors.New("rejected as invalid")
	ErrRateLimit  = errors.New("rate limited")
	ErrServer     = errors.New("server error")
	ErrBadAnswer  = errors.New("unreadable answer")
	// ErrInsecure is a call refused to keep the token safe (a redirect to
	// another host).
	ErrInsecure = errors.New("refused to protect the API token")
	// ErrUnknownOutcome marks a write whose fate is unknown: the request may
	// have reached the API before the connection broke or a gateway gave up.
	ErrUnknownOutcome = errors.New("outcome unknown")
	// ErrCancelled is a call given up because its operation's timeout ran
	// out or Terraform cancelled it, before anything could have been done.
	ErrCancelled = errors.New("cancelled")
)

// APIError is a failed call: which call, on which host, what came back. It
// never holds the token or a request body.
type APIError struct {
	Method  string
	Path    string
	Host    string
	Status  int    // HTTP status, 0 when no answer was received
	Message string // the API's own message, or a description of the answer
	kind    error
	// retryAfter is the answer's Retry-After, for the caller that owns the
	// call's retries (a create).
	retryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "OpenTact API %s %s on %s", e.Method, e.Path, e.Host)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	fmt.Fprintf(&b, ": %s", e.kind)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.kind }

// kindForStatus maps an HTTP status to the error kind callers branch on.
func kindForStatus(status int) error {
	switch {
	case status == 401 || status == 403:
		return ErrAuth
	case status == 404:
		return ErrNotFound
	case status == 409:
		return ErrConflict
	case status == 429:
		return ErrRateLimit
	case status >= 500:
		return ErrServer
	case status >= 400:
		return ErrValidation
	default:
		return ErrBadAnswer
	}
}

// RedirectError is returned instead of following a redirect that would carry
// the token to another host or scheme.
type RedirectError struct {
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the answer redirects from %s to %s, which is not followed: the API token is only sent to the configured base_url's host; point base_url at the final address instead", e.From, e.To)
}
