package opentact

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// maxRetryAfter caps how long one Retry-After may hold a call; the
// operation's own timeout bounds the sum.
const maxRetryAfter = 5 * time.Minute

// ParseBaseURL checks an API base URL: https, or http to a loopback host only
// (an emulator or a local tunnel), no credentials, query or fragment.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("base_url %q is not an absolute URL such as %s", raw, DefaultBaseURL)
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("base_url must not contain credentials; set the token instead")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("base_url %q must not have a query or fragment", raw)
	case u.Scheme == "https":
	case u.Scheme == "http":
		if !IsLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("base_url %q uses plain http to a non-loopback host: the API token would cross the network in clear text; use https (http is allowed only for 127.0.0.0/8, ::1 and localhost)", raw)
		}
	default:
		return nil, fmt.Errorf("base_url %q must start with https://", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// IsLoopbackHost reports whether host names this machine only.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newTransport(caPEM string) (*http.Transport, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if strings.TrimSpace(caPEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, errors.New("ca_certificate holds no PEM certificate")
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
	// Terraform runs up to -parallelism calls at once: keep that many
	// connections warm instead of re-dialling.
	t.MaxIdleConnsPerHost = 64
	return t, nil
}

// checkRedirect follows a redirect only within the configured scheme and
// host: Go's client would copy X-Auth-Token to any host a Location names.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != c.base.Scheme || !strings.EqualFold(req.URL.Host, c.base.Host) {
		return &RedirectError{From: c.base.Scheme + "://" + c.base.Host, To: req.URL.Scheme + "://" + req.URL.Host}
	}
	if len(via) >= 3 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	return nil
}

// checkRetry retries what is safe: 429 and 503 always (the API declined the
// work); 502, 504 and broken connections only for calls that can be
// repeated; a refused connection always (nothing was sent).
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	unsafe, _ := ctx.Value(unsafeCallKey{}).(bool)
	retry := false
	reason := ""
	if err != nil {
		var redirect *RedirectError
		var unknownAuthority x509.UnknownAuthorityError
		var hostname x509.HostnameError
		var certInvalid x509.CertificateInvalidError
		switch {
		case errors.As(err, &redirect), errors.As(err, &unknownAuthority),
			errors.As(err, &hostname), errors.As(err, &certInvalid):
			retry = false
		case isDialError(err):
			retry, reason = true, "cannot connect"
		default:
			retry, reason = !unsafe, "connection error"
		}
	} else {
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			retry, reason = true, resp.Status
		case http.StatusBadGateway, http.StatusGatewayTimeout:
			retry, reason = !unsafe, resp.Status
		}
	}
	if retry {
		c.logger(ctx, "OpenTact API call will be retried", map[string]any{"reason": reason})
	}
	return retry, nil
}

// isDialError is true when the connection was never made, so the request
// cannot have reached the API.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff honours Retry-After on 429 and 503, and otherwise waits an
// exponentially growing, fully jittered time between min and max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxRetryAfter)
		}
	}
	ceiling := minWait << min(attempt, 20)
	if ceiling <= 0 || ceiling > maxWait {
		ceiling = maxWait
	}
	return minWait/2 + rand.N(ceiling-minWait/2+1) //nolint:gosec // jitter needs no cryptographic randomness
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
