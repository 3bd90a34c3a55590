package provider

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// The plan logic of opentact_sip_user: what ModifyPlan checks and records
// before anything is applied (plan_checks_test.go and
// sip_user_plan_test.go test it).

// privateID is the planned-private key that holds the uuid of the user a
// plan starts from. Terraform hands the first plan's planned private to the
// create half of a replacement (-replace, replace_triggered_by), whose prior
// state is null: the plan checks read it to know that the login's holder is
// the user being replaced. It lives only in plans (Create starts with an
// empty private state; Update drops it first): in every resource's state it
// would grow the state Terraform rewrites after each change.
const privateID = "id"

// ModifyPlan records the prior uuid in the planned private state (see
// privateID), requires a password to create a user (an imported one may be
// managed without one), warns when a rename or move cannot send one, runs
// the plan checks, and checks the strength of a password it would send.
func (r *sipUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		r.planDelete(ctx, req)
		return
	}
	// Most plans change neither login, connection nor password: they read
	// nine attributes here and set the private id, nothing more (a plan of
	// 1,000 users runs this 1,000 times).
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
	var pw passwords
	resp.Diagnostics.Append(pw.read(ctx, req)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if (creating || !planned.login.Equal(prior.login)) && !usableLogin(planned.login, &resp.Diagnostics) {
		return // before the plan checks: no API call for a login no phone can use
	}
	if moving && known(planned) && !pw.wo.IsNull() && !pw.version.IsUnknown() && pw.version.Equal(pw.priorVersion) {
		// Known only at apply, the login is checked by the apply's own plan,
		// before anything is sent.
		renameNeedsNewVersion(priorID.ValueString(), planned.login.ValueString()).addPlanError(&resp.Diagnostics)
		return
	}
	if !creating && digestsChanged(ctx, req.Private) {
		warnDigestsChanged(priorID.ValueString(), prior.login.ValueString(), pw, &resp.Diagnostics)
	}
	if creating || moving {
		r.planLoginChange(ctx, req, resp, planned, prior, priorID, pw)
	}
	if !resp.Diagnostics.HasError() {
		r.checkStrength(ctx, req, pw.sent(moving), planned, &resp.Diagnostics)
	}
	if moving && known(planned) && r.data != nil && !resp.Diagnostics.HasError() {
		// Every check of the change passed: it counts as a hand-over.
		r.data.handovers.passed(prior.key(), priorID.ValueString())
	}
}

// planDelete records a user that this plan deletes (a destroy, or a
// resource gone from the configuration), for the plan check of a login it
// holds.
func (r *sipUserResource) planDelete(ctx context.Context, req resource.ModifyPlanRequest) {
	if req.State.Raw.IsNull() || r.data == nil {
		return
	}
	var id types.String
	if !req.State.GetAttribute(ctx, path.Root("id"), &id).HasError() && id.ValueString() != "" {
		r.data.handovers.delete(id.ValueString())
	}
}

// loginMarks are the marks RFC 3261 allows unescaped in a SIP URI's user
// part, besides ASCII letters and digits (unreserved and user-unreserved).
const loginMarks = "-_.!~*'()&=+$,;?/"

// usableLogin checks a login that a plan creates or renames onto: the
// user part of a SIP URI allows only what loginAllowed names unescaped. An
// unknown login is checked by the apply's own plan; a login the API
// already holds is never checked (imports, data sources and plans that
// keep it work).
func usableLogin(login types.String, diags *diag.Diagnostics) bool {
	if login.IsNull() || login.IsUnknown() {
		return true
	}
	for i, r := range []rune(login.ValueString()) {
		alphanum := r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if !alphanum && !strings.ContainsRune(loginMarks, r) {
			loginNotUsable(login.ValueString(), r, i+1).addPlanError(diags, path.Root("login"))
			return false
		}
	}
	return true
}

// warnDigestsChanged says, for a user whose digests a refresh found changed
// outside Terraform, what this plan does about it: with password, it sends
// the configured one again (unless ignore_changes keeps the prior value);
// with password_wo nothing is sent until password_wo_version changes.
func warnDigestsChanged(id, login string, pw passwords, diags *diag.Diagnostics) {
	switch {
	case !pw.password.IsNull() && !pw.password.Equal(pw.prior):
		passwordChangedOutside(id, login, false).addWarning(diags, path.Root("password"))
	case !pw.wo.IsNull() && pw.version.Equal(pw.priorVersion):
		passwordChangedOutside(id, login, true).addWarning(diags, path.Root("password_wo_version"))
	}
}

