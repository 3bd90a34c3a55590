package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

func TestForeignFault(t *testing.T) {
	aliceBody := `{"sip_connection_uuid":"` + berlin + `","login":"alice001","password":"pw"}`
	for _, tc := range []struct {
		name      string
		fault     emulator.Fault
		path      string
		body      string
		firstCode int
		retryCode int // 0: no retry
		users     int // users on berlin afterwards
	}{
		{"503 before the work, retry meets 409", emulator.Fault{Foreign: true, Status: 503}, "/rest/sip/connection/user", aliceBody, 503, 409, 1},
		{"the heading's path form", emulator.Fault{Foreign: true, Status: 503}, "/rest/sip/connection/" + berlin + "/Users", `{"login":"alice001","password":"pw"}`, 503, 409, 1},
		{"alone, the request meets 409", emulator.Fault{Foreign: true}, "/rest/sip/connection/user", aliceBody, 409, 0, 1},
		{"after the work: the work meets 409", emulator.Fault{Foreign: true, AfterWork: true, Status: 502}, "/rest/sip/connection/user", aliceBody, 502, 409, 1},
		{"an invalid login: no colleague", emulator.Fault{Foreign: true, Status: 503}, "/rest/sip/connection/user", `{"sip_connection_uuid":"` + berlin + `","login":"al","password":"pw"}`, 503, 400, 0},
		{"an unknown connection: no colleague", emulator.Fault{Foreign: true, Status: 503}, "/rest/sip/connection/user", `{"sip_connection_uuid":"00000000-0000-4000-8000-000000000000","login":"alice001","password":"pw"}`, 503, 404, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := emu0()
			emu.InjectFault(tc.fault)
			if rec := raw(t, emu, "POST", tc.path, tc.body); rec.Code != tc.firstCode {
				t.Fatalf("first: %d %s", rec.Code, rec.Body)
			}
			if tc.retryCode != 0 {
				if rec := raw(t, emu, "POST", tc.path, tc.body); rec.Code != tc.retryCode {
					t.Fatalf("retry: %d %s", rec.Code, rec.Body)
				}
			}
			users := emu.Users(berlin)
			if len(users) != tc.users {
				t.Fatalf("%d users on berlin, want %d: %+v", len(users), tc.users, users)
			}
			for _, u := range users {
				if u.Login != "alice001" || u.Password != emulator.ColleaguePassword || u.Fields["first_name"] != "Colleague" || !emu.CanRegister(u.UUID) {
					t.Fatalf("not the colleague's user: %+v", u)
				}
			}
		})
	}
}

// A Foreign fault waits for a create: other requests pass it by.
func TestForeignFaultMatchesOnlyCreates(t *testing.T) {
	emu := emu0()
	id := createAlice(t, emu)["uuid"].(string)
	emu.InjectFault(emulator.Fault{Foreign: true, Status: 503})
	for _, r := range [][2]string{{"GET", "/rest/sip/connection/" + berlin + "/users"}, {"GET", "/rest/sip/connection/user/" + id}, {"PATCH", "/rest/sip/connection/user/" + id}} {
		if rec := raw(t, emu, r[0], r[1], `{"first_name":"A"}`); rec.Code != 200 {
			t.Fatalf("%s %s: %d", r[0], r[1], rec.Code)
		}
	}
	if emu.PendingFaults() != 1 {
		t.Fatal("a non-create request used the Foreign fault")
	}
	if rec := raw(t, emu, "POST", "/rest/sip/connection/user", `{"sip_connection_uuid":"`+berlin+`","login":"bob00001","password":"pw"}`); rec.Code != 503 || len(emu.Users(berlin)) != 2 {
		t.Fatalf("the create: %d, %d users", rec.Code, len(emu.Users(berlin)))
	}
}

