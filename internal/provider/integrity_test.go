package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// The integrity of users under ambiguous answers (issue 14): no answer that
// the API document does not give that meaning may drop a live user from the
// state, adopt someone else's, or leave an orphan.

func (a *testAPI) threeUsers(providerExtra ...string) string {
	return a.provider(providerExtra...) + fmt.Sprintf(`
resource "opentact_sip_user" "u" {
  count               = 3
  sip_connection_uuid = %q
  login               = format("keep%%04d", count.index)
  password            = "keep-secret"
}
`, a.connection)
}

// A proxy's 404 page, or the API's own 404 for a base_url with a wrong path,
// is not "deleted": refresh fails with an error that points at base_url,
// and the state keeps every user (the next good plan is empty). A destroy
// answered by such a page is not done.
func TestAccIntegrity_notFoundThatIsNotTheAPI(t *testing.T) {
	api := newTestAPI(t)
	config := api.threeUsers()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					api.emu.InjectFault(emulator.Fault{Status: 404, HTML: true, Times: 1000})
				},
				Config:      config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)not\s+the\s+OpenTact\s+API's\s+answer.*base_url`),
			},
			{
				PreConfig: api.emu.ClearFaults,
				Config:    config,
				PlanOnly:  true, // fails if a user had left the state: it would be re-created
			},
			{
				// The API's own enveloped 404, for every call, from a wrong path.
				Config:      fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n}\n", api.url+"/v2", api.emu.Token()) + config[len(api.provider()):],
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)is not treated as gone.*Check\s+base_url`),
			},
			{
				Config:   config,
				PlanOnly: true,
			},
			{
				PreConfig: func() {
					api.emu.InjectFault(emulator.Fault{Method: "DELETE", Status: 404, HTML: true, Times: 3})
				},
				Config:      config,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Cannot delete the SIP user.*not\s+the\s+OpenTact\s+API's\s+answer`),
			},
			{
				// The users are alive and still in the state.
				PreConfig: func() {
					if n := len(api.emu.Users(api.connection)); n != 3 {
						t.Fatalf("%d users left after the refused destroy, want all 3", n)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

// A user deleted outside Terraform, confirmed by its connection's list, is
// still dropped and re-created (TestAccSIPUser_drift), and a whole
// connection that answers 404 makes an error, not an empty state.
func TestAccIntegrity_connectionGone(t *testing.T) {
	api := newTestAPI(t)
	config := api.threeUsers()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					for _, u := range api.emu.Users(api.connection) {
						if err := api.emu.DeleteUser(u.UUID); err != nil {
							t.Fatal(err)
						}
					}
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: "/rest/sip/connection/" + api.connection + "/users", Status: 404, Times: 1000})
				},
				Config:      config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)confirming\s+it\s+with\s+the\s+list\s+of\s+SIP\s+connection.*terraform\s+state\s+rm`),
			},
			{
				PreConfig: api.emu.ClearFaults,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("opentact_sip_user.u[0]", plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

// After a create answered 503 by a gateway, a colleague's user holds the
// login: it is not adopted, the apply fails with the import hint, nothing
// enters the state (so nothing plans its destruction), and it is untouched.
func TestAccIntegrity_colleagueUserIsNotAdopted(t *testing.T) {
	api := newTestAPI(t)
	config := api.userConfig(`  login = "shared01"` + "\n" + `  password = "my-secret"` + "\n" + `  first_name = "Mine"`)
	colleague := func() emulator.User {
		users := api.emu.Users(api.connection)
		if len(users) != 1 {
			t.Fatalf("the connection holds %d users, want the colleague's only", len(users))
		}
		return users[0]
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if u := colleague(); u.Password != emulator.ColleaguePassword || u.Fields["first_name"] != "Colleague" {
				return fmt.Errorf("the colleague's user was changed: %+v", u)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					api.emu.InjectFault(emulator.Fault{Method: "POST", Status: 503, RetryAfter: "0", Foreign: true})
				},
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Cannot create the SIP user.*left\s+untouched.*terraform\s+import\s+ADDRESS`),
			},
			{
				// Nothing in state: the next plan wants to create, and the
				// plan check names the colleague's user as the holder.
				Config:      config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)SIP login already taken.*SIP user [0-9a-f-]{36} already has\s+login`),
			},
		},
	})
}

// A gateway's 503 after the API created the user: the create is sent again,
// meets 409, finds the user it made and adopts it. Exactly one user, in
// state, with the configured password.
func TestAccIntegrity_gatewayErrorAfterTheWork(t *testing.T) {
	for name, fault := range map[string]emulator.Fault{
		"503 after the work":      {Method: "POST", Status: 503, RetryAfter: "0", AfterWork: true},
		"dropped after the work":  {Method: "POST", Drop: true, AfterWork: true},
		"HTML 502 after the work": {Method: "POST", Status: 502, HTML: true, AfterWork: true},
	} {
		t.Run(name, func(t *testing.T) {
			api := newTestAPI(t)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				CheckDestroy:             api.allGone,
				Steps: []resource.TestStep{{
					PreConfig: func() { api.emu.InjectFault(fault) },
					Config:    api.userConfig(`  login = "gate0001"` + "\n" + `  password = "gate-secret"` + "\n" + `  email = "gate@example.com"`),
					Check:     resource.ComposeTestCheckFunc(api.expectStored(passwordIs("gate-secret")), api.onlyUserInState),
				}},
			})
		})
	}
}

// A create whose timeout runs out after the API did the work is an unknown
// outcome: the provider looks, finds the user it made and adopts it, instead
// of reporting a server error and leaving an orphan.
func TestAccIntegrity_createTimedOut(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				api.emu.InjectFault(emulator.Fault{Method: "POST", AfterWork: true, Hang: true})
			},
			Config: api.userConfig(`  login = "slow0001"` + "\n" + `  password = "slow-secret"` + "\n  timeouts {\n    create = \"2s\"\n  }"),
			Check:  api.onlyUserInState,
		}},
	})
}

// SIP digests derive from login, realm and password: a rename or a move
// sends the password along, so the user can still register. The emulator
// keeps only the digests, as the API document assumes.
func TestAccIntegrity_renameSendsThePassword(t *testing.T) {
	lisbon := emulator.SeedConnections[1].UUID
	api := newTestAPI(t)
	canRegister := func(s *terraform.State) error {
		id := s.RootModule().Resources[addr].Primary.ID
		if !api.emu.CanRegister(id) {
			return fmt.Errorf("user %s can no longer register: its digests are stale", id)
		}
		return nil
	}
	steps := []resource.TestStep{
		{Config: api.userConfig(`  login = "ren00001"` + "\n" + `  password = "classic-pw"`), Check: canRegister},
		{Config: api.userConfig(`  login = "ren00002"` + "\n" + `  password = "classic-pw"`), Check: canRegister},
		{Config: api.provider() + fmt.Sprintf("resource \"opentact_sip_user\" \"test\" {\n  sip_connection_uuid = %q\n  login = \"ren00002\"\n  password = \"classic-pw\"\n}\n", lisbon), Check: canRegister},
	}
	if cliAtLeast(t, "1.11.0") {
		wo := func(login string, version int) string {
			return api.provider() + fmt.Sprintf("resource \"opentact_sip_user\" \"test\" {\n  sip_connection_uuid = %q\n  login = %q\n  password_wo = \"wo-pw\"\n  password_wo_version = %d\n}\n", lisbon, login, version)
		}
		steps = append(steps,
			resource.TestStep{Config: wo("ren00002", 1), Check: canRegister},
			// The rename needs a new version, which sends password_wo with it.
			resource.TestStep{Config: wo("ren00003", 1), ExpectError: regexp.MustCompile(`New password_wo_version needed`)},
			resource.TestStep{Config: wo("ren00003", 2), Check: resource.ComposeTestCheckFunc(canRegister, api.expectStored(passwordIs("wo-pw")))},
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if n := api.emu.UserCount(); n != 0 {
				return fmt.Errorf("%d users left", n)
			}
			return nil
		},
		Steps: steps,
	})
}

// A connection renamed between plan and apply (a saved plan applied later):
// the apply keeps what the plan promised, and the next refresh shows the new
// name. Before, the apply failed with "inconsistent result after apply".
func TestAccIntegrity_connectionRenamedBetweenPlanAndApply(t *testing.T) {
	api := newTestAPI(t)
	renameConnection := plancheckFunc(func() error { return api.emu.RenameConnection(api.connection, "renamed-conn") })
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: api.userConfig(`  login = "conn0001"` + "\n" + `  password = "p"`)},
			{
				Config: api.userConfig(`  login = "conn0001"` + "\n" + `  password = "p"` + "\n" + `  first_name = "Changed"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate), renameConnection},
				},
			},
			{
				Config: api.userConfig(`  login = "conn0001"` + "\n" + `  password = "p"` + "\n" + `  first_name = "Changed"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sip_connection_name"), knownvalue.StringExact("renamed-conn")),
				},
			},
		},
	})
}

// plancheckFunc runs f between plan and apply.
type plancheckFunc func() error

func (f plancheckFunc) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// Lengths count characters, as the API does: a 16-character name of 31
// bytes is accepted, a 25-character one refused.
func TestAccIntegrity_lengthsCountCharacters(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config:      api.userConfig(`  login = "len00001"` + "\n" + `  password = "p"` + "\n" + `  first_name = "Александра-Мария-Анна-Ольга"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`first_name UTF-8 character count must be between 1 and 24, got: 27`),
			},
			{
				// The login is ASCII (a SIP URI's user part allows no other
				// letter unescaped); the 16-character first_name is 31 bytes.
				Config: api.userConfig(`  login = "lena0001"` + "\n" + `  password = "p"` + "\n" + `  first_name = "Александра-Мария"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("first_name"), knownvalue.StringExact("Александра-Мария")),
				},
			},
		},
	})
}

// Answers the vendor page allows but the first release choked on: a
// phone_number sent back as a JSON number.
func TestAccIntegrity_phoneNumberAsANumber(t *testing.T) {
	api := newTestAPI(t, emulator.Options{PhoneAsNumber: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			Config: api.userConfig(`  login = "phone001"` + "\n" + `  password = "p"` + "\n" + `  phone_number = "4930123456"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("phone_number"), knownvalue.StringExact("4930123456")),
			},
		}},
	})
}

// Import takes a uuid in any case, and says plainly when there is no such
// user.
func TestAccIntegrity_importIDs(t *testing.T) {
	api := newTestAPI(t)
	id, err := api.emu.SeedUser(api.connection, "case0001", nil)
	if err != nil {
		t.Fatal(err)
	}
	config := api.userConfig(`  login = "case0001"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:        config,
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: "3F2B8C1E-5D4A-4E6F-9B7C-2A1D0E9F8C7B",
				ExpectError:   regexp.MustCompile(`(?s)There is no SIP user with uuid\s+3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b`),
			},
			{
				Config:             config,
				ResourceName:       addr,
				ImportState:        true,
				ImportStateId:      upper(id),
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].ID != id {
						return fmt.Errorf("imported %v, want the lower-case uuid %s", states, id)
					}
					return nil
				},
			},
			{Config: config, PlanOnly: true},
		},
	})
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
