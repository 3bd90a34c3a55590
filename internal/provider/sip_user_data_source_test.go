package provider_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
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
		// The connection as the emulator answers it, and nothing of the
		// credentials it nests in it.
		statecheck.ExpectKnownValue(oneAddr, tfjsonpath.New("sip_connection"), api.answeredConnection(t, id)),
		noSecretsInState{emulator.ActorPassword, emulator.ActorToken},
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

// answeredConnection is a check that a sip_connection object holds what the
// emulator answers for user id's connection, field by field: its six fields
// read from the answer's JSON (the port a JSON number), nothing more.
func (a *testAPI) answeredConnection(t *testing.T, id string) knownvalue.Check {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/rest/sip/connection/user/"+id, nil)
	req.Header.Set("X-Auth-Token", a.emu.Token())
	rec := httptest.NewRecorder()
	a.emu.ServeHTTP(rec, req)
	var answer struct {
		Payload struct {
			SIPConnection struct {
				UUID      string  `json:"uuid"`
				Name      string  `json:"name"`
				Subdomain string  `json:"subdomain"`
				IP        string  `json:"ip"`
				Port      float64 `json:"port"`
				IsActive  bool    `json:"is_active"`
			} `json:"sip_connection"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("GET user %s from the emulator: %d %s (%v)", id, rec.Code, rec.Body, err)
	}
	c := answer.Payload.SIPConnection
	if c.UUID == "" || c.Name == "" || c.Subdomain == "" || c.IP == "" || c.Port == 0 {
		t.Fatalf("the emulator's answer lacks a field of the connection: %s", rec.Body)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"uuid":      knownvalue.StringExact(c.UUID),
		"name":      knownvalue.StringExact(c.Name),
		"subdomain": knownvalue.StringExact(c.Subdomain),
		"ip":        knownvalue.StringExact(c.IP),
		"port":      knownvalue.Int64Exact(int64(c.Port)),
		"is_active": knownvalue.Bool(c.IsActive),
	})
}
