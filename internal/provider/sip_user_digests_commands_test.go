package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// How the commands and lifecycle settings the password guide names meet a
// password changed outside Terraform (issue 28's mark in the private state).

// outsidePasswordKept checks that the API still holds the password set
// outside.
func (a *testAPI) outsidePasswordKept(id *string) apiPlanCheck {
	return func() error {
		if u, ok := a.emu.User(*id); !ok || u.Password != outsidePassword {
			return fmt.Errorf("the password set outside Terraform was replaced")
		}
		return nil
	}
}

// outsideChangeUnseen applies a user with the classic password (body:
// its login and lifecycle), changes the password outside Terraform, and
// checks that the next plan (with cliOptions) is empty and silent, and
// leaves the outside password in place. With edit (more of the body), an
// apply of that edit then sends no password either.
func outsideChangeUnseen(t *testing.T, body, edit string, cliOptions *resource.AdditionalCLIOptions) {
	api := newTestAPI(t)
	var diags planDiagnostics
	var id string
	config := api.userConfig(fmt.Sprintf("  password = %q\n", configuredPassword) + body)
	steps := []resource.TestStep{
		{Config: config, Check: func(s *terraform.State) error { id = userID(s); return nil }},
		{
			PreConfig: func() { api.changePasswordOutside(t, &id)(); diags.reset() },
			Config:    config,
			PlanOnly:  true, // fails on a non-empty plan
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
				apiPlanCheck(diags.none),
				api.outsidePasswordKept(&id),
			}},
		},
	}
	if edit != "" {
		steps = append(steps, resource.TestStep{
			PreConfig: diags.reset,
			Config:    config[:len(config)-2] + edit + "\n}\n",
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				apiPlanCheck(diags.none),
			}},
			Check: func(*terraform.State) error {
				if err := api.noPasswordSent(); err != nil {
					return err
				}
				return api.outsidePasswordKept(&id)()
			},
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		AdditionalCLIOptions:     cliOptions,
		CheckDestroy:             api.allGone,
		Steps:                    steps,
	})
}

// lifecycle { ignore_changes = [password] } keeps the password set outside,
// through an update of another attribute too.
func TestAccDigests_ignoreChangesKeepsOutsidePassword(t *testing.T) {
	outsideChangeUnseen(t, "  login = \"drft0011\"\n  lifecycle {\n    ignore_changes = [password]\n  }", "  first_name = \"Edited\"", nil)
}

// terraform plan -refresh=false sees only what the state holds: an outside
// change that no refresh has read.
func TestAccDigests_refreshFalseSeesOnlyTheState(t *testing.T) {
	outsideChangeUnseen(t, "  login = \"drft0012\"", "", &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}})
}

// terraform apply -refresh-only records the change (the classic password
// leaves the state); the next plan sends the configured password again,
// with the warning. (Terraform shows no provider warning in a refresh-only
// apply, though it asks the provider to plan: the recorder sees it, so this
// test does not count the refresh's diagnostics.)
func TestAccDigests_refreshOnlyRecordsIt(t *testing.T) {
	api := newTestAPI(t)
	var diags planDiagnostics
	var id string
	config := api.userConfig(fmt.Sprintf("  login = \"drft0013\"\n  password = %q", configuredPassword))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { id = userID(s); return nil }},
			{
				PreConfig:    func() { api.changePasswordOutside(t, &id)(); diags.reset() },
				RefreshState: true,
				Check: func(s *terraform.State) error {
					if pw, ok := s.RootModule().Resources[addr].Primary.Attributes["password"]; ok && pw != "" {
						return fmt.Errorf("the refresh kept the password in the state")
					}
					return nil
				},
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
			},
			{
				PreConfig: diags.reset,
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					warnedOnce(&diags, "password", &id, "drft0013"),
				}},
				Check: api.hasConfiguredPassword,
			},
		},
	})
}

// A move of a password_wo user (a new sip_connection_uuid, same login)
// needs a new password_wo_version like a rename: the digests derive from
// the connection's realm too. Refused at plan with nothing written; with a
// new version the phone can register on the new connection.
func TestAccDigests_writeOnlyMoveNeedsNewVersion(t *testing.T) {
	api := writeOnlyAPI(t)
	if api == nil {
		return
	}
	other := api.emu.AddConnection("moved-to")
	config := func(connection string, version int) string { return api.writeOnlyUser(connection, "mov0wo01", version) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if n := len(api.emu.Users(api.connection)) + len(api.emu.Users(other)); n != 0 {
				return fmt.Errorf("%d users left after destroy", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: config(api.connection, 1)},
			{
				PreConfig:   api.emu.ResetRequests,
				Config:      config(other, 1),
				ExpectError: inOutput("New password_wo_version needed"),
			},
			{
				PreConfig: func() {
					if n := writes(api); n != 0 {
						t.Errorf("the refused move made %d write calls", n)
					}
				},
				Config: config(other, 2),
				Check: func(s *terraform.State) error {
					if u, ok := api.emu.User(userID(s)); !ok || u.Connection != other {
						return fmt.Errorf("the user was not moved: %+v", u)
					}
					return api.hasConfiguredPassword(s)
				},
			},
		},
	})
}

// With password_wo, removing password_wo and password_wo_version from the
// configuration keeps the password set outside: the warning stops, and
// nothing is sent.
func TestAccDigests_writeOnlyRemovedKeepsOutsidePassword(t *testing.T) {
	api := writeOnlyAPI(t)
	if api == nil {
		return
	}
	var diags planDiagnostics
	var id string
	withWO := api.writeOnlyUser(api.connection, "drft0014", 1)
	without := api.userConfig(`  login = "drft0014"`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: diags.factories(),
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: withWO, Check: func(s *terraform.State) error { id = userID(s); return nil }},
			{
				PreConfig: func() { api.changePasswordOutside(t, &id)(); diags.reset() },
				Config:    withWO,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					apiPlanCheck(func() error {
						if n := len(diags.named(digestsChangedSummary)); n == 0 {
							return fmt.Errorf("no warning while password_wo is configured")
						}
						return nil
					}),
				}},
			},
			{
				PreConfig: diags.reset,
				Config:    without,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					apiPlanCheck(func() error {
						if found := diags.named(digestsChangedSummary); len(found) != 0 {
							return fmt.Errorf("the warning goes on without password_wo:%s", describe(found))
						}
						return nil
					}),
				}},
				Check: func(*terraform.State) error {
					if err := api.noPasswordSent(); err != nil {
						return err
					}
					return api.outsidePasswordKept(&id)()
				},
			},
			{
				PreConfig: diags.reset,
				Config:    without,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					apiPlanCheck(diags.none),
				}},
			},
		},
	})
}
