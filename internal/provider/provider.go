// Package provider is the Terraform glue around the OpenTact API client.
package provider

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
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
					"Must be `https://`; plain `http://` is accepted only for a loopback host (such as the bundled emulator).",
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The API token (a JWT), sent as `X-Auth-Token` to the `base_url` host and nowhere else. Defaults to the `" + envToken + "` environment variable. Surrounding whitespace is ignored; an expired token is refused before any call.",
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times a call is retried after an unavailable service (503), a gateway error (502, 504) or a broken connection, with jittered exponential backoff that honours `Retry-After`. "+
					"Reads, updates and deletes are retried; a create is sent again only by the resource's own logic, which never makes a second user (see the resource's documentation). "+
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
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How long one HTTP request may take, as a Go duration such as `30s` or `2m`. Defaults to `%s`. Each operation as a whole is bounded by the resource's `timeouts`.", opentact.DefaultRequestTimeout),
				Validators:          []validator.String{durationValidator{}},
			},
			"ca_certificate": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "A PEM certificate of a private CA to trust in addition to the system's roots, for networks behind an inspecting proxy. TLS verification is always on, TLS 1.2 at least.",
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
	} {
		if unknown {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown OpenTact provider setting",
				fmt.Sprintf("The provider cannot be configured because %s is not known until apply. Set it to a value known at plan time, or use the %s/%s environment variables.", name, envBaseURL, envToken))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	baseURL := stringOr(cfg.BaseURL, os.Getenv(envBaseURL), opentact.DefaultBaseURL)
	if _, err := opentact.ParseBaseURL(baseURL); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid OpenTact base URL", err.Error())
	}
	token := opentact.NormalizeToken(stringOr(cfg.Token, os.Getenv(envToken), ""))
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing OpenTact API token",
			"The provider needs an API token. Set token in the provider block (from a variable marked sensitive) or the "+envToken+" environment variable.")
	} else if err := opentact.CheckTokenExpiry(token, time.Now()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Expired OpenTact API token", err.Error())
	}
	perSecond := 0.0
	if !cfg.MaxRequestsPerSecond.IsNull() {
		perSecond = cfg.MaxRequestsPerSecond.ValueFloat64()
	} else if env := strings.TrimSpace(os.Getenv(envMaxRequestsPerSecond)); env != "" {
		v, err := strconv.ParseFloat(env, 64)
		if err != nil || !(v >= 0.1) || math.IsInf(v, 0) { // !(v >= 0.1) refuses NaN too
			resp.Diagnostics.AddAttributeError(path.Root("max_requests_per_second"), "Invalid "+envMaxRequestsPerSecond,
				fmt.Sprintf("%s is %q; it must be a number of requests per second, at least 0.1, such as 5 or 2.5.", envMaxRequestsPerSecond, env))
		}
		perSecond = v
	}
	planChecks := true
	if !cfg.PlanChecks.IsNull() {
		planChecks = cfg.PlanChecks.ValueBool()
	} else if env := strings.TrimSpace(os.Getenv(envPlanChecks)); env != "" {
		v, err := strconv.ParseBool(env)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("plan_checks"), "Invalid "+envPlanChecks,
				fmt.Sprintf("%s is %q; it must be true or false.", envPlanChecks, env))
		}
		planChecks = v
	}
	if resp.Diagnostics.HasError() {
		return
	}

	maxRetries := opentact.DefaultMaxRetries
	if !cfg.MaxRetries.IsNull() {
		maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	timeout := opentact.DefaultRequestTimeout
	if !cfg.RequestTimeout.IsNull() {
		timeout, _ = time.ParseDuration(cfg.RequestTimeout.ValueString()) // checked by durationValidator
	}
	client, err := opentact.New(opentact.Config{
		BaseURL:              baseURL,
		Token:                token,
		UserAgent:            fmt.Sprintf("terraform-provider-opentact/%s (+https://registry.terraform.io/providers/opentact/opentact) Terraform/%s", p.version, req.TerraformVersion),
		MaxRetries:           maxRetries,
		RequestTimeout:       timeout,
		MaxRequestsPerSecond: perSecond,
		CACertificatePEM:     cfg.CACertificate.ValueString(),
		CoalesceReads:        cfg.CoalesceReads.IsNull() || cfg.CoalesceReads.ValueBool(),
		Logger:               apiLogger(token),
	})
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the OpenTact provider", err.Error())
		return
	}
	tflog.Debug(ctx, "OpenTact provider configured", map[string]any{
		"host": client.Host(), "max_retries": maxRetries, "request_timeout": timeout.String(),
		"max_requests_per_second": perSecond, "plan_checks": planChecks,
	})
	data := &providerData{client: client, planChecks: planChecks}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ListResourceData = data
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

// stringOr is the configured value, else the environment's, else def. An
// empty string counts as unset, as in HashiCorp's providers: a variable
// defaulting to "" must not hide OPENTACT_TOKEN.
func stringOr(v types.String, env, def string) string {
	switch {
	case strings.TrimSpace(v.ValueString()) != "":
		return v.ValueString()
	case env != "":
		return env
	default:
		return def
	}
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
	client     *opentact.Client
	planChecks bool
	// skipWarned holds the SIP connections whose skipped plan check was
	// already reported: one warning per connection, not one per user.
	skipWarned sync.Map
}

// providerDataFrom takes the data that Configure stored; nil data means the
// provider is not configured yet (validation).
func providerDataFrom(data any, add func(summary, detail string)) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		add("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// clientFrom is providerDataFrom's client.
func clientFrom(data any, add func(summary, detail string)) *opentact.Client {
	if pd := providerDataFrom(data, add); pd != nil {
		return pd.client
	}
	return nil
}
