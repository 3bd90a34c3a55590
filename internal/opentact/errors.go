package opentact

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The kinds of failure a caller branches on. Every error of the client
// wraps exactly one of them, so callers write errors.Is(err, ErrNotFound).
var (
	ErrAuth       = errors.New("not authorised")
	ErrNotFound   = errors.New("not found")
	ErrConflict   = errors.New("conflict")
	ErrValidation = errors.New("rejected as invalid")
	ErrRateLimit  = errors.New("rate limited")
	ErrServer     = errors.New("server error")
	ErrBadAnswer  = errors.New("unreadable answer")
	// ErrNoAnswer is a request that may have reached the API but got no
	// answer: the connection broke after it was sent, or no answer came
	// in time.
	ErrNoAnswer = errors.New("no answer")
	// ErrUnreachable is a request that never reached the API: the
	// connection was refused, the host name did not resolve, a proxy
	// refused the tunnel, or the TLS handshake failed.
	ErrUnreachable = errors.New("cannot connect")
	// ErrCertificate is a TLS handshake that failed on the API's
	// certificate: nothing was sent.
	ErrCertificate = errors.New("certificate not accepted")
	// ErrInsecure is a call refused to keep the token safe (a redirect to
	// another host).
	ErrInsecure = errors.New("refused to protect the API token")
	// ErrUnknownOutcome marks a create whose fate is unknown: a request
	// may have reached the API, and looking did not settle it.
	ErrUnknownOutcome = errors.New("outcome unknown")
	// ErrCancelled is a call given up because its operation's time ran out
	// or it was cancelled, before a request could have done anything.
	ErrCancelled = errors.New("cancelled")
)

// Timeout names the time limit that ended a call, if one did.
type Timeout int

const (
	NoTimeout Timeout = iota
	// RequestTimeout is the limit of one HTTP request (Config.RequestTimeout).
	RequestTimeout
	// OperationTimeout is the deadline of the caller's context.
	OperationTimeout
)

// APIError is a failed call: which call, on which host, what came back, and
// what the call went through. It holds data for the caller to explain, and
// never the token, a password it sent or a request body.
type APIError struct {
	Method string
	Path   string // below the base URL
	Host   string
	URL    string // the whole URL of the call
	Status int    // HTTP status, 0 when no answer came
	// Message is the API's own message (control characters dropped, cut to
	// 300 characters) or what the answer was, when it was not the API's.
	Message string
	// Withheld is set when the API's message echoed a secret the call sent
	// (the token, a password), even in part: Message is left out.
	Withheld bool
	// Enveloped is set when the answer was the API's own error envelope:
	// the API itself, not a proxy or gateway, said so.
	Enveloped bool
	// NotAPI is set for a 404, or another error status, whose answer is not
	// the API's envelope (a proxy's page, a wrong path): it says nothing
	// about the object.
	NotAPI bool
	// Cause is what went wrong below HTTP (a refused connection, a broken
	// one, a timeout), when no answer came.
	Cause string
	// Certificate describes a certificate that the TLS handshake refused.
	Certificate *CertificateProblem
	// RedirectTo is the scheme and host of a redirect that was not followed.
	RedirectTo string
	// NotTLS is set when the HTTPS handshake was answered by something that
	// is not TLS (plain HTTP, or another protocol on that port).
	NotTLS bool
	// Timeout is the limit that ran out, if one did; RequestLimit is the
	// request timeout in force.
	Timeout      Timeout
	RequestLimit time.Duration
	// What the call went through.
	Attempts    int
	Retries     int           // retries after gateway errors and lost answers
	MaxRetries  int           // the bound of Retries (Config.MaxRetries)
	RateLimited int           // 429 answers met
	RateWait    time.Duration // time spent waiting for the rate limit
	Elapsed     time.Duration
	// MaybeSent is set when a request of the call may have reached the API.
	MaybeSent bool
	// Uncertain is, for a create, the attempt that may have made the user:
	// its status (0 without an answer), message or cause, and the limit that
	// cut it, if one did (Timeout; none with ErrCancelled is an interrupt).
	Uncertain *APIError
	// LookupErr is, for a create with an unknown outcome, why looking for
	// the user it may have made failed; nil when the lookup worked and found
	// no such user.
	LookupErr error

	kind error
}

