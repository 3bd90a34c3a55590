package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// The strength check of SIP passwords (issue 23): every password a plan
// would send is checked; a weak one gets a warning by default, an error
// with password_policy = "enforce", nothing with "off"; no diagnostic holds
// the value. The passwords come from (sensitive, ephemeral where the CLI
// has them) variables, as the docs advise: Terraform itself prints the
// configuration line of a diagnostic.

// The passwords of these tests: one of each weak kind, and a strong one.
const (
	weakShort   = "Sh0rt!pw"             // 8 characters
	weakLogin   = "xXpass0001yYzZ"       // contains the login pass0001
	weakPattern = "password12345678"     // a word and a sequence
	strongPass  = "Kq7#vT2!mZr9@Lx4pW8$" // generated
	weakScore3  = "Summer2024!x"         // zxcvbn's score 3: a word, a year, a symbol
)

// passwordConfig is one user, login pass0001, whose password is variable
// "pw" (write-only from an ephemeral variable when wo), with extra lines in
// the provider block.
func (a *testAPI) passwordConfig(wo bool, login string, providerExtra ...string) string {
	variable := "variable \"pw\" {\n  type      = string\n  sensitive = true\n}\n"
	argument := "password = var.pw"
	if wo {
		variable = "variable \"pw\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n"
		argument = "password_wo = var.pw\n  password_wo_version = 1"
	}
	return a.provider(providerExtra...) + variable + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = %q
  first_name          = "Pascal"
  %s
}
`, a.connection, login, argument)
}

// weakDiagnostics checks that every recorded diagnostic is a "Weak SIP
// password" of severity, on attribute, saying why, and that none holds the
// password.
func weakDiagnostics(diags *planDiagnostics, severity tfprotov6.DiagnosticSeverity, attribute, why, password string) error {
	found := diags.named("Weak SIP password")
	if len(found) == 0 || len(found) != diags.count() {
		return fmt.Errorf("want only the weak-password diagnostic, got:%s", describe(diags.diags))
	}
	for _, d := range found {
		if d.Severity != severity || d.Attribute == nil || !strings.Contains(d.Attribute.String(), attribute) || !strings.Contains(d.Detail, why) {
			return fmt.Errorf("%s on %v: %s; want a %s on %s saying %q", d.Severity, d.Attribute, d.Detail, severity, attribute, why)
		}
		if strings.Contains(d.Detail, password) || strings.Contains(d.Summary, password) {
			return fmt.Errorf("the diagnostic holds the password: %s", d.Detail)
		}
	}
	return nil
}

// Each weak kind is warned by default, on the password attribute, in
// general terms; the plan goes on.
func TestAccPasswordStrength_weakIsWarned(t *testing.T) {
	kinds := map[string]struct{ password, why string }{
		"short":   {weakShort, "shorter than 12 characters"},
		"login":   {weakLogin, "contains the user's login"},
		"pattern": {weakPattern, "common pattern"},
		"score 3": {weakScore3, "common pattern"},
	}
	for name, kind := range kinds {
		for _, wo := range []bool{false, true} {
			if wo && !cliAtLeast(t, "1.11.0") {
				continue // password_wo and ephemeral variables: TestAccSIPUser_writeOnlyPassword asserts the refusal
			}
			t.Run(fmt.Sprintf("%s write-only=%v", name, wo), func(t *testing.T) {
				api := newTestAPI(t)
				t.Setenv("TF_VAR_pw", kind.password)
				attribute := map[bool]string{false: "password", true: "password_wo"}[wo]
				var diags planDiagnostics
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: diags.factories(),
					CheckDestroy:             api.allGone,
					Steps: []resource.TestStep{{
						PreConfig: diags.reset,
						Config:    api.passwordConfig(wo, "pass0001"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(func() error {
							return weakDiagnostics(&diags, tfprotov6.DiagnosticSeverityWarning, attribute, kind.why, kind.password)
						})}},
						Check: api.expectStored(passwordIs(kind.password)),
					}},
				})
			})
		}
	}
}

// With password_policy = "enforce" a weak password fails the plan: one
// error, nothing sent, the value in no output.
func TestAccPasswordStrength_enforceRefuses(t *testing.T) {
	for _, password := range []string{weakShort, weakLogin, weakPattern} {
		t.Run(password[:3], func(t *testing.T) {
			api := newTestAPI(t)
			t.Setenv("TF_VAR_pw", password)
			failed := false
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				ErrorCheck: func(err error) error {
					if !inOutput("Weak SIP password", `password_policy is "enforce"`).MatchString(err.Error()) || strings.Contains(err.Error(), password) {
						return err
					}
					failed = true
					return nil
				},
				Steps: []resource.TestStep{{Config: api.passwordConfig(false, "pass0001", `password_policy = "enforce"`)}},
			})
			if !failed {
				t.Fatal("the plan of a weak password with enforce did not fail")
			}
			if n := writes(api); n != 0 {
				t.Errorf("%d write calls", n)
			}
		})
	}
}

// A strong password is never flagged, at create and at rotation; "off"
// checks nothing.
func TestAccPasswordStrength_strongAndOffAreSilent(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	silent := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(diags.none)}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				PreConfig:        func() { t.Setenv("TF_VAR_pw", strongPass); diags.reset() },
				Config:           api.passwordConfig(false, "pass0001"),
				ConfigPlanChecks: silent,
			},
			{
				PreConfig:        func() { t.Setenv("TF_VAR_pw", weakPattern); diags.reset() },
				Config:           api.passwordConfig(false, "pass0001", `password_policy = "off"`),
				ConfigPlanChecks: silent,
				Check:            api.expectStored(passwordIs(weakPattern)),
			},
		},
	})
}

// OPENTACT_PASSWORD_POLICY sets the policy when the block does not; the
// block wins; any other value is an error naming the three.
func TestAccPasswordStrength_environment(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv("TF_VAR_pw", weakShort)
	t.Setenv("OPENTACT_PASSWORD_POLICY", "enforce")
	var diags planDiagnostics
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config:      api.passwordConfig(false, "pass0001"),
				ExpectError: inOutput("Weak SIP password", "shorter than 12 characters", `password_policy is "enforce"`),
			},
			{
				PreConfig: diags.reset,
				Config:    api.passwordConfig(false, "pass0001", `password_policy = "warn"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(func() error {
					return weakDiagnostics(&diags, tfprotov6.DiagnosticSeverityWarning, "password", "shorter than 12 characters", weakShort)
				})}},
			},
			{
				PreConfig:   func() { t.Setenv("OPENTACT_PASSWORD_POLICY", "strict") },
				Config:      api.passwordConfig(false, "pass0001"),
				ExpectError: inOutput("Invalid OPENTACT_PASSWORD_POLICY", `"strict"`, `one of "warn", "enforce" or "off"`),
			},
			{
				PreConfig:   func() { t.Setenv("OPENTACT_PASSWORD_POLICY", "") },
				Config:      api.passwordConfig(false, "pass0001", `password_policy = "strict"`),
				ExpectError: regexp.MustCompile(`(?s)password_policy.*value must be one of:.*"warn".*"enforce".*"off"`),
			},
			// A valid configuration again, for the destroy.
			{Config: api.passwordConfig(false, "pass0001", `password_policy = "warn"`), PlanOnly: true},
		},
	})
}