// planLoginChange is the plan of a create, rename or move: a password to
// create with or to send along, the hand-over of the old login, and the
// plan checks.
func (r *sipUserResource) planLoginChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, planned, prior userKey, priorID types.String, pw passwords) {
	creating := req.State.Raw.IsNull()
	noPassword := pw.password.IsNull() && pw.wo.IsNull()
	if creating && noPassword {
		missingPassword().addPlanError(&resp.Diagnostics, path.Root("password_wo"))
		return
	}
	if !creating && noPassword && pw.prior.IsNull() {
		phonesNeedPassword(priorID.ValueString()).addWarning(&resp.Diagnostics, path.Root("login"))
	}
	if r.data == nil {
		return
	}
	self := priorID.ValueString()
	if creating {
		self = priorUserID(ctx, req.Private)
	}
	if known(planned) && !r.data.claims.claim(planned.key(), self) {
		loginTwice(planned.login.ValueString(), planned.connection.ValueString()).addPlanError(&resp.Diagnostics, path.Root("login"))
		return
	}
	if !creating && known(planned) {
		r.data.handovers.intend(prior.key(), priorID.ValueString(), planned.key())
	}
	if r.data.planChecks {
		r.checkLogin(ctx, planned, prior, self, &resp.Diagnostics)
	}
}

// passwords is what a plan knows of a user's password: the configured
// password and password_wo, the state's password, and the planned and
// prior password_wo_version.
type passwords struct {
	password, wo, prior   types.String
	version, priorVersion types.Int64
}

func (p *passwords) read(ctx context.Context, req resource.ModifyPlanRequest) diag.Diagnostics {
	diags := req.Config.GetAttribute(ctx, path.Root("password"), &p.password)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &p.wo)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("password_wo_version"), &p.version)...)
	if !req.State.Raw.IsNull() {
		diags.Append(req.State.GetAttribute(ctx, path.Root("password"), &p.prior)...)
		diags.Append(req.State.GetAttribute(ctx, path.Root("password_wo_version"), &p.priorVersion)...)
	}
	return diags
}

// sentPassword is a password a plan sends, and the attribute it comes from.
type sentPassword struct {
	value     types.String
	attribute string // "" when no password is sent
}

// sent is the password that a create or update sends (see userPatch): a
// changed password; password_wo when its version changes; and with a
// rename or move (moving), whichever the provider knows, since the SIP
// digests derive from login, connection and password.
func (p passwords) sent(moving bool) sentPassword {
	switch {
	case !p.password.IsNull() && (moving || !p.password.Equal(p.prior)):
		return sentPassword{p.password, "password"}
	case !p.wo.IsNull() && (moving || !p.version.Equal(p.priorVersion)):
		return sentPassword{p.wo, "password_wo"}
	case moving && !p.prior.IsNull():
		// password just left the configuration; it is still the user's.
		return sentPassword{p.prior, "password"}
	}
	return sentPassword{}
}

