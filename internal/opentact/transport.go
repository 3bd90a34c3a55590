package opentact

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

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

// isDialError is true when the connection was never made, so the request
// cannot have reached the API.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
