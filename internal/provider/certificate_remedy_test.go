package provider

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// An untrusted certificate at plan leads with trusting the CA (the
// block, the file variable, the system's store) and does not suggest
// switching the plan checks off, which would only move the failure to
// apply; an API that cannot be reached still offers planning offline.
func TestCertificateErrorLeadsWithTrustingTheCA(t *testing.T) {
	cert, err := emulator.NewCertificate([]string{"127.0.0.1"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(emulator.New(emulator.Options{}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL = srv.URL })
	_, err = c.ListUsers(context.Background(), emulator.SeedConnections[0].UUID)
	got := apiUnreachable(err)
	says(t, "the certificate error", got.summary+"\n"+got.detail, "OpenTact API certificate not accepted", "is not trusted on this machine",
		"Nothing was sent", "Trust that CA: set the provider's ca_certificate", envCACertificateFile+" to the path of a PEM file", "SSL_CERT_FILE")
	if strings.Contains(got.detail, "plan_checks") {
		t.Errorf("a certificate error suggests switching the plan checks off:\n%s", got.detail)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	c = testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL, cfg.NotSentWindow = url, 50*time.Millisecond })
	_, err = c.ListUsers(context.Background(), emulator.SeedConnections[0].UUID)
	got = apiUnreachable(err)
	says(t, "the unreachable API", got.summary+"\n"+got.detail, "OpenTact API unreachable", "Nothing reached the API", "set plan_checks = false")
}

// OPENTACT_CA_CERTIFICATE_FILE fills in ca_certificate when the block
// leaves it out; a file that cannot be read, or is empty, is an error that
// names the variable and the path, never the content.
func TestCACertificateFile(t *testing.T) {
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "ca.pem")
	const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	if err := os.WriteFile(pemFile, []byte(pem), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		block, env, wantPEM, wantFile string
		errs                          []string
	}{
		{},
		{env: pemFile, wantPEM: pem, wantFile: pemFile},
		{block: "block PEM", env: missing, wantPEM: "block PEM"},
		{env: missing, wantFile: missing, errs: []string{"The " + envCACertificateFile + " environment variable names " + `"` + missing + `"`, "does not exist"}},
		{env: dir, wantFile: dir, errs: []string{envCACertificateFile, `"` + dir + `"`, "cannot be read: is a directory"}},
		{env: empty, wantPEM: "", wantFile: empty, errs: []string{envCACertificateFile, `"` + empty + `"`, "holds no PEM certificate"}},
	} {
		t.Setenv(envCACertificateFile, tc.env)
		block := types.StringNull()
		if tc.block != "" {
			block = types.StringValue(tc.block)
		}
		var diags diag.Diagnostics
		gotPEM, gotFile := caCertificate(block, &diags)
		if len(tc.errs) == 0 {
			if diags.HasError() || gotPEM != tc.wantPEM || gotFile != tc.wantFile {
				t.Errorf("%+v: got %q from %q, %v", tc, gotPEM, gotFile, diags)
			}
			continue
		}
		if diags.ErrorsCount() != 1 || gotFile != tc.wantFile {
			t.Fatalf("%+v: %d errors, file %q: %v", tc, diags.ErrorsCount(), gotFile, diags)
		}
		says(t, tc.env, diags[0].Summary()+"\n"+diags[0].Detail(), append([]string{"Invalid OpenTact CA certificate"}, tc.errs...)...)
	}
	// A file that holds no certificate is refused by the client; the
	// message names the variable and the path, and cannot hold the content.
	got := caFileNotPEM("/run/secrets/ca.pem")
	says(t, "a file without a certificate", got.detail, "The "+envCACertificateFile+` environment variable names "/run/secrets/ca.pem", which holds no PEM certificate`)
}