// checkStrength flags a weak password the plan would send, by the
// provider's password_policy: a warning or an error on its attribute. A
// value unknown at plan is not checked: failing in the middle of an apply
// helps no one.
func (r *sipUserResource) checkStrength(ctx context.Context, req resource.ModifyPlanRequest, sent sentPassword, planned userKey, diags *diag.Diagnostics) {
	if r.data == nil || r.data.passwordPolicy == policyOff || sent.attribute == "" {
		return
	}
	if sent.value.IsUnknown() {
		// Checked by the apply's own plan; but the create half of a
		// replacement is planned again only after the old user is deleted.
		if r.data.passwordPolicy == policyEnforce && req.State.Raw.IsNull() && priorUserID(ctx, req.Private) != "" {
			unknownPasswordReplaces().addPlanError(diags, path.Root(sent.attribute))
		}
		return
	}
	var hints []string
	for _, name := range []string{"first_name", "last_name", "email"} {
		var v types.String
		diags.Append(req.Plan.GetAttribute(ctx, path.Root(name), &v)...)
		if !v.IsNull() && !v.IsUnknown() {
			hints = append(hints, v.ValueString())
		}
	}
	w := passwordWeakness(sent.value.ValueString(), planned.login.ValueString(), hints)
	switch {
	case w == notWeak:
	case r.data.passwordPolicy == policyEnforce:
		weakPassword(w, true).addPlanError(diags, path.Root(sent.attribute))
	default:
		weakPassword(w, false).addWarning(diags, path.Root(sent.attribute))
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

// key is the login on its connection.
func (k userKey) key() loginKey {
	return loginKey{connection: k.connection.ValueString(), login: k.login.ValueString()}
}

// known reports whether both parts of k are known at plan time.
func known(k userKey) bool { return !k.login.IsUnknown() && !k.connection.IsUnknown() }

// checkLogin is the plan check of a login about to be taken: the SIP
// connection must exist and no user but self may hold the login, unless a
// plan of this process gives it up (see handovers). A refused token or an
// API that cannot be reached fails the plan; another failed lookup only
// warns, since the apply still reports a conflict.
func (r *sipUserResource) checkLogin(ctx context.Context, planned, prior userKey, self string, diags *diag.Diagnostics) {
	if !known(planned) {
		return
	}
	connection, login := planned.connection.ValueString(), planned.login.ValueString()
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	holder, checked, err := r.client.LoginHolder(ctx, connection, login)
	switch {
	case !checked:
	case errors.Is(err, opentact.ErrNotFound):
		connectionNotFound(connection, err, r.client.BaseURL()).addPlanError(diags, path.Root("sip_connection_uuid"))
	case err != nil:
		r.checkFailed(connection, err, diags)
	case holder == nil || holder.UUID == self:
	default:
		r.checkHolder(planned, prior, holder.UUID, diags)
	}
}

// checkHolder is the plan check of a login that another user holds: it
// passes when a plan of this process hands the login on, its own checks
// passed; a swap or a longer rotation, which cannot happen in one apply,
// fails; a hand-over still being planned wants depends_on.
func (r *sipUserResource) checkHolder(planned, prior userKey, holder string, diags *diag.Diagnostics) {
	connection, login := planned.connection.ValueString(), planned.login.ValueString()
	state := r.data.handovers.of(planned.key(), holder)
	var cycle []loginKey
	if state != notHandedOver && !prior.connection.IsNull() {
		cycle = r.data.handovers.cycle(planned.key(), prior.key())
	}
	switch {
	case len(cycle) == 1:
		loginSwap(holder, login, connection).addPlanError(diags, path.Root("login"))
	case len(cycle) > 1:
		loginRotation(prior.key(), cycle).addPlanError(diags, path.Root("login"))
	case state == handedOver:
	case state == intended:
		loginHandedOnUnordered(holder, login, connection).addPlanError(diags, path.Root("login"))
	case r.data.handovers.deletes(holder):
		loginHeldByDeleted(holder, login, connection, !prior.connection.IsNull()).addPlanError(diags, path.Root("login"))
	default:
		loginTaken(holder, login, connection, !prior.connection.IsNull()).addPlanError(diags, path.Root("login"))
	}
}

// checkFailed reports a plan check that could not be made: an error when
// the API refused the token or cannot be reached (the plan cannot be
// trusted), once for the whole plan; otherwise a warning, once per
// connection.
func (r *sipUserResource) checkFailed(connection string, err error, diags *diag.Diagnostics) {
	var apiErr *opentact.APIError
	errors.As(err, &apiErr)
	switch {
	case apiErr != nil && apiErr.Enveloped && errors.Is(err, opentact.ErrAuth):
		if _, said := r.data.skipWarned.LoadOrStore(planRefused, true); !said {
			tokenRefused(apiErr.Status, connection, r.data.tokenFromEnv).addPlanError(diags)
		}
	case errors.Is(err, opentact.ErrUnreachable) || errors.Is(err, opentact.ErrCertificate):
		if _, said := r.data.skipWarned.LoadOrStore(planRefused, true); !said {
			apiUnreachable(err).addPlanError(diags)
		}
	default:
		if _, warned := r.data.skipWarned.LoadOrStore(connection, true); !warned {
			loginCheckSkipped(connection, err).addWarning(diags)
		}
	}
}

// planRefused is the key of skipWarned under which a plan check's error
// that concerns every connection is reported, once.
const planRefused = "\x00refused"

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
	passwordWONeedsCLI().addError(&resp.Diagnostics, path.Root("password_wo"))
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
