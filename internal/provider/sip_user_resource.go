package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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

// privateID is the planned-private key that holds the uuid of the user a
// plan starts from. Terraform hands the first plan's planned private to the
// create half of a replacement (-replace, replace_triggered_by), whose prior
// state is null: the plan checks read it to know that the login's holder is
// the user being replaced. It lives only in plans (Create starts with an
// empty private state; Update drops it first): kept in the state, it made a
// 1,000-user lifecycle 11% slower (BENCHMARKS.md).
const privateID = "id"

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
				"(`password`, or `password_wo` in the configuration); for a user managed without a password the plan warns that its phones may need a new one.",
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
				"It is sent on create, whenever `password_wo_version` changes, and with a change of `login` or `sip_connection_uuid`. Requires `password_wo_version`.",
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
			"A plan checks that each new login is free on its connection (see the provider's `plan_checks`). " +
			"The user's SIP digest credentials (`ha1`, `ha1b`) are never read into state.",
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

// ModifyPlan records the prior uuid in the planned private state (see
// privateID), requires a password to create a user (an imported one may be
// managed without one), warns when a rename or move cannot send one, and
// runs the plan checks.
func (r *sipUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	// Most plans change neither login nor connection: they read five
	// attributes here and set the private id, nothing more (a plan of 1,000
	// users runs this 1,000 times).
	var planned, prior userKey
	var priorID types.String
	resp.Diagnostics.Append(planned.from(ctx, req.Plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(prior.from(ctx, req.State)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &priorID)...)
		if resp.Private != nil { // the framework always sets it; a unit test may not
			resp.Diagnostics.Append(planPriorID(ctx, priorID.ValueString(), resp.Private)...)
		}
	}
	moving := !creating && (!planned.login.Equal(prior.login) || !planned.connection.Equal(prior.connection))
	if resp.Diagnostics.HasError() || !creating && !moving {
		return
	}
	var password, wo, priorPassword types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password"), &password)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if !creating {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("password"), &priorPassword)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	noPassword := password.IsNull() && wo.IsNull()
	if creating && noPassword {
		resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "Missing SIP password",
			"A new SIP user needs a password. Set password_wo and password_wo_version (Terraform 1.11 and later, OpenTofu 1.11 and later; never stored in state), "+
				"or password (stored in state, marked sensitive). To manage an existing user without changing its password, import it instead.")
		return
	}
	if moving && noPassword && priorPassword.IsNull() {
		resp.Diagnostics.AddAttributeWarning(path.Root("login"), "SIP phones may need a new password",
			fmt.Sprintf("SIP user %s changes its login or SIP connection, and this configuration has no password to send with the change. "+
				"The SIP digest credentials derive from login, connection and password, so an API that keeps only the digests cannot carry the old password over: "+
				"phones registered as this user may fail to register until a new password is set. Set password_wo and password_wo_version (or password) to send one with the change.",
				priorID.ValueString()))
	}
	if r.data != nil && r.data.planChecks {
		self := priorID.ValueString()
		if creating {
			self = priorUserID(ctx, req.Private)
		}
		r.checkLogin(ctx, planned, self, &resp.Diagnostics)
	}
}

// userKey is what makes a user unique: its login on its connection.
type userKey struct{ login, connection types.String }

func (k *userKey) from(ctx context.Context, data interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
},
) diag.Diagnostics {
	diags := data.GetAttribute(ctx, path.Root("login"), &k.login)
	diags.Append(data.GetAttribute(ctx, path.Root("sip_connection_uuid"), &k.connection)...)
	return diags
}

// checkLogin is the plan check of a login about to be taken: the SIP
// connection must exist and no user but self may hold the login. It never
// blocks a plan on a failed lookup: the apply still reports a conflict.
func (r *sipUserResource) checkLogin(ctx context.Context, planned userKey, self string, diags *diag.Diagnostics) {
	if planned.login.IsUnknown() || planned.connection.IsUnknown() {
		return
	}
	connection, login := planned.connection.ValueString(), planned.login.ValueString()
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	holder, checked, err := r.client.LoginHolder(ctx, connection, login)
	switch {
	case !checked:
	case errors.Is(err, opentact.ErrNotFound):
		diags.AddAttributeError(path.Root("sip_connection_uuid"), "SIP connection not found",
			fmt.Sprintf("There is no SIP connection %s: the API answered 404 to listing its users (%s). Check the uuid in the OpenTact portal, and that base_url (%s) is the API's address.",
				connection, err, r.client.BaseURL()))
	case err != nil:
		if _, warned := r.data.skipWarned.LoadOrStore(connection, true); !warned {
			diags.AddWarning("Login check skipped",
				fmt.Sprintf("The plan could not check the logins of new SIP users on SIP connection %s against the API, because listing its users failed: %s\n\n"+
					"The plan goes on; a login that is taken still fails at apply.", connection, err))
		}
	case holder != nil && holder.UUID != self:
		diags.AddAttributeError(path.Root("login"), "SIP login already taken",
			fmt.Sprintf("SIP user %s already has login %q on SIP connection %s, so this apply would fail.\n\n"+
				"To manage that user with Terraform, import it: terraform import ADDRESS %s/%s (or an import block with that id, or identity = { id = %q }). "+
				"If it is managed in this configuration under another address, tell Terraform it moved with a moved block instead of creating it again. "+
				"Otherwise choose another login. (If this address is that user, marked with terraform taint, "+
				"run terraform untaint ADDRESS and terraform apply -replace=ADDRESS instead.)", holder.UUID, login, connection, connection, login, holder.UUID))
	}
}

