package provider_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// The plan checks (issue 17): a plan fails on a login that another user
// holds or on a SIP connection that does not exist, costs one list call per
// connection, never fails a plan that is right, and only warns when the
// check itself cannot be made. The passwords are strong, so that the plans
// say nothing about them (password_strength_test.go and
// sip_user_password_test.go test that check).

// planDiagnostics records what the provider answers to PlanResourceChange.
// The testing library shows neither warnings nor the attribute an error is
// about; this sees both, whatever the CLI prints.
type planDiagnostics struct {
	mu    sync.Mutex
	diags []*tfprotov6.Diagnostic
	// applied are ApplyResourceChange's diagnostics.
	applied []*tfprotov6.Diagnostic
}

// factories are protoV6ProviderFactories with every plan's diagnostics
// recorded in p.
func (p *planDiagnostics) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return p.factoriesKeeping(nil)
}

// factoriesKeeping is factories, with every private state the provider
// returns handed to keepPrivate too.
func (p *planDiagnostics) factoriesKeeping(keepPrivate func([]byte)) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"opentact": func() (tfprotov6.ProviderServer, error) {
			server, err := protoV6ProviderFactories["opentact"]()
			if err != nil {
				return nil, err
			}
			// The list resource RPCs are found by a type assertion: keep them.
			withList, ok := server.(providerServerWithLists)
			if !ok {
				return nil, fmt.Errorf("the provider server %T has no list resources", server)
			}
			return &recordingServer{providerServerWithLists: withList, record: p.add, recordApply: p.addApplied, keepPrivate: keepPrivate}, nil
		},
	}
}

func (p *planDiagnostics) add(diags []*tfprotov6.Diagnostic) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.diags = append(p.diags, diags...)
}

func (p *planDiagnostics) addApplied(diags []*tfprotov6.Diagnostic) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applied = append(p.applied, diags...)
}

// appliedNamed returns the applies' diagnostics with this summary.
func (p *planDiagnostics) appliedNamed(summary string) []*tfprotov6.Diagnostic {
	p.mu.Lock()
	defer p.mu.Unlock()
	return withSummary(p.applied, summary)
}

// withSummary returns the diagnostics with this summary.
func withSummary(diags []*tfprotov6.Diagnostic, summary string) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		if d.Summary == summary {
			out = append(out, d)
		}
	}
	return out
}

func (p *planDiagnostics) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.diags = nil
}

// named returns the recorded diagnostics with this summary.
func (p *planDiagnostics) named(summary string) []*tfprotov6.Diagnostic {
	p.mu.Lock()
	defer p.mu.Unlock()
	return withSummary(p.diags, summary)
}

// all returns every recorded diagnostic.
func (p *planDiagnostics) all() []*tfprotov6.Diagnostic {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*tfprotov6.Diagnostic(nil), p.diags...)
}

func (p *planDiagnostics) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.diags)
}

// none fails unless the plans so far said nothing at all.
func (p *planDiagnostics) none() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.diags) > 0 {
		return fmt.Errorf("the plan said something, want nothing:%s", describe(p.diags))
	}
	return nil
}

// expectOne fails unless exactly one diagnostic with this summary and
// severity was recorded, about attribute (or about none when it is ""), with
// a detail that holds every one of wants.
func (p *planDiagnostics) expectOne(severity tfprotov6.DiagnosticSeverity, summary, attribute string, wants ...string) error {
	found := p.named(summary)
	if len(found) != 1 {
		return fmt.Errorf("%d diagnostics %q, want exactly 1:%s", len(found), summary, describe(found))
	}
	d := found[0]
	if d.Severity != severity {
		return fmt.Errorf("%q is a %s, want a %s", summary, d.Severity, severity)
	}
	want := tftypes.NewAttributePath()
	if attribute != "" {
		want = want.WithAttributeName(attribute)
	}
	if got := d.Attribute; (got == nil) != (attribute == "") || got != nil && !got.Equal(want) {
		return fmt.Errorf("%q is about %v, want %q", summary, got, attribute)
	}
	for _, w := range wants {
		if !strings.Contains(d.Detail, w) {
			return fmt.Errorf("%q does not say %q: %s", summary, w, d.Detail)
		}
	}
	return nil
}

