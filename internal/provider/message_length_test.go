package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// Each plan- and apply-time message says what happened and the one or two
// remedies that fit what the provider can see; the rest is in the
// troubleshooting guide, which the message names (issue 29, item 9).

// maxDetail bounds a detail, not counting what is substituted into it
// (uuids, logins, URLs, the client's account of a failed call), the pointer
// to the guide, nor the destroy advice of addPlanError.
const maxDetail = 400

// remedyPhrases each mark one remedy of a login conflict.
var remedyPhrases = []string{"import it", "choose another login", "depends_on", "moved block", "untaint", "temporary login", "ignore_changes"}

// bare is detail without what was substituted into it.
func bare(detail string, substituted ...string) string {
	for _, s := range substituted {
		if s != "" {
			detail = strings.ReplaceAll(detail, s, "")
		}
	}
	return detail
}

// remedies is which remedy phrases detail names.
func remedies(detail string) []string {
	var named []string
	detail = strings.ToLower(detail)
	for _, p := range remedyPhrases {
		if strings.Contains(detail, p) {
			named = append(named, p)
		}
	}
	return named
}

// message is one text of the table, with what was substituted into it.
type message struct {
	name        string
	t           text
	substituted []string
	// guide is set for a message that leaves remedies to a guide, which it
	// names at its end.
	guide bool
}

// pointer is the sentence that ends t when it leaves remedies to a guide,
// and the heading or entry that guide must have.
func pointer(t text) (sentence, entry string) {
	if t.summary == "Weak SIP password" {
		return strengthGuide, "## SIP password strength and toll fraud"
	}
	return fmt.Sprintf(moreInGuide, t.summary), `"` + t.summary + `"`
}

// entryRow is a row of the troubleshooting guide's table, its first cell
// the quoted summary, after where it shows ("Plan: ", "Apply warning: ").
var entryRow = regexp.MustCompile(`^\| (?:(?:Plan|Apply|Import|Refresh)? ?(?:[Ww]arning)?: )?("[^"]+")`)

// hasEntry reports whether a guide has the entry: a heading of the
// password guide, or a row of the troubleshooting guide's table that starts
// with the summary (not one that names it among others).
func hasEntry(guides map[string]string, entry string) bool {
	if strings.HasPrefix(entry, "#") {
		return strings.Contains(guides["password-handling"], "\n"+entry+"\n")
	}
	for _, line := range strings.Split(guides["troubleshooting"], "\n") {
		if m := entryRow.FindStringSubmatch(line); m != nil && m[1] == entry {
			return true
		}
	}
	return false
}

