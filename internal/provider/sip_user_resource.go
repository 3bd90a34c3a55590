package provider

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

var (
	_ resource.Resource                   = (*sipUserResource)(nil)
	_ resource.ResourceWithConfigure      = (*sipUserResource)(nil)
	_ resource.ResourceWithImportState    = (*sipUserResource)(nil)
	_ resource.ResourceWithIdentity       = (*sipUserResource)(nil)
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
	data   *providerData
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
			MarkdownDescription: "The SIP connection the user belongs to (a lower-case uuid). Changing it moves the user in place, sending the password along (see `login`).",
			Validators:          []validator.String{stringvalidator.RegexMatches(uuidRegexp, "must be a lower-case uuid such as 6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10")},
		},
		"login": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "The SIP login, 7 to 15 characters, unique on its SIP connection. Changing it renames the user in place. " +
				"The SIP digest credentials derive from login, connection and password, so a rename or move sends the password in the same call when the provider knows it " +
				"(`password`, or `password_wo` in the configuration, which then needs a new `password_wo_version` in the same change); for a user managed without a password the plan warns that its phones may need a new one.",
			Validators: []validator.String{stringvalidator.UTF8LengthBetween(7, 15)},
		},
		"password": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "The SIP password, kept in state (marked sensitive) and in saved plan files. For Terraform before 1.11 and tools without write-only arguments; " +
				"prefer `password_wo`. Changing it sets the new password; removing it from the configuration leaves the API's password as it is. Conflicts with `password_wo`.",
			Validators: []validator.String{
				stringvalidator.UTF8LengthAtLeast(1),
				stringvalidator.ConflictsWith(path.MatchRoot("password_wo")),
			},
		},
		"password_wo": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
			MarkdownDescription: "The SIP password as a write-only argument (Terraform 1.11 and later, OpenTofu 1.11 and later): sent to the API, never stored in plan or state. " +
				"It is sent on create and whenever `password_wo_version` changes; a change of `login` or `sip_connection_uuid` needs a new `password_wo_version` too. Requires `password_wo_version`.",
			Validators: []validator.String{
				stringvalidator.UTF8LengthAtLeast(1),
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
			MarkdownDescription: computedFieldDescriptions["sip_connection_name"] + " An update keeps the value known at plan time; a rename of the connection shows at the next refresh.",
			PlanModifiers:       []planmodifier.String{keepUnlessConnectionChanges{}},
		},
		"account_uuid": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: computedFieldDescriptions["account_uuid"],
			PlanModifiers:       []planmodifier.String{keepUnlessConnectionChanges{}},
		},
	}
	for _, f := range optionalFields {
		attrs[f.name] = schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: f.description + " Removing it from the configuration clears it.",
			Validators:          f.validators,
			CustomType:          f.customType(),
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A SIP user of an OpenTact SIP connection. Create, update and delete each take one API call; " +
			"refresh takes one call, or shares one list call with the other users of the connection (see the provider's `coalesce_reads`). " +
			"A plan checks that each new login is free on its connection (see the provider's `plan_checks`). " +
			"The user's SIP digest credentials (`ha1`, `ha1b`) are never read into state: only a two-byte fingerprint of them, in the private state, which shows a password changed outside Terraform.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *sipUserResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The user's uuid.",
			},
		},
	}
}

