package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// apiPlanCheck is a plan check that looks at the emulator's request log.
type apiPlanCheck func() error

func (c apiPlanCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c()
}

// Refresh of many users of one connection shares one list call, and stays
// exact: a moved, a deleted and an edited user all show in the plan.
func TestAccCoalescedRefresh(t *testing.T) {
	api := newTestAPI(t)
	lisbon := emulator.SeedConnections[1].UUID
	usersPath := "/rest/sip/connection/" + api.connection + "/users"
	const n = 30
	config := func(extra string) string {
		return api.provider(extra) + fmt.Sprintf(`
resource "opentact_sip_user" "u" {
  count               = %d
  sip_connection_uuid = %q
  login               = format("coal%%04d", count.index)
  password            = "p"
  first_name          = "Same"
}
`, n, api.connection)
	}
	idOf := func(i int) string {
		for _, u := range api.emu.Users(api.connection) {
			if u.Login == fmt.Sprintf("coal%04d", i) {
				return u.UUID
			}
		}
		t.Fatalf("no user coal%04d", i)
		return ""
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{Config: config("")},
			{
				PreConfig: func() {
					moved, gone, edited := idOf(3), idOf(5), idOf(7)
					if err := api.emu.ChangeUser(moved, map[string]*string{"sip_connection_uuid": &lisbon}); err != nil {
						t.Fatal(err)
					}
					if err := api.emu.DeleteUser(gone); err != nil {
						t.Fatal(err)
					}
					if err := api.emu.ChangeUser(edited, map[string]*string{"first_name": ptr("Other")}); err != nil {
						t.Fatal(err)
					}
					api.emu.ResetRequests()
				},
				Config:             config(""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("opentact_sip_user.u[3]", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("opentact_sip_user.u[5]", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("opentact_sip_user.u[7]", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("opentact_sip_user.u[8]", plancheck.ResourceActionNoop),
						apiPlanCheck(func() error {
							lists, gets := api.emu.CountRequests("GET", usersPath), api.emu.CountRequests("GET", "/rest/sip/connection/user/")
							// Per refresh: one list, the reads before the threshold, and
							// one confirming GET each for the moved and the deleted user.
							if lists < 1 || gets >= n/2 {
								return fmt.Errorf("refresh of %d users made %d list calls and %d GETs", n, lists, gets)
							}
							return nil
						}),
					},
				},
			},
			{Config: config("")},
			// A list that fails falls back to one GET per user: same plan.
			{
				PreConfig: func() {
					api.emu.ResetRequests()
					api.emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: usersPath, Status: 500, Times: 1000})
				},
				Config:   config(""),
				PlanOnly: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						apiPlanCheck(func() error {
							if gets := api.emu.CountRequests("GET", "/rest/sip/connection/user/"); gets < n {
								return fmt.Errorf("after a failed list only %d of %d users were read", gets, n)
							}
							return nil
						}),
					},
				},
			},
			// Turned off: one GET per user, no list.
			{
				PreConfig: func() {
					api.emu.ClearFaults()
					api.emu.ResetRequests()
				},
				Config:   config("coalesce_reads = false"),
				PlanOnly: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						apiPlanCheck(func() error {
							if lists := api.emu.CountRequests("GET", usersPath); lists != 0 {
								return fmt.Errorf("coalesce_reads = false still made %d list calls", lists)
							}
							return nil
						}),
					},
				},
			},
		},
	})
}