func messageTable(t *testing.T) []message {
	t.Helper()
	const (
		holder = "9b2d4f6a-1c3e-4a5b-8d7f-0e1a2b3c4d5e"
		login  = "alice001"
	)
	connection := emulator.SeedConnections[0].UUID
	subs := []string{holder, someUserID, connection, login}
	req := opentact.CreateUserRequest{SIPConnectionUUID: connection, Login: login, Password: "Kq7#vT2!mZr9@Lx"}
	create := timeoutsOf("create", 5*time.Minute)

	conflict := fmt.Errorf("login %s already exists on SIP connection %s: %w", login, connection, opentact.ErrConflict)
	foreign := &opentact.ForeignHolderError{Login: login, Connection: connection, Holder: holder, Differs: []string{"first_name"}}
	uncertain := &opentact.APIError{Uncertain: &opentact.APIError{Timeout: opentact.OperationTimeout}}
	list := "/rest/sip/connection/" + connection + "/users"
	notFound := &opentact.APIError{Method: "GET", Path: list, URL: "https://api.example.net/api" + list, Message: "no such endpoint"}

	// The API unreachable, from a real failure.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL, cfg.NotSentWindow = url, 50*time.Millisecond })
	_, unreachable := c.ListUsers(context.Background(), connection)
	if !errors.Is(unreachable, opentact.ErrUnreachable) {
		t.Fatalf("err = %v, want the API unreachable", unreachable)
	}
	var apiErr *opentact.APIError
	errors.As(unreachable, &apiErr)

	with := func(more ...string) []string { return append(append([]string{}, subs...), more...) }
	return []message{
		{"taken login, create", loginTaken(holder, login, connection, false), subs, true},
		{"taken login, rename", loginTaken(holder, login, connection, true), subs, true},
		{"handed on without depends_on", loginHandedOnUnordered(holder, login, connection), subs, false},
		{"held by a user this plan deletes, create", loginHeldByDeleted(holder, login, connection, false), subs, true},
		{"held by a user this plan deletes, rename", loginHeldByDeleted(holder, login, connection, true), subs, true},
		{"update conflict", updateFailed(conflict, login, connection, false, timeoutsOf("update", 5*time.Minute)), with(conflict.Error()), true},
		{"adopted, password not sent again", adopted(login, connection, holder, errors.New("HTTP 503")), with("HTTP 503"), false},
		{"swap", loginSwap(holder, login, connection), subs, true},
		{"rotation", loginRotation(loginKey{connection, "rota0001"}, []loginKey{{connection, "rota0002"}, {connection, "rota0003"}}), with("rota0001", "rota0002", "rota0003"), true},
		{"create conflict", createFailed(conflict, req, false, create), with(conflict.Error()), true},
		{"create conflict, handed on", createFailed(conflict, req, true, create), with(conflict.Error()), false},
		{"create, foreign holder", createFailed(foreign, req, false, create), with(foreign.Error()), true},
		{"unknown outcome", unknownOutcome(uncertain, req, create, "terraform import ADDRESS "+connection+"/"+login), subs, false},
		{"connection not found", connectionNotFound(connection, notFound, "https://api.example.net/api"), with(notFound.URL, notFound.Message, "https://api.example.net/api", opentact.DefaultBaseURL), false},
		{"token refused 401", tokenRefused(401, connection, true), subs, false},
		{"token refused 403", tokenRefused(403, connection, false), subs, false},
		{"API unreachable", apiUnreachable(unreachable), with(unreachable.Error(), apiErr.Host), true},
		{"login not usable", loginNotUsable("bad user", ' ', 4), with("bad user"), true},
		{"missing password", missingPassword(), nil, false},
		{"password changed outside", passwordChangedOutside(someUserID, login, false), subs, true},
		{"password_wo changed outside", passwordChangedOutside(someUserID, login, true), subs, true},
		{"rename needs a new version", renameNeedsNewVersion(someUserID, login), subs, true},
		{"phones need a password", phonesNeedPassword(someUserID), subs, true},
		{"weak, short", weakPassword(tooShort, false), nil, true},
		{"weak, login", weakPassword(containsLogin, false), nil, true},
		{"weak, pattern, enforced", weakPassword(commonPattern, true), nil, true},
	}
}

// Every such text is short, in at most two paragraphs, names at most two
// remedies, and a text that leaves remedies out names the guide's entry,
// which exists.
func TestMessagesAreShort(t *testing.T) {
	guides := map[string]string{}
	for _, g := range []string{"troubleshooting", "password-handling"} {
		raw, err := os.ReadFile("../../templates/guides/" + g + ".md.tmpl")
		if err != nil {
			t.Fatal(err)
		}
		guides[g] = string(raw)
	}
	for _, m := range messageTable(t) {
		sentence, entry := pointer(m.t)
		detail := bare(m.t.detail, append(m.substituted, sentence)...)
		if n := len([]rune(detail)); n > maxDetail {
			t.Errorf("%s: the detail is %d characters without what is substituted, want at most %d:\n%s", m.name, n, maxDetail, m.t.detail)
		}
		if n := strings.Count(m.t.detail, "\n\n"); n > 1 {
			t.Errorf("%s: the detail has %d paragraphs, want what happened and what to do:\n%s", m.name, n+1, m.t.detail)
		}
		// A taken login's remedy turns on whether the holder is in the
		// state, which the user checks: two remedies for each answer.
		most := 2
		if strings.Contains(m.t.detail, "If none of this configuration's resources holds") || strings.Contains(m.t.detail, "terraform state list -id=") {
			most = 3
		}
		if named := remedies(m.t.detail); len(named) > most {
			t.Errorf("%s: the detail names %d remedies (%s), want at most %d:\n%s", m.name, len(named), strings.Join(named, ", "), most, m.t.detail)
		}
		switch {
		case m.guide && !strings.HasSuffix(m.t.detail, sentence):
			t.Errorf("%s: the detail does not end with the guide's pointer %q:\n%s", m.name, sentence, m.t.detail)
		case m.guide && !hasEntry(guides, entry):
			t.Errorf("%s: the guide has no entry %s", m.name, entry)
		}
		if strings.Contains(m.t.detail, "Kq7#vT2") {
			t.Errorf("%s: the detail holds the password", m.name)
		}
	}
}