// describe lists diagnostics readably, one a line.
func describe(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n  %s %q about %v: %s", d.Severity, d.Summary, d.Attribute, d.Detail)
	}
	return b.String()
}

// recordingServer is the provider's server with PlanResourceChange's
// diagnostics handed to record, and ApplyResourceChange's to recordApply.
type recordingServer struct {
	providerServerWithLists
	record, recordApply func([]*tfprotov6.Diagnostic)
	// keepPrivate, when set, is handed the private state of every apply
	// and read.
	keepPrivate func([]byte)
}

// providerServerWithLists is a provider server that serves list resources,
// as the framework's does.
type providerServerWithLists interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
}

func (s *recordingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.providerServerWithLists.ApplyResourceChange(ctx, req)
	if resp != nil {
		s.recordApply(resp.Diagnostics)
		if s.keepPrivate != nil {
			s.keepPrivate(resp.Private)
		}
	}
	return resp, err
}

func (s *recordingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.providerServerWithLists.ReadResource(ctx, req)
	if resp != nil && s.keepPrivate != nil {
		s.keepPrivate(resp.Private)
	}
	return resp, err
}

func (s *recordingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.providerServerWithLists.PlanResourceChange(ctx, req)
	if resp != nil {
		s.record(resp.Diagnostics)
	}
	return resp, err
}

// inOutput matches parts, in order, in the CLI's output, which wraps
// diagnostics at word boundaries: a space in a part matches any run of
// white space (and the frame some CLIs draw).
func inOutput(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, part := range parts {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(part), " ", `[\s│]+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, ".*"))
}

// takenGuide is the pointer that ends the taken-login error.
const takenGuide = `More in the troubleshooting guide, "SIP login already taken".`

// takenDetail is what the plan must tell a new user about a login that
// holder holds: who holds it, how to tell whether the state holds it, the
// remedies for each answer (import it or choose another login; a moved
// block), and where the rest is.
func takenDetail(holder, connection, login string) []string {
	return []string{holder, fmt.Sprintf("login %q", login), "terraform state list -id=" + holder, "terraform import ADDRESS " + connection + "/" + login,
		"choose another login", "add a moved block from that address", takenGuide}
}

// renameTakenDetail is what the plan must tell a rename onto a login that
// holder holds: who holds it, to choose another login, and where the rest
// is; not import, since the holder is most often a user of this
// configuration.
func renameTakenDetail(holder, login string) []string {
	return []string{holder, fmt.Sprintf("login %q", login), "Choose another login.", takenGuide}
}

// unseenRemedies are what a taken-login error does not advise when no plan
// of this process was seen handing the login on: they are the guide's.
// (A moved block is advised to a create, if the state holds the holder.)
var unseenRemedies = []string{"depends_on", "untaint", "temporary login"}

// lacks is an error naming the first of phrases that detail holds.
func lacks(detail string, phrases ...string) error {
	for _, p := range phrases {
		if strings.Contains(detail, p) {
			return fmt.Errorf("the message says %q: %s", p, detail)
		}
	}
	return nil
}

// usersLeft is a CheckDestroy: exactly the given users (seeded ones that
// Terraform never managed) are left on the connection.
func usersLeft(api *testAPI, uuids ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		left := map[string]bool{}
		for _, u := range api.emu.Users(api.connection) {
			left[u.UUID] = true
		}
		for _, id := range uuids {
			if !left[id] {
				return fmt.Errorf("user %s, which Terraform did not manage, is gone", id)
			}
		}
		if len(left) != len(uuids) {
			return fmt.Errorf("%d users left on the connection after destroy, want %d", len(left), len(uuids))
		}
		return nil
	}
}

// writes is how many write calls the API received.
func writes(api *testAPI) int {
	return api.emu.CountRequests("POST", "") + api.emu.CountRequests("PATCH", "") + api.emu.CountRequests("DELETE", "")
}

// listPath is the path of the list call of a connection's users.
func listPath(connection string) string {
	return "/rest/sip/connection/" + connection + "/users"
}

// namedUser is a resource block of a user with this login on connection,
// at opentact_sip_user.<name>.
func namedUser(name, connection, login string) string {
	return fmt.Sprintf(`
resource "opentact_sip_user" %q {
  sip_connection_uuid = %q
  login               = %q
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, name, connection, login)
}

// seed stores a user made outside Terraform.
func seed(t *testing.T, api *testAPI, login string, fields map[string]string) string {
	t.Helper()
	id, err := api.emu.SeedUser(api.connection, login, fields)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAccPlanChecks_takenLoginOnCreate(t *testing.T) {
	api := newTestAPI(t)
	holder := seed(t, api, "taken001", nil)
	var diags planDiagnostics
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             usersLeft(api, holder),
		Steps: []resource.TestStep{{
			Config: api.userConfig("  login = \"taken001\"\n  password = \"Tq8#vN2!rZ5@kW7x\""),
			// The plan fails, not the apply: only the plan check says this.
			ExpectError: inOutput(append([]string{"SIP login already taken"}, takenDetail(holder, api.connection, "taken001")...)...),
		}},
	})
	if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "SIP login already taken", "login", takenDetail(holder, api.connection, "taken001")...); err != nil {
		t.Error(err)
	}
	if d := diags.named("SIP login already taken"); len(d) == 1 {
		if err := lacks(d[0].Detail, unseenRemedies...); err != nil {
			t.Error(err)
		}
	}
	if n := writes(api); n != 0 {
		t.Errorf("a plan that failed still made %d write calls: %+v", n, api.emu.Requests())
	}
}