// Only what is sent is checked: a managed user whose password is not sent
// again is not flagged on later plans, a rename that sends it is, and an
// imported user managed without a password never is.
func TestAccPasswordStrength_onlyWhatIsSent(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv("TF_VAR_pw", weakPattern)
	seeded := seed(t, api, "seed0001", nil)
	var diags planDiagnostics
	silent := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(diags.none)}}
	config := func(login, firstName string) string {
		return strings.Replace(api.passwordConfig(false, login), `first_name          = "Pascal"`, `first_name          = "`+firstName+`"`, 1) +
			fmt.Sprintf("\nresource \"opentact_sip_user\" \"imported\" {\n  sip_connection_uuid = %q\n  login = \"seed0001\"\n}\n\nimport {\n  to = opentact_sip_user.imported\n  id = %q\n}\n", api.connection, seeded)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             usersLeft(api),
		Steps: []resource.TestStep{
			{Config: config("pass0001", "Pascal")},
			// The same configuration: nothing is sent, nothing is said.
			{PreConfig: diags.reset, Config: config("pass0001", "Pascal"), PlanOnly: true},
			{PreConfig: func() {
				if n := diags.count(); n != 0 {
					t.Fatalf("a plan that sends no password said:%s", describe(diags.diags))
				}
			}, Config: config("pass0001", "Paula"), ConfigPlanChecks: silent},
			// A rename sends the password again: checked again.
			{
				PreConfig: diags.reset,
				Config:    config("pass0002", "Paula"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(func() error {
					return weakDiagnostics(&diags, tfprotov6.DiagnosticSeverityWarning, "password", "common pattern", weakPattern)
				})}},
			},
		},
	})
}

