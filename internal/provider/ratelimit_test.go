package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// Rate limits (issue 16): against an API that allows 10 requests a second
// (a bucket of 10) and answers 429 beyond that, a lifecycle at
// -parallelism=30 finishes with no setting at all, and with
// max_requests_per_second set to the limit it meets no 429.

// rateLimitedLifecycle runs create, follow-up plans and destroy of n users
// at -parallelism=30 against the limited emulator, and returns the API
// requests made, how many were refused with 429, and how long it took.
func rateLimitedLifecycle(t *testing.T, n int, providerExtra ...string) (requests, throttled int, took time.Duration) {
	t.Helper()
	// Every command at the parallelism of a hurried pipeline. t.Setenv:
	// these tests cannot run in parallel.
	for _, command := range []string{"plan", "apply", "destroy"} {
		t.Setenv("TF_CLI_ARGS_"+command, "-parallelism=30")
	}
	api := newTestAPI(t)
	api.emu.SetRateLimit(emulator.RateLimit{PerSecond: 10, Burst: 10})
	config := api.provider(providerExtra...) + fmt.Sprintf(`
resource "opentact_sip_user" "paced" {
  count               = %d
  sip_connection_uuid = %q
  login               = format("rate%%04d", count.index)
  password            = "rate-secret"
}
`, n, api.connection)
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// Destroy leaves none; the framework's follow-up plans must be empty.
		CheckDestroy: api.allGone,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				if err := api.exactlyUsers(n); err != nil {
					return err
				}
				t.Logf("apply done after %s: %d requests, %d answered 429", time.Since(start).Round(100*time.Millisecond),
					api.emu.CountRequests("", ""), api.emu.CountStatus(429))
				return nil
			},
		}},
	})
	requests, throttled, took = api.emu.CountRequests("", ""), api.emu.CountStatus(429), time.Since(start)
	// The ideal is every request (429s aside) at the limit's pace.
	t.Logf("lifecycle of %d users: %d requests, %d answered 429 (%.1f%%), %s (ideal about %s at 10/s)", n, requests, throttled,
		100*float64(throttled)/float64(max(requests, 1)), took.Round(100*time.Millisecond), time.Duration(requests-throttled)*time.Second/10)
	return requests, throttled, took
}

// Adaptive (the default): the first burst meets 429s, and every operation
// still succeeds.
func TestAccRateLimit_adaptive100Users(t *testing.T) {
	_, throttled, _ := rateLimitedLifecycle(t, 100)
	if throttled == 0 {
		t.Error("no request was answered 429: the limit was never met, so the test proves nothing")
	}
}

// A known limit: the provider never sends faster, so the API refuses
// (nearly) nothing. Each Terraform command is a new provider process with a
// fresh pacer, and the emulator's bucket measures arrival times, not send
// times: two calls sent 100 ms apart can arrive closer. The bucket of 10
// absorbs that; the 2 allowed are for a scheduler hiccup on a loaded machine.
func TestAccRateLimit_knownLimit50Users(t *testing.T) {
	_, throttled, _ := rateLimitedLifecycle(t, 50, "max_requests_per_second = 10")
	if throttled > 2 {
		t.Errorf("%d requests were answered 429 with max_requests_per_second set to the limit, want at most 2", throttled)
	}
}
