package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// A base_url with a path other than "" or "/" draws one warning at
// configure, on the attribute when the block set it, saying what the
// provider appends; the API's own address draws none.
func TestBaseURLPathWarning(t *testing.T) {
	t.Setenv(envToken, "")
	for _, tc := range []struct {
		block, env string
		warn       bool
	}{
		{block: "https://api.opentact.org"},
		{block: "https://api.opentact.org/"},
		{env: "https://api.opentact.org/"},
		{block: "https://api.opentact.org/api", warn: true},
		{block: "https://api.opentact.org/api/", warn: true},
		{env: "https://gateway.example.net/opentact/v1", warn: true},
	} {
		t.Setenv(envBaseURL, tc.env)
		var diags diag.Diagnostics
		cfg := providerModel{BaseURL: types.StringValue(tc.block), Token: types.StringValue("tok")}
		if tc.block == "" {
			cfg.BaseURL = types.StringNull()
		}
		(&opentactProvider{}).settings(cfg, &diags)
		name := tc.block + tc.env
		if diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
		if !tc.warn {
			if len(diags) != 0 {
				t.Errorf("%s: warned %v", name, diags)
			}
			continue
		}
		if diags.WarningsCount() != 1 {
			t.Fatalf("%s: %d warnings, want 1: %v", name, diags.WarningsCount(), diags)
		}
		w := diags[0]
		base := strings.TrimRight(name, "/")
		says(t, name, w.Summary()+"\n"+w.Detail(), "OpenTact base URL has a path",
			"a create would go to "+base+"/rest/sip/connection/user", base+"/rest/sip/connection/<uuid>/users",
			"The OpenTact API's base URL has no path (https://api.opentact.org)")
		at, onAttribute := w.(diag.DiagnosticWithPath)
		switch {
		case tc.env != "" && onAttribute:
			t.Errorf("%s: a value from %s is blamed on %v", name, envBaseURL, at.Path())
		case tc.env != "":
			says(t, name, w.Detail(), "The "+envBaseURL+" environment variable is")
		case !onAttribute || !at.Path().Equal(path.Root("base_url")):
			t.Errorf("%s: the warning is not on base_url", name)
		}
	}
}

// The 404 of a connection's list names both readings, with the URL called
// and what the API said, wherever it is reported: the plan check, the users
// data source, the user data source by login.
func TestNoSuchConnectionNamesBothReadings(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	var base string
	c := testClient(t, emu, func(cfg *opentact.Config) {
		cfg.BaseURL += "/api"
		base = cfg.BaseURL
	})
	connection := emulator.SeedConnections[0].UUID
	_, err := c.ListUsers(context.Background(), connection)
	if err == nil {
		t.Fatal("the list under /api succeeded")
	}
	wants := []string{"GET " + base + "/rest/sip/connection/" + connection + "/users", `"no such endpoint"`,
		"There is no SIP connection " + connection + ", or this token's account cannot see it",
		"Or base_url (" + base + ") is not the API's address", "appends /rest/sip/... to base_url", "has no path"}
	for name, got := range map[string]text{
		"the plan check":        connectionNotFound(connection, err, c.BaseURL()),
		"the users data source": listFailed(err, connection),
		"the user data source":  lookupFailed(err, "", connection),
	} {
		says(t, name, got.detail, wants...)
	}
}
