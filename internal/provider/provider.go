// Package provider is the Terraform glue around the OpenTact API client.
package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// Environment variables read when the provider block leaves a setting out.
const (
	envBaseURL              = "OPENTACT_BASE_URL"
	envToken                = "OPENTACT_TOKEN"
	envMaxRequestsPerSecond = "OPENTACT_MAX_REQUESTS_PER_SECOND"
	envPlanChecks           = "OPENTACT_PLAN_CHECKS"
	envPasswordPolicy       = "OPENTACT_PASSWORD_POLICY"
	envCACertificateFile    = "OPENTACT_CA_CERTIFICATE_FILE"
)

var (
	_ provider.Provider                  = (*opentactProvider)(nil)
	_ provider.ProviderWithListResources = (*opentactProvider)(nil)
)

// New returns the provider constructor for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &opentactProvider{version: version}
	}
}

type opentactProvider struct {
	version string
	pacers  pacers
}

// pacers holds one pacer per API account that this provider instance talks
// to: every Configure of the same account shares one pace. Terraform starts
// a provider process per configuration and configures it once, so there this
// holds one pacer; a test process configures many instances, each with
// pacers of its own.
type pacers struct {
	mu        sync.Mutex
	byAccount map[account]*opentact.Pacer
}

// account is an API account as pacing sees it: the host, a digest of the
// token (never the token), and the known rate limit.
type account struct {
	host, token string
	ceiling     float64
}

// of is the pacer of an account, made on first use.
func (p *pacers) of(baseURL, token string, ceiling float64) *opentact.Pacer {
	host := baseURL
	if u, err := opentact.ParseBaseURL(baseURL); err == nil {
		host = strings.ToLower(u.Host)
	}
	sum := sha256.Sum256([]byte(token))
	key := account{host: host, token: hex.EncodeToString(sum[:8]), ceiling: ceiling}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byAccount == nil {
		p.byAccount = map[account]*opentact.Pacer{}
	}
	if pacer, ok := p.byAccount[key]; ok {
		return pacer
	}
	pacer := opentact.NewPacer(ceiling)
	p.byAccount[key] = pacer
	return pacer
}

func (p *opentactProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "opentact"
	resp.Version = p.version
}

func (p *opentactProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the SIP users of the [OpenTact](https://opentact.org) telephony platform.",
		Attributes: map[string]schema.Attribute{
			"base_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The API's base URL. Defaults to the `" + envBaseURL + "` environment variable, then to `" + opentact.DefaultBaseURL + "`. " +
					"Must be `https://`; plain `http://` is accepted only for a loopback host (such as the bundled emulator). " +
					"The provider appends the API's paths (`/rest/sip/...`) to it, so it has no path of its own: a path other than `/` draws a warning.",
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The API token (a JWT), sent as `X-Auth-Token` to the `base_url` host and nowhere else. Defaults to the `" + envToken + "` environment variable. Surrounding whitespace is ignored; an expired token is refused before any call.",
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times a call is retried after an unavailable service (503), a gateway error (502, 504), or an answer lost after the request was sent (a broken connection, no answer within `request_timeout`), with jittered exponential backoff that honours `Retry-After`. "+
					"A create is sent again too: a second create meets the login, and the provider then looks up the user the first one made, never making a second user (see the resource's documentation). "+
					"A request that reached nothing (connection refused, unknown host, failed TLS handshake) is not counted here, and is retried whatever this count, `0` included: "+
					"a create, update or delete until the operation's timeout (an API restarting or a gateway being deployed is ridden out), a read for 5 seconds when the API has not answered yet in this run (a wrong `base_url` fails fast), and until its timeout once it has. "+
					"A rate limit (429) is not counted here: it is retried until the operation's timeout. Defaults to %d.", opentact.DefaultMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"max_requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "The account's request rate limit, if known: the provider never sends calls faster, so the API should answer no 429. Defaults to the `" + envMaxRequestsPerSecond + "` environment variable, else unset: " +
					"then the provider starts unthrottled, learns the limit from the API's 429 answers (and `RateLimit-*` headers) and paces every call of the run to it.",
				Validators: []validator.Float64{float64validator.AtLeast(0.1)},
			},
			"plan_checks": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether a plan checks each SIP user to be created (or renamed, or moved) against the API: that its SIP connection exists and that no other user holds its login. " +
					"One list call per connection per plan, shared with refresh. Defaults to the `" + envPlanChecks + "` environment variable, else `true`. Set `false` for plans that must make no API call beyond refresh.",
			},
			"password_policy": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What a plan does with a SIP password it would send that is easy to guess (shorter than 12 characters, containing the login, or below zxcvbn's top score, 4: fewer than 10^10 estimated guesses): " +
					"`\"warn\"` adds a warning on the password attribute, `\"enforce\"` makes it an error, `\"off\"` checks nothing. " +
					"Defaults to the `" + envPasswordPolicy + "` environment variable, else `\"warn\"`. A password known only at apply is checked when Terraform plans that user again at apply: " +
					"with `\"enforce\"`, a weak one stops that user before anything is sent for it. See the password guide.",
				Validators: []validator.String{stringvalidator.OneOf(passwordPolicies...)},
			},
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How long one HTTP request may take, as a Go duration such as `30s` or `2m`. Defaults to `%s`. Each operation as a whole is bounded by the resource's `timeouts`.", opentact.DefaultRequestTimeout),
				Validators:          []validator.String{durationValidator{}},
			},
			"ca_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A PEM certificate of a private CA to trust in addition to the system's roots, for networks behind an inspecting proxy. " +
					"Defaults to the content of the file that the `" + envCACertificateFile + "` environment variable names (a path to a PEM file, as CI runners provide). " +
					"TLS verification is always on, TLS 1.2 at least.",
			},
			"coalesce_reads": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether refreshing many `opentact_sip_user` resources of one SIP connection is served by one list call instead of one call per user. " +
					"The first two reads of a connection in a run are single calls (so managing a few users of a very large connection never pulls its whole list); from the third on, " +
					"reads share one list of that connection, and a user missing from it is confirmed with its own call. Defaults to `true`.",
			},
		},
	}
}

