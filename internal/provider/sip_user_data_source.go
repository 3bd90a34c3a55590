package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

var (
	_ datasource.DataSource                     = (*sipUserDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*sipUserDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*sipUserDataSource)(nil)
)

// NewSIPUserDataSource is the constructor of opentact_sip_user.
func NewSIPUserDataSource() datasource.DataSource {
	return &sipUserDataSource{}
}

type sipUserDataSource struct {
	client *opentact.Client
}

func (d *sipUserDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sip_user"
}

func (d *sipUserDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One SIP user, found by `id` alone, or by `sip_connection_uuid` and `login` together (no other combination is accepted). " +
			"A lookup by id is one call; a lookup by login reads the connection's whole user list once per run (shared with the other lookups and plan checks of that connection). " +
			"Secrets (`ha1`, `ha1b`, passwords) are never read.",
		Attributes: sipUserDataSourceAttributes(),
	}
}

// sipUserDataSourceAttributes is a user's attributes and its SIP connection.
func sipUserDataSourceAttributes() map[string]schema.Attribute {
	attrs := dataSourceUserAttributes(true)
	attrs["sip_connection"] = schema.SingleNestedAttribute{
		Computed: true,
		MarkdownDescription: "The user's SIP connection as the API's answer gives it, with what a SIP phone needs to register (`subdomain`, `ip`, `port`). " +
			"Only these six fields are read: the credentials the API nests in the connection never are.",
		Attributes: sipConnectionAttributes(),
	}
	return attrs
}

// sipUserDataSourceModel is one user with its SIP connection.
type sipUserDataSourceModel struct {
	sipUserItemModel
	SIPConnection *sipConnectionModel `tfsdk:"sip_connection"`
}

func (d *sipUserDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{lookupArguments{}}
}

func (d *sipUserDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *sipUserDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg sipUserDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	var u *opentact.User
	var err error
	if !cfg.ID.IsNull() {
		u, err = d.client.GetUser(ctx, cfg.ID.ValueString())
	} else {
		u, err = d.client.FindUserByLogin(ctx, cfg.SIPConnectionUUID.ValueString(), cfg.Login.ValueString())
	}
	if err != nil {
		lookupFailed(err, cfg.ID.ValueString(), cfg.SIPConnectionUUID.ValueString()).addError(&resp.Diagnostics)
		return
	}
	cfg.ID = types.StringValue(u.UUID)
	resp.Diagnostics.Append(cfg.fromAPI(u)...)
	var diags diag.Diagnostics
	cfg.SIPConnection, diags = sipConnectionOf(u.SIPConnection)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// lookupArguments accepts the two ways to find a user, id alone or
// sip_connection_uuid with login, and gives one error for anything else.
type lookupArguments struct{}

func (lookupArguments) Description(context.Context) string {
	return "either id, or sip_connection_uuid with login"
}

func (v lookupArguments) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (lookupArguments) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var given []string
	for _, name := range []string{"id", "sip_connection_uuid", "login"} {
		var v types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &v)...)
		if v.IsUnknown() {
			return // Terraform validates again, with the value known, before the read
		}
		if !v.IsNull() {
			given = append(given, name)
		}
	}
	switch strings.Join(given, ",") {
	case "id", "sip_connection_uuid,login":
	default:
		lookupArgumentsWrong(given).addError(&resp.Diagnostics)
	}
}
