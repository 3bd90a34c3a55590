package provider_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// The call path's classes of failure, end to end: what was not sent is not
// "unknown", a rejection is a rejection, and each message names what really
// happened (issue 21).

// newOutageAPI serves an emulator on a listener that can refuse
// connections for a while, as a restarting gateway does.
func newOutageAPI(t *testing.T) (*testAPI, *emulator.OutageListener) {
	t.Helper()
	ln, err := emulator.ListenWithOutages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(emulator.Options{})
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return testAPIOf(t, emu, "http://"+ln.Addr().String()), ln
}

// newTLSAPI serves an emulator over HTTPS with a certificate of its own,
// which no system trusts; caPEM is its CA.
func newTLSAPI(t *testing.T) (api *testAPI, caPEM string) {
	t.Helper()
	cert, err := emulator.NewCertificate([]string{"127.0.0.1"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewUnstartedServer(emu)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return testAPIOf(t, emu, srv.URL), cert.CAPEM
}

// deadURL is a loopback URL that refuses connections: a port of the
// test's own, kept bound (an outage listener in an outage for the test's
// whole run), so no other test can take it.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := emulator.ListenRefusing()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return "http://" + ln.Addr().String()
}

// A create sent while the API's gateway refuses connections sent nothing:
// it is sent again until it goes through. Before, the apply failed at once
// with "cannot connect". The outage starts between plan and apply and lasts
// 3 s, within the provider's window of 5 s; the provider's log must show a
// refused attempt of the create, so that an apply that started after the
// outage cannot pass for one that rode it out. The plan checks are off:
// the apply's own plan would meet the outage first.
func TestAccCallPath_createRidesOutARefusingGateway(t *testing.T) {
	api, ln := newOutageAPI(t)
	logFile := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_LOG", "DEBUG")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	refuse := plancheckFunc(func() error { ln.Refuse(3 * time.Second); return nil })
	rodeItOut := func(*terraform.State) error {
		raw, err := os.ReadFile(logFile)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.Contains(line, "OpenTact API call will be retried") && strings.Contains(line, "POST") && strings.Contains(line, "not sent") {
				return nil
			}
		}
		return fmt.Errorf("the log shows no refused attempt of the create: the apply did not meet the outage")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			Config:           api.userConfigWith(api.provider("plan_checks = false"), `  login = "gate0002"`+"\n"+`  password = "gate-secret-2"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{refuse}},
			Check: resource.ComposeTestCheckFunc(api.onlyUserInState, api.expectStored(passwordIs("gate-secret-2")), rodeItOut, func(*terraform.State) error {
				if n := api.emu.CountRequests("POST", ""); n != 1 {
					return fmt.Errorf("%d POSTs reached the API, want 1", n)
				}
				return nil
			}),
		}},
	})
}

// A create rejected inside HTTP 200 ({"success": false, "status": 0}, the
// answer the API document shows for validation errors) is a rejection: one
// POST, no lookup, the API's message. Before, it was sent again and
// reported as an unknown outcome.
func TestAccCallPath_createRejectedInside200(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.userConfig(`  login = "rsvd0001"` + "\n" + `  password = "Tq8#vN2!rZ5@kW7x"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheckFunc(func() error {
				api.emu.InjectFault(emulator.Fault{Method: "POST", Body: `{"success":false,"message":"login rsvd0001 is reserved by the operator","status":0}`})
				api.emu.ResetRequests()
				return nil
			})}},
			ExpectError: inOutput("Cannot create the SIP user", "HTTP 200", "rejected as invalid", "login rsvd0001 is reserved by the operator"),
		}},
		CheckDestroy: func(*terraform.State) error {
			if posts, lists := api.emu.CountRequests("POST", ""), api.emu.CountRequests("GET", listPath(api.connection)); posts != 1 || lists != 0 {
				return fmt.Errorf("the rejected create made %d POSTs and %d list calls, want 1 and none", posts, lists)
			}
			return api.exactlyUsers(0)
		},
	})
}

// Nothing listens at base_url: the error says the request never reached the
// API, and does not send the operator to raise request_timeout.
func TestAccCallPath_refusedIsNotATimeout(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n}\n", deadURL(t), api.emu.Token()) +
				fmt.Sprintf("data \"opentact_sip_users\" \"test\" {\n  sip_connection_uuid = %q\n}\n", api.connection),
			ExpectError: regexp.MustCompile(`(?s)Cannot list the SIP users.*cannot connect.*connection refused.*Nothing\s+reached\s+the\s+API.*never\s+sent`),
		}},
	})
}