func TestAccPlanChecks_takenLoginOnRename(t *testing.T) {
	api := newTestAPI(t)
	holder := seed(t, api, "ren00002", nil)
	var diags planDiagnostics
	var id string
	config := func(login string) string {
		return api.userConfig(fmt.Sprintf("  login = %q\n  password = \"Tq8#vN2!rZ5@kW7x\"", login))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             usersLeft(api, holder),
		Steps: []resource.TestStep{
			{
				Config: config("ren00001"),
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
				},
				Config:      config("ren00002"),
				ExpectError: inOutput(append([]string{"SIP login already taken"}, renameTakenDetail(holder, "ren00002")...)...),
			},
			// The failed plan changed nothing: the user keeps its login.
			{
				Config: config("ren00001"),
				Check: func(*terraform.State) error {
					if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "SIP login already taken", "login", renameTakenDetail(holder, "ren00002")...); err != nil {
						return err
					}
					if err := lacks(diags.named("SIP login already taken")[0].Detail, append(unseenRemedies, "import", "moved")...); err != nil {
						return err
					}
					if n := writes(api); n != 0 {
						return fmt.Errorf("%d write calls since the rename was planned, want none", n)
					}
					if u, ok := api.emu.User(id); !ok || u.Login != "ren00001" {
						return fmt.Errorf("the managed user is now %+v", u)
					}
					return nil
				},
			},
		},
	})
}

func TestAccPlanChecks_missingConnection(t *testing.T) {
	api := newTestAPI(t)
	missing := randomUUID(t)
	var diags planDiagnostics
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		Steps: []resource.TestStep{{
			Config: api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = "lost0001"
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, missing),
			ExpectError: inOutput("SIP connection not found", "There is no SIP connection "+missing),
		}},
	})
	if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "SIP connection not found", "sip_connection_uuid", missing, api.url); err != nil {
		t.Error(err)
	}
	if n := writes(api); n != 0 {
		t.Errorf("a plan that failed still made %d write calls", n)
	}
}

// randomUUID is a well-formed lower-case uuid that no emulator knows.
func randomUUID(t *testing.T) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Plans that are right pass without a word, with another user on the
// connection so that the check has something to compare against.
func TestAccPlanChecks_noFalsePositives(t *testing.T) {
	api := newTestAPI(t)
	bystander := seed(t, api, "other001", nil)
	var diags planDiagnostics
	silent := apiPlanCheck(diags.none)
	three := api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "many" {
  count               = 3
  sip_connection_uuid = %q
  login               = format("fine%%04d", count.index)
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, api.connection)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             usersLeft(api, bystander),
		Steps: []resource.TestStep{
			{
				PreConfig:        diags.reset,
				Config:           three,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{silent}},
			},
			// Re-planned, the managed users hold their own logins: no error.
			{
				PreConfig: diags.reset,
				Config:    three,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), silent},
				},
			},
			// A rename to a free login.
			{
				PreConfig: diags.reset,
				Config:    strings.Replace(three, `format("fine%04d", count.index)`, `format("fine%04d", count.index + 10)`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("opentact_sip_user.many[0]", plancheck.ResourceActionUpdate), silent},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("opentact_sip_user.many[0]", tfjsonpath.New("login"), knownvalue.StringExact("fine0010")),
				},
			},
		},
	})
}

