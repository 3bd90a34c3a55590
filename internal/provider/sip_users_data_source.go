package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

var (
	_ datasource.DataSource              = (*sipUsersDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*sipUsersDataSource)(nil)
)

// NewSIPUsersDataSource is the constructor of opentact_sip_users.
func NewSIPUsersDataSource() datasource.DataSource {
	return &sipUsersDataSource{}
}

type sipUsersDataSource struct {
	client *opentact.Client
}

func (d *sipUsersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sip_users"
}

func (d *sipUsersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The SIP users of one SIP connection, sorted by login, read with one API call (shared with the plan checks and refresh of the same run). " +
			"The filters are applied by the provider after that call (the API has no filtering or pagination: the call returns the whole list).",
		Attributes: map[string]schema.Attribute{
			"sip_connection_uuid": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The SIP connection whose users to list.",
				Validators:          []validator.String{stringvalidator.RegexMatches(uuidRegexp, "must be a lower-case uuid")},
			},
			"login_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only users whose login starts with this text.",
			},
			"logins": schema.SetAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Only users with one of these logins. Logins that match no user are ignored.",
			},
			"sip_connection": schema.SingleNestedAttribute{
				Computed: true,
				MarkdownDescription: "The SIP connection as the API's answer gives it inside each user, once (not in every user), with what a SIP phone needs to register (`subdomain`, `ip`, `port`); " +
					"taken from the first user of the list call by login, whether the filters keep that user or not. " +
					"null when the connection has no user: the API returns a connection only inside its users. " +
					"Only these six fields are read: the credentials the API nests in the connection never are.",
				Attributes: sipConnectionAttributes(),
			},
			"users": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The users, sorted by login. Secrets (`ha1`, `ha1b`, passwords) are never included.",
				NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceUserAttributes(false)},
			},
		},
	}
}

func (d *sipUsersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *sipUsersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg sipUsersDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	var logins []string
	if !cfg.Logins.IsNull() {
		resp.Diagnostics.Append(cfg.Logins.ElementsAs(ctx, &logins, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	connection := cfg.SIPConnectionUUID.ValueString()
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	users, err := d.client.ConnectionUsers(ctx, connection)
	if err != nil {
		listFailed(err, connection).addError(&resp.Diagnostics)
		return
	}
	for i := range users {
		if users[i].SIPConnection.UUID == connection {
			var diags diag.Diagnostics
			cfg.SIPConnection, diags = sipConnectionOf(users[i].SIPConnection)
			resp.Diagnostics.Append(diags...)
			break
		}
	}
	keep := userFilter(cfg.LoginPrefix.ValueString(), logins, !cfg.Logins.IsNull())
	cfg.Users = make([]sipUserItemModel, 0, len(users))
	for i := range users {
		if !keep(users[i].Login) {
			continue
		}
		item := sipUserItemModel{ID: types.StringValue(users[i].UUID)}
		resp.Diagnostics.Append(item.fromAPI(&users[i])...)
		cfg.Users = append(cfg.Users, item)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// userFilter applies the data source's client-side filters to a login.
func userFilter(prefix string, logins []string, byLogin bool) func(string) bool {
	wanted := make(map[string]bool, len(logins))
	for _, l := range logins {
		wanted[l] = true
	}
	return func(login string) bool {
		return strings.HasPrefix(login, prefix) && (!byLogin || wanted[login])
	}
}

type sipUsersDataSourceModel struct {
	SIPConnectionUUID types.String        `tfsdk:"sip_connection_uuid"`
	LoginPrefix       types.String        `tfsdk:"login_prefix"`
	Logins            types.Set           `tfsdk:"logins"`
	SIPConnection     *sipConnectionModel `tfsdk:"sip_connection"`
	Users             []sipUserItemModel  `tfsdk:"users"`
}

// sipUserItemModel is one user as the data sources describe it.
type sipUserItemModel struct {
	ID types.String `tfsdk:"id"`
	sipUserFields
}
