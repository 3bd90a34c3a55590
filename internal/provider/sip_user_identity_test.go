package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/provider"
)

// Resource identity ({ id = "<uuid>" }) exists from Terraform 1.12 and
// OpenTofu 1.12. Under older CLIs the same tests assert that the resource
// works as before and that no identity is stored.
const identityCLI = "1.12.0"

var lowerUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// identityChecks asserts the identity a CLI stores for address: with
// identity support, exactly { id } equal to the id attribute and matching
// id; without, none at all.
func identityChecks(t *testing.T, address string, id knownvalue.Check) []statecheck.StateCheck {
	t.Helper()
	if !cliAtLeast(t, identityCLI) {
		return []statecheck.StateCheck{noIdentity(address)}
	}
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(address, map[string]knownvalue.Check{"id": id}),
		statecheck.ExpectIdentityValueMatchesState(address, tfjsonpath.New("id")),
	}
}

// noIdentity fails when the state holds an identity for the resource.
type noIdentity string

func (address noIdentity) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("%s - no state", address)
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != string(address) {
			continue
		}
		if r.IdentitySchemaVersion != nil || len(r.IdentityValues) != 0 {
			resp.Error = fmt.Errorf("%s - want no identity in state, have %v", address, r.IdentityValues)
		}
		return
	}
	resp.Error = fmt.Errorf("%s - resource not found in state", address)
}

// capturedID is a uuid a step records for later steps; as a knownvalue
// check it matches exactly that uuid.
type capturedID struct{ id string }

func (c *capturedID) record(address string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not in state", address)
		}
		c.id = rs.Primary.ID
		return nil
	}
}

func (c *capturedID) CheckValue(v any) error {
	if s, ok := v.(string); !ok || s != c.id || c.id == "" {
		return fmt.Errorf("expected the uuid %q, got %v", c.id, v)
	}
	return nil
}

func (c *capturedID) String() string { return c.id }

// Create, update, rename, the ID string imports and the identity import of
// one user. The identity is the uuid throughout, never changing.
func TestAccSIPUserIdentity_lifecycle(t *testing.T) {
	api := newTestAPI(t)
	id := &capturedID{}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	user := func(login, firstName, password string) string {
		body := fmt.Sprintf("  login = %q\n  first_name = %q", login, firstName)
		if password != "" {
			body += fmt.Sprintf("\n  password = %q", password)
		}
		return api.userConfig(body)
	}
	// Import steps use a configuration without password: an imported user
	// has none in state, so a password would be a planned update.
	imported := user("alice002", "Alicia", "")
	withTimeouts := api.userConfig("  login = \"alice002\"\n  first_name = \"Alicia\"\n  password = \"pw-alice-1\"\n  timeouts {\n    read = \"1m\"\n  }")
	steps := []resource.TestStep{
		{
			Config: user("alice001", "Alice", "pw-alice-1"),
			ConfigStateChecks: append(identityChecks(t, addr, knownvalue.StringRegexp(lowerUUID)),
				sameID.AddStateValue(addr, tfjsonpath.New("id"))),
			Check: id.record(addr),
		},
		{
			Config: user("alice001", "Alicia", "pw-alice-1"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: append(identityChecks(t, addr, id), sameID.AddStateValue(addr, tfjsonpath.New("id"))),
		},
		// A rename is an update in place: same uuid, same identity.
		{
			Config: user("alice002", "Alicia", "pw-alice-1"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: append(identityChecks(t, addr, id), sameID.AddStateValue(addr, tfjsonpath.New("id"))),
		},
		// An update of timeouts only makes no API call, and still keeps the
		// identity.
		{
			PreConfig: api.emu.ResetRequests,
			Config:    withTimeouts,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: append(identityChecks(t, addr, id), sameID.AddStateValue(addr, tfjsonpath.New("id"))),
			Check: func(*terraform.State) error {
				if n := api.emu.CountRequests("PATCH", ""); n != 0 {
					return fmt.Errorf("a timeouts change made %d PATCH calls", n)
				}
				return nil
			},
		},
		// The uuid in upper case imports the same user, in lower case.
		{
			Config:            imported,
			ResourceName:      addr,
			ImportState:       true,
			ImportStateKind:   resource.ImportBlockWithID,
			ImportStateIdFunc: func(*terraform.State) (string, error) { return strings.ToUpper(id.id), nil },
			ImportPlanChecks: resource.ImportPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), id),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("login"), knownvalue.StringExact("alice002")),
				},
			},
		},
		{
			ResourceName:            addr,
			ImportState:             true,
			ImportStateIdFunc:       func(*terraform.State) (string, error) { return strings.ToUpper(id.id), nil },
			ImportStateVerify:       true, // matches on id: the imported one is the lower-case uuid
			ImportStateVerifyIgnore: []string{"password", "password_wo_version", "timeouts"},
		},
		{
			ResourceName:            addr,
			ImportState:             true,
			ImportStateIdFunc:       func(*terraform.State) (string, error) { return api.connection + "/alice002", nil },
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"password", "password_wo_version", "timeouts"},
		},
	}
	if cliAtLeast(t, identityCLI) {
		// import { to = ..., identity = { id = "<uuid>" } }; the test
		// framework also checks that the planned identity is the prior one.
		steps = append(steps, resource.TestStep{
			Config:          imported,
			ResourceName:    addr,
			ImportState:     true,
			ImportStateKind: resource.ImportBlockWithResourceIdentity,
			ImportPlanChecks: resource.ImportPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), id),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("login"), knownvalue.StringExact("alice002")),
				},
			},
		})
	}
	// A refresh changes nothing and keeps the identity.
	steps = append(steps, resource.TestStep{
		Config: withTimeouts,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		ConfigStateChecks: append(identityChecks(t, addr, id), sameID.AddStateValue(addr, tfjsonpath.New("id"))),
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps:                    steps,
	})
}

