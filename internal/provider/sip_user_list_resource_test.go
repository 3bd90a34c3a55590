package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/provider"
)

// `terraform query` and list blocks exist from Terraform 1.14; OpenTofu
// 1.12 has neither. Under those CLIs the same expectations are asserted
// by calling the list resource through the plugin protocol, as Terraform
// 1.14 does.
const queryCLI = "1.14.0"

// unknownConnection is a connection uuid the emulator does not have.
const unknownConnection = "00000000-0000-4000-8000-0000000000aa"

// listFixture is the users the list tests find: 25 on the test's
// connection (agent00 to agent24, two with optional fields), one on a
// second connection with a login the first also has, none on a third.
type listFixture struct {
	api   *testAPI
	other string
	empty string
	// uuids maps connection and login to the user's uuid.
	uuids map[string]map[string]string
}

// detailed holds the optional fields seeded for some users.
var detailed = map[string]map[string]string{
	"agent03": {"first_name": "Ada", "email": "ada@example.com", "dob": "1990-04-01T00:00:00Z"},
	"agent17": {"phone_number": "+4930111", "gender": "Other", "remote_ip": "192.0.2.17"},
}

func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	f := &listFixture{api: newTestAPI(t), uuids: map[string]map[string]string{}}
	f.other = f.api.emu.AddConnection("other")
	f.empty = f.api.emu.AddConnection("empty")
	seed := func(connection, login string) {
		id, err := f.api.emu.SeedUser(connection, login, detailed[login])
		if err != nil {
			t.Fatal(err)
		}
		if f.uuids[connection] == nil {
			f.uuids[connection] = map[string]string{}
		}
		f.uuids[connection][login] = id
	}
	// Seeded in reverse: results come sorted by login, not by age.
	for i := 24; i >= 0; i-- {
		seed(f.api.connection, fmt.Sprintf("agent%02d", i))
	}
	seed(f.other, "agent03")
	return f
}

// secrets are strings no list result may hold: passwords, the API's actor
// secrets, the token and every user's SIP digests.
func (f *listFixture) secrets() []string {
	out := []string{"seeded", emulator.ActorPassword, emulator.ActorToken, f.api.emu.Token()}
	for _, byLogin := range f.uuids {
		for _, id := range byLogin {
			ha1, ha1b, _ := f.api.emu.Digests(id)
			out = append(out, ha1, ha1b)
		}
	}
	return out
}

// listCase is one list block and what it must find.
type listCase struct {
	name            string
	connection      string
	loginPrefix     string
	logins          []string // nil: not set
	limit           int64    // 0: Terraform's default (100)
	includeResource bool
	want            []string // logins found, in order
}

func (f *listFixture) cases() []listCase {
	agents := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("agent%02d", i))
		}
		return out
	}
	return []listCase{
		{name: "prefix", connection: f.api.connection, loginPrefix: "agent1", want: agents(10, 19)},
		{name: "by_login", connection: f.api.connection, logins: []string{"agent17", "agent03", "nobody01"}, includeResource: true, want: []string{"agent03", "agent17"}},
		{name: "prefix_and_logins", connection: f.api.connection, loginPrefix: "agent1", logins: []string{"agent17", "agent03"}, want: []string{"agent17"}},
		{name: "limited", connection: f.api.connection, limit: 3, want: agents(0, 2)},
		{name: "other", connection: f.other, includeResource: true, want: []string{"agent03"}},
		{name: "empty", connection: f.empty, includeResource: true, want: nil},
	}
}

// everyone is the case of the one-call check: all 25 users with their
// resource objects.
func (f *listFixture) everyone() listCase {
	var all []string
	for i := 0; i < 25; i++ {
		all = append(all, fmt.Sprintf("agent%02d", i))
	}
	return listCase{name: "everyone", connection: f.api.connection, includeResource: true, want: all}
}

