package provider_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// Plan checks that never block a correct change (issue 22): a login that
// the same plan hands on, a create that the API accepted but whose answer
// is partly unreadable, and a plan that cannot be trusted (a refused token,
// an API out of reach).

// handoverConfig is user x with loginX and, when loginY is set, a new user
// y with loginY and the given extra lines (depends_on).
func (a *testAPI) handoverConfig(loginX, loginY, yExtra string) string {
	config := a.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "x" {
  sip_connection_uuid = %q
  login               = %q
  password            = "x-secret-pass-1"
}
`, a.connection, loginX)
	if loginY != "" {
		config += fmt.Sprintf(`
resource "opentact_sip_user" "y" {
  sip_connection_uuid = %q
  login               = %q
  password            = "y-secret-pass-1"
  %s
}
`, a.connection, loginY, yExtra)
	}
	return config
}

// conflicts counts the API's 409 answers.
func conflicts(api *testAPI) int { return api.emu.CountStatus(http.StatusConflict) }

// x gives alice001 up for alice002 and a new y takes alice001, with
// depends_on: the plan passes with the checks on, and the apply renames x
// before it creates y, without a single 409.
func TestAccPlanChecks_renameChainWithDependsOn(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	sameX := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config:            api.handoverConfig("alice001", "", ""),
				ConfigStateChecks: []statecheck.StateCheck{sameX.AddStateValue("opentact_sip_user.x", tfjsonpath.New("id"))},
			},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
				},
				Config: api.handoverConfig("alice002", "alice001", "depends_on = [opentact_sip_user.x]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("opentact_sip_user.x", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("opentact_sip_user.y", plancheck.ResourceActionCreate),
					apiPlanCheck(diags.none),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameX.AddStateValue("opentact_sip_user.x", tfjsonpath.New("id")),
					statecheck.ExpectKnownValue("opentact_sip_user.x", tfjsonpath.New("login"), knownvalue.StringExact("alice002")),
					statecheck.ExpectKnownValue("opentact_sip_user.y", tfjsonpath.New("login"), knownvalue.StringExact("alice001")),
				},
				Check: func(*terraform.State) error {
					if n := conflicts(api); n != 0 {
						return fmt.Errorf("the API answered 409 %d times, want none", n)
					}
					return api.exactlyUsers(2)
				},
			},
		},
	})
}

// x renames itself onto a login a colleague holds (its own check fails),
// while a new y takes x's old login: x's change never counts as a hand-over,
// so y is told that its login is being handed on without depends_on, never
// to import x. The first list answer is held (request_timeout) so that
// both plans are under way before either decides.
func TestAccPlanChecks_handOverThatFailsItsChecks(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	colleague := seed(t, api, "held0001", nil)
	config := func(loginX, loginY string) string {
		return strings.Replace(api.handoverConfig(loginX, loginY, ""), api.provider(), api.provider(`request_timeout = "2s"`, "coalesce_reads = false"), 1)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             usersLeft(api, colleague),
		Steps: []resource.TestStep{
			{Config: config("bert0001", "")},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: listPath(api.connection), Hang: true})
				},
				Config:      config("held0001", "bert0001"),
				ExpectError: inOutput("SIP login handed on without depends_on", "depends_on"),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Fatalf("the failed plan made %d write calls", n)
					}
					if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "SIP login handed on without depends_on", "login", "depends_on"); err != nil {
						t.Fatal(err)
					}
					if taken := diags.named("SIP login already taken"); len(taken) != 1 || !strings.Contains(taken[0].Detail, colleague) {
						t.Fatalf("x's own error: %s", describe(taken))
					}
				},
				Config:   config("bert0001", ""),
				PlanOnly: true,
			},
		},
	})
}

// Two users exchanging their logins cannot do it in one apply: the plan
// fails, saying so, and nothing is written.
func TestAccPlanChecks_swapFailsWithAdvice(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	swap := func(x, y string) string {
		return api.provider(`request_timeout = "2s"`, "coalesce_reads = false") + fmt.Sprintf(`
resource "opentact_sip_user" "x" {
  sip_connection_uuid = %[1]q
  login               = %[2]q
  password            = "x-secret-pass-1"
}

resource "opentact_sip_user" "y" {
  sip_connection_uuid = %[1]q
  login               = %[3]q
  password            = "y-secret-pass-1"
}
`, api.connection, x, y)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: swap("swap0001", "swap0002")},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: listPath(api.connection), Hang: true})
				},
				Config:      swap("swap0002", "swap0001"),
				ExpectError: regexp.MustCompile(`(?s)SIP logins swapped in one apply.*cannot\s+happen\s+in\s+one\s+apply.*temporary\s+login`),
			},
			{
				Config: swap("swap0001", "swap0002"),
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Fatalf("the failed swap made %d write calls", n)
					}
					// Each plan of the step is recorded: at least both users'.
					if got := diags.named("SIP logins swapped in one apply"); len(got) < 2 || len(got) != diags.count() {
						t.Fatalf("want the swap error on both users and nothing else, got %s", describe(diags.all()))
					}
				},
				PlanOnly: true,
			},
		},
	})
}

// Three users passing their logins round cannot do it in one apply either:
// the plan fails on every member with the rotation, none advised to import
// another, and nothing is written.
func TestAccPlanChecks_rotationFailsAtPlan(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	rotation := func(a, b, c string) string {
		config := api.provider(`request_timeout = "2s"`, "coalesce_reads = false")
		for i, login := range []string{a, b, c} {
			config += fmt.Sprintf(`
resource "opentact_sip_user" "u%d" {
  sip_connection_uuid = %q
  login               = %q
  password            = "rotation-secret-%d"
}
`, i, api.connection, login, i)
		}
		return config
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: rotation("rota0001", "rota0002", "rota0003")},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
					// Held until request_timeout: the three plans are all
					// under way before any decides.
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: listPath(api.connection), Hang: true})
				},
				Config:      rotation("rota0002", "rota0003", "rota0001"),
				ExpectError: inOutput("SIP logins rotated in one apply", `"rota0001"`, `"rota0002"`, `"rota0003"`, "temporary login"),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Fatalf("the failed rotation made %d write calls", n)
					}
					if got := diags.named("SIP logins rotated in one apply"); len(got) < 3 || len(got) != diags.count() {
						t.Fatalf("want the rotation error on each of the three users and nothing else, got %s", describe(diags.all()))
					}
					for _, d := range diags.all() {
						if strings.Contains(d.Detail, "import") {
							t.Fatalf("a member of the rotation was advised to import: %s", d.Detail)
						}
					}
				},
				Config:   rotation("rota0001", "rota0002", "rota0003"),
				PlanOnly: true,
			},
		},
	})
}

// A rotation of three whose last member is planned after the others (one of
// its attributes comes from a data source whose list answer is held): the
// members planned first cannot see the rotation yet, but none of them is
// advised to import (a rename onto a taken login is told to choose another,
// and where the guide covers rotations), and the last one names the
// rotation.
func TestAccPlanChecks_rotationPlannedInTurn(t *testing.T) {
	api := newTestAPI(t)
	slow := api.emu.AddConnection("slow")
	var diags planDiagnostics
	rotation := func(a, b, c string) string {
		config := api.provider(`request_timeout = "2s"`) + fmt.Sprintf(`
data "opentact_sip_users" "slow" {
  sip_connection_uuid = %q
}
`, slow)
		for i, login := range []string{a, b, c} {
			extra := ""
			if i == 2 {
				extra = `first_name = "r${length(data.opentact_sip_users.slow.users)}"`
			}
			config += fmt.Sprintf(`
resource "opentact_sip_user" "u%d" {
  sip_connection_uuid = %q
  login               = %q
  password            = "rotation-secret-%d"
  %s
}
`, i, api.connection, login, i, extra)
		}
		return config
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: rotation("rota0001", "rota0002", "rota0003")},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: listPath(slow), Hang: true, Times: 2})
				},
				Config:      rotation("rota0002", "rota0003", "rota0001"),
				ExpectError: inOutput("SIP logins rotated in one apply"),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Errorf("the failed rotation made %d write calls", n)
					}
					if len(diags.named("SIP logins rotated in one apply")) == 0 {
						t.Errorf("no error names the rotation: %s", describe(diags.all()))
					}
					for _, d := range diags.all() {
						if strings.Contains(d.Detail, "import") {
							t.Errorf("a member of the rotation was advised to import: %s: %.200s", d.Summary, d.Detail)
						}
					}
				},
				Config:   rotation("rota0001", "rota0002", "rota0003"),
				PlanOnly: true,
			},
		},
	})
}

// A create that the API accepted, whose answer has a created_on and a dob
// that cannot be read: the user lands in the state untainted (a warning,
// not an error), with the configured dob, and the next plans are empty:
// none fails on the user's own login.
func TestAccIntegrity_createAnswerPartlyUnreadable(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	config := api.userConfig(`  login = "part0001"` + "\n" + `  password = "part-secret-1"` + "\n" + `  dob = "1990-04-01T00:00:00Z"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheckFunc(func() error {
					api.emu.InjectFault(emulator.Fault{Method: "POST", Override: map[string]any{"created_on": "yesterday", "dob": "01/04/1990"}})
					return nil
				})}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("dob"), knownvalue.StringExact("1990-04-01T00:00:00Z")),
				},
				Check: resource.ComposeTestCheckFunc(api.onlyUserInState, func(*terraform.State) error {
					warned := diags.appliedNamed("SIP user saved with part of the API's answer unread")
					if len(warned) != 1 || warned[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
						!strings.Contains(warned[0].Detail, "created_on") || !strings.Contains(warned[0].Detail, "dob") {
						return fmt.Errorf("want one warning naming created_on and dob, got %s", describe(warned))
					}
					return nil
				}),
			},
			// Untainted and in the state: the plan is empty.
			{Config: config, PlanOnly: true},
		},
	})
}

