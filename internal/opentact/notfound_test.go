package opentact_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// Only the API's enveloped 404, confirmed by a 200 list of the user's
// connection without the user, means "gone". A proxy's 404 page, an empty
// 404, a wrong base_url path or a list that fails must never read as gone:
// the provider would drop live users from the state.
func TestNotFoundMeansGoneOnlyWhenConfirmed(t *testing.T) {
	// What the error must be, beyond "not ErrNotFound": the page itself
	// (an answer that is not the API's), or an unconfirmed 404.
	notAPI := func(err error) bool {
		var apiErr *opentact.APIError
		return errors.As(err, &apiErr) && apiErr.NotAPI && apiErr.Status == 404
	}
	unconfirmed := func(err error) bool {
		var u *opentact.UnconfirmedError
		return errors.As(err, &u) && u.Connection == berlin
	}
	cases := []struct {
		name   string
		faults []emulator.Fault
		gone   bool
		is     func(error) bool
	}{
		{"enveloped 404, list confirms", nil, true, func(error) bool { return true }},
		{"proxy's HTML 404 page", []emulator.Fault{{Method: "GET", PathPrefix: userPrefix, Status: 404, HTML: true}}, false, notAPI},
		{"empty 404", []emulator.Fault{{Method: "GET", PathPrefix: userPrefix, Status: 404, Empty: true}}, false, notAPI},
		{"list is a 404 page", []emulator.Fault{{Method: "GET", PathPrefix: "/rest/sip/connection/" + berlin, Status: 404, HTML: true, Times: 10}}, false, unconfirmed},
		{"list fails", []emulator.Fault{{Method: "GET", PathPrefix: "/rest/sip/connection/" + berlin, Status: 500, Times: 10}}, false, unconfirmed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu, c := newPair(t, coalescing)
			u := createAlice(t, c)
			if err := emu.DeleteUser(u.UUID); err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.faults {
				emu.InjectFault(f)
			}
			_, err := c.ReadUser(context.Background(), u.UUID, berlin)
			if got := errors.Is(err, opentact.ErrNotFound); got != tc.gone {
				t.Fatalf("ReadUser err = %v; gone = %v, want %v", err, got, tc.gone)
			}
			if !tc.is(err) {
				t.Errorf("err = %v (%T), not the error this case must give", err, err)
			}
		})
	}
}

// A base_url with a wrong path on the API's own host gets the API's
// enveloped 404 for every call: nothing may be read as gone, and a delete
// is not done.
func TestWrongBaseURLPathEmptiesNothing(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	good := newClient(t, srv.URL, emu.Token(), coalescing)
	u := createAlice(t, good)
	wrong := newClient(t, srv.URL+"/v2", emu.Token(), coalescing)
	for i := 0; i < 5; i++ { // past the coalescing threshold too
		var unconfirmed *opentact.UnconfirmedError
		if _, err := wrong.ReadUser(context.Background(), u.UUID, berlin); err == nil || errors.Is(err, opentact.ErrNotFound) {
			t.Fatalf("read %d through a wrong base_url: err = %v, want an error that is not ErrNotFound", i, err)
		} else if !errors.As(err, &unconfirmed) {
			t.Errorf("err = %v, want an unconfirmed 404", err)
		}
	}
	if err := wrong.DeleteUser(context.Background(), u.UUID, berlin); err == nil {
		t.Fatalf("a delete through a wrong base_url was called done")
	}
	if _, ok := emu.User(u.UUID); !ok {
		t.Fatalf("the user is gone")
	}
}

// A GET that says 404 for a user the list still holds is a contradiction,
// not a deletion.
func TestNotFoundContradictedByTheList(t *testing.T) {
	emu, c := newPair(t)
	u := createAlice(t, c)
	emu.InjectFault(emulator.Fault{Method: "GET", PathPrefix: userPrefix + "/" + u.UUID, Status: 404})
	_, err := c.ReadUser(context.Background(), u.UUID, berlin)
	var unconfirmed *opentact.UnconfirmedError
	if !errors.As(err, &unconfirmed) || errors.Is(err, opentact.ErrNotFound) {
		t.Fatalf("err = %v, want an UnconfirmedError", err)
	}
}

// An HTML 404 is not the API speaking: its error names the URL.
func TestNonAPINotFoundNamesTheURL(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Status: 404, HTML: true})
	_, err := c.GetUser(context.Background(), "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b")
	if errors.Is(err, opentact.ErrNotFound) || !errors.Is(err, opentact.ErrBadAnswer) {
		t.Fatalf("err = %v, want ErrBadAnswer", err)
	}
	var apiErr *opentact.APIError
	if !errors.As(err, &apiErr) || !apiErr.NotAPI || apiErr.Enveloped || apiErr.URL != "http://"+c.Host()+"/rest/sip/connection/user/3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b" ||
		!strings.Contains(err.Error(), "HTML page") {
		t.Errorf("err = %+v, want the URL and what the answer was", apiErr)
	}
}

func TestDeleteOfAGoneUserIsConfirmed(t *testing.T) {
	emu, c := newPair(t)
	u := createAlice(t, c)
	if err := emu.DeleteUser(u.UUID); err != nil {
		t.Fatal(err)
	}
	emu.ResetRequests()
	if err := c.DeleteUser(context.Background(), u.UUID, berlin); err != nil {
		t.Fatalf("DeleteUser of a user already gone = %v, want nil", err)
	}
	if n := emu.CountRequests(http.MethodGet, "/rest/sip/connection/"+berlin+"/users"); n != 1 {
		t.Errorf("the 404 was confirmed with %d list calls, want 1", n)
	}
	emu.InjectFault(emulator.Fault{Method: "DELETE", Status: 404, HTML: true})
	if err := c.DeleteUser(context.Background(), u.UUID, berlin); err == nil {
		t.Fatalf("a proxy's 404 page made a delete done")
	}
}
