package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// OPENTACT_CA_CERTIFICATE_FILE, a path to a PEM file as CI runners have
// it, makes the API's private CA trusted when the block has no
// ca_certificate; a file without a certificate fails at configure, naming
// the variable and the path but not the content. Not parallel: it sets the
// environment of the test process, where the provider runs.
func TestAccProvider_caCertificateFile(t *testing.T) {
	api, caPEM := newTLSAPI(t)
	dir := t.TempDir()
	caFile, junkFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(caFile, []byte(caPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junkFile, []byte("junk-content-not-a-cert"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OPENTACT_CA_CERTIFICATE_FILE", junkFile)
	block := fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n}\n", api.url, api.emu.Token())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      api.readList(block),
				ExpectError: inOutput("Invalid OpenTact CA certificate", `The OPENTACT_CA_CERTIFICATE_FILE environment variable names "`+junkFile+`", which holds no PEM certificate`),
			},
			{
				PreConfig: func() {
					if n := api.emu.CountRequests("", ""); n != 0 {
						t.Fatalf("%d requests with a CA file that holds no certificate", n)
					}
					t.Setenv("OPENTACT_CA_CERTIFICATE_FILE", caFile)
				},
				Config: api.readList(block),
				Check: func(*terraform.State) error {
					if n := api.emu.CountRequests("GET", ""); n == 0 {
						return fmt.Errorf("no call reached the API")
					}
					return nil
				},
			},
		},
	})
}