func (r *sipUserResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
	if r.data != nil {
		r.client = r.data.client
	}
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
	ctx, cancel, op := operationContext(ctx, "create", plan.Timeouts.Create, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	body := createRequest(plan, wo)
	res, err := r.client.CreateUser(ctx, body)
	if err != nil {
		createFailed(err, body, r.data.handovers.handedOn(loginKey{body.SIPConnectionUUID, body.Login}), op).addError(&resp.Diagnostics)
		return
	}
	if res.Adopted {
		adopted(body.Login, body.SIPConnectionUUID, res.User.UUID, res.PasswordErr).addWarning(&resp.Diagnostics)
	}
	if res.PasswordErr == nil {
		resp.Diagnostics.Append(keepDigests(ctx, resp.Private, res.User.DigestMark)...)
	}
	tflog.Debug(ctx, "created SIP user", map[string]any{"id": res.User.UUID, "adopted": res.Adopted})
	planned := plan
	plan.ID = types.StringValue(res.User.UUID)
	plan.fromWrite(res.User, planned, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	r.setIdentity(ctx, res.User.UUID, resp.Identity, &resp.Diagnostics)
}

func (r *sipUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state sipUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, op := operationContext(ctx, "read", state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	id := state.ID.ValueString()
	importing := state.Login.IsNull()
	u, err := r.client.ReadUser(ctx, id, state.SIPConnectionUUID.ValueString())
	switch {
	case errors.Is(err, opentact.ErrNotFound) && importing:
		importNoSuchUser(id, err, r.client.BaseURL()).addError(&resp.Diagnostics)
		return
	case errors.Is(err, opentact.ErrNotFound):
		// The framework wants an identity even for a removed resource.
		r.setIdentity(ctx, id, resp.Identity, &resp.Diagnostics)
		userGone(id, state.Login.ValueString(), state.SIPConnectionUUID.ValueString()).addWarning(&resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		readFailed(err, op).addError(&resp.Diagnostics)
		return
	}
	resp.Diagnostics.Append(state.fromAPI(u)...)
	changed, diags := refreshDigests(ctx, resp.Private, u.DigestMark)
	resp.Diagnostics.Append(diags...)
	if changed {
		// The password was changed outside Terraform: the state no longer
		// knows it, so the next plan sends the configured one again.
		state.Password = types.StringNull()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	r.setIdentity(ctx, u.UUID, resp.Identity, &resp.Diagnostics)
}

func (r *sipUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// The plan carried the private id: drop it first, as even a failed
	// update saves its private state.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateID, nil)...)
	var plan, state sipUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	var wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, op := operationContext(ctx, "update", plan.Timeouts.Update, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	patch := userPatch(plan, state, wo)
	plan.ID = state.ID
	if patch.Empty() {
		// Only Terraform-side settings (timeouts) changed.
		plan.ModifiedOn = state.ModifiedOn
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		r.setIdentity(ctx, state.ID.ValueString(), resp.Identity, &resp.Diagnostics)
		return
	}
	tflog.Debug(ctx, "modifying SIP user", map[string]any{"id": state.ID.ValueString(), "fields": patch.Fields()})
	u, err := r.client.ModifyUser(ctx, state.ID.ValueString(), patch)
	if err != nil && patch.Sends(opentact.FieldPassword) && !refused(err) {
		// The password may have been set: the kept mark may be stale, and
		// no mark is better than a false "changed outside Terraform".
		resp.Diagnostics.Append(keepDigests(ctx, resp.Private, "")...)
	}
	if err != nil {
		to := loginKey{plan.SIPConnectionUUID.ValueString(), plan.Login.ValueString()}
		from := loginKey{state.SIPConnectionUUID.ValueString(), state.Login.ValueString()}
		updateFailed(err, to.login, to.connection, from != to && r.data.handovers.handedOn(to), op).addError(&resp.Diagnostics)
		return
	}
	if patch.Sends(opentact.FieldPassword) {
		resp.Diagnostics.Append(keepDigests(ctx, resp.Private, u.DigestMark)...)
	}
	planned := plan
	plan.fromWrite(u, planned, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	r.setIdentity(ctx, u.UUID, resp.Identity, &resp.Diagnostics)
}

func (r *sipUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state sipUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, op := operationContext(ctx, "delete", state.Timeouts.Delete, defaultWriteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	if err := r.client.DeleteUser(ctx, state.ID.ValueString(), state.SIPConnectionUUID.ValueString()); err != nil {
		deleteFailed(err, op).addError(&resp.Diagnostics)
	}
}

// refused reports whether the API itself refused a call, in its envelope
// (not a 5xx): then the call did nothing.
func refused(err error) bool {
	var apiErr *opentact.APIError
	return errors.As(err, &apiErr) && apiErr.Enveloped && !errors.Is(err, opentact.ErrServer) && !errors.Is(err, opentact.ErrRateLimit)
}

// ImportState takes the user's uuid (any case), "<sip_connection_uuid>/<login>",
// or an identity { id = "<uuid>" }.
func (r *sipUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := req.ID
	if importID == "" && req.Identity != nil {
		var identity sipUserIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		importID = identity.ID.ValueString()
		if !anyCaseUUID.MatchString(importID) {
			invalidIdentity(importID).addError(&resp.Diagnostics, path.Root("id"))
			return
		}
	}
	id, ok := r.resolveImportID(ctx, importID, &resp.Diagnostics)
	if ok {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	}
}

// anyCaseUUID matches a uuid written in either case; the API's are lower.
var anyCaseUUID = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// resolveImportID turns an import ID into the user's uuid, in lower case.
func (r *sipUserResource) resolveImportID(ctx context.Context, importID string, diags *diag.Diagnostics) (string, bool) {
	importID = strings.TrimSpace(importID)
	if anyCaseUUID.MatchString(importID) {
		return strings.ToLower(importID), true
	}
	connection, login, ok := strings.Cut(importID, "/")
	if !ok || !anyCaseUUID.MatchString(connection) || login == "" {
		badImportID(importID).addError(diags)
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	u, err := r.client.FindUserByLogin(ctx, strings.ToLower(connection), login)
	if err != nil {
		importFailed(err).addError(diags)
		return "", false
	}
	return u.UUID, true
}

// setIdentity records the user's uuid as its identity. The identity is
// absent for a resource built without identity support (a test's wrapper).
func (r *sipUserResource) setIdentity(ctx context.Context, id string, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity != nil {
		diags.Append(identity.Set(ctx, sipUserIdentityModel{ID: types.StringValue(id)})...)
	}
}

// operationContext bounds ctx by the operation's timeout from the timeouts
// block, or by def when the block leaves it out, and says what that limit
// is for messages.
func operationContext(ctx context.Context, operation string, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc, operationTime) {
	d, problems := timeout(ctx, def)
	diags.Append(problems...)
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, timeoutsOf(operation, d)
}

type sipUserResourceModel struct {
	ID types.String `tfsdk:"id"`
	sipUserFields
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// fromWrite fills m from the answer to a create or update, which the API
// accepted. A value that cannot be read keeps what the plan said, with a
// warning: an error would have Terraform taint a user that the API holds,
// and every later plan would then fail on its login. The computed
// attributes the plan already knew are kept too: Terraform requires an
// apply to produce what the plan promised.
func (m *sipUserResourceModel) fromWrite(u *opentact.User, planned sipUserResourceModel, diags *diag.Diagnostics) {
	unreadable := m.readAPI(u)
	for _, of := range optionalFields {
		if slices.Contains(unreadable, of.name) {
			*of.field(&m.sipUserFields) = *of.field(&planned.sipUserFields)
		}
	}
	keep := func(dst *types.String, plannedValue types.String) {
		if !plannedValue.IsUnknown() && !plannedValue.IsNull() {
			*dst = plannedValue
		}
	}
	keep(&m.ID, planned.ID)
	keep(&m.SIPConnectionName, planned.SIPConnectionName)
	keep(&m.AccountUUID, planned.AccountUUID)
	keep(&m.CreatedOn.StringValue, planned.CreatedOn.StringValue)
	if len(unreadable) > 0 {
		partlyRead(u.UUID, unreadable).addWarning(diags)
	}
}

type sipUserIdentityModel struct {
	ID types.String `tfsdk:"id"`
}
