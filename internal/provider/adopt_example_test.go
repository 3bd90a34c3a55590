package provider_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// The adoption example in examples/adopt, as published, end to end: every
// existing user is imported without a change, and the next plan (which the
// test framework runs after every apply) is empty.
func TestAccExample_adoptExistingUsers(t *testing.T) {
	example, err := os.ReadFile("../../examples/adopt/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	api := newTestAPI(t)
	fields := []map[string]string{
		{"first_name": "Ann", "email": "ann@example.com", "dob": "1980-01-02T00:00:00Z"},
		{"phone_number": "+4930111", "gender": "Other", "remote_ip": "192.0.2.1"},
		{},
		{"avatar": "https://example.com/a.png", "last_name": "Lee"},
		{"first_name": "Eve"},
	}
	ids := make([]string, len(fields))
	for i, f := range fields {
		id, err := api.emu.SeedUser(api.connection, fmt.Sprintf("legacy%02d", i), f)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	instance := func(i int) string { return fmt.Sprintf("opentact_sip_user.adopted[%q]", ids[i]) }
	vars := config.Variables{"sip_connection_uuid": config.StringVariable(api.connection)}
	if !cliAtLeast(t, "1.7.0") {
		// import blocks take for_each from Terraform 1.7: an older CLI must
		// refuse the example rather than do something else with it, as the
		// README says.
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:          api.provider() + string(example),
				ConfigVariables: vars,
				ExpectError:     regexp.MustCompile(`An argument named "for_each" is not expected here`),
			},
				// The harness reads the state with the last configuration.
				{Config: api.provider()},
			},
		})
		return
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:          api.provider() + string(example),
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(instance(0), plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(instance(4), plancheck.ResourceActionNoop),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("adopted", knownvalue.MapSizeExact(len(fields))),
					apiCheck(func() error {
						for _, u := range api.emu.Users(api.connection) {
							if u.Password != "seeded" {
								return fmt.Errorf("adopting %s changed its password", u.Login)
							}
						}
						if n := api.emu.CountRequests("PATCH", "") + api.emu.CountRequests("POST", ""); n != 0 {
							return fmt.Errorf("adoption made %d write calls", n)
						}
						return nil
					}),
				},
			},
			// A login renamed outside Terraform keeps its key (the uuid): the
			// plan follows the rename and destroys nothing (only the output,
			// keyed by login, changes).
			{
				PreConfig: func() {
					if err := api.emu.ChangeUser(ids[1], map[string]*string{"login": ptr("renamed1")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:          api.provider() + string(example),
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: noopFor(len(ids), instance),
				},
				ConfigStateChecks: []statecheck.StateCheck{apiCheck(func() error {
					if u, ok := api.emu.User(ids[1]); !ok || u.Login != "renamed1" {
						return fmt.Errorf("the renamed user is gone or changed: %+v", u)
					}
					return nil
				})},
			},
			// The test framework cannot read string-keyed instances from the
			// final state, so the last step destroys them by configuration.
			{
				Config: api.provider(),
				ConfigStateChecks: []statecheck.StateCheck{apiCheck(func() error {
					if n := len(api.emu.Users(api.connection)); n != 0 {
						return fmt.Errorf("%d users left", n)
					}
					return nil
				})},
			},
		},
	})
}

// noopFor expects no change to any of n instances.
func noopFor(n int, instance func(int) string) []plancheck.PlanCheck {
	checks := make([]plancheck.PlanCheck, n)
	for i := range checks {
		checks[i] = plancheck.ExpectResourceAction(instance(i), plancheck.ResourceActionNoop)
	}
	return checks
}
