package opentact_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

func listenOn(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

func TestBaseURLPolicy(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.opentact.org":         true,
		"https://api.opentact.org/":        true,
		"http://127.0.0.1:8080":            true,
		"http://127.3.4.5":                 true,
		"http://localhost:9000":            true,
		"http://[::1]:8080":                true,
		"http://api.opentact.org":          false,
		"http://10.0.0.8:8080":             false,
		"ftp://api.opentact.org":           false,
		"https://user:pw@api.opentact.org": false,
		"api.opentact.org":                 false,
		"https://api.opentact.org/?a=b":    false,
	} {
		_, err := opentact.ParseBaseURL(raw)
		if (err == nil) != ok {
			t.Errorf("ParseBaseURL(%q) err = %v, want ok=%v", raw, err, ok)
		}
		var bad *opentact.BaseURLError
		if err != nil && strings.HasPrefix(raw, "http://") && (!errors.As(err, &bad) || bad.Problem != opentact.PlainHTTP || !strings.Contains(err.Error(), "clear text")) {
			t.Errorf("ParseBaseURL(%q) = %v, want it to say why plain http is refused", raw, err)
		}
	}
}

func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

func TestTokenExpiry(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	expired := jwt(fmt.Sprintf(`{"sub":"x","exp":%d}`, now.Add(-time.Hour).Unix()))
	err := opentact.CheckTokenExpiry(expired+"\n", now)
	var expiredErr *opentact.ExpiredTokenError
	if !errors.As(err, &expiredErr) || !expiredErr.At.Equal(now.Add(-time.Hour)) || !strings.Contains(err.Error(), "expired at 2026-11-28T11:00:00Z") {
		t.Fatalf("expired token: %v", err)
	}
	if strings.Contains(err.Error(), expired) {
		t.Fatalf("error holds the token")
	}
	for _, tok := range []string{jwt(fmt.Sprintf(`{"exp":%d}`, now.Add(time.Hour).Unix())), jwt(`{"sub":"no-exp"}`), "opaque-token", "a.b.c", "a.!!!.c"} {
		if err := opentact.CheckTokenExpiry(tok, now); err != nil {
			t.Errorf("CheckTokenExpiry(%q) = %v, want nil", tok, err)
		}
	}
}

func TestTLSVerificationAndPrivateCA(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewTLSServer(emu)
	defer srv.Close()
	// httptest's certificate names 127.0.0.1 and example.com; reach it by IP.
	plain := newClient(t, srv.URL, emu.Token())
	_, err := plain.ListUsers(context.Background(), berlin)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: err = %v", err)
	}
	if n := emu.CountRequests("", ""); n != 0 {
		t.Fatalf("a TLS failure reached the API %d times", n)
	}
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	trusted := newClient(t, srv.URL, emu.Token(), func(c *opentact.Config) { c.CACertificatePEM = caPEM })
	if _, err := trusted.ListUsers(context.Background(), berlin); err != nil {
		t.Fatalf("with the private CA: %v", err)
	}
	if _, err := opentact.New(opentact.Config{BaseURL: srv.URL, Token: "x", CACertificatePEM: "not a pem"}); !errors.Is(err, opentact.ErrNoPEMCertificate) {
		t.Fatalf("a CA that is not PEM must be refused: %v", err)
	}
}

func TestTLS12IsTheMinimum(t *testing.T) {
	srv := httptest.NewUnstartedServer(emulator.New(emulator.Options{}))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11} //nolint:gosec // the old server under test
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	// The server works for a client that accepts TLS 1.1...
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10}}} //nolint:gosec // as above
	resp, err := old.Get(srv.URL + "/rest/sip/connection/user/x")
	if err != nil {
		t.Skipf("this Go cannot speak TLS 1.1 at all: %v", err)
	}
	_ = resp.Body.Close()
	// ...and this client refuses it.
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	c := newClient(t, srv.URL, "x", func(c *opentact.Config) { c.CACertificatePEM = caPEM })
	dials := opentact.CountDials(c)
	if _, err := c.ListUsers(context.Background(), berlin); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("a TLS 1.1 server was accepted or refused for another reason: %v", err)
	}
	// The server's refusal cannot change on a second try.
	if n := dials.Load(); n != 1 {
		t.Errorf("a refused handshake was tried %d times, want once", n)
	}
}

func TestHTTPSProxyIsHonoured(t *testing.T) {
	var connects []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		connects = append(connects, r.Method+" "+r.Host)
		w.WriteHeader(http.StatusForbidden)
	}))
	defer proxy.Close()
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	c := newClient(t, "https://api.opentact.test", "x")
	_, err := c.ListUsers(context.Background(), berlin)
	if err == nil || len(connects) == 0 || slices.ContainsFunc(connects, func(c string) bool { return c != "CONNECT api.opentact.test:443" }) {
		t.Fatalf("proxy saw %v (err %v), want CONNECTs to the API host only", connects, err)
	}

	t.Setenv("NO_PROXY", "api.opentact.test")
	connects = nil
	c = newClient(t, "https://api.opentact.test", "x")
	_, _ = c.ListUsers(context.Background(), berlin)
	if len(connects) != 0 {
		t.Fatalf("NO_PROXY was ignored: %v", connects)
	}
}

func TestOperationDeadlineBoundsRetries(t *testing.T) {
	emu, c := newPair(t, func(c *opentact.Config) { c.MaxRetries = 20 })
	emu.InjectFault(emulator.Fault{Status: 429, RetryAfter: "30", Times: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListUsers(ctx, berlin)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s; the deadline must cut the Retry-After wait", err, time.Since(start))
	}
	var apiErr *opentact.APIError
	if !errors.Is(err, opentact.ErrRateLimit) || !errors.As(err, &apiErr) || apiErr.RateLimited != 1 || apiErr.Timeout != opentact.OperationTimeout {
		t.Errorf("err = %v, want a rate-limit error that says the operation's time ran out after one 429", err)
	}
}

// A server that answers the TLS handshake with something that is not TLS
// (plain HTTP on the HTTPS port, or another protocol) cannot change on a
// second try: one dial, nothing sent.
func TestNotTLSIsNotRetried(t *testing.T) {
	for name, greeting := range map[string]string{
		"HTTP":  "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
		"other": "SSH-2.0-OpenSSH_9.6\r\n",
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ln.Close() })
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				// Read the ClientHello first, so that closing does not
				// reset the connection before the greeting is read.
				_ = conn.SetReadDeadline(time.Now().Add(time.Second))
				_, _ = conn.Read(make([]byte, 4096))
				_, _ = conn.Write([]byte(greeting))
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.CloseWrite()
				}
				_ = conn.Close()
			}
		}()
		c := newClient(t, "https://"+ln.Addr().String(), "tok")
		dials := opentact.CountDials(c)
		_, err = c.CreateUser(context.Background(), aliceRequest())
		e := apiError(t, err)
		if !errors.Is(err, opentact.ErrUnreachable) || errors.Is(err, opentact.ErrUnknownOutcome) || e.MaybeSent {
			t.Fatalf("%s: err = %v (%+v), want nothing sent", name, err, e)
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("%s: a server that does not speak TLS was dialled %d times, want once (%v)", name, n, err)
		}
	}
}
