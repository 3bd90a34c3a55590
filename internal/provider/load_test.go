package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// 200 users applied with -parallelism=20 while the API answers a random
// share of calls with 429 or 503: the apply converges to exactly 200 users,
// the follow-up plan (run by the test framework) is empty, and destroy
// leaves none.
func TestAccLoad_200UsersUnderRateLimiting(t *testing.T) {
	api := newTestAPI(t)
	api.emu.SetRandomFaults(0.15, []int{429, 503}, "0", 42)
	t.Setenv("TF_CLI_ARGS_apply", "-parallelism=20")
	t.Setenv("TF_CLI_ARGS_destroy", "-parallelism=20")
	config := api.provider("max_retries = 10") + fmt.Sprintf(`
resource "opentact_sip_user" "load" {
  count               = 200
  sip_connection_uuid = %q
  login               = format("load%%04d", count.index)
  password            = "load-secret"
  email               = format("load%%04d@example.com", count.index)
}
`, api.connection)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				if err := api.exactlyUsers(200); err != nil {
					return err
				}
				if faults := api.emu.CountRequests("", "") - 200; faults <= 0 {
					return fmt.Errorf("no fault was injected: the test proves nothing")
				}
				return nil
			},
		}},
	})
}