// resourceWant is the resource object a refresh would store for login.
func (f *listFixture) resourceWant(c listCase, login string) map[string]knownvalue.Check {
	want := map[string]knownvalue.Check{
		"id":                  knownvalue.StringExact(f.uuids[c.connection][login]),
		"login":               knownvalue.StringExact(login),
		"sip_connection_uuid": knownvalue.StringExact(c.connection),
		"account_uuid":        knownvalue.StringExact(emulator.AccountUUID),
		"sip_connection_name": knownvalue.NotNull(),
		"created_on":          knownvalue.NotNull(),
		"modified_on":         knownvalue.NotNull(),
		"password":            knownvalue.Null(),
		"password_wo":         knownvalue.Null(),
		"password_wo_version": knownvalue.Null(),
	}
	for _, field := range []string{"first_name", "last_name", "email", "phone_number", "avatar", "dob", "gender", "remote_ip"} {
		if v, ok := detailed[login][field]; ok {
			want[field] = knownvalue.StringExact(v)
		} else {
			want[field] = knownvalue.Null()
		}
	}
	return want
}

func (c listCase) block() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nlist \"opentact_sip_user\" %q {\n  provider = opentact\n  include_resource = %t\n", c.name, c.includeResource)
	if c.limit > 0 {
		fmt.Fprintf(&b, "  limit = %d\n", c.limit)
	}
	fmt.Fprintf(&b, "  config {\n    sip_connection_uuid = %q\n", c.connection)
	if c.loginPrefix != "" {
		fmt.Fprintf(&b, "    login_prefix = %q\n", c.loginPrefix)
	}
	if c.logins != nil {
		quoted, _ := json.Marshal(c.logins)
		fmt.Fprintf(&b, "    logins = %s\n", quoted)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

func TestAccSIPUserList_query(t *testing.T) {
	f := newListFixture(t)
	if !cliAtLeast(t, queryCLI) {
		f.assertThroughProtocol(t)
		return
	}
	everyone := f.everyone()
	cases := f.cases()
	var blocks string
	var checks []querycheck.QueryResultCheck
	for _, c := range cases {
		blocks += c.block()
		checks = append(checks, f.queryChecks(c)...)
	}
	checks = append(checks, noSecretsInQuery(f.secrets()))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			// The query file's list blocks use the provider configured here.
			{Config: f.api.provider()},
			// One list call finds every user, resource objects included.
			{
				PreConfig:         f.api.emu.ResetRequests,
				Query:             true,
				Config:            everyone.block(),
				QueryResultChecks: append(f.queryChecks(everyone), noSecretsInQuery(f.secrets()), queryCheckFunc(f.oneListCall)),
			},
			{Query: true, Config: blocks, QueryResultChecks: checks},
			{
				Query:       true,
				Config:      listCase{name: "unknown", connection: unknownConnection}.block(),
				ExpectError: regexp.MustCompile(`(?s)Cannot list the SIP users.*There is no SIP connection\s+` + unknownConnection),
			},
			{
				Query:       true,
				Config:      listCase{name: "upper", connection: strings.ToUpper(f.api.connection)}.block(),
				ExpectError: regexp.MustCompile(`(?s)sip_connection_uuid.*must be a lower-case uuid`),
			},
		},
	})
}

// queryChecks are the checks of one list block's results: their number,
// each identity, each display name and, with include_resource, each
// resource object.
func (f *listFixture) queryChecks(c listCase) []querycheck.QueryResultCheck {
	address := "opentact_sip_user." + c.name
	checks := []querycheck.QueryResultCheck{querycheck.ExpectLength(address, len(c.want))}
	if !c.includeResource {
		checks = append(checks, noResourceObjects(address))
	}
	for _, login := range c.want {
		identity := map[string]knownvalue.Check{"id": knownvalue.StringExact(f.uuids[c.connection][login])}
		checks = append(checks,
			querycheck.ExpectIdentity(address, identity),
			querycheck.ExpectResourceDisplayName(address, queryfilter.ByResourceIdentity(identity), knownvalue.StringExact(login)))
		if !c.includeResource {
			continue
		}
		var values []querycheck.KnownValueCheck
		for attr, check := range f.resourceWant(c, login) {
			values = append(values, querycheck.KnownValueCheck{Path: tfjsonpath.New(attr), KnownValue: check})
		}
		checks = append(checks, querycheck.ExpectResourceKnownValues(address, queryfilter.ByResourceIdentity(identity), values))
	}
	return checks
}