// A wrong or rotated token fails the plan of a new user with one error
// (not a warning that a pull request would show green), naming where the
// token came from and never the token.
func TestAccPlanChecks_refusedTokenFailsThePlan(t *testing.T) {
	const wrong = "wrong-but-secret-token-1"
	cases := map[string]struct {
		env   bool
		fault *emulator.Fault
		says  []string
	}{
		"401, provider token": {says: []string{"OpenTact API token refused", "from the provider's token (HTTP 401)"}},
		"401, OPENTACT_TOKEN": {env: true, says: []string{"OpenTact API token refused", "from the OPENTACT_TOKEN environment variable (HTTP 401)"}},
		"403":                 {fault: &emulator.Fault{Method: "GET", Status: 403, Times: 100}, says: []string{"OpenTact API token refused", "(HTTP 403)", "no access to that connection"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			api := newTestAPI(t)
			token := wrong
			if tc.fault != nil {
				token = api.emu.Token()
				api.emu.InjectFault(*tc.fault)
			}
			block := fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n}\n", api.url, token)
			if tc.env {
				t.Setenv("OPENTACT_TOKEN", token)
				block = fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n}\n", api.url)
			}
			var diags planDiagnostics
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: diags.factories(),
				Steps: []resource.TestStep{{
					Config: block + fmt.Sprintf(`
resource "opentact_sip_user" "many" {
  count               = 3
  sip_connection_uuid = %q
  login               = format("tokn%%04d", count.index)
  password            = "token-secret-1"
}
`, api.connection),
					ExpectError: inOutput(tc.says...),
				}},
			})
			if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "OpenTact API token refused", "", tc.says[1:]...); err != nil {
				t.Error(err)
			}
			if d := diags.named("OpenTact API token refused"); len(d) == 1 && strings.Contains(d[0].Detail, wrong) {
				t.Errorf("the error holds the token: %s", d[0].Detail)
			}
			if n := writes(api); n != 0 {
				t.Errorf("%d write calls", n)
			}
		})
	}
}

