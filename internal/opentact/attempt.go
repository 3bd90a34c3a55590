package opentact

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// class is what one attempt of a call came to. Each attempt is classified
// once, here; decide (call.go) acts on the class alone.
type class int

const (
	classOK class = iota
	// classRejected: the API refused the call in its error envelope
	// (validation, authorisation, a taken login): it did nothing.
	classRejected
	// classNotFound: the API's own enveloped 404.
	classNotFound
	// classNotAPI: an error status whose answer is not the API's envelope
	// (a proxy's page, a wrong path); a 404 of this class is not "gone".
	classNotAPI
	// classUnreadable: a 2xx answer that cannot be read; the API acted, on
	// what is unknown.
	classUnreadable
	// classRateLimited: 429, "later".
	classRateLimited
	// classUnavailable: 502, 503 or 504, a gateway or a busy service; the
	// work may have been done behind it.
	classUnavailable
	// classServerError: another 5xx; no proof either way.
	classServerError
	// classNotSent: nothing reached the API (refused, DNS, proxy, TLS
	// handshake).
	classNotSent
	// classMaybeSent: the request may have reached the API, and no answer
	// came (the connection broke after sending, or a timeout ran out).
	classMaybeSent
	// classRedirected: a redirect to another host or scheme, not followed.
	classRedirected
	// classCancelled: the operation ended before the request left.
	classCancelled
)

var classNames = [...]string{"ok", "rejected", "not found", "not the API's answer", "unreadable answer", "rate limited",
	"unavailable", "server error", "not sent", "no answer", "redirected", "cancelled"}

func (c class) String() string { return classNames[c] }

// mayHaveActed reports whether an attempt of this class may have made the
// API do the work (for a create: made the user).
func (c class) mayHaveActed() bool {
	switch c {
	case classUnreadable, classUnavailable, classServerError, classMaybeSent:
		return true
	}
	return false
}

// attempt is one request of a call and what came of it.
type attempt struct {
	class   class
	status  int
	payload json.RawMessage
	// kind is the error kind callers branch on, for a failed attempt.
	kind error
	// message is the API's message, or a description of the answer (raw:
	// the call path scrubs and cuts it).
	message    string
	enveloped  bool
	cause      string // the failure below HTTP
	retryAfter time.Duration
	hasRetry   bool // the answer carried a Retry-After
	timeout    Timeout
	// hopeless is a failure that retrying cannot mend (a refused
	// certificate, a TLS handshake the server refuses or answers with
	// something that is not TLS).
	hopeless   bool
	cert       *CertificateProblem
	notTLS     bool // the handshake was answered by something that is not TLS
	redirectTo string
	// pacingDeadline is a call that would have waited for the rate limit
	// past its deadline.
	pacingDeadline bool
}

// classifyAnswer reads an HTTP answer against the envelope contract.
func classifyAnswer(status int, h http.Header, body []byte, now time.Time) *attempt {
	a := &attempt{status: status}
	if loc := h.Get("Location"); status >= 300 && status < 400 && loc != "" {
		// A redirect comes back as the answer only after the client
		// stopped following them (checkRedirect): the API's host kept
		// redirecting.
		a.class, a.kind = classNotAPI, ErrBadAnswer
		a.message = fmt.Sprintf("the API's host kept redirecting (more than %d redirects, the last to %s)", maxRedirects, loc)
		return a
	}
	a.retryAfter, a.hasRetry = parseRetryAfter(h.Get("Retry-After"), now)
	payload, env, problem := parseEnvelope(status, body)
	switch {
	case problem == "" && env == nil:
		a.class, a.payload = classOK, payload
		return a
	case env != nil:
		// Under a 2xx the envelope's status is the truth (the API reports
		// validation failures as status 0, sometimes under HTTP 200).
		a.enveloped, a.message = true, env.message
		a.class, a.kind = classOfStatus(env.status, true), kindForStatus(env.status)
	default:
		a.message = problem
		a.class, a.kind = classOfStatus(status, false), kindForStatus(status)
	}
	if a.class == classNotAPI && status == http.StatusNotFound || a.class == classUnreadable {
		a.kind = ErrBadAnswer
	}
	return a
}

// classOfStatus is the class of a failed answer with this status, in the
// API's envelope or not.
func classOfStatus(status int, enveloped bool) class {
	switch {
	case status == http.StatusTooManyRequests:
		return classRateLimited
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return classUnavailable
	case status >= 500:
		return classServerError
	case status >= 200 && status < 300 && !enveloped:
		return classUnreadable
	case !enveloped:
		return classNotAPI
	case status == http.StatusNotFound:
		return classNotFound
	}
	return classRejected
}

// classifyFailure explains a request that got no HTTP answer. sent tells
// whether its headers were written to a connection (httptrace): before that,
// nothing can have reached the API, whatever the error says.
func classifyFailure(err error, sent bool, attemptCtx, opCtx context.Context) *attempt {
	a := &attempt{cause: rootCause(err)}
	var redirect *RedirectError
	switch {
	case errors.As(err, &redirect):
		a.class, a.kind, a.redirectTo, a.cause = classRedirected, ErrInsecure, redirect.To, redirect.Error()
		return a
	case opCtx.Err() != nil:
		a.timeout = OperationTimeout
		if errors.Is(opCtx.Err(), context.Canceled) {
			a.timeout = NoTimeout
		}
	case attemptCtx.Err() != nil:
		a.timeout = RequestTimeout
	}
	switch {
	case sent && opCtx.Err() != nil:
		// Cut by the operation's end, not broken: for a create it may
		// still have made the user.
		a.class, a.kind = classMaybeSent, ErrCancelled
	case sent:
		a.class, a.kind = classMaybeSent, ErrNoAnswer
	case opCtx.Err() != nil:
		a.class, a.kind = classCancelled, ErrCancelled
	default:
		a.class, a.kind = classNotSent, ErrUnreachable
		if a.cert = certificateProblem(err); a.cert != nil {
			a.kind = ErrCertificate
		}
		a.notTLS = notTLS(err)
		a.hopeless = a.cert != nil || a.notTLS || handshakeRefused(err)
	}
	return a
}

// handshakeRefused reports a TLS handshake that the server refused with an
// alert (a protocol version it does not speak, say): trying again cannot
// mend it. crypto/tls reports the server's alert as a net.OpError of Op
// "remote error".
func handshakeRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// notTLS reports whether a handshake was answered by something that is not
// TLS: plain HTTP (which net/http names ErrSchemeMismatch) or another
// protocol.
func notTLS(err error) bool {
	var record tls.RecordHeaderError
	return errors.As(err, &record) || errors.Is(err, http.ErrSchemeMismatch)
}

// certificateProblem is what a handshake error says about the API's
// certificate, or nil for another error.
func certificateProblem(err error) *CertificateProblem {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	p := &CertificateProblem{Detail: err.Error()}
	if errors.As(err, &verify) {
		p.Detail = verify.Err.Error()
	}
	switch {
	case errors.As(err, &unknown):
		p.Reason = CertUntrusted
	case errors.As(err, &hostname):
		p.Reason = CertWrongHost
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		p.Reason = CertExpired
	case errors.As(err, &invalid) || verify != nil:
		p.Reason = CertInvalid
	default:
		return nil
	}
	return p
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
