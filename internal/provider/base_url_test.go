package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A base_url with a path (issue 29, item 5): the provider appends the
// API's paths to it, so ".../api" sends every call to a path the API does
// not serve, whose 404 used to read as a missing SIP connection. The 404
// of a connection's list names both readings and the URL called. (The
// configure warning is tested in base_url_warning_test.go: the CLI does
// not print warnings with a failed run's errors.)
func TestAccProvider_baseURLWithAPath(t *testing.T) {
	api := newTestAPI(t)
	base := api.url + "/api"
	listURL := base + listPath(api.connection)
	block := fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token    = %q\n}\n", base, api.emu.Token())
	// Both readings, in the order the message gives them, and the call.
	readings := []string{"GET " + listURL, `"no such endpoint"`, "There is no SIP connection " + api.connection, "check the uuid",
		"Or base_url (" + base + ") is not the API's address", "the API's base URL has no path"}
	failed := func(summary string) *regexp.Regexp { return inOutput(append([]string{summary}, readings...)...) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			// The plan check of a create lists the connection.
			{
				Config:      api.userConfigWith(block, `  login = "path0001"`+"\n"+`  password = "Tq8#vN2!rZ5@kW7x"`),
				ExpectError: failed("SIP connection not found"),
			},
			// So does the data source of a connection's users.
			{
				Config:      api.readList(block),
				ExpectError: failed("Cannot list the SIP users"),
			},
			// And the single-user data source by login.
			{
				Config:      block + fmt.Sprintf("data \"opentact_sip_user\" \"test\" {\n  sip_connection_uuid = %q\n  login = \"path0001\"\n}\n", api.connection),
				ExpectError: failed("Cannot find the SIP user"),
			},
		},
	})
	if n := writes(api); n != 0 {
		t.Errorf("%d write calls, want none", n)
	}
}
