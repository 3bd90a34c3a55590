package provider

import (
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// The attributes of a SIP user that the resource and both data sources
// share, their validation as the OpenTact API documents it (where the vendor's
// page contradicts itself, the decisions on the provider's index page), and the mapping
// from the API's answer. Secrets (ha1, ha1b, created_by, modified_by) have
// no place here.

var (
	uuidRegexp  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	phoneRegexp = regexp.MustCompile(`^\+?[0-9]{2,16}$`)
	emailRegexp = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	urlRegexp   = regexp.MustCompile(`^https?://[^/\s]+\S*$`)
)

// genders is the API's enum, exact spelling and case.
var genders = []string{
	"Agender", "Androgyne", "Androgynous", "Bigender", "Cis", "Cisgender", "Cis Female", "Cis Male",
	"Cis Man", "Cis Woman", "Cisgender Female", "Cisgender Male", "Cisgender Man", "Cisgender Woman",
	"Female to Male", "FTM", "Gender Fluid", "Gender Nonconforming", "Gender Questioning",
	"Gender Variant", "Genderqueer", "Intersex", "Male to Female", "MTF", "Neither", "Neutrois",
	"Non-binary", "Other", "Pangender", "Trans", "Trans Female", "Trans Male", "Trans Man",
	"Trans Person", "Trans Woman", "Transfeminine", "Transgender", "Transgender Female",
	"Transgender Male", "Transgender Man", "Transgender Person", "Transgender Woman",
	"Transmasculine", "Transsexual", "Transsexual Female", "Transsexual Male", "Transsexual Man",
	"Transsexual Person", "Transsexual Woman", "Two-Spirit",
}

// optionalField is one optional, clearable attribute of a SIP user. The
// table below drives the schemas, the create body, the PATCH and the
// reading of an answer: a new optional field is a row here, a field of
// sipUserFields, and the client's opentact.OptionalFields. Lengths count
// characters, as the API does, not bytes.
type optionalField struct {
	name        string
	api         opentact.Field
	description string
	validators  []validator.String
	rfc3339     bool
	// field is the attribute in a model.
	field func(*sipUserFields) *types.String
}

// customType is the attribute's type, when it is not a plain string.
func (f optionalField) customType() basetypes.StringTypable {
	if f.rfc3339 {
		return dateTimeType{}
	}
	return nil
}

var optionalFields = []optionalField{
	{name: "first_name", api: opentact.FieldFirstName, description: "First name, 1 to 24 characters.",
		validators: []validator.String{stringvalidator.UTF8LengthBetween(1, 24)},
		field:      func(f *sipUserFields) *types.String { return &f.FirstName }},
	{name: "last_name", api: opentact.FieldLastName, description: "Last name, 1 to 24 characters.",
		validators: []validator.String{stringvalidator.UTF8LengthBetween(1, 24)},
		field:      func(f *sipUserFields) *types.String { return &f.LastName }},
	{name: "email", api: opentact.FieldEmail, description: "E-mail address, 6 to 80 characters.",
		validators: []validator.String{stringvalidator.UTF8LengthBetween(6, 80), stringvalidator.RegexMatches(emailRegexp, "must be an e-mail address such as alice@example.com")},
		field:      func(f *sipUserFields) *types.String { return &f.Email }},
	{name: "phone_number", api: opentact.FieldPhoneNumber, description: "Phone number: 3 to 16 characters, digits with an optional leading `+` (sent to the API as a string).",
		validators: []validator.String{stringvalidator.UTF8LengthBetween(3, 16), stringvalidator.RegexMatches(phoneRegexp, "must be digits with an optional leading +, such as +4930123456")},
		field:      func(f *sipUserFields) *types.String { return &f.PhoneNumber }},
	{name: "avatar", api: opentact.FieldAvatar, description: "URL of the user's picture, 10 to 255 characters.",
		validators: []validator.String{stringvalidator.UTF8LengthBetween(10, 255), stringvalidator.RegexMatches(urlRegexp, "must be an http:// or https:// URL")},
		field:      func(f *sipUserFields) *types.String { return &f.Avatar }},
	{name: "dob", api: opentact.FieldDOB, rfc3339: true, description: "Date of birth as an RFC 3339 date-time, such as `1990-04-01T00:00:00Z`. A value the API returns in another offset but at the same instant is not a change.",
		field: func(f *sipUserFields) *types.String { return &f.DOB.StringValue }},
	{name: "gender", api: opentact.FieldGender, description: "One of the API's 50 values, exact spelling and case: `" + strings.Join(genders, "`, `") + "`.",
		validators: []validator.String{genderValidator{}},
		field:      func(f *sipUserFields) *types.String { return &f.Gender }},
	{name: "remote_ip", api: opentact.FieldRemoteIP, description: "Remote SIP service IP: a dotted IPv4 address.",
		validators: []validator.String{ipv4Validator{}},
		field:      func(f *sipUserFields) *types.String { return &f.RemoteIP }},
}

// sipUserFields is the part of every SIP user model that mirrors the API.
type sipUserFields struct {
	SIPConnectionUUID types.String      `tfsdk:"sip_connection_uuid"`
	Login             types.String      `tfsdk:"login"`
	FirstName         types.String      `tfsdk:"first_name"`
	LastName          types.String      `tfsdk:"last_name"`
	Email             types.String      `tfsdk:"email"`
	PhoneNumber       types.String      `tfsdk:"phone_number"`
	Avatar            types.String      `tfsdk:"avatar"`
	DOB               dateTime          `tfsdk:"dob"`
	Gender            types.String      `tfsdk:"gender"`
	RemoteIP          types.String      `tfsdk:"remote_ip"`
	CreatedOn         timetypes.RFC3339 `tfsdk:"created_on"`
	ModifiedOn        timetypes.RFC3339 `tfsdk:"modified_on"`
	SIPConnectionName types.String      `tfsdk:"sip_connection_name"`
	AccountUUID       types.String      `tfsdk:"account_uuid"`
}

// computedFieldDescriptions documents the read-only facts of a user.
var computedFieldDescriptions = map[string]string{
	"created_on":          "When the user was created (RFC 3339).",
	"modified_on":         "When the user was last changed (RFC 3339).",
	"sip_connection_name": "The name of the user's SIP connection.",
	"account_uuid":        "The uuid of the account that owns the user.",
}

// fromAPI fills the fields from an answer of the API; a value that cannot
// be read is an error.
func (f *sipUserFields) fromAPI(u *opentact.User) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, name := range f.readAPI(u) {
		unexpectedAnswer(name).addError(&diags)
	}
	return diags
}

