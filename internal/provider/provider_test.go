package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/provider"
)

// Every acceptance test runs the real Terraform CLI (or the one named by
// TF_ACC_TERRAFORM_PATH) against an emulator of its own on 127.0.0.1.

var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"opentact": func() (tfprotov6.ProviderServer, error) {
		return providerserver.NewProtocol6WithError(provider.New("test")())()
	},
}

// testAPI is one emulator and a SIP connection of the test's own.
type testAPI struct {
	emu        *emulator.Server
	url        string
	connection string
}

func newTestAPI(t *testing.T, opts ...emulator.Options) *testAPI {
	t.Helper()
	emu := emulator.New(append(opts, emulator.Options{})[0])
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return testAPIOf(t, emu, srv.URL)
}

// testAPIOf is the testAPI of an emulator served at url, with a connection
// named for the test.
func testAPIOf(t *testing.T, emu *emulator.Server, url string) *testAPI {
	return &testAPI{emu: emu, url: url, connection: emu.AddConnection("conn-" + strings.ToLower(regexp.MustCompile(`\W`).ReplaceAllString(t.Name(), "")))}
}

// provider is the provider block for this emulator; extra lines go inside.
func (a *testAPI) provider(extra ...string) string {
	return fmt.Sprintf(`
provider "opentact" {
  base_url = %q
  token    = %q
  %s
}
`, a.url, a.emu.Token(), strings.Join(extra, "\n  "))
}

// noAPICalls fails when the emulator received any API request.
func (a *testAPI) noAPICalls(t *testing.T) func() {
	return func() {
		if n := a.emu.CountRequests("", ""); n != 0 {
			t.Errorf("the API received %d requests, want none: %+v", n, a.emu.Requests())
		}
	}
}

// noSecretsInState fails when any of the strings appears anywhere in the
// state Terraform holds, attribute values and sensitive ones included.
type noSecretsInState []string

func (s noSecretsInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for _, secret := range s {
		if strings.Contains(string(raw), secret) {
			resp.Error = fmt.Errorf("the state holds the secret %q", secret)
			return
		}
	}
}

// allGone is a CheckDestroy: no user is left on the test's connection.
func (a *testAPI) allGone(_ *terraform.State) error {
	if users := a.emu.Users(a.connection); len(users) != 0 {
		return fmt.Errorf("%d users left on the connection after destroy", len(users))
	}
	return nil
}

func ptr(s string) *string { return &s }

// exactlyUsers fails unless the test's connection holds n users with n
// distinct logins: nothing lost, nothing doubled.
func (a *testAPI) exactlyUsers(n int) error {
	users := a.emu.Users(a.connection)
	logins := map[string]bool{}
	for _, u := range users {
		logins[u.Login] = true
	}
	if len(users) != n || len(logins) != n {
		return fmt.Errorf("the API holds %d users with %d distinct logins, want %d", len(users), len(logins), n)
	}
	return nil
}

// onlyUserInState fails unless the test's connection holds exactly the one
// user that the state names at addr.
func (a *testAPI) onlyUserInState(s *terraform.State) error {
	users := a.emu.Users(a.connection)
	if len(users) != 1 || users[0].UUID != s.RootModule().Resources[addr].Primary.ID {
		return fmt.Errorf("the API holds %v, want exactly the user in state", users)
	}
	return nil
}

// apiCheck is a state check that looks at the emulator instead of the state,
// for configurations whose for_each keys the legacy Check shim cannot read.
type apiCheck func() error

func (c apiCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c()
}

// cliVersion is the version of the CLI the acceptance tests drive (the one
// terraform-plugin-testing picks: TF_ACC_TERRAFORM_PATH, else terraform on
// PATH). Tests use it to assert what each version must do, instead of
// skipping.
var cliVersion = sync.OnceValues(func() (*version.Version, error) {
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		found, err := exec.LookPath("terraform")
		if err != nil {
			return nil, err
		}
		cli = found
	}
	out, err := exec.Command(cli, "version", "-json").Output()
	if err != nil {
		return nil, err
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out[bytes.IndexByte(out, '{'):], &v); err != nil {
		return nil, fmt.Errorf("reading %s version -json: %w", cli, err)
	}
	return version.NewVersion(v.Version)
})

// cliAtLeast reports whether the CLI under test is at least version least.
func cliAtLeast(t *testing.T, least string) bool {
	t.Helper()
	v, err := cliVersion()
	if err != nil {
		t.Fatalf("cannot tell the CLI's version: %v", err)
	}
	return v.GreaterThanOrEqual(version.Must(version.NewVersion(least)))
}