// WithheldNote says why an error has no API message (APIError.Withheld).
const WithheldNote = "the API's message is left out: it repeated a secret this call sent, or part of it"

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "OpenTact API %s %s on %s", e.Method, e.Path, e.Host)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	fmt.Fprintf(&b, ": %s", e.kind)
	for _, part := range []string{e.Message, e.Cause} {
		if part != "" {
			fmt.Fprintf(&b, ": %s", part)
		}
	}
	if e.Withheld {
		b.WriteString(" (" + WithheldNote + ")")
	}
	if e.LookupErr != nil {
		fmt.Fprintf(&b, " (looking for the user failed too: %s)", e.LookupErr)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.kind }

// CertificateProblem is why a TLS handshake refused the API's certificate.
type CertificateProblem struct {
	Host string
	// Reason is one of CertUntrusted, CertExpired, CertWrongHost, CertInvalid.
	Reason CertReason
	// Detail is Go's description of it.
	Detail string
}

// CertReason says what is wrong with a certificate.
type CertReason int

const (
	// CertInvalid is any other problem (a certificate not for servers, a
	// broken chain).
	CertInvalid CertReason = iota
	// CertUntrusted is signed by an authority this machine does not trust.
	CertUntrusted
	// CertExpired has expired, or is not valid yet.
	CertExpired
	// CertWrongHost is issued for another host name.
	CertWrongHost
)

// RedirectError is a redirect that would carry the token to another host or
// scheme, which is not followed.
type RedirectError struct {
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the answer redirects from %s to %s, which is not followed: the API token is only sent to the configured API host", e.From, e.To)
}

// UnconfirmedError is a 404 for a user that the list of its connection did
// not confirm. It deliberately does not wrap ErrNotFound: nothing is to be
// treated as gone on its strength.
type UnconfirmedError struct {
	UUID, Connection string
	NotFound         error
	// Check is why the list did not confirm it: its own error, or
	// ErrStillListed.
	Check error
}

// ErrStillListed is the list of a connection holding a user that a GET
// answered 404 for.
var ErrStillListed = errors.New("the list of its SIP connection still has the user")

func (e *UnconfirmedError) Error() string {
	return fmt.Sprintf("%s; SIP user %s is not treated as gone: confirming it with the list of SIP connection %s failed: %s",
		e.NotFound, e.UUID, e.Connection, e.Check)
}

// ForeignHolderError is a create whose login turned out to be held by a
// user that this create did not make (a colleague's, made meanwhile, or an
// older one). It wraps ErrConflict; the user is left untouched.
type ForeignHolderError struct {
	Login, Connection, Holder string
	// Differs lists the fields that differ from what the create sent;
	// CreatedOn is set instead when every field matched but the user is
	// older than the create.
	Differs   []string
	CreatedOn string
}

func (e *ForeignHolderError) Error() string {
	why := "these fields differ from what this create sent: " + strings.Join(e.Differs, ", ")
	if len(e.Differs) == 0 {
		why = "it was created at " + e.CreatedOn + ", before this create began"
	}
	return fmt.Sprintf("login %s on SIP connection %s is held by SIP user %s, which this create did not make (%s); it is left untouched",
		e.Login, e.Connection, e.Holder, why)
}

func (e *ForeignHolderError) Unwrap() error { return ErrConflict }

// NoSuchLoginError is a login that the list of a connection does not hold.
// It wraps ErrNotFound.
type NoSuchLoginError struct {
	Login, Connection string
}

func (e *NoSuchLoginError) Error() string {
	return fmt.Sprintf("SIP connection %s has no user with login %s", e.Connection, e.Login)
}

func (e *NoSuchLoginError) Unwrap() error { return ErrNotFound }

// kindForStatus maps an API status (HTTP, or the envelope's under a 2xx) to
// the error kind callers branch on.
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
	case status >= 400 || status == 0:
		return ErrValidation
	default:
		return ErrBadAnswer
	}
}
