package provider_test

import (
	"crypto/md5"  //nolint:gosec // the test looks for MD5 hashes of secrets in the private state
	"crypto/sha1" //nolint:gosec // and SHA-1 ones
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// A password changed outside Terraform is seen by the SIP digests (issue
// 28): the refresh compares a two-byte mark of them with the one the last
// write that sent the password kept in the private state.

const (
	digestsChangedSummary = "SIP password changed outside Terraform"
	outsidePassword       = "Set-in-the-portal-2026"
	configuredPassword    = "Kq7#vT2!mZr9@Lx4pW8$"
)

// writeOnlyRefused asserts what a CLI before 1.11, which has no write-only
// arguments, does with password_wo: the plan fails saying what to use
// instead, and nothing reaches the API.
func writeOnlyRefused(t *testing.T, api *testAPI) {
	t.Helper()
	t.Cleanup(api.noAPICalls(t))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      api.userConfig("  login = \"drft0wo1\"\n  password_wo = \"Kq7#vT2!mZr9@Lx4pW8$\"\n  password_wo_version = 1"),
			ExpectError: inOutput("password_wo needs Terraform 1.11 or OpenTofu 1.11"),
		}},
	})
}

// writeOnlyAPI is a test's API for a write-only password test, with
// TF_VAR_pw set to the configured password; nil under a CLI before 1.11,
// after asserting that CLI's refusal of password_wo.
func writeOnlyAPI(t *testing.T) *testAPI {
	api := newTestAPI(t)
	if !cliAtLeast(t, "1.11.0") {
		writeOnlyRefused(t, api)
		return nil
	}
	t.Setenv("TF_VAR_pw", configuredPassword)
	return api
}

// userID is the id of the resource at addr in state.
func userID(s *terraform.State) string { return s.RootModule().Resources[addr].Primary.ID }