// A taken login: a create is advised to import the holder or choose
// another login if the state does not hold it, a moved block if it does; a
// rename to choose another. Neither is told of depends_on, untaint or
// swaps, which this process did not see. Where it saw the login handed on,
// depends_on is the remedy.
func TestTakenLoginAdvisesWhatFits(t *testing.T) {
	const holder = "9b2d4f6a-1c3e-4a5b-8d7f-0e1a2b3c4d5e"
	connection := emulator.SeedConnections[0].UUID
	unseen := []string{"depends_on", "untaint", "temporary login", "swap", "rotation"}

	// A create: import, or another login, if the state does not hold the
	// holder; a moved block if it does (importing would delete it).
	create := loginTaken(holder, "alice001", connection, false).detail
	says(t, "a create onto a taken login", create, "SIP user "+holder+` already has login "alice001"`,
		"If terraform state list -id="+holder+" shows no address, import it: terraform import ADDRESS "+connection+"/alice001", "choose another login",
		"If it shows one, that resource is this user: add a moved block", `troubleshooting guide, "SIP login already taken"`)
	saysNot(t, "a create onto a taken login", create, unseen...)

	rename := loginTaken(holder, "alice001", connection, true).detail
	says(t, "a rename onto a taken login", rename, "SIP user "+holder+` already has login "alice001"`, "Choose another login.", `troubleshooting guide, "SIP login already taken"`)
	saysNot(t, "a rename onto a taken login", rename, append(unseen, "moved", "import")...)

	req := opentact.CreateUserRequest{SIPConnectionUUID: connection, Login: "alice001"}
	conflict := fmt.Errorf("login alice001 already exists on SIP connection %s: %w", connection, opentact.ErrConflict)
	atApply := createFailed(conflict, req, false, timeoutsOf("create", 5*time.Minute)).detail
	says(t, "a create that met the login taken", atApply, "If none of this configuration's resources holds that user, import it: terraform import ADDRESS "+connection+"/alice001",
		"choose another login", "add a moved block from it", "troubleshooting guide")
	saysNot(t, "a create that met the login taken", atApply, unseen...)

	// A user the plan deletes: a create is advised a moved block, never
	// import; a rename to apply the delete first, or another login.
	deleted := loginHeldByDeleted(holder, "alice001", connection, false).detail
	says(t, "a create onto a deleted user's login", deleted, "this plan deletes it", "add a moved block from its old address", "apply the delete first")
	saysNot(t, "a create onto a deleted user's login", deleted, "import", "depends_on")
	renamed := loginHeldByDeleted(holder, "alice001", connection, true).detail
	says(t, "a rename onto a deleted user's login", renamed, "this plan deletes it", "Apply the delete first, or choose another login.")
	saysNot(t, "a rename onto a deleted user's login", renamed, "import", "moved", "depends_on")

	foreign := &opentact.ForeignHolderError{Login: "alice001", Connection: connection, Holder: holder, CreatedOn: "2024-01-01T00:00:00Z"}
	held := createFailed(foreign, req, false, timeoutsOf("create", 5*time.Minute)).detail
	says(t, "a create that found a foreign holder", held, "import it: terraform import ADDRESS "+connection+"/alice001", "choose another login")
	saysNot(t, "a create that found a foreign holder", held, append(unseen, "moved")...)

	for what, detail := range map[string]string{
		"a plan whose login is handed on unordered": loginHandedOnUnordered(holder, "alice001", connection).detail,
		"a create that raced a hand-over":           createFailed(conflict, req, true, timeoutsOf("create", 5*time.Minute)).detail,
		"a rename that raced a hand-over":           updateFailed(conflict, "alice001", connection, true, timeoutsOf("update", 5*time.Minute)).detail,
	} {
		says(t, what, detail, "depends_on = [")
		saysNot(t, what, detail, "import", "moved", "untaint")
	}
}
