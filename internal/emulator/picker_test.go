package emulator_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// A picker's fault applies to the request it chose; queued faults come
// first; a Cut answer does the work and breaks off mid-body.
func TestFaultPickerAndCut(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	var seen []string
	emu.SetFaultPicker(func(r *http.Request, body []byte) *emulator.Fault {
		seen = append(seen, r.Method+" "+string(body))
		if r.Method == http.MethodPost {
			return &emulator.Fault{Cut: true}
		}
		return nil
	})
	emu.InjectFault(emulator.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable})
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/rest/sip/connection/"+emulator.SeedConnections[0].UUID+"/users", nil)
		req.Header.Set("X-Auth-Token", emu.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusServiceUnavailable {
		t.Fatalf("the queued fault did not come first: %d", code)
	}
	if len(seen) != 0 {
		t.Fatalf("the picker was asked about a request a queued fault took: %v", seen)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/rest/sip/connection/user",
		strings.NewReader(`{"sip_connection_uuid":"`+emulator.SeedConnections[0].UUID+`","login":"cut00001","password":"p"}`))
	req.Header.Set("X-Auth-Token", emu.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 {
		t.Fatalf("cut answer: %d, %d bytes, %v; want 200, part of the body, an unexpected EOF", resp.StatusCode, len(body), err)
	}
	if users := emu.Users(emulator.SeedConnections[0].UUID); len(users) != 1 || users[0].Login != "cut00001" {
		t.Fatalf("the work was not done: %v", users)
	}
	if code := get(); code != http.StatusOK || len(seen) != 2 {
		t.Fatalf("after: %d, picker saw %v", code, seen)
	}
}