func TestForeignFaultThroughTheAdminAPI(t *testing.T) {
	emu := emu0()
	if rec := raw(t, emu, "POST", "/_emulator/faults", `{"foreign":true,"status":503}`); rec.Code != 204 {
		t.Fatalf("admin: %d", rec.Code)
	}
	if rec := raw(t, emu, "POST", "/_emulator/faults", `{"empty":true,"status":502}`); rec.Code != 204 {
		t.Fatalf("admin: %d", rec.Code)
	}
	raw(t, emu, "POST", "/rest/sip/connection/user", `{"sip_connection_uuid":"`+berlin+`","login":"alice001","password":"pw"}`)
	if users := emu.Users(berlin); len(users) != 1 || users[0].Password != emulator.ColleaguePassword {
		t.Fatalf("users: %+v", users)
	}
	if rec := raw(t, emu, "GET", "/rest/sip/connection/"+berlin+"/users", ""); rec.Code != 502 || rec.Body.Len() != 0 {
		t.Fatalf("empty fault: %d %q", rec.Code, rec.Body)
	}
}

// Answers that are not the API speaking: a proxy's HTML page, an empty
// body. Neither must do the work.
func TestNonAPIAnswers(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fault       emulator.Fault
		code        int
		contentType string
		body        string // a substring; "" means the body is empty
	}{
		{"HTML 404", emulator.Fault{HTML: true, Status: 404}, 404, "text/html", "<h1>Not Found</h1>"},
		{"HTML 502", emulator.Fault{HTML: true, Status: 502}, 502, "text/html", "<h1>Bad Gateway</h1>"},
		{"empty 404", emulator.Fault{Empty: true, Status: 404}, 404, "", ""},
		{"empty 503", emulator.Fault{Empty: true, Status: 503, RetryAfter: "3"}, 503, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := emu0()
			id := createAlice(t, emu)["uuid"].(string)
			emu.InjectFault(tc.fault)
			rec := raw(t, emu, "DELETE", "/rest/sip/connection/user/"+id, "")
			if rec.Code != tc.code || rec.Header().Get("Content-Type") != tc.contentType {
				t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if tc.body == "" && rec.Body.Len() != 0 || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("body %q", rec.Body)
			}
			if json.Valid(rec.Body.Bytes()) {
				t.Fatalf("the answer is JSON: %q", rec.Body)
			}
			if tc.fault.RetryAfter != "" && rec.Header().Get("Retry-After") != tc.fault.RetryAfter {
				t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
			if _, ok := emu.User(id); !ok {
				t.Fatal("the fault did the work")
			}
		})
	}
}

// A wrong base_url path on the API's own host answers the API's 404.
func TestUnknownPathsAnswerTheEnvelopedNotFound(t *testing.T) {
	for _, path := range []string{
		"/", "/v1/rest/sip/connection/user", "/rest/sip/connection", "/rest/sip/connections/user",
		"/rest/sip/connection/user/" + berlin + "/extra", "/api/rest/sip/connection/" + berlin + "/users",
	} {
		for _, method := range []string{"GET", "POST", "DELETE"} {
			a := send(t, emu0(), method, path, tok, `{}`)
			if a.code != 404 || a.body["success"] != false || a.body["status"] != float64(404) || a.body["message"] != "no such endpoint" {
				t.Errorf("%s %s: %+v", method, path, a)
			}
		}
	}
}

// A hanging answer after the work: the write happened, the client hears
// nothing until it gives up.
func TestHangAfterWork(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, AfterWork: true, Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/rest/sip/connection/user",
		strings.NewReader(`{"sip_connection_uuid":"`+emulator.SeedConnections[0].UUID+`","login":"hang0001","password":"p"}`))
	req.Header.Set("X-Auth-Token", emu.Token())
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("the hanging request was answered %d", resp.StatusCode)
	}
	if users := emu.Users(emulator.SeedConnections[0].UUID); len(users) != 1 || users[0].Login != "hang0001" {
		t.Fatalf("the work was not done: %v", users)
	}
}