// oneListCall fails unless the API received exactly one call since the
// last reset, the list of the test's connection.
func (f *listFixture) oneListCall() error {
	total, lists := f.api.emu.CountRequests("", ""), f.api.emu.CountRequests("GET", "/rest/sip/connection/"+f.api.connection+"/users")
	if total != 1 || lists != 1 {
		return fmt.Errorf("the query made %d API calls of which %d list calls; want exactly one list call: %+v", total, lists, f.api.emu.Requests())
	}
	return nil
}

// noResourceObjects fails when a result of the list block has a resource
// object: without include_resource there must be none.
type noResourceObjects string

func (address noResourceObjects) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	for _, r := range req.Query {
		if strings.TrimPrefix(r.Address, "list.") == string(address) && r.ResourceObject != nil {
			resp.Error = fmt.Errorf("%s - %q has a resource object without include_resource", address, r.DisplayName)
			return
		}
	}
}

// queryCheckFunc is a query check that looks at the emulator, not at the
// results.
type queryCheckFunc func() error

func (c queryCheckFunc) CheckQuery(_ context.Context, _ querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	resp.Error = c()
}

// noSecretsInQuery fails when any of the strings is in any query result.
type noSecretsInQuery []string

func (s noSecretsInQuery) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	raw, err := json.Marshal(req.Query)
	if err != nil {
		resp.Error = err
		return
	}
	if len(req.Query) == 0 {
		resp.Error = fmt.Errorf("no query results to check")
		return
	}
	for _, secret := range s {
		if secret != "" && bytes.Contains(raw, []byte(secret)) {
			resp.Error = fmt.Errorf("a query result holds the secret %q", secret)
			return
		}
	}
}

// assertThroughProtocol checks the list cases by calling the provider as
// Terraform 1.14 would: configure it, validate each list config, list, and
// read the result stream, stopping at the limit as Terraform does.
func (f *listFixture) assertThroughProtocol(t *testing.T) {
	t.Helper()
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("Acceptance tests skipped unless env '%s' set", resource.EnvTfAcc)
	}
	t.Parallel()
	p := newListProtocol(t, f.api)
	secrets := f.secrets()
	everyone := f.everyone()
	t.Run(everyone.name, func(t *testing.T) {
		f.api.emu.ResetRequests()
		f.assertCase(t, p, everyone, secrets)
		if err := f.oneListCall(); err != nil {
			t.Error(err)
		}
	})
	for _, c := range f.cases() {
		t.Run(c.name, func(t *testing.T) { f.assertCase(t, p, c, secrets) })
	}
	t.Run("unknown", func(t *testing.T) {
		results := p.list(t, listCase{name: "unknown", connection: unknownConnection})
		if len(results) != 1 || !hasError(results[0].Diagnostics, "Cannot list the SIP users", "There is no SIP connection "+unknownConnection) {
			t.Errorf("want one result with the error diagnostic, got %s", describeResults(results))
		}
	})
	t.Run("upper", func(t *testing.T) {
		diags := p.validate(t, listCase{name: "upper", connection: strings.ToUpper(f.api.connection)})
		if !hasError(diags, "", "must be a lower-case uuid") {
			t.Errorf("want a validation error, got %v", diagnosticsText(diags))
		}
	})
}