// writeOnlyUser is a configuration of one user on connection whose
// password_wo comes from the ephemeral variable pw (TF_VAR_pw).
func (a *testAPI) writeOnlyUser(connection, login string, version int) string {
	return a.provider() + "variable \"pw\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n" + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = %q
  password_wo         = var.pw
  password_wo_version = %d
}
`, connection, login, version)
}

// changePasswordOutside sets the user's password on the emulator, as the
// portal would.
func (a *testAPI) changePasswordOutside(t *testing.T, id *string) func() {
	return func() {
		pw := outsidePassword
		if err := a.emu.ChangeUser(*id, map[string]*string{"password": &pw}); err != nil {
			t.Fatal(err)
		}
		a.emu.ResetRequests()
	}
}

// hasConfiguredPassword checks the emulator holds the configured password,
// with digests a phone can register with.
func (a *testAPI) hasConfiguredPassword(s *terraform.State) error {
	u, ok := a.emu.User(userID(s))
	if !ok || u.Password != configuredPassword || !a.emu.CanRegister(u.UUID) {
		return fmt.Errorf("the API holds %q (can register: %v), want the configured password", u.Password, a.emu.CanRegister(u.UUID))
	}
	return nil
}

// noPasswordSent fails when a write since the last reset carried a password.
func (a *testAPI) noPasswordSent() error {
	for _, r := range a.emu.Requests() {
		if r.Method != "GET" && strings.Contains(r.Body, `"password"`) {
			return fmt.Errorf("%s %s sent a password: the plan should send none", r.Method, r.Path)
		}
	}
	return nil
}

// warnedOnce checks that the plans so far said exactly one thing: the
// digests warning, on attribute, naming the user and what to do.
func warnedOnce(diags *planDiagnostics, attribute string, id *string, wants ...string) apiPlanCheck {
	return func() error {
		return diags.expectOne(tfprotov6.DiagnosticSeverityWarning, digestsChangedSummary, attribute, append([]string{*id}, wants...)...)
	}
}

// Classic password: the refresh after an outside change drops the password
// from state, so the plan sends it again, with a warning naming the user;
// the apply restores the configured password, and the next plan is empty
// and silent. A first_name changed outside is restored without a password.
func TestAccDigests_classicPasswordChangedOutside(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	var id string
	config := api.userConfig(`  login = "drft0001"` + "\n  password = " + fmt.Sprintf("%q", configuredPassword) + "\n  first_name = \"Dora\"")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { id = userID(s); return nil }},
			{
				PreConfig: func() { api.changePasswordOutside(t, &id)(); diags.reset() },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					warnedOnce(&diags, "password", &id, "drft0001", "sends the configured password again", "ignore_changes"),
				}},
				Check: api.hasConfiguredPassword,
			},
			{
				PreConfig: diags.reset,
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					if err := diags.none(); err != nil {
						t.Fatalf("after the restore: %v", err)
					}
					name := "Outside"
					if err := api.emu.ChangeUser(id, map[string]*string{"first_name": &name}); err != nil {
						t.Fatal(err)
					}
					api.emu.ResetRequests()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					apiPlanCheck(diags.none),
				}},
				Check: resource.ComposeTestCheckFunc(api.hasConfiguredPassword, func(*terraform.State) error { return api.noPasswordSent() }),
			},
		},
	})
}

// password_wo: nothing can be planned for a write-only value, so the plans
// warn, naming the user and password_wo_version, and send nothing; a new
// version sends the configured password and silences it.
func TestAccDigests_writeOnlyPasswordChangedOutside(t *testing.T) {
	api := writeOnlyAPI(t)
	if api == nil {
		return
	}
	var diags planDiagnostics
	var id string
	config := func(version int) string { return api.writeOnlyUser(api.connection, "drft0002", version) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config(1), Check: func(s *terraform.State) error { id = userID(s); return nil }},
			{
				PreConfig: func() { api.changePasswordOutside(t, &id)(); diags.reset() },
				Config:    config(1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
					warnedOnce(&diags, "password_wo_version", &id, "drft0002", "raise password_wo_version"),
				}},
				Check: func(s *terraform.State) error {
					if err := api.noPasswordSent(); err != nil {
						return err
					}
					if u, _ := api.emu.User(userID(s)); u.Password != outsidePassword {
						return fmt.Errorf("the outside password was replaced without a new version")
					}
					return nil
				},
			},
			{
				PreConfig: diags.reset,
				Config:    config(2),
				Check:     api.hasConfiguredPassword,
			},
			{
				PreConfig: diags.reset,
				Config:    config(2),
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					apiPlanCheck(diags.none),
				}},
			},
		},
	})
}

// Changes Terraform makes itself are never drift: a rename (which sends
// the password along) and a new password each keep a new mark, and the
// plans after them are empty and silent.
func TestAccDigests_ownChangesAreNotDrift(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	config := func(login, password string) string {
		return api.userConfig(fmt.Sprintf("  login = %q\n  password = %q", login, password))
	}
	// A PlanOnly step runs no Check: its plans are checked by a plan check.
	silent := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{apiPlanCheck(diags.none)}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config("drft0003", configuredPassword)},
			{Config: config("drft0004", configuredPassword), PreConfig: diags.reset},
			{Config: config("drft0004", configuredPassword), PlanOnly: true, ConfigPlanChecks: silent},
			{Config: config("drft0004", configuredPassword+"x"), PreConfig: diags.reset},
			{Config: config("drft0004", configuredPassword+"x"), PlanOnly: true, ConfigPlanChecks: silent},
		},
	})
}

// An imported user has no mark: a password changed outside after the
// import is not flagged (it gets a mark at its next write that sends the
// password).
func TestAccDigests_importedUserIsNotFlagged(t *testing.T) {
	imported := newTestAPI(t)
	var importDiags planDiagnostics
	seededID := seed(t, imported, "drft0009", nil)
	importConfig := imported.userConfig(`  login = "drft0009"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: importDiags.factories(),
		Steps: []resource.TestStep{
			{Config: importConfig, ResourceName: addr, ImportState: true, ImportStateId: seededID, ImportStatePersist: true},
			{
				PreConfig: func() {
					pw := outsidePassword
					if err := imported.emu.ChangeUser(seededID, map[string]*string{"password": &pw}); err != nil {
						t.Fatal(err)
					}
					importDiags.reset()
				},
				Config:   importConfig,
				PlanOnly: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					apiPlanCheck(importDiags.none),
				}},
			},
		},
	})
}

