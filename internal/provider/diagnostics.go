package provider

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// Every sentence the provider shows a user is written here: the summary and
// detail of each diagnostic, with the settings, commands and remedies it
// names. The client (internal/opentact) returns data; the code elsewhere
// decides which text applies.

// text is one diagnostic's words.
type text struct{ summary, detail string }

// addError adds t as an error, on the attribute at when one is given.
func (t text) addError(diags *diag.Diagnostics, at ...path.Path) {
	if len(at) > 0 {
		diags.AddAttributeError(at[0], t.summary, t.detail)
		return
	}
	diags.AddError(t.summary, t.detail)
}

// addPlanError adds t as an error of a plan, on the attribute at when one
// is given. Terraform's destroy refreshes with a normal plan first
// (whenever the state is not empty), which such an error stops, and a
// provider cannot tell that plan from another; so the error says how to
// destroy anyway.
func (t text) addPlanError(diags *diag.Diagnostics, at ...path.Path) {
	t.detail += "\n\nTo destroy this configuration anyway: terraform destroy -refresh=false."
	t.addError(diags, at...)
}

// moreInGuide ends a message that leaves remedies to the troubleshooting
// guide, whose entry is keyed by the message's summary.
const moreInGuide = "More in the troubleshooting guide, %q."

// more is t ending with the pointer to the guide's entry for it.
func (t text) more() text {
	t.detail += " " + fmt.Sprintf(moreInGuide, t.summary)
	return t
}

// addWarning adds t as a warning, on the attribute at when one is given.
func (t text) addWarning(diags *diag.Diagnostics, at ...path.Path) {
	if len(at) > 0 {
		diags.AddAttributeWarning(at[0], t.summary, t.detail)
		return
	}
	diags.AddWarning(t.summary, t.detail)
}

// operationTime is the time limit of the operation a call belongs to, as a
// user would change it: the resource's timeouts block, or a fixed limit.
type operationTime struct {
	setting string // e.g. `timeouts { create = "5m" }`; "" for a fixed limit
	limit   time.Duration
}

// timeoutsOf is the operation time of a resource operation (create, read,
// update or delete) bounded by limit.
func timeoutsOf(operation string, limit time.Duration) operationTime {
	return operationTime{setting: fmt.Sprintf("timeouts { %s = %q }", operation, shortDuration(limit)), limit: limit}
}

// shortDuration writes a duration as a user would: "5m", not "5m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fixedTime is the operation time of a data source or list resource read.
var fixedTime = operationTime{limit: defaultReadTimeout}

// Validators' sentences: the attribute, what is allowed, what was given.

func invalidValue(summary string, at path.Path, allowed, got string) text {
	return text{summary, fmt.Sprintf("Attribute %s %s, got %q.", at, allowed, got)}
}

const (
	ipv4Allowed     = "value must be a dotted IPv4 address such as 192.0.2.10"
	durationAllowed = `value must be a positive duration such as "30s" or "2m"`
)

func notDateTime(at path.Path, got, meant string) text {
	detail := fmt.Sprintf("Attribute %s must be an RFC 3339 date-time, a date and a time with its offset, such as 1990-04-01T00:00:00Z; got %q.", at, got)
	if meant != "" {
		detail += fmt.Sprintf(" Write %q.", meant)
	}
	return text{"Invalid date-time", detail}
}

// genderDocs is where the gender values are listed. Not a URL: the Registry
// page is not published yet, and a relative link means nothing in a
// terminal; the page's name holds wherever the docs are read (the Registry
// once published, docs/ in the provider's source).
const genderDocs = "under gender in the opentact_sip_user resource's documentation (docs/resources/sip_user.md in the provider's source)"

// maxWordGenders is how many values with the word a message names.
const maxWordGenders = 6

func notAGender(at path.Path, got, meant string, withWord []string) text {
	switch {
	case meant != "":
		return text{"Invalid gender", fmt.Sprintf("Attribute %s is %q, which is not one of the API's gender values (they are spelled exactly): did you mean %q?", at, got, meant)}
	case len(withWord) > 0:
		named := make([]string, 0, maxWordGenders+1)
		for _, g := range withWord[:min(len(withWord), maxWordGenders)] {
			named = append(named, fmt.Sprintf("%q", g))
		}
		list := strings.Join(named, ", ")
		if len(withWord) > maxWordGenders {
			list += fmt.Sprintf(", … (%d in all)", len(withWord))
		}
		return text{"Invalid gender", fmt.Sprintf("Attribute %s is %q, which is not one of the API's gender values (they are spelled exactly). "+
			"Values with that word: %s. The full list is %s.", at, got, list, genderDocs)}
	}
	return text{"Invalid gender", fmt.Sprintf("Attribute %s is %q, which is not one of the API's 50 gender values, and none is close to it or holds it as a word. "+
		"They are listed, spelled exactly, %s.", at, got, genderDocs)}
}