// An untrusted certificate (a TLS-inspecting proxy, a missing CA bundle)
// fails the handshake: nothing was sent, so a create is no unknown outcome.
// The error says what is wrong, for which host, and how to trust the CA;
// with ca_certificate the same configuration applies.
func TestAccCallPath_untrustedCertificate(t *testing.T) {
	api, caPEM := newTLSAPI(t)
	host := api.url[len("https://"):]
	config := func(extra string) string {
		return api.userConfigWith(api.provider("plan_checks = false", extra), `  login = "tls00001"`+"\n"+`  password = "tls-secret-1"`)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				// With the plan checks on, the plan fails on the certificate,
				// and says how to trust the CA (not how to plan offline: the
				// apply would fail the same way).
				Config: api.userConfigWith(api.provider(), `  login = "tls00001"`+"\n"+`  password = "tls-secret-1"`),
				ExpectError: inOutput("OpenTact API certificate not accepted", "The certificate of "+host+" is not trusted", "Trust that CA", "ca_certificate",
					"OPENTACT_CA_CERTIFICATE_FILE", "SSL_CERT_FILE"),
			},
			{
				Config: config(""),
				ExpectError: inOutput("Cannot create the SIP user", "certificate not accepted", "The certificate of "+host+" is not trusted",
					"Nothing was sent", "ca_certificate", "SSL_CERT_FILE"),
			},
			{
				PreConfig: func() {
					if n := api.emu.CountRequests("", ""); n != 0 {
						t.Fatalf("an untrusted certificate let %d requests through", n)
					}
				},
				Config: config(fmt.Sprintf("ca_certificate = %q", caPEM)),
				Check:  api.onlyUserInState,
			},
		},
	})
}

// A plan of 100 users whose base_url now points where nothing listens
// fails fast: the first reads spend one not-sent window, and every read
// after it makes one attempt (the provider's log counts them), not a window
// of its own each. Before the reachability memory, each read spent its own
// window: some 100 windows of attempts.
func TestAccCallPath_deadAddressPlanOf100Users(t *testing.T) {
	api := newTestAPI(t)
	logFile := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_LOG", "DEBUG")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	const n = 100
	config := func(providerBlock string) string {
		return providerBlock + fmt.Sprintf(`
resource "opentact_sip_user" "many" {
  count               = %d
  sip_connection_uuid = %q
  login               = format("dead%%04d", count.index)
  password            = "Tq8#vN2!rZ5@kW7x"
  # A destroy against the dead address would wait this out.
  timeouts {
    delete = "20s"
  }
}
`, n, api.connection)
	}
	dead := fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token    = %q\n}\n", deadURL(t), api.emu.Token())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config(api.provider())},
			{
				PreConfig:   func() { _ = os.Truncate(logFile, 0) },
				Config:      config(dead),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)cannot connect.*connection refused.*Nothing\s+reached\s+the\s+API`),
			},
			{
				PreConfig: func() {
					raw, err := os.ReadFile(logFile)
					if err != nil {
						t.Error(err)
					}
					reads := 0
					for _, line := range strings.Split(string(raw), "\n") {
						if strings.Contains(line, "OpenTact API request") && !strings.Contains(line, "waited") {
							reads++
						}
					}
					t.Logf("the plan of %d users against a dead address made %d attempts", n, reads)
					// Ten reads at once (Terraform's parallelism) spend the
					// window, about fifteen attempts each; the rest make one,
					// and those served by coalescing one more for the list
					// they try first. (Errorf: a Fatalf would destroy with
					// the dead address.)
					if reads < n || reads > 10*20+2*n {
						t.Errorf("the plan of %d users against a dead address made %d attempts, want one or two per read after the first window (at most %d)", n, reads, 10*20+2*n)
					}
				},
				Config: config(api.provider()),
			},
		},
	})
}

// An API restart of 12 s (the open connections reset, new ones refused)
// in the middle of a 40-user apply, after its 10th create: the apply rides
// it out and every user is made once and tracked. Before the reachability
// memory, the first call to spend its 5 s window marked the API down and
// the rest of the apply failed at once, after the API was back.
func TestAccCallPath_bigApplyRidesOutA12sOutage(t *testing.T) {
	api, ln := newOutageAPI(t)
	const n = 40
	var posts, afterOutage atomic.Int32
	api.emu.SetFaultPicker(func(r *http.Request, _ []byte) *emulator.Fault {
		if r.Method != http.MethodPost {
			return nil
		}
		switch posts.Add(1) {
		case 10:
			ln.Refuse(12 * time.Second)
		default:
			if !ln.Down() && posts.Load() > 10 {
				afterOutage.Add(1)
			}
		}
		return nil
	})
	config := api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "many" {
  count               = %d
  sip_connection_uuid = %q
  login               = format("rest%%04d", count.index)
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, n, api.connection)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				if afterOutage.Load() < n-10 {
					return fmt.Errorf("%d creates reached the API after the outage, want the other %d: the apply did not meet it", afterOutage.Load(), n-10)
				}
				users := api.emu.Users(api.connection)
				if len(users) != n {
					return fmt.Errorf("the API holds %d users, want %d", len(users), n)
				}
				tracked := map[string]bool{}
				for _, rs := range s.RootModule().Resources {
					tracked[rs.Primary.ID] = true
				}
				for _, u := range users {
					if !tracked[u.UUID] {
						return fmt.Errorf("user %s (%s) is not in the state", u.UUID, u.Login)
					}
				}
				return nil
			},
		}},
	})
}
