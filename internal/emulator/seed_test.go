package emulator_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

func TestSeedStoresUsersWithPaddedLoginsAndFields(t *testing.T) {
	emu := emu0()
	if rec := raw(t, emu, "POST", "/_emulator/seed?connection="+berlin+"&n=12&prefix=bulk", ""); rec.Code != 204 {
		t.Fatalf("seed: %d %s", rec.Code, rec.Body)
	}
	users := emu.Users(berlin)
	var logins []string
	for _, u := range users {
		logins = append(logins, u.Login)
		if u.Fields["first_name"] == "" || u.Fields["last_name"] == "" || u.Fields["email"] != u.Login+"@example.com" || u.Fields["phone_number"] == "" {
			t.Errorf("%s has fields %v, want a name, its e-mail and a phone number", u.Login, u.Fields)
		}
		if u.HA1 == "" || !emu.CanRegister(u.UUID) {
			t.Errorf("%s has no valid digests", u.Login)
		}
	}
	slices.Sort(logins)
	var want []string
	for i := range 12 {
		want = append(want, fmt.Sprintf("bulk%02d", i))
	}
	if !slices.Equal(logins, want) {
		t.Fatalf("logins %v, want %v", logins, want)
	}
	list := send(t, emu, "GET", "/rest/sip/connection/"+berlin+"/users", tok, "")
	if got, _ := list.body["payload"].([]any); list.code != 200 || len(got) != 12 {
		t.Fatalf("the list answers %d with %d users, want 200 with 12", list.code, len(got))
	}
	if n := len(emu.Users(emulator.SeedConnections[1].UUID)); n != 0 {
		t.Errorf("another connection got %d users", n)
	}
}

func TestSeedDefaultsThePrefix(t *testing.T) {
	emu := emu0()
	raw(t, emu, "POST", "/_emulator/seed?connection="+berlin+"&n=1", "")
	if users := emu.Users(berlin); len(users) != 1 || users[0].Login != "seed0" {
		t.Fatalf("users %+v, want one seed0", users)
	}
}

func TestSeedRefusesBadQueriesAndStoresNothing(t *testing.T) {
	emu := emu0()
	if _, err := emu.SeedUser(berlin, "bulk1", nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, query string
		code          int
	}{
		{"GET", "?connection=" + berlin + "&n=3", 400},
		{"POST", "?n=3", 400},
		{"POST", "?connection=" + berlin, 400},
		{"POST", "?connection=" + berlin + "&n=0", 400},
		{"POST", "?connection=" + berlin + "&n=-2", 400},
		{"POST", "?connection=" + berlin + "&n=three", 400},
		{"POST", "?connection=" + berlin + "&n=1000001", 400},
		{"POST", "?connection=00000000-0000-4000-8000-000000000000&n=3", 404},
		// bulk1 is taken: none of bulk0 to bulk2 is stored.
		{"POST", "?connection=" + berlin + "&n=3&prefix=bulk", 409},
	} {
		if rec := raw(t, emu, tc.method, "/_emulator/seed"+tc.query, ""); rec.Code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.query, rec.Code, tc.code)
		}
	}
	if n := emu.UserCount(); n != 1 {
		t.Errorf("%d users after refused seeds, want the 1 seeded before", n)
	}
}

// make bench -gc seeds a list close to the 64 MiB answer cap: 50,000 users
// are seeded, each once. (How fast is BenchmarkSeedUsers' to say: a timed
// test fails on a loaded machine.)
func TestSeedFiftyThousandUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 users")
	}
	emu := emu0()
	if err := emu.SeedUsers(berlin, "seed", 50_000); err != nil {
		t.Fatal(err)
	}
	if n := emu.UserCount(); n != 50_000 {
		t.Errorf("%d users, want 50,000", n)
	}
}

func BenchmarkSeedUsers(b *testing.B) {
	for b.Loop() {
		if err := emu0().SeedUsers(berlin, "seed", 10_000); err != nil {
			b.Fatal(err)
		}
	}
}
