package emulator_test

import (
	"strings"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// The README's offline recipe starts the emulator with -seed
// office-berlin/<login> and imports that user.
func TestSeedNamedUserByConnectionNameOrUUID(t *testing.T) {
	emu := emu0()
	byName, err := emu.SeedNamedUser("office-berlin/desk.dana")
	if err != nil {
		t.Fatal(err)
	}
	lisbon := emulator.SeedConnections[1].UUID
	byUUID, err := emu.SeedNamedUser(lisbon + "/desk.dana")
	if err != nil {
		t.Fatal(err)
	}
	if byName.Connection != berlin || byName.Login != "desk.dana" || byUUID.Connection != lisbon || byUUID.Login != "desk.dana" {
		t.Fatalf("seeded %+v and %+v, want desk.dana on office-berlin and on office-lisbon", byName, byUUID)
	}
	// What an import by <connection>/<login> and the next refresh read: the
	// user with its login and no optional field, and digests that work.
	a := send(t, emu, "GET", "/rest/sip/connection/user/"+byName.UUID, tok, "")
	p, _ := a.body["payload"].(map[string]any)
	c, _ := p["sip_connection"].(map[string]any)
	if a.code != 200 || p["login"] != "desk.dana" || c["uuid"] != berlin {
		t.Fatalf("GET the seeded user: %+v", a)
	}
	for _, f := range []string{"first_name", "last_name", "email", "phone_number", "avatar", "dob", "gender", "remote_ip"} {
		if p[f] != nil {
			t.Errorf("the seeded user has %s = %v, want none", f, p[f])
		}
	}
	if !emu.CanRegister(byName.UUID) {
		t.Error("the seeded user's digests do not match its password")
	}
	list := send(t, emu, "GET", "/rest/sip/connection/"+berlin+"/users", tok, "")
	if got, _ := list.body["payload"].([]any); list.code != 200 || len(got) != 1 {
		t.Fatalf("the list answers %d with %d users, want 200 with 1", list.code, len(got))
	}
}

func TestSeedNamedUserRefusesWhatTheAPIWouldAndStoresNothing(t *testing.T) {
	emu := emu0()
	if _, err := emu.SeedNamedUser("office-berlin/desk.dana"); err != nil {
		t.Fatal(err)
	}
	emu.AddConnection("twin")
	emu.AddConnection("twin")
	for spec, want := range map[string]string{
		"desk.dana":                      "want <connection uuid or name>/<login>",
		"/desk.dana":                     "want <connection uuid or name>/<login>",
		"office-berlin/desk.a":           "must be 7 to 15 characters long, got 6",  // seed0 and the like
		"office-berlin/desk.0123456789a": "must be 7 to 15 characters long, got 16", // too long
		"office-berlin/":                 "must be 7 to 15 characters long, got 0",  // no login
		"office-paris/desk.dana":         "no SIP connection office-paris",          // unknown name
		"twin/desk.dana":                 "2 SIP connections are named twin",        // ambiguous name
		"office-berlin/desk.dana":        "login desk.dana is taken on " + berlin,   // taken
		"00000000-0000-4000-8000-000000000000/desk.dana": "no SIP connection 00000000-0000", // unknown uuid
	} {
		_, err := emu.SeedNamedUser(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one saying %q", spec, err, want)
		}
	}
	if n := emu.UserCount(); n != 1 {
		t.Errorf("%d users after refused seeds, want the 1 seeded before", n)
	}
}
