package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

var (
	_ resource.Resource                   = (*sipUserResource)(nil)
	_ resource.ResourceWithConfigure      = (*sipUserResource)(nil)
	_ resource.ResourceWithImportState    = (*sipUserResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*sipUserResource)(nil)
	_ resource.ResourceWithValidateConfig = (*sipUserResource)(nil)
)

// Default operation timeouts; a user can change them in a timeouts block.
const (
	defaultWriteTimeout = 5 * time.Minute
	defaultReadTimeout  = 2 * time.Minute
)

// NewSIPUserResource is the constructor of opentact_sip_user.
func NewSIPUserResource() resource.Resource {
	return &sipUserResource{}
}

type sipUserResource struct {
	client *opentact.Client
}

func (r *sipUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sip_user"
}

func (r *sipUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The user's uuid, assigned by the API. It stays the same across updates.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"sip_connection_uuid": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The SIP connection the user belongs to (a lower-case uuid). Changing it moves the user in place.",
			Validators:          []validator.String{stringvalidator.RegexMatches(uuidRegexp, "must be a lower-case uuid such as 6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10")},
		},
		"login": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The SIP login, 7 to 15 characters, unique on its SIP connection. Changing it renames the user in place.",
			Validators:          []validator.String{stringvalidator.LengthBetween(7, 15)},
		},
		"password": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "The SIP password, kept in state (marked sensitive). For Terraform before 1.11 and tools without write-only arguments; " +
				"prefer `password_wo`. Changing it sets the new password. Conflicts with `password_wo`.",
			Validators: []validator.String{
				stringvalidator.LengthAtLeast(1),
				stringvalidator.ConflictsWith(path.MatchRoot("password_wo")),
			},
		},
		"password_wo": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
			MarkdownDescription: "The SIP password as a write-only argument (Terraform 1.11 and later): sent to the API, never stored in plan or state. " +
				"It is sent on create and whenever `password_wo_version` changes. Requires `password_wo_version`.",
			Validators: []validator.String{
				stringvalidator.LengthAtLeast(1),
				stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version")),
			},
		},
		"password_wo_version": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: "A number to change whenever `password_wo` should be sent again (to rotate the password). Requires `password_wo`.",
			Validators:          []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
		},
		"created_on": schema.StringAttribute{
			Computed:            true,
			CustomType:          timetypes.RFC3339Type{},
			MarkdownDescription: computedFieldDescriptions["created_on"],
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"modified_on": schema.StringAttribute{
			Computed:            true,
			CustomType:          timetypes.RFC3339Type{},
			MarkdownDescription: computedFieldDescriptions["modified_on"],
		},
		"sip_connection_name": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: computedFieldDescriptions["sip_connection_name"],
			PlanModifiers:       []planmodifier.String{keepUnlessConnectionChanges{}},
		},
		"account_uuid": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: computedFieldDescriptions["account_uuid"],
			PlanModifiers:       []planmodifier.String{keepUnlessConnectionChanges{}},
		},
	}
	for _, f := range optionalFields {
		a := schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: f.description + " Removing it from the configuration clears it.",
			Validators:          f.validators,
		}
		if f.rfc3339 {
			a.CustomType = timetypes.RFC3339Type{}
		}
		attrs[f.name] = a
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SIP user of an OpenTact SIP connection. Create, update and delete each take one API call; " +
			"refresh takes one call, or shares one list call with the other users of the connection (see the provider's `coalesce_reads`). " +
			"The user's SIP digest credentials (`ha1`, `ha1b`) are never read into state.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// ModifyPlan requires a password when a user is to be created. An imported
// user may be managed without one: its password then stays as it is.
func (r *sipUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var password, wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password"), &password)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if password.IsNull() && wo.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "Missing SIP password",
			"A new SIP user needs a password. Set password_wo and password_wo_version (Terraform 1.11 and later; never stored in state), "+
				"or password (stored in state, marked sensitive). To manage an existing user without changing its password, import it instead.")
	}
}

