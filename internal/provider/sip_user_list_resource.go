package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

var (
	_ list.ListResource              = (*sipUserListResource)(nil)
	_ list.ListResourceWithConfigure = (*sipUserListResource)(nil)
)

// NewSIPUserListResource is the constructor of the opentact_sip_user list
// resource, which `terraform query` (Terraform 1.14 and later) uses to find
// existing users to import.
func NewSIPUserListResource() list.ListResource {
	return &sipUserListResource{}
}

type sipUserListResource struct {
	client *opentact.Client
}

func (l *sipUserListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sip_user"
}

func (l *sipUserListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the SIP users of one SIP connection, for `terraform query` (Terraform 1.14 and later), with one API call whatever their number. " +
			"Each result is a user's identity (`id`), its login as display name and, with `include_resource = true`, the resource as a refresh would store it (never a password).",
		Attributes: map[string]schema.Attribute{
			"sip_connection_uuid": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The SIP connection whose users to find.",
				Validators:          []validator.String{stringvalidator.RegexMatches(uuidRegexp, "must be a lower-case uuid")},
			},
			"login_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only users whose login starts with this text.",
			},
			"logins": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Only users with one of these logins. Logins that match no user are ignored.",
			},
		},
	}
}

func (l *sipUserListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *sipUserListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg sipUserListConfigModel
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &cfg)...)
	var logins []string
	if !cfg.Logins.IsNull() {
		diags.Append(cfg.Logins.ElementsAs(ctx, &logins, false)...)
	}
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	connection := cfg.SIPConnectionUUID.ValueString()
	listCtx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	users, err := l.client.ConnectionUsers(listCtx, connection)
	if err != nil {
		listFailed(err, connection).addError(&diags)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	keep := userFilter(cfg.LoginPrefix.ValueString(), logins, !cfg.Logins.IsNull())
	stream.Results = func(push func(list.ListResult) bool) {
		sent := int64(0)
		for i := range users {
			if !keep(users[i].Login) {
				continue
			}
			// Terraform stops reading at its limit; stop there too.
			if req.Limit > 0 && sent >= req.Limit || !push(listResult(ctx, req, &users[i])) {
				return
			}
			sent++
		}
	}
}

// listResult is one found user as terraform query shows it.
func listResult(ctx context.Context, req list.ListRequest, u *opentact.User) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = u.Login
	result.Diagnostics.Append(result.Identity.Set(ctx, sipUserIdentityModel{ID: types.StringValue(u.UUID)})...)
	if req.IncludeResource {
		m := sipUserResourceModel{
			ID:                types.StringValue(u.UUID),
			Password:          types.StringNull(),
			PasswordWO:        types.StringNull(),
			PasswordWOVersion: types.Int64Null(),
			Timeouts:          timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes)},
		}
		result.Diagnostics.Append(m.fromAPI(u)...)
		result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
	}
	return result
}

// timeoutsAttrTypes is the shape of the resource's timeouts block.
var timeoutsAttrTypes = map[string]attr.Type{
	"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
}

type sipUserListConfigModel struct {
	SIPConnectionUUID types.String `tfsdk:"sip_connection_uuid"`
	LoginPrefix       types.String `tfsdk:"login_prefix"`
	Logins            types.List   `tfsdk:"logins"`
}