func (f *listFixture) assertCase(t *testing.T, p *listProtocol, c listCase, secrets []string) {
	t.Helper()
	if diags := p.validate(t, c); len(diags) != 0 {
		t.Fatalf("validating the list config: %s", diagnosticsText(diags))
	}
	results := p.list(t, c)
	if len(results) != len(c.want) {
		t.Fatalf("want %d results %v, got %s", len(c.want), c.want, describeResults(results))
	}
	for i, r := range results {
		login := c.want[i]
		if len(r.Diagnostics) != 0 {
			t.Errorf("result %d has diagnostics: %s", i, diagnosticsText(r.Diagnostics))
		}
		if r.DisplayName != login {
			t.Errorf("result %d: display name %q, want %q", i, r.DisplayName, login)
		}
		if r.Identity == nil {
			t.Errorf("result %d (%s) has no identity", i, login)
			continue
		}
		identity := p.decode(t, r.Identity.IdentityData, p.identityType)
		if want := map[string]any{"id": f.uuids[c.connection][login]}; !equalJSON(identity, want) {
			t.Errorf("result %d: identity %v, want %v", i, identity, want)
		}
		if !c.includeResource {
			if r.Resource != nil {
				t.Errorf("result %d: a resource object without include_resource", i)
			}
			continue
		}
		if r.Resource == nil {
			t.Fatalf("result %d: no resource object with include_resource", i)
		}
		object := p.decode(t, r.Resource, p.resourceType)
		for attr, check := range f.resourceWant(c, login) {
			if err := check.CheckValue(object[attr]); err != nil {
				t.Errorf("result %d (%s): %s: %v", i, login, attr, err)
			}
		}
		for _, secret := range secrets {
			// msgpack holds strings as they are.
			if secret != "" && bytes.Contains(r.Resource.MsgPack, []byte(secret)) {
				t.Errorf("result %d (%s) holds the secret %q", i, login, secret)
			}
		}
	}
}

// listProtocol is a configured provider server and the value types of the
// list config, the resource and its identity.
type listProtocol struct {
	server       listServer
	configType   tftypes.Object
	resourceType tftypes.Type
	identityType tftypes.Type
}

// listServer is a provider server with the list RPCs, which
// terraform-plugin-go v0.31 does not have in tfprotov6.ProviderServer yet.
type listServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
}

const listType = "opentact_sip_user"

func newListProtocol(t *testing.T, api *testAPI) *listProtocol {
	t.Helper()
	ctx := context.Background()
	plain, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	server, ok := plain.(listServer)
	if !ok {
		t.Fatalf("the provider server %T does not serve list resources", plain)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(schemas.Diagnostics) != 0 {
		t.Fatalf("GetProviderSchema: %s", diagnosticsText(schemas.Diagnostics))
	}
	listSchema, ok := schemas.ListResourceSchemas[listType]
	if !ok {
		t.Fatalf("the provider has no list resource %s", listType)
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(identities.Diagnostics) != 0 {
		t.Fatalf("GetResourceIdentitySchemas: %s", diagnosticsText(identities.Diagnostics))
	}
	p := &listProtocol{
		server:       server,
		configType:   listSchema.ValueType().(tftypes.Object),
		resourceType: schemas.ResourceSchemas[listType].ValueType(),
		identityType: identities.IdentitySchemas[listType].ValueType(),
	}
	providerConfig := objectValue(t, schemas.Provider.ValueType().(tftypes.Object), map[string]tftypes.Value{
		"base_url": tftypes.NewValue(tftypes.String, api.url),
		"token":    tftypes.NewValue(tftypes.String, api.emu.Token()),
	})
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: &providerConfig})
	if err != nil {
		t.Fatal(err)
	}
	if len(configured.Diagnostics) != 0 {
		t.Fatalf("ConfigureProvider: %s", diagnosticsText(configured.Diagnostics))
	}
	return p
}