type providerModel struct {
	BaseURL              types.String  `tfsdk:"base_url"`
	Token                types.String  `tfsdk:"token"`
	MaxRetries           types.Int64   `tfsdk:"max_retries"`
	MaxRequestsPerSecond types.Float64 `tfsdk:"max_requests_per_second"`
	PlanChecks           types.Bool    `tfsdk:"plan_checks"`
	PasswordPolicy       types.String  `tfsdk:"password_policy"`
	RequestTimeout       types.String  `tfsdk:"request_timeout"`
	CACertificate        types.String  `tfsdk:"ca_certificate"`
	CoalesceReads        types.Bool    `tfsdk:"coalesce_reads"`
}

func (p *opentactProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Values known only after apply cannot configure a client now.
	for name, unknown := range map[string]bool{
		"base_url": cfg.BaseURL.IsUnknown(), "token": cfg.Token.IsUnknown(), "max_retries": cfg.MaxRetries.IsUnknown(),
		"max_requests_per_second": cfg.MaxRequestsPerSecond.IsUnknown(), "plan_checks": cfg.PlanChecks.IsUnknown(),
		"request_timeout": cfg.RequestTimeout.IsUnknown(), "ca_certificate": cfg.CACertificate.IsUnknown(), "coalesce_reads": cfg.CoalesceReads.IsUnknown(),
		"password_policy": cfg.PasswordPolicy.IsUnknown(),
	} {
		if unknown {
			unknownSetting(name).addError(&resp.Diagnostics, path.Root(name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	s := p.settings(cfg, &resp.Diagnostics)
	caPEM, caFile := caCertificate(cfg.CACertificate, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := opentact.New(opentact.Config{
		BaseURL:          s.baseURL.value,
		Token:            s.token.value,
		UserAgent:        fmt.Sprintf("terraform-provider-opentact/%s (+https://registry.terraform.io/providers/opentact/opentact) Terraform/%s", p.version, req.TerraformVersion),
		MaxRetries:       s.maxRetries,
		RequestTimeout:   s.requestTimeout,
		Pacer:            p.pacers.of(s.baseURL.value, s.token.value, s.perSecond),
		CACertificatePEM: caPEM,
		CoalesceReads:    cfg.CoalesceReads.IsNull() || cfg.CoalesceReads.ValueBool(),
		Logger:           apiLogger(s.token.value),
	})
	switch {
	case errors.Is(err, opentact.ErrNoPEMCertificate) && caFile != "":
		caFileNotPEM(caFile).addError(&resp.Diagnostics)
		return
	case errors.Is(err, opentact.ErrNoPEMCertificate):
		caNotPEM().addError(&resp.Diagnostics, path.Root("ca_certificate"))
		return
	case err != nil:
		cannotConfigure(err).addError(&resp.Diagnostics)
		return
	}
	tflog.Debug(ctx, "OpenTact provider configured", map[string]any{
		"host": client.Host(), "max_retries": s.maxRetries, "request_timeout": s.requestTimeout.String(),
		"max_requests_per_second": s.perSecond, "plan_checks": s.planChecks, "password_policy": string(s.passwordPolicy),
	})
	data := &providerData{client: client, planChecks: s.planChecks, passwordPolicy: s.passwordPolicy, tokenFromEnv: s.token.fromEnv}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ListResourceData = data
}

// settings are the provider's settings after the environment and the
// defaults have filled in what the block leaves out.
type settings struct {
	baseURL, token sourced
	maxRetries     int
	requestTimeout time.Duration
	perSecond      float64
	planChecks     bool
	passwordPolicy passwordPolicy
}

// sourced is a setting's value and whether it came from the environment.
type sourced struct {
	value   string
	fromEnv bool
}

// settings checks each setting, adding a diagnostic for each bad one: on
// the attribute when the value came from the block, without one when it
// came from the environment.
func (p *opentactProvider) settings(cfg providerModel, diags *diag.Diagnostics) settings {
	s := settings{
		baseURL:        stringSetting(cfg.BaseURL, envBaseURL, opentact.DefaultBaseURL),
		token:          stringSetting(cfg.Token, envToken, ""),
		maxRetries:     opentact.DefaultMaxRetries,
		requestTimeout: opentact.DefaultRequestTimeout,
		planChecks:     true,
	}
	var bad *opentact.BaseURLError
	switch u, err := opentact.ParseBaseURL(s.baseURL.value); {
	case errors.As(err, &bad):
		addAt(diags, invalidBaseURL(bad, s.baseURL.fromEnv), s.baseURL.fromEnv, "base_url")
	case err == nil && u.Path != "":
		// The API's base URL has no path: /api and the like are a common
		// slip, whose 404s would otherwise read as missing connections.
		warning := baseURLHasPath(strings.TrimSpace(s.baseURL.value), u.Path, s.baseURL.fromEnv)
		if s.baseURL.fromEnv {
			warning.addWarning(diags)
		} else {
			warning.addWarning(diags, path.Root("base_url"))
		}
	}
	s.token.value = opentact.NormalizeToken(s.token.value)
	var expired *opentact.ExpiredTokenError
	switch {
	case s.token.value == "":
		missingToken().addError(diags, path.Root("token"))
	case errors.As(opentact.CheckTokenExpiry(s.token.value, time.Now()), &expired):
		addAt(diags, expiredToken(expired, s.token.fromEnv), s.token.fromEnv, "token")
	}
	if !cfg.MaxRetries.IsNull() {
		s.maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	if !cfg.RequestTimeout.IsNull() {
		s.requestTimeout, _ = time.ParseDuration(cfg.RequestTimeout.ValueString()) // checked by durationValidator
	}
	s.perSecond = floatSetting(cfg.MaxRequestsPerSecond, envMaxRequestsPerSecond, diags)
	s.planChecks = boolSetting(cfg.PlanChecks, envPlanChecks, true, diags)
	s.passwordPolicy = policySetting(cfg.PasswordPolicy, diags)
	return s
}

// caCertificate is the PEM of the private CA to trust: the block's
// ca_certificate, else the file that OPENTACT_CA_CERTIFICATE_FILE names
// (file is then its path), else "". A file that cannot be read is an error
// naming the variable and the path, never the file's content.
func caCertificate(v types.String, diags *diag.Diagnostics) (pem, file string) {
	if strings.TrimSpace(v.ValueString()) != "" {
		return v.ValueString(), ""
	}
	file = strings.TrimSpace(os.Getenv(envCACertificateFile))
	if file == "" {
		return "", ""
	}
	raw, err := os.ReadFile(file) //nolint:gosec // the operator names the file on purpose, as SSL_CERT_FILE
	if err != nil {
		caFileUnreadable(file, err).addError(diags)
		return "", file
	}
	if strings.TrimSpace(string(raw)) == "" {
		caFileNotPEM(file).addError(diags)
	}
	return string(raw), file
}

// policySetting is the block's password_policy (checked by its
// validator), else the environment's, else "warn".
func policySetting(v types.String, diags *diag.Diagnostics) passwordPolicy {
	if !v.IsNull() {
		return passwordPolicy(v.ValueString())
	}
	raw := strings.TrimSpace(os.Getenv(envPasswordPolicy))
	if raw == "" {
		return policyWarn
	}
	if !slices.Contains(passwordPolicies, raw) {
		invalidEnv(envPasswordPolicy, raw, `one of "warn", "enforce" or "off"`).addError(diags)
	}
	return passwordPolicy(raw)
}

// addAt adds t as an error on the attribute, or on none for a value that
// came from the environment.
func addAt(diags *diag.Diagnostics, t text, fromEnv bool, attribute string) {
	if fromEnv {
		t.addError(diags)
		return
	}
	t.addError(diags, path.Root(attribute))
}

// stringSetting is the configured value, else the environment's, else def.
// An empty string counts as unset, as in HashiCorp's providers: a variable
// defaulting to "" must not hide OPENTACT_TOKEN.
func stringSetting(v types.String, env, def string) sourced {
	switch fromEnv := os.Getenv(env); {
	case strings.TrimSpace(v.ValueString()) != "":
		return sourced{value: v.ValueString()}
	case fromEnv != "":
		return sourced{value: fromEnv, fromEnv: true}
	default:
		return sourced{value: def}
	}
}

// floatSetting is a request rate: the block's, else the environment's (at
// least 0.1), else 0.
func floatSetting(v types.Float64, env string, diags *diag.Diagnostics) float64 {
	if !v.IsNull() {
		return v.ValueFloat64()
	}
	raw := strings.TrimSpace(os.Getenv(env))
	if raw == "" {
		return 0
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(f >= 0.1) || math.IsInf(f, 0) { // !(f >= 0.1) refuses NaN too
		invalidEnv(env, raw, "a number of requests per second, at least 0.1, such as 5 or 2.5").addError(diags)
	}
	return f
}

// boolSetting is the block's value, else the environment's, else def.
func boolSetting(v types.Bool, env string, def bool, diags *diag.Diagnostics) bool {
	if !v.IsNull() {
		return v.ValueBool()
	}
	raw := strings.TrimSpace(os.Getenv(env))
	if raw == "" {
		return def
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		invalidEnv(env, raw, "true or false").addError(diags)
	}
	return b
}

func (p *opentactProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewSIPUserResource}
}

func (p *opentactProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewSIPUsersDataSource, NewSIPUserDataSource}
}

func (p *opentactProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewSIPUserListResource}
}

// apiLogger sends the client's request lines to tflog with the token masked
// in every message and field, whatever a future change logs.
func apiLogger(token string) opentact.Logger {
	return func(ctx context.Context, msg string, fields map[string]any) {
		ctx = tflog.MaskMessageStrings(ctx, token)
		ctx = tflog.MaskAllFieldValuesStrings(ctx, token)
		tflog.Debug(ctx, msg, fields)
	}
}

// providerData is what Configure hands to resources, data sources and list
// resources.
type providerData struct {
	client         *opentact.Client
	planChecks     bool
	passwordPolicy passwordPolicy
	// tokenFromEnv tells where the token came from, for messages.
	tokenFromEnv bool
	// skipWarned holds what the plan checks have already said: the SIP
	// connections whose check was skipped (one warning each), and
	// planRefused (one error for the whole plan).
	skipWarned sync.Map
	// handovers are the logins that this configuration's plans give up,
	// claims the ones they take.
	handovers handovers
	claims    claims
}

// providerDataFrom takes the data that Configure stored; nil data means the
// provider is not configured yet (validation).
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		unexpectedData(data).addError(diags)
		return nil
	}
	return pd
}

// clientFrom is providerDataFrom's client.
func clientFrom(data any, diags *diag.Diagnostics) *opentact.Client {
	if pd := providerDataFrom(data, diags); pd != nil {
		return pd.client
	}
	return nil
}
