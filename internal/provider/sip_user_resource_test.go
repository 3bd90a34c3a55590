package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

const addr = "opentact_sip_user.test"

func (a *testAPI) userConfig(body string) string {
	return a.userConfigWith(a.provider(), body)
}

// userConfigWith is userConfig with a provider block of the test's own.
func (a *testAPI) userConfigWith(providerBlock, body string) string {
	return providerBlock + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
%s
}
`, a.connection, body)
}

const allAttributes = `
  login        = "alice001"
  password     = "first-secret-1"
  first_name   = "Alice"
  last_name    = "Doe"
  email        = "alice@example.com"
  phone_number = "+4930123456"
  avatar       = "https://example.com/alice.png"
  dob          = "1990-04-01T00:00:00Z"
  gender       = "Cis Woman"
  remote_ip    = "192.0.2.10"
`

// The emulator's stored user behind the resource in state.
func (a *testAPI) storedUser(s *terraform.State) (emulator.User, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return emulator.User{}, fmt.Errorf("%s not in state", addr)
	}
	u, ok := a.emu.User(rs.Primary.ID)
	if !ok {
		return emulator.User{}, fmt.Errorf("user %s not in the emulator", rs.Primary.ID)
	}
	return u, nil
}

func (a *testAPI) expectStored(check func(emulator.User) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		u, err := a.storedUser(s)
		if err != nil {
			return err
		}
		return check(u)
	}
}

func passwordIs(want string) func(emulator.User) error {
	return func(u emulator.User) error {
		if u.Password != want {
			return fmt.Errorf("the API holds password %q, want %q", u.Password, want)
		}
		return nil
	}
}

func TestAccSIPUser_lifecycle(t *testing.T) {
	api := newTestAPI(t)
	lisbon := emulator.SeedConnections[1].UUID
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameCreated := statecheck.CompareValue(compare.ValuesSame())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: api.userConfig(allAttributes),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					sameCreated.AddStateValue(addr, tfjsonpath.New("created_on")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("login"), knownvalue.StringExact("alice001")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("phone_number"), knownvalue.StringExact("+4930123456")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("dob"), knownvalue.StringExact("1990-04-01T00:00:00Z")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("gender"), knownvalue.StringExact("Cis Woman")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sip_connection_name"), knownvalue.StringExact("conn-testaccsipuser_lifecycle")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_uuid"), knownvalue.StringExact(emulator.AccountUUID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_on"), knownvalue.NotNull()),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("password")),
				},
				Check: api.expectStored(passwordIs("first-secret-1")),
			},
			// Import by uuid, then by <sip_connection_uuid>/<login>.
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "password_wo_version", "timeouts"},
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateIdFunc:       func(*terraform.State) (string, error) { return api.connection + "/alice001", nil },
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "password_wo_version", "timeouts"},
			},
			// Every kind of change at once is one in-place update, one PATCH.
			{
				PreConfig: api.emu.ResetRequests,
				Config: api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login        = "alice002"
  password     = "second-secret-2"
  first_name   = "Alicia"
  last_name    = "Doe"
  email        = "alicia@example.com"
  phone_number = "4930999"
  avatar       = "https://example.com/alicia.png"
  dob          = "1991-05-02T00:00:00Z"
  gender       = "Non-binary"
  remote_ip    = "198.51.100.7"
}
`, lisbon),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.NotNull()),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("created_on"), knownvalue.NotNull()),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("modified_on")),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("sip_connection_name")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					sameCreated.AddStateValue(addr, tfjsonpath.New("created_on")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sip_connection_uuid"), knownvalue.StringExact(lisbon)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sip_connection_name"), knownvalue.StringExact("office-lisbon")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("login"), knownvalue.StringExact("alice002")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("gender"), knownvalue.StringExact("Non-binary")),
				},
				Check: resource.ComposeTestCheckFunc(
					api.expectStored(passwordIs("second-secret-2")),
					func(*terraform.State) error {
						if n := api.emu.CountRequests("PATCH", ""); n != 1 {
							return fmt.Errorf("%d PATCH calls, want 1", n)
						}
						if n := api.emu.CountRequests("POST", ""); n != 0 {
							return fmt.Errorf("an update re-created the user")
						}
						return nil
					},
				),
			},
			// Removing optional attributes clears them in the API.
			{
				Config: api.provider() + fmt.Sprintf(`
resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login    = "alice002"
  password = "second-secret-2"
}
`, api.connection),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						// Back on its first connection: its name is known again only after apply.
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("sip_connection_name")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("first_name"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("dob"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("remote_ip"), knownvalue.Null()),
				},
				Check: api.expectStored(func(u emulator.User) error {
					if len(u.Fields) != 0 {
						return fmt.Errorf("the API still holds %v", u.Fields)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccSIPUser_requiredOnly(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				PreConfig: api.emu.ResetRequests,
				Config:    api.userConfig(`  login = "bob00001"` + "\n" + `  password = "pw-bob"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("first_name"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("phone_number"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					// Create fills state from its POST's answer: no extra GET.
					// The plan checks list the connection once per process
					// (the plan, and the apply's own plan).
					posts, gets, lists := api.emu.CountRequests("POST", ""), api.emu.CountRequests("GET", "/rest/sip/connection/user/"), api.emu.CountRequests("GET", "/rest/sip/connection/"+api.connection+"/users")
					if posts != 1 || gets > 1 || lists > 2 {
						return fmt.Errorf("create made %d POSTs, %d GETs (one is the refresh before the empty-plan check) and %d list calls", posts, gets, lists)
					}
					return nil
				},
			},
			// Adding optional attributes later is an update, then nothing.
			{
				// The API answers dob in UTC: the same instant is no change.
				Config: api.userConfig(`  login = "bob00001"` + "\n" + `  password = "pw-bob"` + "\n" + `  email = "bob@example.com"` + "\n" + `  dob = "1990-04-01T02:00:00+02:00"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						// Same connection: its facts stay known in the plan.
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("sip_connection_name"), knownvalue.StringExact("conn-testaccsipuser_requiredonly")),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("account_uuid"), knownvalue.StringExact(emulator.AccountUUID)),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("modified_on")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("dob"), knownvalue.StringExact("1990-04-01T02:00:00+02:00")),
				},
				Check: api.expectStored(func(u emulator.User) error {
					if u.Fields["dob"] != "1990-04-01T00:00:00Z" {
						return fmt.Errorf("the API holds dob %q", u.Fields["dob"])
					}
					return nil
				}),
			},
			// Only timeouts changed: no API call.
			{
				PreConfig: api.emu.ResetRequests,
				Config:    api.userConfig(`  login = "bob00001"` + "\n" + `  password = "pw-bob"` + "\n" + `  email = "bob@example.com"` + "\n" + `  dob = "1990-04-01T02:00:00+02:00"` + "\n  timeouts {\n    create = \"1m\"\n  }"),
				Check: func(*terraform.State) error {
					if n := api.emu.CountRequests("PATCH", "") + api.emu.CountRequests("POST", ""); n != 0 {
						return fmt.Errorf("a timeouts change made %d write calls", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccSIPUser_drift(t *testing.T) {
	api := newTestAPI(t)
	var id string
	config := api.userConfig(`  login = "carol001"` + "\n" + `  password = "pw-carol"` + "\n" + `  first_name = "Carol"`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			// Changed behind Terraform's back: the next plan updates in place.
			{
				PreConfig: func() {
					other := "Caroline"
					if err := api.emu.ChangeUser(id, map[string]*string{"first_name": &other, "email": ptr("carol@evil.example")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("first_name"), knownvalue.StringExact("Carol")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.Null()),
				},
			},
			// Deleted behind Terraform's back: the next plan creates it.
			{
				PreConfig: func() {
					if err := api.emu.DeleteUser(id); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
			{
				Config: config,
				Check: func(s *terraform.State) error {
					if users := api.emu.Users(api.connection); len(users) != 1 || users[0].UUID == id {
						return fmt.Errorf("want exactly one re-created user, have %v", users)
					}
					return nil
				},
			},
		},
	})
}

// Write-only passwords: created, not re-sent without a new version, rotated
// with one, switched to and from the classic password, never in state. Under
// a CLI before 1.11 the same configuration must fail at plan with a message
// naming the alternative.
func TestAccSIPUser_writeOnlyPassword(t *testing.T) {
	api := newTestAPI(t)
	wo := func(password string, version int) string {
		return api.userConfig(fmt.Sprintf("  login = \"dave0001\"\n  password_wo = %q\n  password_wo_version = %d", password, version))
	}
	if !cliAtLeast(t, "1.11.0") {
		// Before Terraform 1.11 there are no write-only arguments: the plan
		// fails, saying what to use instead, and nothing reaches the API.
		t.Cleanup(api.noAPICalls(t))
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      wo("wo-secret-one", 1),
				ExpectError: regexp.MustCompile(`(?s)password_wo needs Terraform 1.11 or OpenTofu 1.11.*set\s+the\s+password\s+with\s+the\s+` + "`password`"),
			}},
		})
		return
	}
	secrets := noSecretsInState{"wo-secret-one", "wo-secret-two", "classic-secret", "wo-secret-three"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: wo("wo-secret-one", 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.Null()),
					secrets,
				},
				Check: api.expectStored(passwordIs("wo-secret-one")),
			},
			// A new value without a new version is not sent.
			{
				Config: wo("wo-secret-two", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: api.expectStored(passwordIs("wo-secret-one")),
			},
			// Rotation: the version changes, the new value is sent.
			{
				Config: wo("wo-secret-two", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{secrets},
				Check:             api.expectStored(passwordIs("wo-secret-two")),
			},
			// To the classic password...
			{
				Config:            api.userConfig("  login = \"dave0001\"\n  password = \"classic-secret\""),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("password_wo_version"), knownvalue.Null())},
				Check:             api.expectStored(passwordIs("classic-secret")),
			},
			// ...and back.
			{
				Config: wo("wo-secret-three", 3),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.Null()),
					secrets,
				},
				Check: api.expectStored(passwordIs("wo-secret-three")),
			},
		},
	})
}

