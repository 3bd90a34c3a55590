package provider_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// A data source read makes the provider configure itself.
func (a *testAPI) readList(providerBlock string) string {
	return providerBlock + fmt.Sprintf("\ndata \"opentact_sip_users\" \"test\" {\n  sip_connection_uuid = %q\n}\n", a.connection)
}

func TestAccProvider_missingToken(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv("OPENTACT_TOKEN", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.readList(fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n}\n", api.url)),
			ExpectError: regexp.MustCompile(`(?s)Missing OpenTact API token.*with provider\["registry\.[a-z.]+/[a-z]+/opentact"\].*` +
				inOutput("Set the OPENTACT_TOKEN environment variable, or set token in the provider block from a variable declared with ephemeral = true").String()[4:]),
		}},
	})
}

func TestAccProvider_environment(t *testing.T) {
	api := newTestAPI(t)
	// A token from a file or secret store often ends in a newline.
	t.Setenv("OPENTACT_TOKEN", api.emu.Token()+"\n")
	t.Setenv("OPENTACT_BASE_URL", api.url)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.readList(`provider "opentact" {}`),
			Check: func(_ *terraform.State) error {
				for _, r := range api.emu.Requests() {
					if r.Token != api.emu.Token() {
						return fmt.Errorf("the API received token %q, want it trimmed", r.Token)
					}
				}
				return nil
			},
		}},
	})
}

func jwtExpiringAt(at time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte(fmt.Sprintf(`{"sub":"acct","exp":%d}`, at.Unix()))) + ".c2lnbmF0dXJl"
}

func TestAccProvider_badSettings(t *testing.T) {
	api := newTestAPI(t)
	t.Cleanup(api.noAPICalls(t))
	expired := jwtExpiringAt(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	block := func(baseURL, token, extra string) string {
		return fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n  %s\n}\n", baseURL, token, extra)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      api.readList(block(api.url, expired, "")),
				ExpectError: regexp.MustCompile(`(?s)Expired OpenTact API token.*expired at 2024-01-02T03:04:05Z`),
			},
			{
				Config: api.readList(block("http://api.opentact.org", "tok", "")),
				ExpectError: inOutput("Invalid OpenTact base URL", `base_url = "http://api.opentact.org"`,
					`The provider's base_url is "http://api.opentact.org", which uses plain http to a non-loopback host`, "clear text", "Use https"),
			},
			{
				Config:      api.readList(block("api.opentact.org", "tok", "")),
				ExpectError: regexp.MustCompile(`(?s)Invalid OpenTact base URL.*not an absolute URL`),
			},
			{
				Config:      api.readList(block(api.url, "tok", `request_timeout = "soon"`)),
				ExpectError: regexp.MustCompile(`(?s)request_timeout value must be a positive duration`),
			},
			{
				Config:      api.readList(block(api.url, "tok", `max_retries = 99`)),
				ExpectError: regexp.MustCompile(`(?s)max_retries value must be between 0 and 20`),
			},
			{
				Config:      api.readList(block(api.url, "tok", `ca_certificate = "not a certificate"`)),
				ExpectError: regexp.MustCompile(`(?s)ca_certificate holds no PEM certificate`),
			},
		},
	})
}

func TestAccProvider_wrongTokenIsNotEchoed(t *testing.T) {
	api := newTestAPI(t)
	const token = "wrong-but-secret-token"
	want := regexp.MustCompile(`(?s)Cannot list the SIP users.*HTTP 401.*not authorised`)
	failed := false
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// The whole output must not hold the token, which ExpectError's RE2
		// cannot say: the step's error is judged here instead.
		ErrorCheck: func(err error) error {
			if !want.MatchString(err.Error()) || strings.Contains(err.Error(), token) {
				return err
			}
			failed = true
			return nil
		},
		Steps: []resource.TestStep{{
			Config: api.readList(fmt.Sprintf("provider \"opentact\" {\n  base_url = %q\n  token = %q\n}\n", api.url, token)),
			Check: func(*terraform.State) error {
				return errors.New("the read with a wrong token succeeded")
			},
		}},
	})
	if !failed {
		t.Error("the read with a wrong token did not fail")
	}
}

func TestAccProvider_unknownSettingAtConfigure(t *testing.T) {
	api := newTestAPI(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "terraform_data" "token" {
  input = "later"
}

provider "opentact" {
  base_url = %q
  token    = terraform_data.token.output
}

resource "opentact_sip_user" "test" {
  sip_connection_uuid = %q
  login               = "ivan0001"
  password            = "p"
}
`, api.url, api.connection),
			ExpectError: regexp.MustCompile(`(?s)Unknown OpenTact provider setting.*token is not known until apply`),
		}},
	})
}

// A redirect to another host is refused, and that host never sees the token.
func TestAccProvider_redirectKeepsTheToken(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("a second loopback address is needed for this test: %v", err)
	}
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		leaked = append(leaked, r.Header.Get("X-Auth-Token"))
	}))
	other.Listener = ln
	other.Start()
	defer other.Close()

	api := newTestAPI(t)
	api.emu.InjectFault(emulator.Fault{RedirectTo: other.URL, Times: 100})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      api.readList(api.provider()),
			ExpectError: regexp.MustCompile(`(?s)refused to protect the API token.*redirects\s+from\s+http://127\.0\.0\.1:\d+\s+to\s+http://127\.0\.0\.2:\d+.*The\s+token\s+is\s+only\s+sent\s+to\s+base_url's\s+host:\s+if\s+http://127\.0\.0\.2:\d+\s+is\s+the\s+API,\s+set\s+base_url\s+to\s+it`),
		}},
	})
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("the other host received %d requests", len(leaked))
	}
}

// An empty string in the provider block counts as unset, as in HashiCorp's
// providers: a variable that defaults to "" does not hide OPENTACT_TOKEN.
func TestAccProvider_emptySettingsAreUnset(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv("OPENTACT_TOKEN", api.emu.Token())
	t.Setenv("OPENTACT_BASE_URL", api.url)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.readList(`
variable "token" {
  type      = string
  default   = ""
  sensitive = true
}
provider "opentact" {
  token    = var.token
  base_url = ""
}
`),
			Check: func(*terraform.State) error {
				if n := api.emu.CountRequests("GET", ""); n == 0 {
					return fmt.Errorf("no call reached the API named by OPENTACT_BASE_URL")
				}
				return nil
			},
		}},
	})
}

// A base_url refused when it came from OPENTACT_BASE_URL says so, and
// blames no attribute of the block.
func TestAccProvider_baseURLFromTheEnvironment(t *testing.T) {
	api := newTestAPI(t)
	t.Cleanup(api.noAPICalls(t))
	t.Setenv("OPENTACT_BASE_URL", "http://api.opentact.org")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: api.readList(fmt.Sprintf("provider \"opentact\" {\n  token = %q\n}\n", api.emu.Token())),
			// The diagnostic is on the provider block, not on a base_url line.
			ExpectError: inOutput("Invalid OpenTact base URL", `: provider "opentact" {`,
				`The OPENTACT_BASE_URL environment variable is "http://api.opentact.org", which uses plain http to a non-loopback host`),
		}},
	})
}
