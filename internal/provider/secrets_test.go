package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// A whole lifecycle under TF_LOG=TRACE, with the CLI's and the provider's
// logs in one file: no secret may appear in it, nor in the state. Before
// Terraform 1.11 the rotated password is the classic one, which is in state
// by design (sensitive) but must still never be logged.
func TestAccSecrets_neverInLogsOrState(t *testing.T) {
	token := jwtExpiringAt(time.Now().Add(24 * time.Hour))
	api := newTestAPI(t, emulator.Options{Token: token})
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)

	const woFirst, woSecond = "wo-secret-alpha-7731", "wo-secret-beta-9902"
	var digests []string
	collect := func(s *terraform.State) error {
		for _, r := range s.RootModule().Resources {
			ha1, ha1b, ok := api.emu.Digests(r.Primary.ID)
			if ok {
				digests = append(digests, ha1, ha1b)
			}
		}
		return nil
	}
	// As in real use, secrets come from the environment, not the text of
	// the configuration (which the test harness itself logs).
	t.Setenv("OPENTACT_TOKEN", token)
	t.Setenv("TF_VAR_sip_password", woFirst)
	const classic = "classic-secret-5521"
	t.Setenv("TF_VAR_classic_password", classic)
	writeOnly := cliAtLeast(t, "1.11.0")
	passwordArgs := "password_wo         = var.sip_password\n  password_wo_version = %[3]d"
	if !writeOnly {
		passwordArgs = "password            = var.sip_password # %[3]d"
	}
	config := func(version int) string {
		return fmt.Sprintf(`
provider "opentact" {
  base_url = %[1]q
}

variable "sip_password" {
  type      = string
  sensitive = true
}

variable "classic_password" {
  type      = string
  sensitive = true
}

resource "opentact_sip_user" "classic" {
  sip_connection_uuid = %[2]q
  login               = "kate0001"
  password            = var.classic_password
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %[2]q
  login               = "judy0001"
  `+passwordArgs+`
  first_name          = "Judy"
}

data "opentact_sip_users" "all" {
  sip_connection_uuid = %[2]q
  depends_on          = [opentact_sip_user.test, opentact_sip_user.classic]
}
`, api.url, api.connection, version)
	}
	stateSecrets := noSecretsInState{token, emulator.ActorPassword, emulator.ActorToken}
	importIgnore := []string{"password_wo_version", "timeouts"}
	if writeOnly {
		stateSecrets = append(stateSecrets, woFirst, woSecond)
	} else {
		importIgnore = append(importIgnore, "password")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(1), ConfigStateChecks: []statecheck.StateCheck{stateSecrets}, Check: resource.ComposeTestCheckFunc(collect, api.expectStored(passwordIs(woFirst)))},
			{
				PreConfig:         func() { t.Setenv("TF_VAR_sip_password", woSecond) },
				Config:            config(2),
				ConfigStateChecks: []statecheck.StateCheck{stateSecrets},
				Check:             resource.ComposeTestCheckFunc(collect, api.expectStored(passwordIs(woSecond))),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: importIgnore},
			// The classic password is in state by design (marked sensitive);
			// it must still never be logged.
			{Config: config(2), ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectSensitiveValue("opentact_sip_user.classic", tfjsonpath.New("password"))}},
		},
	})

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	// The log must hold the provider's own lines, or this test proves nothing.
	for _, want := range []string{"OpenTact API request", "OpenTact API answered", "ApplyResourceChange"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the trace log (%d bytes) lacks %q: the provider's logs were not captured", len(log), want)
		}
	}
	secrets := append([]string{token, woFirst, woSecond, classic, emulator.ActorPassword, emulator.ActorToken, strings.Split(token, ".")[2]}, digests...)
	if len(digests) < 8 {
		t.Fatalf("collected %d digests, want at least 8", len(digests))
	}
	for _, secret := range secrets {
		if i := strings.Index(log, secret); i >= 0 {
			t.Errorf("the trace log holds the secret %q: …%s…", secret, log[max(0, i-200):min(len(log), i+len(secret)+50)])
		}
	}
}