func TestAccSIPUser_classicPasswordRotation(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             api.allGone,
		Steps: []resource.TestStep{
			{
				Config: api.userConfig("  login = \"erin0001\"\n  password = \"old-secret\""),
				Check:  api.expectStored(passwordIs("old-secret")),
			},
			{
				Config: api.userConfig("  login = \"erin0001\"\n  password = \"new-secret\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: api.expectStored(passwordIs("new-secret")),
			},
		},
	})
}

func TestAccSIPUser_invalidInput(t *testing.T) {
	api := newTestAPI(t)
	t.Cleanup(api.noAPICalls(t))
	cases := map[string]struct{ body, want string }{
		"login too short":     {`login = "abc"` + "\n  password = \"p\"", `Attribute login UTF-8 character count must be between 7 and 15`},
		"login too long":      {`login = "abcdefghijklmnop"` + "\n  password = \"p\"", `Attribute login UTF-8 character count must be between 7 and 15`},
		"no password":         {`login = "alice001"`, `(?s)Missing SIP password.*A new SIP user needs a password`},
		"both passwords":      {`login = "alice001"` + "\n  password = \"p\"\n  password_wo = \"q\"\n  password_wo_version = 1", `(?s)Attribute "password_wo" cannot be specified when "password" is specified`},
		"version without wo":  {`login = "alice001"` + "\n  password = \"p\"\n  password_wo_version = 1", `(?s)Attribute "password_wo" must be specified when "password_wo_version" is\s+specified`},
		"empty password":      {`login = "alice001"` + "\n  password = \"\"", `Attribute password UTF-8 character count must be at least 1`},
		"first name too long": {`login = "alice001"` + "\n  password = \"p\"\n  first_name = \"abcdefghijklmnopqrstuvwxy\"", `Attribute first_name UTF-8 character count must be between 1 and 24`},
		"empty last name":     {`login = "alice001"` + "\n  password = \"p\"\n  last_name = \"\"", `Attribute last_name UTF-8 character count must be between 1 and 24`},
		"bad email":           {`login = "alice001"` + "\n  password = \"p\"\n  email = \"not-an-address\"", `(?s)email.*must be an e-mail address`},
		"phone with letters":  {`login = "alice001"` + "\n  password = \"p\"\n  phone_number = \"+49abc\"", `(?s)phone_number.*must be digits with an optional leading \+`},
		"phone too long":      {`login = "alice001"` + "\n  password = \"p\"\n  phone_number = \"12345678901234567\"", `Attribute phone_number UTF-8 character count must be between 3 and\s+16`},
		"avatar not a URL":    {`login = "alice001"` + "\n  password = \"p\"\n  avatar = \"not a url at all\"", `(?s)avatar.*must be an http:// or https:// URL`},
		// What to write instead, and one error: the type's validation alone.
		"dob a date":                {`login = "alice001"` + "\n  password = \"p\"\n  dob = \"1990-04-01\"", `(?s)Invalid date-time.*dob must be an RFC 3339\s+date-time.*got\s+"1990-04-01"\.\s+Write\s+"1990-04-01T00:00:00Z"\.`},
		"dob without an offset":     {`login = "alice001"` + "\n  password = \"p\"\n  dob = \"1990-04-01 08:30:00\"", `(?s)Invalid date-time.*Write\s+"1990-04-01T08:30:00Z"`},
		"dob not a date":            {`login = "alice001"` + "\n  password = \"p\"\n  dob = \"first of April\"", `(?s)Invalid date-time.*such\s+as\s+1990-04-01T00:00:00Z;\s+got\s+"first\s+of\s+April"\.\s*$`},
		"gender wrong case":         {`login = "alice001"` + "\n  password = \"p\"\n  gender = \"cis woman\"", `(?s)Invalid gender.*"cis woman".*did\s+you\s+mean\s+"Cis\s+Woman"\?\s*$`},
		"gender spaced, punctuated": {`login = "alice001"` + "\n  password = \"p\"\n  gender = \"non binary\"", `(?s)did\s+you\s+mean\s+"Non-binary"\?`},
		"gender far from any":       {`login = "alice001"` + "\n  password = \"p\"\n  gender = \"robot\"", `(?s)Invalid gender.*"robot".*none\s+is\s+close.*opentact_sip_user\s+resource's\s+documentation`},
		"gender a word of some":     {`login = "alice001"` + "\n  password = \"p\"\n  gender = \"female\"", `(?s)Invalid gender.*"female".*Values\s+with\s+that\s+word:\s+"Cis\s+Female",\s+"Cisgender\s+Female",`},
		"remote_ip not IPv4":        {`login = "alice001"` + "\n  password = \"p\"\n  remote_ip = \"2001:db8::1\"", `(?s)remote_ip value must be a dotted IPv4 address`},
		"remote_ip out of range":    {`login = "alice001"` + "\n  password = \"p\"\n  remote_ip = \"256.1.1.1\"", `(?s)remote_ip value must be a dotted IPv4 address`},
	}
	var steps []resource.TestStep
	for name, tc := range cases {
		if tc.want == "" {
			continue
		}
		steps = append(steps, resource.TestStep{
			Config:      api.userConfig("  # " + name + "\n  " + tc.body),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tc.want),
		})
	}
	steps = append(steps, resource.TestStep{
		Config: api.provider() + `
resource "opentact_sip_user" "test" {
  sip_connection_uuid = "6F1C3A52-8D4E-4B7A-9C21-0A5E7D3B9F10"
  login               = "alice001"
  password            = "p"
}
`,
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?s)sip_connection_uuid.*must be a lower-case uuid`),
	})
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
}

func TestAccSIPUser_loginTaken(t *testing.T) {
	api := newTestAPI(t)
	if _, err := api.emu.SeedUser(api.connection, "taken001", nil); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.userConfig("  login = \"taken001\"\n  password = \"p\""),
			// Caught at plan time; the apply-time 409 with plan checks off is
			// in plan_checks_test.go.
			ExpectError: regexp.MustCompile(`(?s)SIP login already taken.*login "taken001".*terraform import ADDRESS\s+` + api.connection + `/taken001`),
		}},
	})
}

// Import blocks, with both forms of ID. Without a password in the
// configuration the import changes nothing and the user's password stays;
// with one, the password is the only planned change.
func TestAccSIPUser_importBlock(t *testing.T) {
	cases := map[string]struct {
		login, password string
		byLogin         bool
		action          plancheck.ResourceActionType
		storedPassword  string
	}{
		"by uuid, keeping the password":                 {"grace001", "", false, plancheck.ResourceActionNoop, "seeded"},
		"by connection and login, with a password":      {"grace002", `password = "adopted-secret"`, true, plancheck.ResourceActionUpdate, "adopted-secret"},
		"by connection and login, keeping the password": {"grace003", "", true, plancheck.ResourceActionNoop, "seeded"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			api := newTestAPI(t)
			id, err := api.emu.SeedUser(api.connection, tc.login, map[string]string{"first_name": "Grace", "email": "grace@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			importID := id
			if tc.byLogin {
				importID = api.connection + "/" + tc.login
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				CheckDestroy:             api.allGone,
				Steps: []resource.TestStep{{
					Config: api.userConfig(fmt.Sprintf("  login = %q\n  %s\n  first_name = \"Grace\"\n  email = \"grace@example.com\"", tc.login, tc.password)) +
						fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", addr, importID),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(addr, tc.action),
							plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
						},
					},
					Check: api.expectStored(passwordIs(tc.storedPassword)),
				}},
			})
		})
	}
}
