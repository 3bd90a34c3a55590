package opentact

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// BaseURLProblem is what makes a base URL unusable.
type BaseURLProblem int

const (
	// NotAbsolute: not an absolute URL with a host.
	NotAbsolute BaseURLProblem = iota
	// HasCredentials: user:password@ in the URL.
	HasCredentials
	// HasQuery: a query or a fragment.
	HasQuery
	// PlainHTTP: http:// to a host that is not this machine, so the token
	// would cross the network in clear text.
	PlainHTTP
	// BadScheme: neither https:// nor http://.
	BadScheme
)

// BaseURLError is a base URL that the client refuses.
type BaseURLError struct {
	// Value is the URL as it may be shown: trimmed, with any user
	// information and query withheld (either may hold a secret).
	Value   string
	Problem BaseURLProblem
}

func (e *BaseURLError) Error() string {
	switch e.Problem {
	case HasCredentials:
		return "the API URL must not contain credentials"
	case HasQuery:
		return fmt.Sprintf("the API URL %q must not have a query or fragment", e.Value)
	case PlainHTTP:
		return fmt.Sprintf("the API URL %q uses plain http to a non-loopback host: the API token would cross the network in clear text", e.Value)
	case BadScheme:
		return fmt.Sprintf("the API URL %q must start with https://", e.Value)
	}
	return fmt.Sprintf("the API URL %q is not an absolute URL such as %s", e.Value, DefaultBaseURL)
}

// ParseBaseURL checks an API base URL: https, or http to a loopback host only
// (an emulator or a local tunnel), no credentials, query or fragment.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	fail := func(p BaseURLProblem) (*url.URL, error) { return nil, &BaseURLError{Value: shownURL(raw), Problem: p} }
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return fail(NotAbsolute)
	case u.User != nil:
		return fail(HasCredentials)
	case u.RawQuery != "" || u.Fragment != "":
		return fail(HasQuery)
	case u.Scheme == "http" && !IsLoopbackHost(u.Hostname()):
		return fail(PlainHTTP)
	case u.Scheme != "https" && u.Scheme != "http":
		return fail(BadScheme)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// shownURL is raw as an error may show it. The user information goes first,
// up to the last "@" (a password may hold "/", "?" or "#", and the URL may
// not parse at all), then the query or fragment, which may hold a token.
func shownURL(raw string) string {
	s := strings.TrimSpace(raw)
	scheme, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme, rest = s[:i+3], s[i+3:]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = "…@" + rest[i+1:]
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i] + "?…"
	}
	return scheme + rest
}

// IsLoopbackHost reports whether host names this machine only.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
