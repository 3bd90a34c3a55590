package emulator_test

import (
	"crypto/md5" //nolint:gosec // SIP digests are MD5 by definition
	"encoding/hex"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

var lisbon = emulator.SeedConnections[1].UUID

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // see import
	return hex.EncodeToString(sum[:])
}

func createAlice(t *testing.T, emu *emulator.Server) map[string]any {
	t.Helper()
	a := send(t, emu, "POST", "/rest/sip/connection/user", tok, `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw"}`)
	if a.code != 200 {
		t.Fatalf("create: %+v", a)
	}
	return a.payload()
}

func TestDigestsAreStoredAtCreate(t *testing.T) {
	emu := emu0()
	p := createAlice(t, emu)
	id := p["uuid"].(string)
	realm := "berlin.sip.opentact.org"
	ha1, ha1b, ok := emu.Digests(id)
	if !ok || ha1 != md5hex("alice001:"+realm+":pw") || ha1b != md5hex("alice001@"+realm+":"+realm+":pw") {
		t.Fatalf("stored digests %s %s", ha1, ha1b)
	}
	if p["ha1"] != ha1 || p["ha1b"] != ha1b || !emu.CanRegister(id) {
		t.Fatalf("answer %v %v, CanRegister %v", p["ha1"], p["ha1b"], emu.CanRegister(id))
	}
	if u, _ := emu.User(id); u.Password != "pw" || u.HA1 != ha1 || u.HA1B != ha1b {
		t.Fatalf("stored user %+v", u)
	}
	if emu.CanRegister("00000000-0000-4000-8000-000000000000") {
		t.Fatal("an unknown user can register")
	}
}

// A server that keeps only digests cannot recompute them: a new login or
// connection needs the password in the same change.
func TestDigestsGoStaleWithoutThePassword(t *testing.T) {
	for _, tc := range []struct {
		name        string
		patch       string
		canRegister bool
		sameDigests bool
	}{
		{"login without password", `{"login":"alice002"}`, false, true},
		{"login with password", `{"login":"alice002","password":"pw"}`, true, false},
		{"connection without password", `{"sip_connection_uuid":"` + lisbon + `"}`, false, true},
		{"connection with password", `{"sip_connection_uuid":"` + lisbon + `","password":"pw2"}`, true, false},
		{"password alone", `{"password":"pw2"}`, true, false},
		{"same password", `{"password":"pw"}`, true, true},
		{"other field", `{"first_name":"Alice"}`, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := emu0()
			before := createAlice(t, emu)
			id := before["uuid"].(string)
			a := send(t, emu, "PATCH", "/rest/sip/connection/user/"+id, tok, tc.patch)
			if a.code != 200 {
				t.Fatalf("patch: %+v", a)
			}
			after := a.payload()
			if same := after["ha1"] == before["ha1"] && after["ha1b"] == before["ha1b"]; same != tc.sameDigests {
				t.Errorf("digests unchanged = %v, want %v", same, tc.sameDigests)
			}
			if ha1, _, _ := emu.Digests(id); ha1 != after["ha1"] {
				t.Errorf("the answer's ha1 is not the stored one")
			}
			if got := emu.CanRegister(id); got != tc.canRegister {
				t.Errorf("CanRegister = %v, want %v", got, tc.canRegister)
			}
		})
	}
}

func TestChangeUserAndSeedUserKeepDigests(t *testing.T) {
	emu := emu0()
	id, err := emu.SeedUser(berlin, "legacy01", nil)
	if err != nil || !emu.CanRegister(id) {
		t.Fatalf("seeded user: %v, CanRegister %v", err, emu.CanRegister(id))
	}
	login := "legacy02"
	if err := emu.ChangeUser(id, map[string]*string{"login": &login}); err != nil || emu.CanRegister(id) {
		t.Fatalf("login changed without password: %v, CanRegister %v", err, emu.CanRegister(id))
	}
	password := "new-secret"
	if err := emu.ChangeUser(id, map[string]*string{"password": &password}); err != nil || !emu.CanRegister(id) {
		t.Fatalf("password set: %v, CanRegister %v", err, emu.CanRegister(id))
	}
}

func TestRenameConnection(t *testing.T) {
	emu := emu0()
	id := createAlice(t, emu)["uuid"].(string)
	if err := emu.RenameConnection(berlin, "office-berlin-mitte"); err != nil {
		t.Fatal(err)
	}
	a := send(t, emu, "GET", "/rest/sip/connection/user/"+id, tok, "")
	if got := a.payload()["sip_connection"].(map[string]any)["name"]; got != "office-berlin-mitte" {
		t.Fatalf("sip_connection.name = %v", got)
	}
	if !emu.CanRegister(id) {
		t.Fatal("a renamed connection broke the digests; the realm is the subdomain")
	}
	if err := emu.RenameConnection("00000000-0000-4000-8000-000000000000", "x"); err == nil {
		t.Fatal("renaming an unknown connection succeeded")
	}
}
