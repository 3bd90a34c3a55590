package emulator_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// The emulator's certificate is trusted only by a client told its CA, and
// an expired one is refused even then.
func TestCertificateOfItsOwn(t *testing.T) {
	for name, tc := range map[string]struct {
		notAfter time.Time
		trusted  bool
	}{
		"valid":   {time.Now().Add(time.Hour), true},
		"expired": {time.Now().Add(-time.Minute), false},
	} {
		t.Run(name, func(t *testing.T) {
			cert, err := emulator.NewCertificate([]string{"127.0.0.1"}, tc.notAfter)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewUnstartedServer(emulator.New(emulator.Options{}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
			srv.StartTLS()
			t.Cleanup(srv.Close)
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cert.CAPEM)) {
				t.Fatal("CAPEM holds no certificate")
			}
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
			resp, err := client.Get(srv.URL + "/rest/sip/connection/user/x")
			if err == nil {
				_ = resp.Body.Close()
			}
			if (err == nil) != tc.trusted {
				t.Fatalf("GET = %v, want trusted %v", err, tc.trusted)
			}
			if _, err := http.Get(srv.URL); err == nil {
				t.Fatal("a client without the CA trusted the certificate")
			}
		})
	}
}

// With RejectUnder200, a validation failure comes as the API document shows
// it: the error envelope, status 0, under HTTP 200.
func TestRejectionUnder200(t *testing.T) {
	emu := emulator.New(emulator.Options{RejectUnder200: true})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/rest/sip/connection/user", strings.NewReader(`{"sip_connection_uuid":"`+emulator.SeedConnections[0].UUID+`","login":"short","password":"p"}`))
	req.Header.Set("X-Auth-Token", emu.Token())
	emu.ServeHTTP(rec, req)
	var env struct {
		Success *bool  `json:"success"`
		Status  *int   `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || rec.Code != http.StatusOK || env.Success == nil || *env.Success || env.Status == nil || *env.Status != 0 || env.Message == "" {
		t.Fatalf("answer %d %s, want 200 with a failure envelope of status 0", rec.Code, rec.Body)
	}
	if emu.UserCount() != 0 {
		t.Fatal("the rejected create made a user")
	}
}