// A password unknown at plan (from a resource created in the same apply)
// is not checked at plan.
func TestAccPasswordStrength_unknownIsNotCheckedAtPlan(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			PreConfig: diags.reset,
			Config: api.provider() + fmt.Sprintf(`
resource "terraform_data" "pw" {
  input = %q
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = "late0002"
  password            = terraform_data.pw.output
}
`, weakPattern, api.connection),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(diags.none)}},
		}},
	})
}

// A password known only at apply is checked then: Terraform plans each
// resource again at apply, with the value known, and with "enforce" that
// user is refused before its create is sent. The plan passes silently (the
// value is unknown there); the rest of the apply goes on.
func TestAccPasswordStrength_enforceAtApply(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv("TF_VAR_pw", weakScore3)
	var diags planDiagnostics
	refused := false
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		ErrorCheck: func(err error) error {
			if !inOutput("Weak SIP password", `password_policy is "enforce"`).MatchString(err.Error()) || strings.Contains(err.Error(), weakScore3) {
				return err
			}
			found := diags.named("Weak SIP password")
			if len(found) != 1 || found[0].Severity != tfprotov6.DiagnosticSeverityError || found[0].Attribute == nil || !strings.Contains(found[0].Attribute.String(), "password") ||
				!strings.Contains(found[0].Detail, "common pattern") {
				return fmt.Errorf("want one weak-password error on password, from the apply's plan, got:%s", describe(diags.diags))
			}
			// Only the strong user was sent.
			if n := api.emu.CountRequests("POST", ""); n != 1 {
				return fmt.Errorf("%d POSTs, want 1 (the strong user's create)", n)
			}
			if users := api.emu.Users(api.connection); len(users) != 1 || users[0].Login != "early001" {
				return fmt.Errorf("the API holds %+v, want only early001", users)
			}
			refused = true
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: diags.reset,
			Config: api.provider(`password_policy = "enforce"`) + fmt.Sprintf(`
variable "pw" {
  type      = string
  sensitive = true
}

resource "terraform_data" "pw" {
  input = var.pw
}

resource "opentact_sip_user" "late" {
  sip_connection_uuid = %[1]q
  login               = "late0001"
  password            = terraform_data.pw.output
}

resource "opentact_sip_user" "early" {
  sip_connection_uuid = %[1]q
  login               = "early001"
  password            = %[2]q
}
`, api.connection, strongPass),
			// The plan itself says nothing: the password is unknown there.
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{apiPlanCheck(diags.none)}},
		}},
	})
	if !refused {
		t.Fatal("the apply of a weak password known only at apply, with enforce, did not fail")
	}
}

// Under TF_LOG=TRACE, a weak password's plan and apply leave the value in
// no log line.
func TestAccPasswordStrength_neverInTheLog(t *testing.T) {
	api := newTestAPI(t)
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_VAR_pw", weakLogin)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			Config: api.passwordConfig(false, "pass0001"),
			Check: func(*terraform.State) error {
				raw, err := os.ReadFile(logFile)
				if err != nil {
					return err
				}
				if !strings.Contains(string(raw), "Weak SIP password") {
					return fmt.Errorf("the trace log (%d bytes) lacks the warning: the provider's logs were not captured", len(raw))
				}
				if i := strings.Index(string(raw), weakLogin); i >= 0 {
					return fmt.Errorf("the trace log holds the password: …%s…", raw[max(0, i-200):i])
				}
				return nil
			},
		}},
	})
}

// A replacement whose new password is known only at apply, with enforce:
// the apply would plan the create again only after deleting the old user,
// so a weak password would leave no user. The plan refuses it, and nothing
// is written: the user is still there.
func TestAccPasswordStrength_enforceRefusesAnUnknownReplacement(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv("TF_VAR_pw", strongPass)
	config := api.provider(`password_policy = "enforce"`) + fmt.Sprintf(`
variable "pw" {
  type      = string
  sensitive = true
}

resource "terraform_data" "pw" {
  input = var.pw
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = "repl0001"
  password            = terraform_data.pw.output
  lifecycle {
    replace_triggered_by = [terraform_data.pw]
  }
}
`, api.connection)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { id = userID(s); return nil }},
			{
				PreConfig: func() {
					t.Setenv("TF_VAR_pw", strongPass+"-rotated")
					api.emu.ResetRequests()
				},
				Config:      config,
				ExpectError: inOutput("SIP password unknown until apply", "known only at apply", "terraform destroy -refresh=false"),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Fatalf("the refused replacement made %d write calls", n)
					}
					if _, ok := api.emu.User(id); !ok {
						t.Fatal("the user is gone")
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ExpectError:        inOutput("SIP password unknown until apply"),
			},
		},
	})
}
