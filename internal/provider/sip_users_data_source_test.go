package provider_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

const listAddr = "data.opentact_sip_users.test"

func (a *testAPI) listConfig(connection, extra string) string {
	return a.provider() + fmt.Sprintf(`
data "opentact_sip_users" "test" {
  sip_connection_uuid = %q
  %s
}
`, connection, extra)
}

func TestAccSIPUsersDataSource_emptyConnection(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.listConfig(api.connection, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{})),
				// The API gives a connection only inside its users, and
				// has no call that reads a connection.
				statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("sip_connection"), knownvalue.Null()),
			},
		}},
	})
}

func TestAccSIPUsersDataSource_connectionsAreNotMixed(t *testing.T) {
	api := newTestAPI(t)
	other := api.emu.AddConnection("other")
	for _, login := range []string{"zoe00001", "adam0001", "mia00001"} {
		if _, err := api.emu.SeedUser(api.connection, login, map[string]string{"email": login + "@example.com", "dob": "1990-04-01T00:00:00Z"}); err != nil {
			t.Fatal(err)
		}
	}
	otherID, err := api.emu.SeedUser(other, "adam0001", nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, u := range api.emu.Users(api.connection) {
		ids[u.Login] = u.UUID
	}
	// The connection once, as the emulator answers it in (any of) its users.
	connection := statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("sip_connection"), api.answeredConnection(t, ids["zoe00001"]))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.listConfig(api.connection, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					// Sorted by login, all of this connection and none of the other.
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{
						userCheck("adam0001", api.connection), userCheck("mia00001", api.connection), userCheck("zoe00001", api.connection),
					})),
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users").AtSliceIndex(0).AtMapKey("email"), knownvalue.StringExact("adam0001@example.com")),
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users").AtSliceIndex(0).AtMapKey("first_name"), knownvalue.Null()),
					noSecretsInState{emulator.ActorPassword, emulator.ActorToken, "ha1", "seeded"},
					connection,
				},
			},
			{
				Config: api.listConfig(other, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{userCheck("adam0001", other)})),
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("sip_connection"), api.answeredConnection(t, otherID)),
				},
			},
			// Client-side filters. They filter users, not the connection:
			// it is known even when they keep no user.
			{
				Config: api.listConfig(api.connection, `login_prefix = "m"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{userCheck("mia00001", api.connection)})),
					connection,
				},
			},
			{
				Config: api.listConfig(api.connection, `login_prefix = "nobody"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{})),
					connection,
				},
			},
			{
				Config: api.listConfig(api.connection, `logins = ["zoe00001", "adam0001", "nobody01"]`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{
						userCheck("adam0001", api.connection), userCheck("zoe00001", api.connection),
					})),
				},
			},
		},
	})
}

func userCheck(login, connection string) knownvalue.Check {
	return knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"login":               knownvalue.StringExact(login),
		"sip_connection_uuid": knownvalue.StringExact(connection),
		"id":                  knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`)),
	})
}

func TestAccSIPUsersDataSource_thousandUsersOneCall(t *testing.T) {
	api := newTestAPI(t)
	for i := 0; i < 1000; i++ {
		if _, err := api.emu.SeedUser(api.connection, fmt.Sprintf("user%05d", 999-i), nil); err != nil {
			t.Fatal(err)
		}
	}
	api.emu.ResetRequests()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.listConfig(api.connection, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users").AtSliceIndex(0).AtMapKey("login"), knownvalue.StringExact("user00000")),
				statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("users").AtSliceIndex(999).AtMapKey("login"), knownvalue.StringExact("user00999")),
			},
			Check: func(s *terraform.State) error {
				if n := s.RootModule().Resources[listAddr].Primary.Attributes["users.#"]; n != "1000" {
					return fmt.Errorf("users.# = %s", n)
				}
				// Every read of the data source is exactly one list call.
				total, lists := api.emu.CountRequests("", ""), api.emu.CountRequests("GET", "/rest/sip/connection/"+api.connection+"/users")
				if total != lists || lists == 0 {
					return fmt.Errorf("%d API calls of which %d list calls; every read must be one list call", total, lists)
				}
				return nil
			},
		}},
	})
}

func TestAccSIPUsersDataSource_unknownConnection(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      api.listConfig("00000000-0000-4000-8000-0000000000aa", ""),
			ExpectError: regexp.MustCompile(`(?s)There is no SIP connection\s+00000000-0000-4000-8000-0000000000aa`),
		}},
	})
}

// The port is read from a JSON string as from a number, and a port that
// cannot be read is an error that names it, not a null a phone would be
// configured with. A proxy in front of the emulator rewrites the port in
// every answer.
func TestAccSIPUsersDataSource_connectionPortForms(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	var port atomic.Value
	port.Store(`"5060"`)
	var rewritten atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		body := rec.Body.String()
		if strings.Contains(body, `"port":5060`) {
			rewritten.Add(1)
			body = strings.ReplaceAll(body, `"port":5060`, `"port":`+port.Load().(string))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	api := testAPIOf(t, emu, srv.URL)
	if _, err := emu.SeedUser(api.connection, "desk0001", nil); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: api.listConfig(api.connection, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("sip_connection").AtMapKey("port"), knownvalue.Int64Exact(5060)),
					apiCheck(func() error {
						if rewritten.Load() == 0 {
							return fmt.Errorf("the proxy rewrote no port: the emulator no longer renders \"port\":5060")
						}
						return nil
					}),
				},
			},
			// A port that cannot be read is null (with a warning): the
			// users are still read.
			{
				PreConfig: func() { port.Store(`"sip"`) },
				Config:    api.listConfig(api.connection, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("sip_connection").AtMapKey("port"), knownvalue.Null()),
					statecheck.ExpectKnownValue(listAddr, tfjsonpath.New("sip_connection").AtMapKey("uuid"), knownvalue.StringExact(api.connection)),
				},
			},
		},
	})
}