// ValidateConfig explains what to do when a CLI without write-only
// arguments meets password_wo.
func (r *sipUserResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if wo.IsNull() || req.ClientCapabilities.WriteOnlyAttributesAllowed {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "password_wo needs Terraform 1.11 or later",
		"This Terraform CLI does not support write-only arguments, which Terraform 1.11 introduced. "+
			"Upgrade to Terraform 1.11 or later, or set the password with the `password` argument instead (stored in state, marked sensitive).")
}

func (r *sipUserResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, resp.Diagnostics.AddError)
}

func (r *sipUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan sipUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// password_wo is write-only: only the configuration holds it.
	var wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := operationContext(ctx, plan.Timeouts.Create, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	body := opentact.CreateUserRequest{
		SIPConnectionUUID: plan.SIPConnectionUUID.ValueString(),
		Login:             plan.Login.ValueString(),
		Password:          firstKnown(plan.Password, wo),
		FirstName:         plan.FirstName.ValueStringPointer(),
		LastName:          plan.LastName.ValueStringPointer(),
		Email:             plan.Email.ValueStringPointer(),
		PhoneNumber:       plan.PhoneNumber.ValueStringPointer(),
		Avatar:            plan.Avatar.ValueStringPointer(),
		DOB:               plan.DOB.ValueStringPointer(),
		Gender:            plan.Gender.ValueStringPointer(),
		RemoteIP:          plan.RemoteIP.ValueStringPointer(),
	}
	u, err := r.client.CreateUser(ctx, body)
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the SIP user", createErrorDetail(err, body))
		return
	}
	tflog.Debug(ctx, "created SIP user", map[string]any{"id": u.UUID})
	plan.ID = types.StringValue(u.UUID)
	resp.Diagnostics.Append(plan.fromAPI(u)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *sipUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state sipUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := operationContext(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	u, err := r.client.ReadUser(ctx, state.ID.ValueString(), state.SIPConnectionUUID.ValueString())
	if errors.Is(err, opentact.ErrNotFound) {
		resp.Diagnostics.AddWarning("SIP user no longer exists",
			fmt.Sprintf("The SIP user %s (login %s) was deleted outside Terraform. It is removed from the state, and the next plan creates it again.", state.ID.ValueString(), state.Login.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the SIP user", err.Error())
		return
	}
	resp.Diagnostics.Append(state.fromAPI(u)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *sipUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state sipUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	var wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := operationContext(ctx, plan.Timeouts.Update, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	patch := changes(plan, state, wo)
	plan.ID = state.ID
	if patch.Empty() {
		// Only Terraform-side settings (timeouts) changed.
		plan.ModifiedOn = state.ModifiedOn
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	tflog.Debug(ctx, "modifying SIP user", map[string]any{"id": state.ID.ValueString(), "fields": patch.Fields()})
	u, err := r.client.ModifyUser(ctx, state.ID.ValueString(), patch)
	if err != nil {
		resp.Diagnostics.AddError("Cannot update the SIP user", modifyErrorDetail(err, plan))
		return
	}
	resp.Diagnostics.Append(plan.fromAPI(u)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *sipUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state sipUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := operationContext(ctx, state.Timeouts.Delete, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	err := r.client.DeleteUser(ctx, state.ID.ValueString())
	if err != nil && !errors.Is(err, opentact.ErrNotFound) {
		resp.Diagnostics.AddError("Cannot delete the SIP user", err.Error())
	}
}

// ImportState takes the user's uuid, or "<sip_connection_uuid>/<login>".
func (r *sipUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := resolveImportID(ctx, r.client, req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Cannot import the SIP user", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// operationContext bounds ctx by the operation's timeout from the timeouts
// block, or by def when the block leaves it out.
func operationContext(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, problems := timeout(ctx, def)
	diags.Append(problems...)
	return context.WithTimeout(ctx, d)
}

// resolveImportID turns an import ID into the user's uuid.
func resolveImportID(ctx context.Context, client *opentact.Client, importID string) (string, error) {
	if uuidRegexp.MatchString(importID) {
		return importID, nil
	}
	connection, login, ok := strings.Cut(importID, "/")
	if !ok || !uuidRegexp.MatchString(connection) || login == "" {
		return "", fmt.Errorf("the import ID %q is neither a SIP user uuid nor <sip_connection_uuid>/<login>, for example 6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10/alice001", importID)
	}
	u, err := client.FindUserByLogin(ctx, connection, login)
	if err != nil {
		return "", err
	}
	return u.UUID, nil
}

// changes is the PATCH that turns the state into the plan: only the fields
// that differ, a removed optional field as null. password_wo is sent when
// its version changes.
func changes(plan, state sipUserResourceModel, wo types.String) opentact.UserPatch {
	var p opentact.UserPatch
	if !plan.SIPConnectionUUID.Equal(state.SIPConnectionUUID) {
		p.Set(opentact.FieldSIPConnectionUUID, plan.SIPConnectionUUID.ValueString())
	}
	if !plan.Login.Equal(state.Login) {
		p.Set(opentact.FieldLogin, plan.Login.ValueString())
	}
	switch {
	case !plan.Password.IsNull() && !plan.Password.Equal(state.Password):
		p.Set(opentact.FieldPassword, plan.Password.ValueString())
	case !wo.IsNull() && !plan.PasswordWOVersion.Equal(state.PasswordWOVersion):
		p.Set(opentact.FieldPassword, wo.ValueString())
	}
	for _, f := range optionalFields {
		want, have := plan.optionalString(f.name), state.optionalString(f.name)
		switch {
		case want.Equal(have):
		case want.IsNull():
			p.Clear(f.api)
		default:
			p.Set(f.api, want.ValueString())
		}
	}
	return p
}

// firstKnown is the first non-null value's text.
func firstKnown(values ...types.String) string {
	for _, v := range values {
		if !v.IsNull() && !v.IsUnknown() {
			return v.ValueString()
		}
	}
	return ""
}

func createErrorDetail(err error, body opentact.CreateUserRequest) string {
	if errors.Is(err, opentact.ErrConflict) {
		return fmt.Sprintf("%s\n\nA SIP user with login %q already exists on SIP connection %s. Terraform does not take over existing users silently. "+
			"To manage it with Terraform, import it: terraform import <address> %s/%s (or an import block with that id).",
			err, body.Login, body.SIPConnectionUUID, body.SIPConnectionUUID, body.Login)
	}
	if errors.Is(err, opentact.ErrUnknownOutcome) {
		return fmt.Sprintf("%s\n\nThe API may or may not have created the user, and looking it up did not settle it. "+
			"Before applying again, check SIP connection %s for login %q and import the user if it exists.", err, body.SIPConnectionUUID, body.Login)
	}
	return err.Error()
}

func modifyErrorDetail(err error, plan sipUserResourceModel) string {
	if errors.Is(err, opentact.ErrConflict) {
		return fmt.Sprintf("%s\n\nAnother SIP user already has login %q on SIP connection %s; choose another login.", err, plan.Login.ValueString(), plan.SIPConnectionUUID.ValueString())
	}
	if errors.Is(err, opentact.ErrNotFound) {
		return fmt.Sprintf("%s\n\nThe user, or the SIP connection it is being moved to, does not exist. Run terraform apply -refresh-only to see what changed.", err)
	}
	return err.Error()
}

// keepUnlessConnectionChanges keeps facts of the user's SIP connection
// (its name, the owning account) known in the plan unless the user moves.
type keepUnlessConnectionChanges struct{}

func (keepUnlessConnectionChanges) Description(context.Context) string {
	return "Keeps the prior value unless sip_connection_uuid changes."
}

func (m keepUnlessConnectionChanges) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (keepUnlessConnectionChanges) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || !req.PlanValue.IsUnknown() || req.ConfigValue.IsUnknown() {
		return
	}
	var planned, prior types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("sip_connection_uuid"), &planned)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("sip_connection_uuid"), &prior)...)
	if planned.Equal(prior) {
		resp.PlanValue = req.StateValue
	}
}

type sipUserResourceModel struct {
	ID types.String `tfsdk:"id"`
	sipUserFields
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}