// Adoption with import blocks, in config steps so that the state after the
// import can be checked: by identity (CLIs with identity), by the uuid in
// upper case and by <connection>/<login>. Nothing is written to the API.
func TestAccSIPUserIdentity_importBlocks(t *testing.T) {
	api := newTestAPI(t)
	ids := map[string]string{}
	for _, login := range []string{"grace001", "grace002", "grace003", "grace004"} {
		id, err := api.emu.SeedUser(api.connection, login, map[string]string{"first_name": "Grace"})
		if err != nil {
			t.Fatal(err)
		}
		ids[login] = id
	}
	loginOf := map[string]string{"by_identity": "grace001", "by_upper_uuid": "grace002", "by_login": "grace003", "by_upper_identity": "grace004"}
	resources := func(names ...string) string {
		var b strings.Builder
		for _, name := range names {
			fmt.Fprintf(&b, "\nresource \"opentact_sip_user\" %q {\n  sip_connection_uuid = %q\n  login = %q\n  first_name = \"Grace\"\n}\n",
				name, api.connection, loginOf[name])
		}
		return b.String()
	}
	byIdentity := fmt.Sprintf("\nimport {\n  to = opentact_sip_user.by_identity\n  identity = {\n    id = %q\n  }\n}\n", ids["grace001"]) +
		fmt.Sprintf("\nimport {\n  to = opentact_sip_user.by_upper_identity\n  identity = {\n    id = %q\n  }\n}\n", strings.ToUpper(ids["grace004"]))
	byIDStrings := fmt.Sprintf("\nimport {\n  to = opentact_sip_user.by_upper_uuid\n  id = %q\n}\n", strings.ToUpper(ids["grace002"])) +
		fmt.Sprintf("\nimport {\n  to = opentact_sip_user.by_login\n  id = %q\n}\n", api.connection+"/grace003")

	names := []string{"by_upper_uuid", "by_login"}
	imports := byIDStrings
	var steps []resource.TestStep
	if cliAtLeast(t, identityCLI) {
		// An identity's uuid in upper case is stored in lower case too.
		names = append(names, "by_identity", "by_upper_identity")
		imports += byIdentity
	} else {
		// The import block's identity argument is new in Terraform 1.12: an
		// older CLI refuses it before any call, instead of ignoring it.
		steps = append(steps, resource.TestStep{
			Config:      api.provider() + resources("by_identity", "by_upper_identity") + byIdentity,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Unsupported argument.*"identity" is not expected here`),
		})
	}
	var planChecks []plancheck.PlanCheck
	var stateChecks []statecheck.StateCheck
	for _, name := range names {
		address := "opentact_sip_user." + name
		id := ids[loginOf[name]]
		planChecks = append(planChecks,
			plancheck.ExpectResourceAction(address, plancheck.ResourceActionNoop),
			plancheck.ExpectKnownValue(address, tfjsonpath.New("id"), knownvalue.StringExact(id)))
		stateChecks = append(stateChecks, identityChecks(t, address, knownvalue.StringExact(id))...)
		stateChecks = append(stateChecks,
			statecheck.ExpectKnownValue(address, tfjsonpath.New("id"), knownvalue.StringExact(id)),
			statecheck.ExpectKnownValue(address, tfjsonpath.New("password"), knownvalue.Null()))
	}
	noWrites := func(*terraform.State) error {
		if n := api.emu.CountRequests("PATCH", "") + api.emu.CountRequests("POST", ""); n != 0 {
			return fmt.Errorf("the import made %d write calls", n)
		}
		for _, u := range api.emu.Users(api.connection) {
			if u.Password != "seeded" {
				return fmt.Errorf("importing %s changed its password", u.Login)
			}
		}
		return nil
	}
	steps = append(steps,
		resource.TestStep{
			PreConfig: func() {
				if n := api.emu.CountRequests("", ""); n != 0 {
					t.Errorf("%d API calls before the import (a refused import block must make none)", n)
				}
			},
			Config:            api.provider() + resources(names...) + imports,
			ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: planChecks},
			ConfigStateChecks: stateChecks,
			Check:             noWrites,
		},
		// Without the import blocks: a refresh, no change, the same identities.
		resource.TestStep{
			Config: api.provider() + resources(names...),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: stateChecks,
			Check:             noWrites,
		})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// Without identity support grace001 and grace004 are never
		// imported, so they stay.
		CheckDestroy: func(*terraform.State) error {
			for _, name := range names {
				if _, ok := api.emu.User(ids[loginOf[name]]); ok {
					return fmt.Errorf("%s is left after destroy", loginOf[name])
				}
			}
			return nil
		},
		Steps: steps,
	})
}

// Importing a uuid (or a login) that does not exist fails with the
// import's own message, not the refresh's "deleted outside Terraform"
// warning followed by Terraform's "Cannot import non-existent remote
// object". ExpectError cannot say "and not", so the steps expect no error
// and the TestCase's ErrorCheck judges each failure; a step that does not
// fail is caught by the count.
func TestAccSIPUserIdentity_importMissing(t *testing.T) {
	api := newTestAPI(t)
	const missing = "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"
	target := api.userConfig(`  login = "nobody01"`)
	importBlock := func(body string) string {
		return target + fmt.Sprintf("\nimport {\n  to = %s\n  %s\n}\n", addr, body)
	}
	type failure struct {
		config string
		want   *regexp.Regexp
	}
	uuidMissing := regexp.MustCompile(`(?s)Cannot import the SIP user.*There is no SIP user with uuid\s+` + missing + `:\s+the\s+API\s+answered\s+404`)
	failures := []failure{
		{importBlock(fmt.Sprintf("id = %q", missing)), uuidMissing},
		// Upper case: the message names the uuid as looked up, in lower case.
		{importBlock(fmt.Sprintf("id = %q", strings.ToUpper(missing))), uuidMissing},
		{importBlock(fmt.Sprintf("id = %q", api.connection+"/nobody01")), regexp.MustCompile(`(?s)Cannot import the SIP user.*has no user with login\s+"nobody01"`)},
	}
	if cliAtLeast(t, identityCLI) {
		failures = append(failures,
			failure{importBlock(fmt.Sprintf("identity = {\n    id = %q\n  }", missing)), uuidMissing},
			failure{importBlock(`identity = {
    id = "nobody01"
  }`), regexp.MustCompile(`(?s)Invalid SIP user identity.*"nobody01" is not a SIP user uuid`)})
	}
	unwanted := []string{"deleted outside Terraform", "SIP user no longer exists", "non-existent remote object"}
	var steps []resource.TestStep
	var wants []*regexp.Regexp
	for _, f := range failures {
		steps = append(steps, resource.TestStep{Config: f.config, PlanOnly: true})
		wants = append(wants, f.want)
	}
	// The same through `terraform import` (the ID string only).
	steps = append(steps, resource.TestStep{
		Config:        target,
		ResourceName:  addr,
		ImportState:   true,
		ImportStateId: missing,
	})
	wants = append(wants, uuidMissing)
	judged := 0
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		ErrorCheck: func(err error) error {
			if judged >= len(wants) {
				return err
			}
			want := wants[judged]
			judged++
			for _, bad := range unwanted {
				if strings.Contains(err.Error(), bad) {
					return fmt.Errorf("the failed import says %q: %w", bad, err)
				}
			}
			if !want.MatchString(err.Error()) {
				return fmt.Errorf("want an error matching %s: %w", want, err)
			}
			return nil
		},
		Steps: steps,
	})
	if judged != len(wants) {
		t.Errorf("%d of %d imports of a missing user failed; every one must", judged, len(wants))
	}
	if n := api.emu.CountRequests("POST", "") + api.emu.CountRequests("PATCH", "") + api.emu.CountRequests("DELETE", ""); n != 0 {
		t.Errorf("failed imports made %d write calls", n)
	}
}

// State written by a release before identity support has no identity. The
// next refresh by this provider adds it, with no change planned and no
// write call.
//
// How the old state is produced: ExternalProviders would download the old
// release, which these machines cannot. Step 1 runs instead
// provider.NewWithoutIdentityForTest (export_test.go): today's resource code
// behind a wrapper that does not implement resource.ResourceWithIdentity,
// in a provider without list resources. The framework then sends no
// identity schema and Terraform stores none, exactly the shape an older
// release leaves (step 1 asserts it). Step 2 switches to the real provider.
func TestAccSIPUserIdentity_upgradeStateWithoutIdentity(t *testing.T) {
	api := newTestAPI(t)
	withoutIdentity := map[string]func() (tfprotov6.ProviderServer, error){
		"opentact": func() (tfprotov6.ProviderServer, error) {
			return providerserver.NewProtocol6WithError(provider.NewWithoutIdentityForTest("0.9.0")())()
		},
	}
	config := api.userConfig("  login = \"henry001\"\n  password = \"pw-henry\"\n  email = \"henry@example.com\"")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		CheckDestroy: api.allGone,
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: withoutIdentity,
				Config:                   config,
				ConfigStateChecks:        []statecheck.StateCheck{noIdentity(addr), sameID.AddStateValue(addr, tfjsonpath.New("id"))},
			},
			{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				PreConfig:                api.emu.ResetRequests,
				Config:                   config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(identityChecks(t, addr, knownvalue.StringRegexp(lowerUUID)),
					sameID.AddStateValue(addr, tfjsonpath.New("id"))),
				Check: func(*terraform.State) error {
					if n := api.emu.CountRequests("PATCH", "") + api.emu.CountRequests("POST", ""); n != 0 {
						return fmt.Errorf("the upgrade made %d write calls", n)
					}
					return nil
				},
			},
		},
	})
}