// A rename of a password_wo user without a new password_wo_version fails at
// plan, on the resource, with nothing written; with a new version it
// applies and the phone's password is the configured one.
func TestAccDigests_writeOnlyRenameNeedsNewVersion(t *testing.T) {
	api := writeOnlyAPI(t)
	if api == nil {
		return
	}
	config := func(login string, version int) string { return api.writeOnlyUser(api.connection, login, version) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config("ren0wo01", 1)},
			{
				PreConfig:   api.emu.ResetRequests,
				Config:      config("ren0wo02", 1),
				ExpectError: inOutput("New password_wo_version needed", `login "ren0wo02"`, "Raise password_wo_version", "secret store", `troubleshooting guide, "New password_wo_version needed"`),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Fatalf("the refused rename made %d write calls", n)
					}
				},
				Config: config("ren0wo02", 2),
				Check:  api.hasConfiguredPassword,
			},
		},
	})
}

// privateRecorder keeps the private state the provider returns.
type privateRecorder struct {
	mu      sync.Mutex
	private [][]byte
	diags   planDiagnostics
}

func (p *privateRecorder) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return p.diags.factoriesKeeping(p.keep)
}

func (p *privateRecorder) keep(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.private = append(p.private, append([]byte(nil), b...))
}

// The private state holds a two-byte mark, never the digests, the
// password, or a full-length hash of any of them (hex or base64; MD5, SHA-1
// or SHA-256), however it is decoded.
func TestAccDigests_privateStateHoldsNoSecret(t *testing.T) {
	api := newTestAPI(t)
	var rec privateRecorder
	var ha1, ha1b string
	config := api.userConfig(`  login = "drft0005"` + "\n  password = " + fmt.Sprintf("%q", configuredPassword))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: rec.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error {
				var ok bool
				if ha1, ha1b, ok = api.emu.Digests(userID(s)); !ok {
					return fmt.Errorf("no digests")
				}
				return nil
			}},
			{Config: config, PlanOnly: true},
		},
	})
	var forbidden []string
	for _, secret := range []string{ha1, ha1b, configuredPassword, strings.ToUpper(ha1)} {
		forbidden = append(forbidden, secret)
		for _, sum := range [][]byte{md5sum(secret), sha1sum(secret), sha256sum(secret)} {
			forbidden = append(forbidden, hex.EncodeToString(sum), base64.StdEncoding.EncodeToString(sum))
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.private) == 0 {
		t.Fatal("no private state recorded")
	}
	sawMark := false
	for _, raw := range rec.private {
		texts := []string{string(raw)}
		if decoded, err := base64.StdEncoding.DecodeString(string(raw)); err == nil {
			texts = append(texts, string(decoded))
		}
		for _, text := range texts {
			for _, f := range forbidden {
				if strings.Contains(strings.ToLower(text), strings.ToLower(f)) {
					t.Fatalf("the private state holds a secret or its hash: %q", text)
				}
			}
			sawMark = sawMark || strings.Contains(text, "digests")
		}
	}
	if !sawMark {
		t.Fatalf("no digest mark in the private state: %q", rec.private)
	}
}

func md5sum(s string) []byte  { h := md5.Sum([]byte(s)); return h[:] }  //nolint:gosec // see the import
func sha1sum(s string) []byte { h := sha1.Sum([]byte(s)); return h[:] } //nolint:gosec // see the import
func sha256sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