// A login known only after apply cannot be checked: the plan passes
// without a list call, and the apply creates the user.
func TestAccPlanChecks_unknownLogin(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				api.emu.ResetRequests()
				diags.reset()
			},
			Config: api.provider() + fmt.Sprintf(`
# terraform_data's output is unknown until it is created.
resource "terraform_data" "login" {
  input = "late0001"
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = terraform_data.login.output
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, api.connection),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("login")),
					apiPlanCheck(diags.none),
					apiPlanCheck(func() error {
						if n := api.emu.CountRequests("", ""); n != 0 {
							return fmt.Errorf("the plan made %d API calls for a login it cannot know: %+v", n, api.emu.Requests())
						}
						return nil
					}),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("login"), knownvalue.StringExact("late0001")),
			},
		}},
	})
}

// Adopting the holder with an import block is what the error advises: it
// plans and applies without a word, by uuid and by <connection>/<login>.
func TestAccPlanChecks_importBlockAdoptsTheHolder(t *testing.T) {
	for name, byLogin := range map[string]bool{"by uuid": false, "by connection and login": true} {
		t.Run(name, func(t *testing.T) {
			api := newTestAPI(t)
			holder := seed(t, api, "hold0001", map[string]string{"first_name": "Holder"})
			importID := holder
			if byLogin {
				importID = api.connection + "/hold0001"
			}
			var diags planDiagnostics
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: diags.factories(),
				CheckDestroy:             api.allGone,
				Steps: []resource.TestStep{{
					PreConfig: api.emu.ResetRequests,
					Config: api.userConfig("  login = \"hold0001\"\n  first_name = \"Holder\"") +
						fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", addr, importID),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
							plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(holder)),
							apiPlanCheck(diags.none),
						},
					},
					Check: func(*terraform.State) error {
						if n := writes(api); n != 0 {
							return fmt.Errorf("adopting the user made %d write calls", n)
						}
						return nil
					},
				}},
			})
		})
	}
}

// A replacement forced by the configuration (replace_triggered_by) re-creates
// a user with its own login: the user being replaced holds it, which is no
// conflict.
func TestAccPlanChecks_replacementKeepsItsLogin(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	sameLogin := statecheck.CompareValue(compare.ValuesSame())
	newID := statecheck.CompareValue(compare.ValuesDiffer())
	config := func(generation int) string {
		return api.provider() + fmt.Sprintf(`
resource "terraform_data" "generation" {
  input = %d
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = "repl0001"
  password            = "Tq8#vN2!rZ5@kW7x"

  lifecycle {
    replace_triggered_by = [terraform_data.generation]
  }
}
`, generation, api.connection)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: config(1),
				ConfigStateChecks: []statecheck.StateCheck{
					sameLogin.AddStateValue(addr, tfjsonpath.New("login")),
					newID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
			{
				PreConfig: diags.reset,
				Config:    config(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						apiPlanCheck(diags.none),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameLogin.AddStateValue(addr, tfjsonpath.New("login")),
					newID.AddStateValue(addr, tfjsonpath.New("id")),
				},
			},
		},
	})
}

// terraform plan -replace=ADDRESS, the same: the testing library has no
// option for the flag, so TF_CLI_ARGS_plan passes it to the plans of one
// step (t.Setenv: not parallel). The apply takes the saved plan; the step's
// follow-up plans replace again, hence ExpectNonEmptyPlan.
func TestAccPlanChecks_replaceFlag(t *testing.T) {
	t.Setenv("TF_CLI_ARGS_plan", "")
	api := newTestAPI(t)
	var diags planDiagnostics
	config := api.userConfig("  login = \"flag0001\"\n  password = \"Tq8#vN2!rZ5@kW7x\"")
	newID := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{newID.AddStateValue(addr, tfjsonpath.New("id"))},
			},
			{
				PreConfig: func() {
					diags.reset()
					t.Setenv("TF_CLI_ARGS_plan", "-replace="+addr)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						apiPlanCheck(diags.none),
					},
				},
				ConfigStateChecks:  []statecheck.StateCheck{newID.AddStateValue(addr, tfjsonpath.New("id"))},
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() { t.Setenv("TF_CLI_ARGS_plan", "") },
				Config:    config,
				PlanOnly:  true,
			},
		},
	})
}

// A user managed under another address: without a moved block the plan
// fails advising one (by the plan's own order, as a login held by a user
// this plan deletes, or as a taken login whose holder the state lists);
// with it, the plan passes and nothing is re-created.
func TestAccPlanChecks_movedBlock(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	sameID := statecheck.CompareValue(compare.ValuesSame())
	user := func(name string) string { return namedUser(name, api.connection, "move0001") }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config:            api.provider() + user("old"),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue("opentact_sip_user.old", tfjsonpath.New("id"))},
			},
			{
				Config:      api.provider() + user("new"),
				ExpectError: regexp.MustCompile(`SIP login (already taken|held by a user this plan deletes)[\s\S]*moved[\s│]+block`),
			},
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					diags.reset()
				},
				Config: api.provider() + user("new") + "\nmoved {\n  from = opentact_sip_user.old\n  to   = opentact_sip_user.new\n}\n",
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("opentact_sip_user.new", plancheck.ResourceActionNoop),
						apiPlanCheck(diags.none),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue("opentact_sip_user.new", tfjsonpath.New("id"))},
			},
		},
	})
}

// 100 new users of one connection cost the plan one list call, and the
// apply at most one more (its first re-plans run before any write).
func TestAccPlanChecks_oneListCallFor100Users(t *testing.T) {
	api := newTestAPI(t)
	const n = 100
	lists := func() int { return api.emu.CountRequests("GET", listPath(api.connection)) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			PreConfig: api.emu.ResetRequests,
			Config: api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "many" {
  count               = %d
  sip_connection_uuid = %q
  login               = format("many%%04d", count.index)
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, n, api.connection),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{apiPlanCheck(func() error {
					if got, all := lists(), api.emu.CountRequests("", ""); got != 1 || all != 1 {
						return fmt.Errorf("the plan of %d new users made %d list calls and %d calls in all, want 1 and 1", n, got, all)
					}
					return nil
				})},
			},
			Check: func(*terraform.State) error {
				if posts := api.emu.CountRequests("POST", ""); posts != n {
					return fmt.Errorf("the apply made %d POSTs, want %d", posts, n)
				}
				got := lists()
				t.Logf("plan and apply of %d users made %d list calls", n, got)
				if got > 2 {
					return fmt.Errorf("plan and apply made %d list calls, want at most 2", got)
				}
				if users := api.emu.Users(api.connection); len(users) != n {
					return fmt.Errorf("the API holds %d users, want %d", len(users), n)
				}
				return nil
			},
		}},
	})
}

// When the list call fails (after its retries), the plan goes on with one
// warning for the connection, however many of its users are new; a
// connection whose list works gets none.
func TestAccPlanChecks_failingListWarnsOnce(t *testing.T) {
	// One list call with its retries, whatever the number of users; a
	// dropped connection may also be retried once per attempt by Go's
	// transport itself (a GET on a reused connection that died unanswered).
	oneList := opentact.DefaultMaxRetries + 1
	cases := map[string]struct {
		fault    emulator.Fault
		maxLists int
	}{
		"503":      {emulator.Fault{Status: 503}, oneList},
		"HTML 500": {emulator.Fault{Status: 500, HTML: true}, oneList},
		"not JSON": {emulator.Fault{Body: `{"success": tru`}, oneList},
		"dropped":  {emulator.Fault{Drop: true}, 2 * oneList},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fault := tc.fault
			api := newTestAPI(t)
			healthy := api.emu.AddConnection("healthy")
			var diags planDiagnostics
			fault.Method, fault.PathPrefix, fault.Times = "GET", listPath(api.connection), 1000
			lists := func() int { return api.emu.CountRequests("GET", listPath(api.connection)) }
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: diags.factories(),
				CheckDestroy: func(s *terraform.State) error {
					if n := len(api.emu.Users(healthy)); n != 0 {
						return fmt.Errorf("%d users left on the healthy connection", n)
					}
					return api.allGone(s)
				},
				Steps: []resource.TestStep{{
					PreConfig: func() {
						api.emu.InjectFault(fault)
						api.emu.ResetRequests()
						diags.reset()
					},
					Config: api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "many" {
  count               = 3
  sip_connection_uuid = %q
  login               = format("warn%%04d", count.index)
  password            = "Tq8#vN2!rZ5@kW7x"
}

resource "opentact_sip_user" "healthy" {
  sip_connection_uuid = %q
  login               = "well0001"
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, api.connection, healthy),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{apiPlanCheck(func() error {
							if err := diags.expectOne(tfprotov6.DiagnosticSeverityWarning, "Login check skipped", "", api.connection, "a login that is taken still fails at apply"); err != nil {
								return err
							}
							if d := diags.named("Login check skipped")[0]; strings.Contains(d.Detail, healthy) || strings.Contains(d.Detail, api.emu.Token()) {
								return fmt.Errorf("the warning names the healthy connection or the token: %s", d.Detail)
							}
							if n := diags.count(); n != 1 {
								return fmt.Errorf("the plan said %d things, want only the warning", n)
							}
							// The 3 users shared one list call, with its retries.
							got := lists()
							t.Logf("the plan made %d list calls of the failing connection", got)
							if got < 1 || got > tc.maxLists {
								return fmt.Errorf("the plan made %d list calls of the failing connection, want 1 to %d", got, tc.maxLists)
							}
							return nil
						})},
					},
					Check: func(*terraform.State) error {
						if n := len(api.emu.Users(api.connection)); n != 3 {
							return fmt.Errorf("the apply made %d users, want 3", n)
						}
						return nil
					},
				}},
			})
		})
	}
}

// plan_checks = false: a taken login plans without a list call and fails at
// apply with the API's 409, explained.
func TestAccPlanChecks_off(t *testing.T) {
	api := newTestAPI(t)
	holder := seed(t, api, "off00001", nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             usersLeft(api, holder),
		Steps:                    []resource.TestStep{checksOffStep(api, api.provider("plan_checks = false"), "off00001")},
	})
}

// OPENTACT_PLAN_CHECKS=false does the same, and the provider block's
// setting overrides it.
func TestAccPlanChecks_offByEnvironment(t *testing.T) {
	t.Setenv("OPENTACT_PLAN_CHECKS", "false")
	api := newTestAPI(t)
	holder := seed(t, api, "env00001", nil)
	config := func(extra string) string {
		return api.provider(extra) + fmt.Sprintf("\nresource \"opentact_sip_user\" \"test\" {\n  sip_connection_uuid = %q\n  login = \"env00001\"\n  password = \"Tq8#vN2!rZ5@kW7x\"\n}\n", api.connection)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             usersLeft(api, holder),
		Steps: []resource.TestStep{
			checksOffStep(api, api.provider(), "env00001"),
			{
				Config:      config("plan_checks = true"),
				PlanOnly:    true,
				ExpectError: inOutput(append([]string{"SIP login already taken"}, takenDetail(holder, api.connection, "env00001")...)...),
			},
		},
	})
}

// checksOffStep plans a user whose login is taken, with a provider block
// that turns the checks off: no list call at plan, the 409 at apply.
func checksOffStep(api *testAPI, providerBlock, login string) resource.TestStep {
	return resource.TestStep{
		PreConfig: api.emu.ResetRequests,
		Config: providerBlock + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = %q
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, api.connection, login),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{apiPlanCheck(func() error {
				if n := api.emu.CountRequests("", ""); n != 0 {
					return fmt.Errorf("with plan checks off the plan made %d API calls: %+v", n, api.emu.Requests())
				}
				return nil
			})},
		},
		ExpectError: inOutput("Cannot create the SIP user", fmt.Sprintf("login %q already exists on SIP connection %s", login, api.connection),
			"terraform import ADDRESS "+api.connection+"/"+login),
	}
}

// terraform taint is the one replacement the check cannot tell from a
// conflict: Terraform plans a tainted object like a new one, handing the
// provider neither its state nor its private state, so the user's own
// login looks taken (design.md lists it; -replace is the way). This pins
// that behaviour under every CLI.
func TestAccPlanChecks_taintLooksLikeATakenLogin(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	var id string
	config := api.userConfig("  login = \"tain0001\"\n  password = \"Tq8#vN2!rZ5@kW7x\"")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{
				PreConfig:   diags.reset,
				Taint:       []string{addr},
				Config:      config,
				ExpectError: inOutput("SIP login already taken", `login "tain0001"`),
			},
		},
	})
	if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "SIP login already taken", "login", takenDetail(id, api.connection, "tain0001")...); err != nil {
		t.Error(err)
	}
}

// Terraform refreshes with a normal plan before it destroys: a user not
// made yet whose login is taken stops terraform destroy with the plan
// check's error, which says how to destroy anyway (plugin-testing's own
// cleanup passes -refresh=false, so only a Destroy step meets it).
func TestAccPlanChecks_destroyIsNotTrapped(t *testing.T) {
	api := newTestAPI(t)
	holder := seed(t, api, "trap0002", nil)
	user := func(name, login string) string { return namedUser(name, api.connection, login) }
	both := api.provider() + user("made", "trap0001") + user("blocked", "trap0002")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             usersLeft(api, holder),
		Steps: []resource.TestStep{
			{Config: api.provider() + user("made", "trap0001")},
			{Config: both, ExpectError: inOutput("SIP login already taken", "terraform destroy -refresh=false")},
			{Config: both, Destroy: true, ExpectError: inOutput("SIP login already taken", "To destroy this configuration anyway: terraform destroy -refresh=false")},
		},
	})
}

// Two resources of one configuration that would take the same login on the
// same connection: the plan fails on whichever plans second, naming the
// login, and nothing is written. The same login on another connection is
// fine.
func TestAccPlanChecks_sameLoginTwice(t *testing.T) {
	api := newTestAPI(t)
	other := api.emu.AddConnection("other")
	var diags planDiagnostics
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				PreConfig:   diags.reset,
				Config:      api.provider() + namedUser("a", api.connection, "twin0001") + namedUser("b", api.connection, "twin0001"),
				ExpectError: inOutput("SIP login taken twice in this configuration", `login "twin0001"`),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Fatalf("the failed plan made %d write calls", n)
					}
					if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "SIP login taken twice in this configuration", "login", "twin0001", api.connection); err != nil {
						t.Fatal(err)
					}
				},
				Config: api.provider() + namedUser("a", api.connection, "twin0001") + namedUser("b", other, "twin0001"),
			},
		},
	})
}

// A resource renamed in the configuration without a moved block: the plan
// deletes the user at the old address and creates one onto its login at
// the new one. The plan check names the delete and advises a moved block,
// never import (which would make the plan delete the imported user); with
// the moved block the same user is kept, with nothing written.
//
// The create's list call is answered 503 once, so its check (after the
// retry) comes after the delete's plan, which needs no call: -refresh=false.
func TestAccPlanChecks_loginOfADeletedUserAdvisesMoved(t *testing.T) {
	api := newTestAPI(t)
	var id string
	user := func(name string) string { return namedUser(name, api.connection, "move0091") }
	moved := "\nmoved {\n  from = opentact_sip_user.old\n  to   = opentact_sip_user.new\n}\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		AdditionalCLIOptions:     &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}},
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: api.provider() + user("old"),
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources["opentact_sip_user.old"].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: listPath(api.connection), Status: 503})
					api.emu.ResetRequests()
				},
				Config:      api.provider() + user("new"),
				ExpectError: inOutput("SIP login held by a user this plan deletes", `login "move0091"`, "add a moved block from its old address"),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Errorf("the refused plan made %d write calls", n)
					}
				},
				Config: api.provider() + user("new") + moved,
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources["opentact_sip_user.new"].Primary.ID; got != id {
						return fmt.Errorf("the moved user is %s, want %s, the user at the old address", got, id)
					}
					if n := writes(api); n != 0 {
						return fmt.Errorf("the move made %d write calls", n)
					}
					return nil
				},
			},
		},
	})
}