// Provider configuration.

func unknownSetting(name string) text {
	return text{"Unknown OpenTact provider setting", fmt.Sprintf("The provider cannot be configured because %s is not known until apply. "+
		"Set it to a value known at plan time, or use the %s and %s environment variables.", name, envBaseURL, envToken)}
}

// settingSource says where a setting's value came from.
func settingSource(attribute, env string, fromEnv bool) string {
	if fromEnv {
		return "The " + env + " environment variable"
	}
	return "The provider's " + attribute
}

func invalidBaseURL(err *opentact.BaseURLError, fromEnv bool) text {
	source := settingSource("base_url", envBaseURL, fromEnv)
	var why string
	switch err.Problem {
	case opentact.PlainHTTP:
		why = "uses plain http to a non-loopback host: the API token would cross the network in clear text. Use https (http is allowed only for 127.0.0.0/8, ::1 and localhost, such as the bundled emulator)."
	case opentact.HasCredentials:
		why = "contains credentials. Remove them: the provider authenticates with the API token."
	case opentact.HasQuery:
		why = "has a query or fragment. Use the API's address alone, such as " + opentact.DefaultBaseURL + "."
	case opentact.BadScheme:
		why = "must start with https://, such as " + opentact.DefaultBaseURL + "."
	default:
		why = "is not an absolute URL such as " + opentact.DefaultBaseURL + "."
	}
	return text{"Invalid OpenTact base URL", fmt.Sprintf("%s is %q, which %s", source, err.Value, why)}
}

func missingToken() text {
	return text{"Missing OpenTact API token", "The provider needs an API token. Set the " + envToken + " environment variable, " +
		"or set token in the provider block from a variable declared with ephemeral = true (Terraform 1.10 and later, OpenTofu 1.11 and later), " +
		"so that the token is kept out of plan files."}
}

func expiredToken(err *opentact.ExpiredTokenError, fromEnv bool) text {
	return text{"Expired OpenTact API token", fmt.Sprintf("%s holds an API token that expired at %s. No call was made. "+
		"Issue a new token in the OpenTact portal and set it there.", settingSource("token", envToken, fromEnv), err.At.Format(time.RFC3339))}
}

func invalidEnv(name, value, want string) text {
	return text{"Invalid " + name, fmt.Sprintf("The %s environment variable is %q; it must be %s.", name, value, want)}
}

func caNotPEM() text {
	return text{"Invalid OpenTact CA certificate", "ca_certificate holds no PEM certificate. Set it to the CA's certificate in PEM form, " +
		"the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE----- (for example with file(\"ca.pem\"))."}
}

func caFileUnreadable(file string, err error) text {
	why := "cannot be read"
	var pathErr *os.PathError
	switch {
	case errors.Is(err, os.ErrNotExist):
		why = "does not exist"
	case errors.Is(err, os.ErrPermission):
		why = "cannot be read: permission denied"
	case errors.As(err, &pathErr):
		why = "cannot be read: " + pathErr.Err.Error() // the error of the call, never the content
	}
	return text{"Invalid OpenTact CA certificate", fmt.Sprintf("The %s environment variable names %q, which %s. "+
		"Set it to the path of the CA's certificate in PEM form, or unset it.", envCACertificateFile, file, why)}
}

func caFileNotPEM(file string) text {
	return text{"Invalid OpenTact CA certificate", fmt.Sprintf("The %s environment variable names %q, which holds no PEM certificate. "+
		"Set it to the path of the CA's certificate in PEM form, the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.", envCACertificateFile, file)}
}

func cannotConfigure(err error) text {
	return text{"Cannot configure the OpenTact provider", err.Error()}
}