// A 403 page from a proxy is not the API refusing the token: the check is
// skipped with a warning, as for any other failure of the list.
func TestAccPlanChecks_proxy403OnlyWarns(t *testing.T) {
	api := newTestAPI(t)
	api.emu.InjectFault(emulator.Fault{Method: "GET", Status: 403, HTML: true, Times: 100})
	var diags planDiagnostics
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		Steps: []resource.TestStep{{
			Config:             api.userConfig(`  login = "prox0001"` + "\n" + `  password = "proxy-secret-1"`),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
	// The step plans twice (with and without refresh): one warning each.
	warned := diags.named("Login check skipped")
	if len(warned) == 0 || len(warned) != diags.count() {
		t.Fatalf("the plans said %s; want only the warning", describe(warned))
	}
	for _, d := range warned {
		if d.Severity != tfprotov6.DiagnosticSeverityWarning || !strings.Contains(d.Detail, "HTML page") {
			t.Errorf("%s %q: %s", d.Severity, d.Summary, d.Detail)
		}
	}
}

// An API that cannot be reached fails the plan of a new user, saying how to
// plan offline; with plan_checks = false the same plan passes without a
// call.
func TestAccPlanChecks_unreachableFailsThePlan(t *testing.T) {
	api := newTestAPI(t)
	dead := deadURL(t)
	config := func(extra string) string {
		block := fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n  %s\n}\n", dead, api.emu.Token(), extra)
		return api.userConfigWith(block, `  login = "dead0001"`+"\n"+`  password = "dead-secret-1"`)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(""),
				ExpectError: inOutput("OpenTact API unreachable", "connection refused", "Nothing reached the API", "plan_checks = false"),
			},
			{Config: config("plan_checks = false"), PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
}

// With the plan checks off nothing stops an unordered hand-over at plan,
// and the apply does not wait. x's rename is held at the API (a request
// that hangs until request_timeout, then is sent again), so y's create
// meets the login still taken: it fails at once, the one POST, advising
// depends_on if this process had planned x's rename by then (otherwise
// import or another login); the next apply creates y. In the other order
// (y's create held, x's rename first), both go through without a 409.
func TestAccPlanChecks_raceAtApplyFailsAtOnce(t *testing.T) {
	api := newTestAPI(t)
	config := func(loginX, loginY string) string {
		return strings.Replace(api.handoverConfig(loginX, loginY, ""), api.provider(), api.provider("plan_checks = false", `request_timeout = "2s"`), 1)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config("race0001", "")},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					api.emu.InjectFault(emulator.Fault{Method: "PATCH", Hang: true})
				},
				Config: config("race0002", "race0001"),
				// Whether this process planned x's rename before y's create
				// met the 409 is Terraform's order: the message advises
				// depends_on only if it had.
				ExpectError: regexp.MustCompile(`(?s)Cannot create the SIP user.*race0001.*(depends_on|import it.*choose[\s│]+another[\s│]+login)`),
			},
			{
				PreConfig: func() {
					if n := api.emu.CountRequests("POST", ""); n != 1 {
						t.Fatalf("y's create was sent %d times, want once", n)
					}
				},
				Config: config("race0002", "race0001"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("opentact_sip_user.x", tfjsonpath.New("login"), knownvalue.StringExact("race0002")),
					statecheck.ExpectKnownValue("opentact_sip_user.y", tfjsonpath.New("login"), knownvalue.StringExact("race0001")),
				},
				Check: func(*terraform.State) error { return api.exactlyUsers(2) },
			},
			{Config: config("race0003", "")},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					api.emu.InjectFault(emulator.Fault{Method: "POST", Hang: true})
				},
				Config: config("race0004", "race0003"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("opentact_sip_user.x", tfjsonpath.New("login"), knownvalue.StringExact("race0004")),
					statecheck.ExpectKnownValue("opentact_sip_user.y", tfjsonpath.New("login"), knownvalue.StringExact("race0003")),
				},
				Check: func(*terraform.State) error {
					if n := conflicts(api); n != 0 {
						return fmt.Errorf("the API answered 409 %d times, want none", n)
					}
					return api.exactlyUsers(2)
				},
			},
		},
	})
}
