package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// The registry of planned hand-overs: a change counts once its own checks
// passed; a cycle is found whatever its length, and a chain that does not
// come back, or comes back elsewhere, is none.
func TestHandovers(t *testing.T) {
	key := func(login string) loginKey { return loginKey{"c", login} }
	var h handovers
	h.intend(key("alice001"), "x", key("alice002"))
	if h.of(key("alice001"), "x") != intended || h.of(key("alice001"), "y") != notHandedOver || h.handedOn(key("alice001")) {
		t.Fatal("a change whose checks have not passed counts as a hand-over")
	}
	h.passed(key("alice001"), "y") // not its holder
	if h.of(key("alice001"), "x") != intended {
		t.Fatal("another user's checks made x's change a hand-over")
	}
	h.passed(key("alice001"), "x")
	if h.of(key("alice001"), "x") != handedOver || !h.handedOn(key("alice001")) || h.handedOn(key("alice002")) {
		t.Fatal("passed checks did not make the change a hand-over")
	}

	// A chain: x gives alice001 up for alice002, which nobody gives up.
	if c := h.cycle(key("alice001"), key("new00001")); c != nil {
		t.Fatalf("a chain was taken for a cycle: %v", c)
	}
	// A swap: y gives alice002 up for alice001, which x gives up for alice002.
	if c := h.cycle(key("alice001"), key("alice002")); !slices.Equal(c, []loginKey{key("alice001")}) {
		t.Fatalf("swap: cycle = %v", c)
	}
	// A rotation of three, seen from each member, and of four.
	var r handovers
	r.intend(key("rot00001"), "a", key("rot00002"))
	r.intend(key("rot00002"), "b", key("rot00003"))
	r.intend(key("rot00003"), "c", key("rot00001"))
	if c := r.cycle(key("rot00002"), key("rot00001")); len(c) != 2 {
		t.Fatalf("rotation of three, seen by a: %v", c)
	}
	if c := r.cycle(key("rot00001"), key("rot00003")); len(c) != 2 {
		t.Fatalf("rotation of three, seen by c: %v", c)
	}
	r.intend(key("rot00004"), "d", key("rot00001"))
	r.intend(key("rot00003"), "c", key("rot00004"))
	if c := r.cycle(key("rot00002"), key("rot00001")); len(c) != 3 {
		t.Fatalf("rotation of four, seen by a: %v", c)
	}
	// A near miss: the chain from rot00002 loops among others (b, c, d and
	// a) but never reaches the login asked about: no cycle, and no hang.
	if c := r.cycle(key("rot00002"), key("zzz00001")); c != nil {
		t.Fatalf("a loop that does not come back to mine: %v", c)
	}
}

// Claims: the first plan to take a login has it; another resource's plan
// (another user's uuid, or a second new user) is refused; the same user
// planning again (the create half of its own replacement) is not.
func TestClaims(t *testing.T) {
	key := loginKey{"c", "same0001"}
	var c claims
	if !c.claim(key, "") {
		t.Fatal("the first claim was refused")
	}
	if c.claim(key, "") {
		t.Fatal("a second new user took the same login")
	}
	if c.claim(key, "u1") {
		t.Fatal("a rename onto a login a new user takes was allowed")
	}
	if !c.claim(loginKey{"d", "same0001"}, "u1") {
		t.Fatal("the same login on another connection was refused")
	}
	if !c.claim(loginKey{"d", "same0001"}, "u1") {
		t.Fatal("the same user claiming again was refused")
	}
}

// A connection field the API answers in a form that cannot be read is null,
// with a warning naming it; the rest of the connection is kept.
func TestUnreadableConnectionFieldIsNullWithAWarning(t *testing.T) {
	m, diags := sipConnectionOf(opentact.SIPConnection{UUID: "c", Name: "office", Unreadable: []string{"sip_connection.port"}})
	if m == nil || !m.Port.IsNull() || m.Name.ValueString() != "office" {
		t.Fatalf("model %+v", m)
	}
	if diags.HasError() || diags.WarningsCount() != 1 || !strings.Contains(diags.Warnings()[0].Detail(), "sip_connection.port") {
		t.Fatalf("diagnostics %v, want one warning naming the port", diags)
	}
}

// The plan check of a login whose holder a plan of this process deletes:
// a create is told of the delete (a moved block), a rename too (apply the
// delete first); a holder no plan deletes gets the taken-login error.
func TestCheckHolderOfADeletedUser(t *testing.T) {
	const holder, other = "9b2d4f6a-1c3e-4a5b-8d7f-0e1a2b3c4d5e", "4f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"
	r := &sipUserResource{data: &providerData{}}
	r.data.handovers.delete(holder)
	planned := userKey{types.StringValue("alice001"), types.StringValue("c")}
	creating := userKey{types.StringNull(), types.StringNull()}
	renaming := userKey{types.StringValue("bob00001"), types.StringValue("c")}
	for _, c := range []struct {
		what          string
		prior         userKey
		holder        string
		summary, says string
	}{
		{"a create onto a deleted user's login", creating, holder, "SIP login held by a user this plan deletes", "add a moved block"},
		{"a rename onto a deleted user's login", renaming, holder, "SIP login held by a user this plan deletes", "Apply the delete first"},
		{"a create onto a kept user's login", creating, other, "SIP login already taken", "terraform state list -id=" + other},
	} {
		var diags diag.Diagnostics
		r.checkHolder(planned, c.prior, c.holder, &diags)
		if len(diags) != 1 || diags[0].Summary() != c.summary || !strings.Contains(diags[0].Detail(), c.says) {
			t.Errorf("%s: %v, want one %q saying %q", c.what, diags, c.summary, c.says)
		}
	}
}