// readAPI fills the fields from an answer of the API and returns the
// attributes whose value could not be read (left null). An RFC 3339 field
// keeps its prior spelling when the API's value is the same instant, so a
// configured "+02:00" offset does not diff against the API's UTC.
func (f *sipUserFields) readAPI(u *opentact.User) (unreadable []string) {
	f.SIPConnectionUUID = types.StringValue(u.SIPConnection.UUID)
	f.Login = types.StringValue(u.Login)
	for _, of := range optionalFields {
		dst, fresh := of.field(f), optionalValue(u.Fields[of.api])
		if of.rfc3339 {
			fresh = sameInstantOr(*dst, rfc3339Value(fresh, of.name, &unreadable))
		}
		*dst = fresh
	}
	f.CreatedOn = timetypes.RFC3339{StringValue: rfc3339Value(types.StringValue(u.CreatedOn), "created_on", &unreadable)}
	f.ModifiedOn = timetypes.RFC3339{StringValue: rfc3339Value(types.StringValue(u.ModifiedOn), "modified_on", &unreadable)}
	f.SIPConnectionName = types.StringValue(u.SIPConnection.Name)
	f.AccountUUID = types.StringValue(u.Account.UUID)
	return unreadable
}

// createRequest is the create call that makes the planned user.
func createRequest(plan sipUserResourceModel, wo types.String) opentact.CreateUserRequest {
	req := opentact.CreateUserRequest{
		SIPConnectionUUID: plan.SIPConnectionUUID.ValueString(),
		Login:             plan.Login.ValueString(),
		Password:          firstKnown(plan.Password, wo),
		Fields:            map[opentact.Field]string{},
	}
	for _, of := range optionalFields {
		if v := *of.field(&plan.sipUserFields); !v.IsNull() && !v.IsUnknown() {
			req.Fields[of.api] = v.ValueString()
		}
	}
	return req
}

// userPatch is the PATCH that turns the state into the plan: only the fields
// that differ, a removed optional field as null, and the password that the
// plan sends (passwords.sent).
func userPatch(plan, state sipUserResourceModel, wo types.String) opentact.UserPatch {
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
	pw := passwords{password: plan.Password, wo: wo, prior: state.Password, version: plan.PasswordWOVersion, priorVersion: state.PasswordWOVersion}
	if sent := pw.sent(moving); sent.attribute != "" {
		p.Set(opentact.FieldPassword, sent.value.ValueString())
	}
	for _, of := range optionalFields {
		want, have := *of.field(&plan.sipUserFields), *of.field(&state.sipUserFields)
		switch {
		case want.Equal(have):
		case want.IsNull():
			p.Clear(of.api)
		default:
			p.Set(of.api, want.ValueString())
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

// optionalValue maps an absent or empty API string to null: every optional
// field has a minimum length of 1, so "" can never have been configured.
func optionalValue(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// sameInstantOr keeps the prior value when the new one names the same
// instant in another spelling, and otherwise takes the new one.
func sameInstantOr(prior, fresh types.String) types.String {
	if prior.IsNull() || prior.IsUnknown() || fresh.IsNull() {
		return fresh
	}
	a, errA := time.Parse(time.RFC3339Nano, prior.ValueString())
	b, errB := time.Parse(time.RFC3339Nano, fresh.ValueString())
	if errA == nil && errB == nil && a.Equal(b) {
		return prior
	}
	return fresh
}

// rfc3339Value is v when it is null or an RFC 3339 date-time; otherwise
// name is added to unreadable and the value dropped.
func rfc3339Value(v types.String, name string, unreadable *[]string) types.String {
	if v.IsNull() || v.ValueString() == "" {
		return types.StringNull()
	}
	if _, err := time.Parse(time.RFC3339Nano, v.ValueString()); err != nil {
		*unreadable = append(*unreadable, name)
		return types.StringNull()
	}
	return v
}
