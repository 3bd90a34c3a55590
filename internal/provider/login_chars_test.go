package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// Logins a SIP phone cannot use (issue 29, item 3): white space, "@" and
// ":" break the SIP URI's user part and the digest's fields. A create or a
// rename onto one fails at plan, on login, naming the allowed set, before
// any API call; a user that already has one keeps working.

// tftypesLogin is the path of the login attribute.
var tftypesLogin = tftypes.NewAttributePath().WithAttributeName("login")

// allowedSet is how the error names what a login may hold.
const allowedSet = "ASCII letters and digits and -_.!~*'()&=+$,;?/"

func TestAccSIPUser_unusableLoginRefusedAtCreate(t *testing.T) {
	api := newTestAPI(t)
	t.Cleanup(api.noAPICalls(t))
	var diags planDiagnostics
	bad := map[string]string{
		"bad user":      "has a space at character 4",
		"a@b.example":   `has '@' at character 2`,
		"a:bcdefg":      `has ':' at character 2`,
		"tab\tuser":     "has a tab at character 4",
		"trailing01 ":   "has a space at the end",
		"caf\u00e9user": `has 'é' at character 4`,
	}
	var steps []resource.TestStep
	for login, where := range bad {
		steps = append(steps, resource.TestStep{
			Config:      api.userConfig(fmt.Sprintf("  login = %q\n  password = \"Tq8#vN2!rZ5@kW7x\"", login)),
			PlanOnly:    true,
			ExpectError: inOutput("Login not usable by SIP phones", where, allowedSet),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: diags.factories(), Steps: steps})
	found := diags.named("Login not usable by SIP phones")
	if len(found) != len(bad) || len(diags.all()) != len(bad) {
		t.Fatalf("%d plans said %d things, want one login error each:%s", len(bad), len(diags.all()), describe(diags.all()))
	}
	for _, d := range found {
		if d.Severity != tfprotov6.DiagnosticSeverityError || d.Attribute == nil || !d.Attribute.Equal(tftypesLogin) {
			t.Errorf("the login error is a %s about %v, want an error about login", d.Severity, d.Attribute)
		}
	}
}

// A rename onto such a login fails at plan too, with nothing sent; the
// user keeps its login.
func TestAccSIPUser_unusableLoginRefusedAtRename(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	var id string
	config := func(login string) string {
		return api.userConfig(fmt.Sprintf("  login = %q\n  password = \"Tq8#vN2!rZ5@kW7x\"", login))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: config("good0001"),
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
				Config:      config("good 001"),
				ExpectError: inOutput("Login not usable by SIP phones", `"good 001"`, "has a space at character 5", allowedSet),
			},
			{
				// What the refused rename did, before this step's own
				// plans (a PlanOnly step runs no Check).
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Errorf("the refused rename made %d write calls", n)
					}
					if n := api.emu.CountRequests("GET", listPath(api.connection)); n != 0 {
						t.Errorf("the refused rename made %d list calls: the check must come before the plan checks", n)
					}
					if u, ok := api.emu.User(id); !ok || u.Login != "good0001" {
						t.Errorf("the managed user is now %+v", u)
					}
				},
				Config:   config("good0001"),
				PlanOnly: true,
			},
		},
	})
	if err := diags.expectOne(tfprotov6.DiagnosticSeverityError, "Login not usable by SIP phones", "login", `"good 001"`, allowedSet); err != nil {
		t.Error(err)
	}
}

// A user made in the portal with a space in its login is imported and
// managed: the plan has no changes and says nothing, a change of another
// attribute applies, and the data source finds it by login.
func TestAccSIPUser_existingUnusableLoginKeepsWorking(t *testing.T) {
	api := newTestAPI(t)
	const login = "desk dana"
	seeded := seed(t, api, login, map[string]string{"first_name": "Dana"})
	var diags planDiagnostics
	config := func(firstName string) string {
		return api.userConfig(fmt.Sprintf("  login = %q\n  first_name = %q", login, firstName)) +
			fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", addr, seeded) +
			fmt.Sprintf("\ndata \"opentact_sip_user\" \"by_login\" {\n  sip_connection_uuid = %q\n  login = %q\n  depends_on = [%s]\n}\n", api.connection, login, addr)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: config("Dana"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop), apiPlanCheck(diags.none)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(seeded)),
					statecheck.ExpectKnownValue("data.opentact_sip_user.by_login", tfjsonpath.New("id"), knownvalue.StringExact(seeded)),
				},
			},
			{
				PreConfig: diags.reset,
				Config:    config("Danielle"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate), apiPlanCheck(diags.none)},
				},
				Check: func(*terraform.State) error {
					if u, ok := api.emu.User(seeded); !ok || u.Login != login || u.Fields["first_name"] != "Danielle" {
						return fmt.Errorf("the user is now %+v", u)
					}
					return nil
				},
			},
		},
	})
}

// A login known only at apply is checked by the apply's own plan: the
// apply fails on it before the create is sent.
func TestAccSIPUser_unusableLoginKnownAtApply(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.provider() + fmt.Sprintf(`
resource "terraform_data" "login" {
  input = "late user"
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = terraform_data.login.output
  password            = "Tq8#vN2!rZ5@kW7x"
}
`, api.connection),
			ExpectError: inOutput("Login not usable by SIP phones", `"late user"`, allowedSet),
		}},
	})
	if n := writes(api); n != 0 {
		t.Errorf("the apply sent %d write calls for a login no phone can use: %+v", n, api.emu.Requests())
	}
}