// planPriorID puts the uuid of the user a plan starts from into the planned
// private state (see privateID).
func planPriorID(ctx context.Context, id string, private interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
},
) diag.Diagnostics {
	if !uuidRegexp.MatchString(id) {
		return nil
	}
	return private.SetKey(ctx, privateID, []byte(`"`+id+`"`))
}

// priorUserID is the uuid the prior private state holds, or "".
func priorUserID(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
},
) string {
	if private == nil {
		return ""
	}
	raw, _ := private.GetKey(ctx, privateID)
	id := strings.Trim(string(raw), `"`)
	if !uuidRegexp.MatchString(id) {
		return ""
	}
	return id
}

// ValidateConfig explains what to do when a CLI without write-only
// arguments meets password_wo.
func (r *sipUserResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if wo.IsNull() || req.ClientCapabilities.WriteOnlyAttributesAllowed {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("password_wo"), "password_wo needs Terraform 1.11 or OpenTofu 1.11, or later",
		"This CLI does not support write-only arguments, which Terraform 1.11 and OpenTofu 1.11 introduced. "+
			"Upgrade to Terraform 1.11 or later (or OpenTofu 1.11 or later), or set the password with the `password` argument instead (stored in state, marked sensitive).")
}

func (r *sipUserResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, resp.Diagnostics.AddError)
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
	res, err := r.client.CreateUser(ctx, body)
	if err != nil {
		summary, detail := createErrorDetail(err, body)
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	if res.Adopted {
		resp.Diagnostics.AddWarning("SIP user adopted after a lost answer",
			fmt.Sprintf("The answer to creating SIP user %q on SIP connection %s was lost. The provider looked and found the user this create made (%s, every field as sent), and manages it. %s",
				body.Login, body.SIPConnectionUUID, res.User.UUID, res.Warning))
	}
	tflog.Debug(ctx, "created SIP user", map[string]any{"id": res.User.UUID, "adopted": res.Adopted})
	planned := plan
	plan.ID = types.StringValue(res.User.UUID)
	resp.Diagnostics.Append(plan.fromAPI(res.User)...)
	plan.keepPlannedFacts(planned)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	r.setIdentity(ctx, res.User.UUID, resp.Identity, &resp.Diagnostics)
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

	id := state.ID.ValueString()
	importing := state.Login.IsNull()
	u, err := r.client.ReadUser(ctx, id, state.SIPConnectionUUID.ValueString())
	switch {
	case errors.Is(err, opentact.ErrNotFound) && importing:
		resp.Diagnostics.AddError("Cannot import the SIP user",
			fmt.Sprintf("There is no SIP user with uuid %s: the API answered 404 (%s). Check the uuid, and that base_url (%s) is the API's address.", id, err, r.client.BaseURL()))
		return
	case errors.Is(err, opentact.ErrNotFound):
		// The framework wants an identity even for a removed resource.
		r.setIdentity(ctx, id, resp.Identity, &resp.Diagnostics)
		resp.Diagnostics.AddWarning("SIP user no longer exists",
			fmt.Sprintf("The SIP user %s (login %s) was deleted outside Terraform: the API answered 404 and the list of SIP connection %s no longer has it. "+
				"It is removed from the state, and this plan creates it again. Creating it needs a password in the configuration (password_wo or password); "+
				"a user that was imported and managed without one cannot be re-created until one is set.",
				id, state.Login.ValueString(), state.SIPConnectionUUID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Cannot read the SIP user", err.Error())
		return
	}
	resp.Diagnostics.Append(state.fromAPI(u)...)
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
		r.setIdentity(ctx, state.ID.ValueString(), resp.Identity, &resp.Diagnostics)
		return
	}
	tflog.Debug(ctx, "modifying SIP user", map[string]any{"id": state.ID.ValueString(), "fields": patch.Fields()})
	u, err := r.client.ModifyUser(ctx, state.ID.ValueString(), patch)
	if err != nil {
		resp.Diagnostics.AddError("Cannot update the SIP user", modifyErrorDetail(err, plan))
		return
	}
	planned := plan
	resp.Diagnostics.Append(plan.fromAPI(u)...)
	plan.keepPlannedFacts(planned)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	r.setIdentity(ctx, u.UUID, resp.Identity, &resp.Diagnostics)
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

	if err := r.client.DeleteUser(ctx, state.ID.ValueString(), state.SIPConnectionUUID.ValueString()); err != nil {
		resp.Diagnostics.AddError("Cannot delete the SIP user", err.Error())
	}
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
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid SIP user identity",
				fmt.Sprintf("The identity's id %q is not a SIP user uuid such as 3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b.", importID))
			return
		}
	}
	id, err := resolveImportID(ctx, r.client, importID)
	if err != nil {
		resp.Diagnostics.AddError("Cannot import the SIP user", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// setIdentity records the user's uuid as its identity. The identity is
// absent for a resource built without identity support (a test's wrapper).
func (r *sipUserResource) setIdentity(ctx context.Context, id string, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity != nil {
		diags.Append(identity.Set(ctx, sipUserIdentityModel{ID: types.StringValue(id)})...)
	}
}

// operationContext bounds ctx by the operation's timeout from the timeouts
// block, or by def when the block leaves it out.
func operationContext(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, problems := timeout(ctx, def)
	diags.Append(problems...)
	return context.WithTimeout(ctx, d)
}

// anyCaseUUID matches a uuid written in either case; the API's are lower.
var anyCaseUUID = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// resolveImportID turns an import ID into the user's uuid, in lower case.
func resolveImportID(ctx context.Context, client *opentact.Client, importID string) (string, error) {
	importID = strings.TrimSpace(importID)
	if anyCaseUUID.MatchString(importID) {
		return strings.ToLower(importID), nil
	}
	connection, login, ok := strings.Cut(importID, "/")
	if !ok || !anyCaseUUID.MatchString(connection) || login == "" {
		return "", fmt.Errorf("the import ID %q is neither a SIP user uuid nor <sip_connection_uuid>/<login>, for example 6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10/alice001", importID)
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	u, err := client.FindUserByLogin(ctx, strings.ToLower(connection), login)
	if err != nil {
		return "", err
	}
	return u.UUID, nil
}

// changes is the PATCH that turns the state into the plan: only the fields
// that differ, a removed optional field as null. The password is sent when
// it changes (password_wo: when its version changes), and with every change
// of login or connection, since the SIP digests derive from all three.
func changes(plan, state sipUserResourceModel, wo types.String) opentact.UserPatch {
	var p opentact.UserPatch
	moving := false
	if !plan.SIPConnectionUUID.Equal(state.SIPConnectionUUID) {
		p.Set(opentact.FieldSIPConnectionUUID, plan.SIPConnectionUUID.ValueString())
		moving = true
	}
	if !plan.Login.Equal(state.Login) {
		p.Set(opentact.FieldLogin, plan.Login.ValueString())
		moving = true
	}
	switch {
	case !plan.Password.IsNull() && (moving || !plan.Password.Equal(state.Password)):
		p.Set(opentact.FieldPassword, plan.Password.ValueString())
	case !wo.IsNull() && (moving || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion)):
		p.Set(opentact.FieldPassword, wo.ValueString())
	case moving && !state.Password.IsNull():
		// password just left the configuration; it is still the user's.
		p.Set(opentact.FieldPassword, state.Password.ValueString())
	}
	for _, f := range optionalFields {
		want, have := f.value(&plan.sipUserFields), f.value(&state.sipUserFields)
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

// createErrorDetail is the summary and detail of a failed create.
func createErrorDetail(err error, body opentact.CreateUserRequest) (string, string) {
	importHint := fmt.Sprintf("To manage it with Terraform, import it: terraform import ADDRESS %s/%s (or an import block with that id).", body.SIPConnectionUUID, body.Login)
	switch {
	case errors.Is(err, opentact.ErrConflict):
		return "Cannot create the SIP user", fmt.Sprintf("%s\n\nA SIP user with login %q already exists on SIP connection %s. Terraform does not take over existing users silently. %s",
			err, body.Login, body.SIPConnectionUUID, importHint)
	case errors.Is(err, opentact.ErrUnknownOutcome):
		return "SIP user creation outcome unknown", fmt.Sprintf("%s\n\nThe API may or may not have created the user, and looking it up did not settle it. Nothing was written to the state. "+
			"Before applying again, check SIP connection %s for login %q. If the user exists: %s", err, body.SIPConnectionUUID, body.Login, importHint)
	}
	return "Cannot create the SIP user", err.Error()
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
// Create and Update keep what the plan said (keepPlannedFacts), so a
// connection renamed between plan and apply cannot break the apply; the
// next refresh shows the new name.
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

// keepPlannedFacts restores the computed attributes the plan already knew:
// Terraform requires an apply to produce what the plan promised.
func (m *sipUserResourceModel) keepPlannedFacts(planned sipUserResourceModel) {
	keep := func(dst *types.String, plannedValue types.String) {
		if !plannedValue.IsUnknown() && !plannedValue.IsNull() {
			*dst = plannedValue
		}
	}
	keep(&m.ID, planned.ID)
	keep(&m.SIPConnectionName, planned.SIPConnectionName)
	keep(&m.AccountUUID, planned.AccountUUID)
	if !planned.CreatedOn.IsUnknown() && !planned.CreatedOn.IsNull() {
		m.CreatedOn = planned.CreatedOn
	}
}

type sipUserIdentityModel struct {
	ID types.String `tfsdk:"id"`
}
