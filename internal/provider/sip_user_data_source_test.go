package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const oneAddr = "data.opentact_sip_user.test"

func (a *testAPI) oneConfig(body string) string {
	return a.provider() + fmt.Sprintf("\ndata \"opentact_sip_user\" \"test\" {\n  %s\n}\n", body)
}

func TestAccSIPUserDataSource(t *testing.T) {
	api := newTestAPI(t)
	id, err := api.emu.SeedUser(api.connection, "henry001", map[string]string{"first_name": "Henry", "remote_ip": "192.0.2.44"})
	if err != nil {
		t.Fatal(err)
	}
	found := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("login"), knownvalue.StringExact("henry001")),
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("sip_connection_uuid"), knownvalue.StringExact(api.connection)),
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("first_name"), knownvalue.StringExact("Henry")),
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("remote_ip"), knownvalue.StringExact("192.0.2.44")),
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("email"), knownvalue.Null()),
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			// One error for any wrong combination, saying what to give.
			{
				Config:      api.oneConfig(fmt.Sprintf("id = %q\n  login = \"henry001\"\n  sip_connection_uuid = %q", id, api.connection)),
				ExpectError: lookupError("id and sip_connection_uuid and login"),
			},
			// Terraform adds its own error for the read-only first_name.
			{Config: api.oneConfig(`first_name = "Henry"`), ExpectError: inOutput("Invalid SIP user lookup", "this configuration gives none of them.", "Invalid Configuration for Read-Only Attribute")},
			{Config: api.oneConfig(""), ExpectError: lookupError("none of them")},
			{Config: api.oneConfig(`login = "henry001"`), ExpectError: lookupError("login")},
			{Config: api.oneConfig(fmt.Sprintf("id = %q\n  login = \"henry001\"", id)), ExpectError: lookupError("id and login")},
			{Config: api.oneConfig(`id = "00000000-0000-4000-8000-000000000000"`), ExpectError: regexp.MustCompile(`(?s)No SIP user has id\s+00000000-0000-4000-8000-000000000000`)},
			{
				Config: api.oneConfig(fmt.Sprintf("sip_connection_uuid = %q\n  login = \"nobody01\"", api.connection)),
				// The 200 list shows the connection exists: say what is missing,
				// and nothing about HTTP 200.
				ExpectError: regexp.MustCompile(`(?s)SIP connection\s+` + api.connection + `\s+has\s+no\s+user\s+with\s+login\s+"nobody01"\.\s+Check\s+the\s+login[^2]*$`),
			},
			{Config: api.oneConfig(fmt.Sprintf("id = %q\n  sip_connection_uuid = %q", id, api.connection)), ExpectError: lookupError("id and sip_connection_uuid")},
			{Config: api.oneConfig(fmt.Sprintf("id = %q", id)), ConfigStateChecks: found},
			{Config: api.oneConfig(fmt.Sprintf("sip_connection_uuid = %q\n  login = \"henry001\"", api.connection)), ConfigStateChecks: found},
		},
	})
}

// lookupError is the one error of a lookup given the wrong arguments: what
// to give, what was given, and nothing else.
func lookupError(given string) *regexp.Regexp {
	return regexp.MustCompile(inOutput("Error: Invalid SIP user lookup", "Give either id, or sip_connection_uuid with login, to find the SIP user; this configuration gives "+given+".").String() + `\s*$`)
}