// config is the list block's config block as Terraform sends it.
func (p *listProtocol) config(t *testing.T, c listCase) *tfprotov6.DynamicValue {
	t.Helper()
	values := map[string]tftypes.Value{"sip_connection_uuid": tftypes.NewValue(tftypes.String, c.connection)}
	if c.loginPrefix != "" {
		values["login_prefix"] = tftypes.NewValue(tftypes.String, c.loginPrefix)
	}
	if c.logins != nil {
		loginsType := p.configType.AttributeTypes["logins"]
		var elems []tftypes.Value
		for _, l := range c.logins {
			elems = append(elems, tftypes.NewValue(tftypes.String, l))
		}
		values["logins"] = tftypes.NewValue(loginsType, elems)
	}
	v := objectValue(t, p.configType, values)
	return &v
}

func (p *listProtocol) validate(t *testing.T, c listCase) []*tfprotov6.Diagnostic {
	t.Helper()
	resp, err := p.server.ValidateListResourceConfig(context.Background(), &tfprotov6.ValidateListResourceConfigRequest{TypeName: listType, Config: p.config(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// list reads the result stream as Terraform does: it stops after limit
// results (100 unless the block says), and the stream must then end.
func (p *listProtocol) list(t *testing.T, c listCase) []tfprotov6.ListResourceResult {
	t.Helper()
	limit := c.limit
	if limit == 0 {
		limit = 100
	}
	stream, err := p.server.ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName: listType, Config: p.config(t, c), IncludeResource: c.includeResource, Limit: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	var results []tfprotov6.ListResourceResult
	stopped := false
	stream.Results(func(r tfprotov6.ListResourceResult) bool {
		if stopped {
			t.Errorf("the stream yielded %q after its consumer stopped at %d results", r.DisplayName, limit)
			return false
		}
		results = append(results, r)
		stopped = int64(len(results)) >= limit
		return !stopped
	})
	return results
}

func (p *listProtocol) decode(t *testing.T, dv *tfprotov6.DynamicValue, typ tftypes.Type) map[string]any {
	t.Helper()
	if dv == nil {
		t.Fatal("no value")
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	return plainValue(t, v).(map[string]any)
}

// objectValue is an object of type typ with the given attributes, the
// others null.
func objectValue(t *testing.T, typ tftypes.Object, values map[string]tftypes.Value) tfprotov6.DynamicValue {
	t.Helper()
	all := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		if v, ok := values[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(attrType, nil)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, all))
	if err != nil {
		t.Fatal(err)
	}
	return dv
}

// plainValue turns a value into nil, string, bool, number text, []any or
// map[string]any, as knownvalue checks and JSON comparisons expect.
func plainValue(t *testing.T, v tftypes.Value) any {
	t.Helper()
	if v.IsNull() {
		return nil
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case v.Type().Is(tftypes.Number):
		n := new(big.Float)
		_ = v.As(n)
		return json.Number(n.Text('f', -1))
	case v.Type().Is(tftypes.Object{}), v.Type().Is(tftypes.Map{}):
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for k, e := range m {
			out[k] = plainValue(t, e)
		}
		return out
	default:
		var l []tftypes.Value
		if err := v.As(&l); err != nil {
			t.Fatal(err)
		}
		out := []any{}
		for _, e := range l {
			out = append(out, plainValue(t, e))
		}
		return out
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// hasError reports whether an error diagnostic has summary (if not empty)
// and a detail containing detail.
func hasError(diags []*tfprotov6.Diagnostic, summary, detail string) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && (summary == "" || d.Summary == summary) && strings.Contains(d.Summary+" "+d.Detail, detail) {
			return true
		}
	}
	return false
}

func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var parts []string
	for _, d := range diags {
		parts = append(parts, fmt.Sprintf("%s: %s: %s", d.Severity, d.Summary, d.Detail))
	}
	return strings.Join(parts, "; ")
}

func describeResults(results []tfprotov6.ListResourceResult) string {
	var parts []string
	for _, r := range results {
		parts = append(parts, fmt.Sprintf("{%q %s}", r.DisplayName, diagnosticsText(r.Diagnostics)))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