func unexpectedData(data any) text {
	return text{"Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data)}
}

// Plan.

func missingPassword() text {
	return text{"Missing SIP password", "A new SIP user needs a password. Set password_wo and password_wo_version (Terraform 1.11 and later, OpenTofu 1.11 and later; never stored in state), " +
		"or password (stored in state, marked sensitive). To manage an existing user without changing its password, import it instead."}
}

func passwordChangedOutside(id, login string, writeOnly bool) text {
	what := fmt.Sprintf("The SIP digests of user %s (login %q) changed outside Terraform: its password (or login, or realm) was set elsewhere. ", id, login)
	if writeOnly {
		return text{"SIP password changed outside Terraform", what + "Nothing is sent for it until password_wo_version changes: " +
			"raise password_wo_version to send password_wo again."}.more()
	}
	return text{"SIP password changed outside Terraform", what + "This plan sends the configured password again; " +
		"to keep the one set outside, add password to the resource's lifecycle ignore_changes."}.more()
}

func renameNeedsNewVersion(id, login string) text {
	return text{"New password_wo_version needed", fmt.Sprintf("This plan renames or moves SIP user %s to login %q, which needs the password again (the API keeps only digests of it, "+
		"derived from the login), and password_wo is not in the state. Raise password_wo_version in the same change, "+
		"with password_wo set to the password your secret store (and the phone) holds.", id, login)}.more()
}

func phonesNeedPassword(id string) text {
	return text{"SIP phones may need a new password", fmt.Sprintf("SIP user %s changes its login or SIP connection, and this configuration has no password to send with the change: "+
		"its SIP digests cannot follow, so phones registered as this user may fail to register. "+
		"Set password_wo and password_wo_version (or password) to send one with the change.", id)}.more()
}

func passwordWONeedsCLI() text {
	return text{"password_wo needs Terraform 1.11 or OpenTofu 1.11, or later", "This CLI does not support write-only arguments, which Terraform 1.11 and OpenTofu 1.11 introduced. " +
		"Upgrade to Terraform 1.11 or later (or OpenTofu 1.11 or later), or set the password with the `password` argument instead (stored in state, marked sensitive)."}
}

// loginAllowed is what RFC 3261 allows unescaped in a SIP URI's user part.
const loginAllowed = "ASCII letters and digits and " + loginMarks

func loginNotUsable(got string, bad rune, at int) text {
	what := fmt.Sprintf("%q", bad)
	switch {
	case bad == ' ':
		what = "a space"
	case bad == '\t':
		what = "a tab"
	case unicode.IsSpace(bad):
		what = fmt.Sprintf("white space (U+%04X)", bad)
	case unicode.IsControl(bad):
		what = fmt.Sprintf("a control character (U+%04X)", bad)
	}
	where := fmt.Sprintf("at character %d", at)
	if at == utf8.RuneCountInString(got) {
		where = "at the end"
	}
	return text{"Login not usable by SIP phones", fmt.Sprintf("Attribute login is %q, which has %s %s. "+
		"A phone sends the login as the user part of its SIP URI (sip:login@domain) and in its digest (login:realm:password), "+
		"where only %s are allowed unescaped. Choose a login of those characters.", got, what, where, loginAllowed)}.more()
}

func connectionNotFound(connection string, err error, baseURL string) text {
	return text{"SIP connection not found", noSuchConnection(connection, err, baseURL)}
}

// noSuchConnection is the account of the API's 404 to the list call of a
// connection: it names both readings, a missing connection and a base_url
// whose path the API does not serve, with the URL that was called.
func noSuchConnection(connection string, err error, baseURL string) string {
	called, said := "", ""
	var apiErr *opentact.APIError
	if errors.As(err, &apiErr) {
		called, said = apiErr.URL, apiErr.Message
		if baseURL == "" {
			baseURL = strings.TrimSuffix(apiErr.URL, apiErr.Path)
		}
	}
	detail := fmt.Sprintf("The API answered 404 to listing the users of SIP connection %s", connection)
	if called != "" {
		detail += " (GET " + called + ")"
	}
	if said != "" {
		detail += fmt.Sprintf(": %q", said)
	}
	return detail + fmt.Sprintf(".\n\nThere is no SIP connection %s, or this token's account cannot see it: check the uuid. "+
		"Or base_url (%s) is not the API's address: the provider appends /rest/sip/... to base_url, and the API's base URL has no path, such as %s.", connection, baseURL, opentact.DefaultBaseURL)
}

// baseURLHasPath warns of a base_url with a path: the API's has none.
func baseURLHasPath(value, path string, fromEnv bool) text {
	base := strings.TrimRight(value, "/")
	return text{"OpenTact base URL has a path", fmt.Sprintf("%s is %q, which has the path %q. The provider appends the API's paths to it: "+
		"a create would go to %s/rest/sip/connection/user, and the list of a connection to %s/rest/sip/connection/<uuid>/users. "+
		"The OpenTact API's base URL has no path (%s). Unless a gateway serves the API under %s, remove the path.",
		settingSource("base_url", envBaseURL, fromEnv), value, path, base, base, opentact.DefaultBaseURL, path)}
}

func loginCheckSkipped(connection string, err error) text {
	return text{"Login check skipped", fmt.Sprintf("The plan could not check the logins of new SIP users on SIP connection %s against the API, because listing its users failed: %s\n\n"+
		"The plan goes on; a login that is taken still fails at apply.%s", connection, err, remedyOf(err, fixedTime))}
}

// loginTaken is the plan check of a login another user holds, which no
// plan of this process was seen giving up: depends_on, moved blocks, swaps
// and taint are the guide's. A rename or move is not advised to import: the
// holder is most often a user of this configuration.
func loginTaken(holder, login, connection string, renaming bool) text {
	held := fmt.Sprintf("SIP user %s already has login %q on SIP connection %s, so this apply would fail. ", holder, login, connection)
	if renaming {
		return text{"SIP login already taken", held + "Choose another login."}.more()
	}
	return text{"SIP login already taken", held + holderRemedy(holder, login, connection)}.more()
}

// holderRemedy is what to do about a user who holds the login a create
// wants. The provider cannot always see whether that user is in this
// configuration's state (a resource renamed without a moved block: its old
// address is planned for deletion, perhaps after this check), and importing
// it then makes the plan delete it; so the remedy turns on what the state
// says, which the user can check.
func holderRemedy(holder, login, connection string) string {
	return fmt.Sprintf("If terraform state list -id=%s shows no address, import it: terraform import ADDRESS %s/%s, or choose another login. "+
		"If it shows one, that resource is this user: add a moved block from that address to this one.", holder, connection, login)
}

// loginHeldByDeleted is the plan check of a login whose holder this plan
// deletes: for a create, most often the same user at a new address, which
// importing would destroy.
func loginHeldByDeleted(holder, login, connection string, renaming bool) text {
	held := fmt.Sprintf("SIP user %s has login %q on SIP connection %s, and this plan deletes it: nothing orders that delete before this change. ", holder, login, connection)
	if renaming {
		return text{"SIP login held by a user this plan deletes", held + "Apply the delete first, or choose another login."}.more()
	}
	return text{"SIP login held by a user this plan deletes", held +
		"If this resource is that user at a new address, add a moved block from its old address to this one. To make a new user with the login instead, apply the delete first."}.more()
}

func loginTwice(login, connection string) text {
	return text{"SIP login taken twice in this configuration", fmt.Sprintf("Another resource of this configuration also creates or renames a user onto login %q on SIP connection %s: "+
		"logins are unique on a connection, so the apply would make one of them and fail the other. Give each resource its own login.", login, connection)}
}

func loginSwap(holder, login, connection string) text {
	return text{"SIP logins swapped in one apply", fmt.Sprintf("SIP user %s gives login %q on SIP connection %s up in this plan, but takes this resource's current login in exchange: "+
		"a swap cannot happen in one apply, since each login is held until the other is free. "+
		"Rename one of the two to a temporary login and apply, then apply the rest.", holder, login, connection)}.more()
}

func loginRotation(mine loginKey, cycle []loginKey) text {
	logins := make([]string, 0, len(cycle)+1)
	for _, k := range append([]loginKey{mine}, cycle...) {
		logins = append(logins, fmt.Sprintf("%q", k.login))
	}
	return text{"SIP logins rotated in one apply", fmt.Sprintf("This plan passes logins %s round among %d users, each taking the next one's login: "+
		"a rotation cannot happen in one apply, since each login is held until the next is free. "+
		"Rename one of them to a temporary login and apply, then apply the rest.", strings.Join(logins, ", "), len(logins))}.more()
}

func loginHandedOnUnordered(holder, login, connection string) text {
	return text{"SIP login handed on without depends_on", fmt.Sprintf("SIP user %s gives login %q on SIP connection %s up in this plan, but nothing orders this resource after that change, "+
		"so the apply may try to take the login while it is still held. Add depends_on = [<the resource whose id is %s>] to this resource.", holder, login, connection, holder)}
}

func tokenRefused(status int, connection string, fromEnv bool) text {
	source := "the provider's token"
	if fromEnv {
		source = "the " + envToken + " environment variable"
	}
	detail := fmt.Sprintf("The API refused the token from %s (HTTP %d) when the plan listed the users of SIP connection %s to check new logins, "+
		"so this plan cannot be trusted: its apply would fail the same way. Set a current token of the account that owns the connection.", source, status, connection)
	if status == 403 {
		detail = fmt.Sprintf("The API refused the token from %s (HTTP 403) when the plan listed the users of SIP connection %s to check new logins: "+
			"the token is not valid, or it has no access to that connection. This plan cannot be trusted: its apply would fail the same way. "+
			"Set a current token of the account that owns the connection, or check the connection's uuid.", source, connection)
	}
	return text{"OpenTact API token refused", detail}
}

func apiUnreachable(err error) text {
	if errors.Is(err, opentact.ErrCertificate) {
		// Trusting the CA is the fix; turning the check off would only
		// move the same failure to apply.
		return text{"OpenTact API certificate not accepted", fmt.Sprintf("The plan could not check new logins: the TLS handshake with the API failed on its certificate: %s%s",
			err, remedyOf(err, fixedTime))}
	}
	return text{"OpenTact API unreachable", fmt.Sprintf("The plan could not reach the API to check new logins: %s%s "+
		"To plan without the API, set plan_checks = false in the provider block.", err, remedyOf(err, fixedTime))}.more()
}

func unknownPasswordReplaces() text {
	return text{"SIP password unknown until apply", "This user is replaced, and its new password is known only at apply. With password_policy = \"enforce\" the apply checks it " +
		"only once the old user may be deleted, so a weak password could leave no user at all. Give the password a value known at plan " +
		"(or, to replace it as it is, set password_policy = \"warn\" for this apply)."}
}

// strengthGuide ends a weak-password message: the why of the strength bar
// is too long to repeat in every warning.
const strengthGuide = `More in the password guide, "SIP password strength and toll fraud".`

func weakPassword(w weakness, enforced bool) text {
	why := map[weakness]string{
		tooShort:      "it is shorter than 12 characters",
		containsLogin: "it contains the user's login",
		commonPattern: "it follows a common pattern (words, names, dates, keyboard rows or repeats)",
	}[w]
	detail := "This SIP password is easy to guess: " + why + ". Guessed SIP passwords are how toll fraud starts: " +
		"use a generated password of 16 or more characters, fed to password_wo from an ephemeral variable."
	if enforced {
		return text{"Weak SIP password", detail + " The provider's password_policy is \"enforce\", so the plan stops here. " + strengthGuide}
	}
	return text{"Weak SIP password", detail + " To make this an error, set the provider's password_policy = \"enforce\". " + strengthGuide}
}

// Apply.

func createFailed(err error, req opentact.CreateUserRequest, handedOn bool, op operationTime) text {
	importHint := fmt.Sprintf("terraform import ADDRESS %s/%s (or an import block with that id)", req.SIPConnectionUUID, req.Login)
	var foreign *opentact.ForeignHolderError
	switch {
	case errors.As(err, &foreign):
		return text{"Cannot create the SIP user", fmt.Sprintf("%s.\n\nTo manage that user with Terraform, import it: %s. Otherwise choose another login.", foreign, importHint)}.more()
	case errors.Is(err, opentact.ErrConflict) && handedOn:
		return text{"Cannot create the SIP user", fmt.Sprintf("%s\n\n%s", err, raceAdvice(req.Login, req.SIPConnectionUUID))}
	case errors.Is(err, opentact.ErrConflict):
		return text{"Cannot create the SIP user", fmt.Sprintf("%s\n\nA SIP user with login %q already exists on SIP connection %s. "+
			"If none of this configuration's resources holds that user, import it: %s, or choose another login; "+
			"if one does (a resource renamed without a moved block), add a moved block from it to this address.", err, req.Login, req.SIPConnectionUUID, importHint)}.more()
	case errors.Is(err, opentact.ErrUnknownOutcome):
		return unknownOutcome(err, req, op, importHint)
	}
	return text{"Cannot create the SIP user", apiDetail(err, op)}
}

// raceAdvice explains a login met still taken by a user that this apply
// renames or moves away from it.
func raceAdvice(login, connection string) string {
	return fmt.Sprintf("Login %q on SIP connection %s is given up by another user in this same apply, which had not happened yet: "+
		"add depends_on = [<that user's resource>] to this resource so that the login is given up first, then apply again.", login, connection)
}

// unknownOutcome is a create that may have reached the API, which looking
// did not settle.
func unknownOutcome(err error, req opentact.CreateUserRequest, op operationTime, importHint string) text {
	var apiErr *opentact.APIError
	if !errors.As(err, &apiErr) {
		return text{"SIP user creation outcome unknown", err.Error()}
	}
	what := uncertainAttempt(apiErr.Uncertain, op)
	looked := "looking afterwards found no user with it"
	if apiErr.LookupErr != nil {
		looked = "looking for it afterwards failed too: " + apiErr.LookupErr.Error()
	}
	detail := fmt.Sprintf("Creating SIP user %q on SIP connection %s may have reached the API, but %s; %s. Nothing was written to the state.\n\n"+
		"Before applying again, look for login %q there: if that user is the one configured, import it: %s; if there is none, apply again.",
		req.Login, req.SIPConnectionUUID, what, looked, req.Login, importHint)
	if u := apiErr.Uncertain; u != nil && u.Withheld {
		detail += " The attempt's message is left out: it repeated a secret the create sent, or part of it."
	}
	return text{"SIP user creation outcome unknown", detail}.more()
}

// uncertainAttempt says what came of the attempt that made a create's
// outcome unknown.
func uncertainAttempt(u *opentact.APIError, op operationTime) string {
	if u == nil {
		return "the create was cancelled before the API answered"
	}
	said := u.Cause
	if said == "" {
		said = u.Message
	}
	switch {
	case u.Timeout == opentact.NoTimeout && errors.Is(u, opentact.ErrCancelled):
		return "the create was cancelled (Terraform was interrupted) before the API answered"
	case u.Timeout == opentact.OperationTimeout && op.setting != "":
		return fmt.Sprintf("the create ran out of its time (%s) before the API answered", op.setting)
	case u.Timeout == opentact.OperationTimeout:
		return "the operation was cancelled before the API answered"
	case u.Timeout == opentact.RequestTimeout:
		return fmt.Sprintf("no answer came within request_timeout (%s)", u.RequestLimit)
	case u.Status != 0 && said != "":
		return fmt.Sprintf("the API or a gateway in front of it answered HTTP %d (%s), which does not say whether the work was done", u.Status, said)
	case u.Status != 0:
		return fmt.Sprintf("the API or a gateway in front of it answered HTTP %d, which does not say whether the work was done", u.Status)
	case said != "":
		return "the connection broke after the request was sent (" + said + ")"
	}
	return "the create was cancelled before the API answered"
}

func adopted(login, connection, id string, passwordErr error) text {
	detail := fmt.Sprintf("The answer to creating SIP user %q on SIP connection %s was lost. The provider looked and found the user this create made (%s, every field as sent, created after the create began), and manages it.",
		login, connection, id)
	if passwordErr != nil {
		detail += fmt.Sprintf(" Setting its password again failed (%s), so another client's identical user of the same seconds would keep its own: "+
			"to be sure, send the password again (change password, or raise password_wo_version).", passwordErr)
	}
	return text{"SIP user adopted after a lost answer", detail}
}

func unexpectedAnswer(attribute string) text {
	return text{"Unexpected answer from the OpenTact API", "The API returned " + attribute + " that is not an RFC 3339 date-time. Please report this to OpenTact support."}
}

func partlyRead(id string, attributes []string) text {
	return text{"SIP user saved with part of the API's answer unread", fmt.Sprintf("The API accepted the change of SIP user %s, but its answer had %s in a form that is not an RFC 3339 date-time. "+
		"The user is in the state with the values the plan gave (or none, for values only the API sets); the next refresh reads it again. "+
		"If this repeats, please report it to OpenTact support.", id, strings.Join(attributes, ", "))}
}

func readFailed(err error, op operationTime) text {
	return text{"Cannot read the SIP user", apiDetail(err, op)}
}

func importNoSuchUser(id string, err error, baseURL string) text {
	return text{"Cannot import the SIP user", fmt.Sprintf("There is no SIP user with uuid %s: the API answered 404 (%s). Check the uuid, and that base_url (%s) is the API's address.", id, err, baseURL)}
}

func userGone(id, login, connection string) text {
	return text{"SIP user no longer exists", fmt.Sprintf("The SIP user %s (login %s) was deleted outside Terraform: the API answered 404 and the list of SIP connection %s no longer has it. "+
		"It is removed from the state, and this plan creates it again. Creating it needs a password in the configuration (password_wo or password); "+
		"a user that was imported and managed without one cannot be re-created until one is set.", id, login, connection)}
}

func updateFailed(err error, login, connection string, handedOn bool, op operationTime) text {
	detail := apiDetail(err, op)
	switch {
	case errors.Is(err, opentact.ErrConflict) && handedOn:
		detail = fmt.Sprintf("%s\n\n%s", err, raceAdvice(login, connection))
	case errors.Is(err, opentact.ErrConflict):
		return text{"Cannot update the SIP user", fmt.Sprintf("%s\n\nAnother SIP user already has login %q on SIP connection %s; choose another login.", err, login, connection)}.more()
	case errors.Is(err, opentact.ErrNotFound):
		detail = fmt.Sprintf("%s\n\nThe user, or the SIP connection it is being moved to, does not exist. Run terraform apply -refresh-only to see what changed.", err)
	}
	return text{"Cannot update the SIP user", detail}
}

func deleteFailed(err error, op operationTime) text {
	return text{"Cannot delete the SIP user", apiDetail(err, op)}
}

func importFailed(err error) text {
	var noLogin *opentact.NoSuchLoginError
	if errors.As(err, &noLogin) {
		return text{"Cannot import the SIP user", fmt.Sprintf("SIP connection %s has no user with login %q. Check the login (logins are case-sensitive), or import the user by its uuid.",
			noLogin.Connection, noLogin.Login)}
	}
	return text{"Cannot import the SIP user", apiDetail(err, fixedTime)}
}

func badImportID(id string) text {
	return text{"Cannot import the SIP user", fmt.Sprintf("The import ID %q is neither a SIP user uuid nor <sip_connection_uuid>/<login>, for example 6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10/alice001.", id)}
}

func invalidIdentity(id string) text {
	return text{"Invalid SIP user identity", fmt.Sprintf("The identity's id %q is not a SIP user uuid such as 3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b.", id)}
}

// Data sources and the list resource.

func lookupFailed(err error, id, connection string) text {
	var noLogin *opentact.NoSuchLoginError
	switch {
	case errors.As(err, &noLogin):
		return text{"Cannot find the SIP user", fmt.Sprintf("SIP connection %s has no user with login %q. Check the login (logins are case-sensitive), "+
			"or list the connection's users with the opentact_sip_users data source.", noLogin.Connection, noLogin.Login)}
	case errors.Is(err, opentact.ErrNotFound) && id != "":
		return text{"Cannot find the SIP user", fmt.Sprintf("%s\n\nNo SIP user has id %s (or base_url is not the API's address).", err, id)}
	case errors.Is(err, opentact.ErrNotFound):
		return text{"Cannot find the SIP user", noSuchConnection(connection, err, "")}
	}
	return text{"Cannot find the SIP user", apiDetail(err, fixedTime)}
}

func lookupArgumentsWrong(given []string) text {
	got := "none of them"
	if len(given) > 0 {
		got = strings.Join(given, " and ")
	}
	return text{"Invalid SIP user lookup", "Give either id, or sip_connection_uuid with login, to find the SIP user; this configuration gives " + got + "."}
}

func listFailed(err error, connection string) text {
	detail := apiDetail(err, fixedTime)
	if errors.Is(err, opentact.ErrNotFound) {
		detail = noSuchConnection(connection, err, "")
	}
	return text{"Cannot list the SIP users", detail}
}

// What any failed call means and what to do about it.

// apiDetail is the detail of a failed call: the client's account of it, and
// what to do.
func apiDetail(err error, op operationTime) string {
	return err.Error() + remedyOf(err, op)
}

// remedyOf is what to do about a failed call, as paragraphs to append to its
// account ("" when the account says it all).
func remedyOf(err error, op operationTime) string {
	var unconfirmed *opentact.UnconfirmedError
	var apiErr *opentact.APIError
	if errors.As(err, &unconfirmed) {
		return fmt.Sprintf("\n\nA wrong base_url or a proxy that answers for the API gives 404 for every call, so nothing is removed on a 404 alone. Check base_url. "+
			"If SIP connection %s was deleted together with its users, remove the user from the state with terraform state rm ADDRESS.", unconfirmed.Connection)
	}
	if !errors.As(err, &apiErr) {
		return ""
	}
	if r := callRemedy(apiErr, op); r != "" {
		return "\n\n" + r
	}
	return ""
}

// callRemedy is what to do about a failed call, by what it went through.
func callRemedy(e *opentact.APIError, op operationTime) string {
	switch {
	case e.Certificate != nil:
		return certificateRemedy(e.Certificate)
	case errors.Is(e, opentact.ErrUnreachable):
		return unreachableRemedy(e)
	case errors.Is(e, opentact.ErrRateLimit):
		return fmt.Sprintf("Gave up after %s, %s of it waiting for the API's rate limit, through %d rate-limit answers (429). %s, "+
			"set the provider's max_requests_per_second to the account's limit, or lower terraform -parallelism.",
			round(e.Elapsed), round(e.RateWait), e.RateLimited, raiseTime(op))
	case e.Timeout == opentact.RequestTimeout:
		return fmt.Sprintf("No answer came within request_timeout (%s), after %s. If the API is slow to answer, raise the provider's request_timeout.", e.RequestLimit, count(e.Attempts, "attempt", "attempts"))
	case e.Timeout == opentact.OperationTimeout:
		return fmt.Sprintf("The operation's time (%s) ran out after %s. %s.", shortDuration(op.limit), count(e.Attempts, "attempt", "attempts"), raiseTime(op))
	case errors.Is(e, opentact.ErrCancelled):
		return "The operation was cancelled (Terraform was interrupted) before the API answered."
	case e.NotAPI && e.Status == 404:
		return fmt.Sprintf("The answer to %s %s is not the OpenTact API's answer (a 404 without the API's error envelope), so it says nothing about the object. "+
			"Check base_url and any proxy between Terraform and the API (HTTPS_PROXY, NO_PROXY).", e.Method, e.URL)
	case e.NotAPI || errors.Is(e, opentact.ErrBadAnswer):
		return "Something other than the OpenTact API may have answered: check base_url and any proxy between Terraform and the API (HTTPS_PROXY, NO_PROXY)."
	case e.RedirectTo != "":
		return "The token is only sent to base_url's host: if " + e.RedirectTo + " is the API, set base_url to it."
	case errors.Is(e, opentact.ErrAuth) && e.Enveloped:
		return "The API refused the token. Check that " + envToken + " (or the provider's token) holds a current token of the account that owns the SIP connection."
	case errors.Is(e, opentact.ErrServer) && e.Retries > 0:
		return fmt.Sprintf("Gave up after %s (max_retries).", count(e.Retries, "retry", "retries"))
	case errors.Is(e, opentact.ErrNoAnswer):
		return fmt.Sprintf("The connection broke after the request was sent, %s (max_retries is %d). Check the network and any proxy between Terraform and the API.", count(e.Attempts, "time", "times"), e.MaxRetries)
	}
	return ""
}

func certificateRemedy(p *opentact.CertificateProblem) string {
	switch p.Reason {
	case opentact.CertUntrusted:
		return fmt.Sprintf("The certificate of %s is not trusted on this machine: it is signed by an authority the system does not know, "+
			"as with a TLS-inspecting proxy or a missing CA bundle. Nothing was sent. Trust that CA: set the provider's ca_certificate to its PEM certificate "+
			"(or %s to the path of a PEM file, as on a CI runner), "+
			"or add it to the system's certificate store (on Linux, SSL_CERT_FILE names a bundle file to use instead).", p.Host, envCACertificateFile)
	case opentact.CertExpired:
		return fmt.Sprintf("The certificate of %s has expired or is not valid yet (%s). Nothing was sent. Check this machine's clock; otherwise the API's certificate must be renewed.", p.Host, p.Detail)
	case opentact.CertWrongHost:
		return fmt.Sprintf("The certificate that answered is issued for another host than %s (%s). Nothing was sent. Check base_url, and any proxy or DNS entry in between.", p.Host, p.Detail)
	}
	return fmt.Sprintf("The certificate of %s was refused (%s). Nothing was sent.", p.Host, p.Detail)
}

func unreachableRemedy(e *opentact.APIError) string {
	switch {
	case e.NotTLS:
		return fmt.Sprintf("The server at %s answered the HTTPS handshake with something that is not TLS (plain HTTP, or another service on that port). Nothing was sent. Check base_url's scheme and port.", e.Host)
	}
	if e.Attempts == 0 {
		return fmt.Sprintf("Nothing has reached the API at %s in this run: earlier calls tried for %s, so this one was not tried. Check base_url, the network, and HTTPS_PROXY/NO_PROXY.", e.Host, round(opentact.DefaultNotSentWindow))
	}
	tried := count(e.Attempts, "time", "times")
	if e.Attempts > 1 {
		tried += " over " + round(e.Elapsed).String()
	}
	switch e.Timeout {
	case opentact.RequestTimeout:
		tried += fmt.Sprintf(", the connection could not be made within request_timeout (%s)", e.RequestLimit)
	case opentact.OperationTimeout:
		tried += ", until the operation's time ran out"
	}
	return fmt.Sprintf("Nothing reached the API at %s (tried %s): the request was never sent. Check base_url, the network, and HTTPS_PROXY/NO_PROXY.", e.Host, tried)
}

// raiseTime says how to give an operation more time.
func raiseTime(op operationTime) string {
	if op.setting == "" {
		return fmt.Sprintf("This lookup has a fixed %s: try again later", shortDuration(op.limit))
	}
	return "Give the operation more time in the resource's " + op.setting
}

// count is n of a thing: one, or the plural.
func count(n int, one, plural string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, plural)
}

// round keeps a duration readable in a message.
func round(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
