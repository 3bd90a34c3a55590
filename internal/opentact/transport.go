package opentact

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// ErrNoPEMCertificate is a private CA setting that holds no PEM certificate.
var ErrNoPEMCertificate = errors.New("the CA certificate holds no PEM certificate")

// newHTTPClient is the HTTP client of a Client: TLS 1.2 at least, the
// system's roots plus a private CA, the proxy of the environment, and
// redirects followed on the API's own host only. It has no timeout of its
// own: send times each request from when it leaves, not from its wait for
// the rate limit.
func newHTTPClient(caPEM string, dialTimeout time.Duration, checkRedirect func(*http.Request, []*http.Request) error) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if strings.TrimSpace(caPEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, ErrNoPEMCertificate
		}
		tlsConfig.RootCAs = pool
	}
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("unexpected default HTTP transport")
	}
	t := base.Clone()
	// HTTPS_PROXY and NO_PROXY, read now rather than once per process as
	// http.ProxyFromEnvironment does.
	proxy := httpproxy.FromEnvironment().ProxyFunc()
	t.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	t.TLSClientConfig = tlsConfig
	// A connection not made within the not-sent window is a dead address
	// (packets dropped), not a slow API: the attempt ends as not sent.
	t.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	// Callers run many calls at once: keep that many
	// connections warm instead of re-dialling.
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, CheckRedirect: checkRedirect}, nil
}

// maxRedirects is how many redirects on the API's host a call follows.
const maxRedirects = 3

// checkRedirect follows a redirect only within the configured scheme and
// host: Go's client would copy X-Auth-Token to any host a Location names.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != c.base.Scheme || !strings.EqualFold(req.URL.Host, c.base.Host) {
		return &RedirectError{From: c.base.Scheme + "://" + c.base.Host, To: req.URL.Scheme + "://" + req.URL.Host}
	}
	if len(via) > maxRedirects {
		// The last redirect is the answer: an API that keeps redirecting
		// is not reached by trying again.
		return http.ErrUseLastResponse
	}
	return nil
}

// send makes one attempt of a call and classifies what came of it. The
// attempt waits its turn at the pacer, then has the request timeout from
// when it leaves until its answer is read. Whether anything may have
// reached the API is decided by what the connection did: until the request
// headers were written, nothing was sent.
func (c *Client) send(ctx context.Context, cl *call, op *operation) *attempt {
	waited, err := c.pacer.wait(ctx)
	op.rateWait += waited
	if waited >= loggedWait {
		c.logger(ctx, "OpenTact API request waited for the rate limit", map[string]any{"method": cl.method, "path": cl.path, "waited_ms": waited.Milliseconds()})
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return &attempt{class: classCancelled, kind: ErrCancelled, pacingDeadline: errors.Is(err, errPacingDeadline), timeout: deadlineOf(ctx)}
	}
	attemptCtx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()
	var wrote atomic.Bool
	traced := httptrace.WithClientTrace(attemptCtx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	req, err := newRequest(traced, cl.method, c.base.String()+cl.path, cl.body)
	if err != nil {
		// Never sent; a request the client cannot build is not retried.
		return &attempt{class: classRejected, kind: ErrValidation, cause: "building the request: " + err.Error()}
	}
	c.setHeaders(req, cl.body != nil)
	op.attempts++
	c.logger(ctx, "OpenTact API request", map[string]any{"method": cl.method, "path": cl.path, "host": c.base.Host, "attempt": op.attempts})
	sentAt := c.pacer.clock.now()
	resp, err := c.http.Do(req)
	if err != nil {
		return classifyFailure(err, wrote.Load(), attemptCtx, ctx)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		a := classifyFailure(err, true, attemptCtx, ctx)
		a.status, a.cause = resp.StatusCode, "the connection broke while reading the answer: "+a.cause
		return a
	}
	c.pacer.observe(resp, sentAt)
	op.noteAnswer(resp)
	c.logger(ctx, "OpenTact API answered", map[string]any{
		"method": cl.method, "path": cl.path, "status": resp.StatusCode,
		"duration_ms": c.pacer.clock.now().Sub(sentAt).Milliseconds(), "bytes": len(raw),
	})
	if len(raw) > MaxAnswerBytes {
		a := classifyAnswer(resp.StatusCode, resp.Header, []byte("<"), c.pacer.clock.now())
		a.message = tooLarge()
		return a
	}
	a := classifyAnswer(resp.StatusCode, resp.Header, raw, c.pacer.clock.now())
	if a.class == classOK && cl.decode != nil {
		if problem := cl.decode(a.payload); problem != "" {
			a.class, a.kind, a.message = classUnreadable, ErrBadAnswer, problem
		}
	}
	return a
}

func (c *Client) setHeaders(req *http.Request, hasBody bool) {
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
}

// newRequest builds a request with body encoded as JSON (none when nil).
func newRequest(ctx context.Context, method, url string, body any) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, url, nil)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return http.NewRequestWithContext(ctx, method, url, bytes.NewReader(raw))
}

// deadlineOf says which limit ended ctx: its deadline, or none (a cancel).
func deadlineOf(ctx context.Context) Timeout {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return OperationTimeout
	}
	if _, ok := ctx.Deadline(); ok && ctx.Err() == nil {
		return OperationTimeout // the wait for the rate limit would pass it
	}
	return NoTimeout
}
