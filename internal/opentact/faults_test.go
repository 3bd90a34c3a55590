package opentact_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

const userPrefix = "/rest/sip/connection/user"

func TestRetriesWhatIsSafe(t *testing.T) {
	cases := []struct {
		name      string
		fault     emulator.Fault
		wantCalls int
		wantErr   error
	}{
		{"429 with Retry-After", emulator.Fault{Method: "GET", Status: 429, RetryAfter: "0", Times: 2}, 3, nil},
		{"429 without Retry-After", emulator.Fault{Method: "GET", Status: 429}, 2, nil},
		{"503", emulator.Fault{Method: "GET", Status: 503, RetryAfter: "0"}, 2, nil},
		{"502 HTML page", emulator.Fault{Method: "GET", Status: 502, HTML: true}, 2, nil},
		{"504", emulator.Fault{Method: "GET", Status: 504}, 2, nil},
		{"dropped connection", emulator.Fault{Method: "GET", Drop: true}, 2, nil},
		{"500 is not retried", emulator.Fault{Method: "GET", Status: 500}, 1, opentact.ErrServer},
		{"400 is not retried", emulator.Fault{Method: "GET", Status: 400}, 1, opentact.ErrValidation},
		{"retries are bounded", emulator.Fault{Method: "GET", Status: 503, Times: 10}, 4, opentact.ErrServer},
		{"429 for ever", emulator.Fault{Method: "GET", Status: 429, Times: 10}, 4, opentact.ErrRateLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu, c := newPair(t)
			u := createAlice(t, c)
			emu.ResetRequests()
			emu.InjectFault(tc.fault)
			got, err := c.GetUser(context.Background(), u.UUID)
			if calls := emu.CountRequests("GET", userPrefix); calls != tc.wantCalls {
				t.Errorf("GET calls = %d, want %d", calls, tc.wantCalls)
			}
			switch {
			case tc.wantErr == nil && (err != nil || got.UUID != u.UUID):
				t.Errorf("GetUser = %v, %v; want the user", got, err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("GetUser err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestRateLimitErrorSaysWhatToDo(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Status: 429, Times: 10})
	_, err := c.ListUsers(context.Background(), berlin)
	if !errors.Is(err, opentact.ErrRateLimit) || !strings.Contains(err.Error(), "max_retries") {
		t.Fatalf("err = %v", err)
	}
}

// A create must never be lost nor doubled, whatever happens on the wire.
func TestCreateWithUnknownOutcome(t *testing.T) {
	cases := []struct {
		name      string
		fault     emulator.Fault
		wantPosts int
	}{
		{"502 after the work", emulator.Fault{Method: "POST", Status: 502, AfterWork: true}, 1},
		{"504 HTML after the work", emulator.Fault{Method: "POST", Status: 504, HTML: true, AfterWork: true}, 1},
		{"connection dropped after the work", emulator.Fault{Method: "POST", Drop: true, AfterWork: true}, 1},
		{"garbage 200 after the work", emulator.Fault{Method: "POST", Body: `{"success":true,"payload":{"nothing":1}}`, AfterWork: true}, 1},
		{"connection dropped before the work", emulator.Fault{Method: "POST", Drop: true}, 2},
		{"502 before the work", emulator.Fault{Method: "POST", Status: 502}, 2},
		{"429 before the work", emulator.Fault{Method: "POST", Status: 429, RetryAfter: "0"}, 2},
		{"503 before the work", emulator.Fault{Method: "POST", Status: 503}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu, c := newPair(t)
			emu.InjectFault(tc.fault)
			u := createAlice(t, c)
			users := emu.Users(berlin)
			if len(users) != 1 || users[0].UUID != u.UUID {
				t.Fatalf("emulator holds %d users (%v), want exactly the one created (%s)", len(users), users, u.UUID)
			}
			if posts := emu.CountRequests("POST", userPrefix); posts != tc.wantPosts {
				t.Errorf("POSTs = %d, want %d", posts, tc.wantPosts)
			}
		})
	}
}

func TestCreateConflictIsNotATakeover(t *testing.T) {
	emu, c := newPair(t)
	existing, _ := emu.SeedUser(berlin, "alice001", nil)
	_, err := c.CreateUser(context.Background(), opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "alice001", Password: "x"})
	if !errors.Is(err, opentact.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	if u, _ := emu.User(existing); u.Password != "seeded" {
		t.Errorf("the existing user was changed")
	}
	if emu.CountRequests("GET", "") != 0 {
		t.Errorf("a clean 409 must not be followed by a lookup")
	}
}

// A login that existed before a create whose outcome is unknown is not
// adopted: the error stands, and the older user is left alone.
func TestUnknownOutcomeDoesNotAdoptAnOlderUser(t *testing.T) {
	emu, c := newPair(t)
	existing, _ := emu.SeedUser(berlin, "alice001", nil)
	emu.BackdateUser(existing, time.Hour)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502})
	u, err := c.CreateUser(context.Background(), opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "alice001", Password: "x"})
	if !errors.Is(err, opentact.ErrUnknownOutcome) || u != nil {
		t.Fatalf("CreateUser = %v, %v; want ErrUnknownOutcome and no user", u, err)
	}
	if got, _ := emu.User(existing); got.Password != "seeded" || len(emu.Users(berlin)) != 1 {
		t.Fatalf("the older user was touched or a second one made")
	}
}

func TestBadAnswersGiveClearErrors(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		kind       error
		says       string
	}{
		{"HTML", "<html><body>Bad gateway</body></html>", 200, opentact.ErrBadAnswer, "HTML page"},
		{"truncated JSON", `{"success":true,"payload":{"uuid":"a`, 200, opentact.ErrBadAnswer, "not valid JSON"},
		{"empty", "", 200, opentact.ErrBadAnswer, "empty body"},
		{"failure under 200", `{"success":false,"message":"login is taken","status":0}`, 200, opentact.ErrValidation, "login is taken"},
		{"no envelope", `{"uuid":"x"}`, 200, opentact.ErrBadAnswer, "envelope"},
		{"payload without uuid", `{"success":true,"payload":{"login":"alice001"}}`, 200, opentact.ErrBadAnswer, "no uuid"},
		{"null payload", `{"success":true,"payload":null}`, 200, opentact.ErrBadAnswer, "no payload"},
		{"payload of the wrong type", `{"success":true,"payload":[1,2]}`, 200, opentact.ErrBadAnswer, "not a SIP user"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, rawServer(t, tc.status, tc.body), "tok")
			_, err := c.GetUser(context.Background(), "00000000-0000-4000-8000-000000000000")
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.kind, tc.says)
			}
		})
	}
	c := newClient(t, rawServer(t, 200, `{"success":true,"payload":{"uuid":"x","login":"alice001"}}`), "tok")
	if _, err := c.ListUsers(context.Background(), berlin); !errors.Is(err, opentact.ErrBadAnswer) || !strings.Contains(err.Error(), "not a list") {
		t.Fatalf("list err = %v", err)
	}
}

func TestRedirectToAnotherHostKeepsTheToken(t *testing.T) {
	var leaked []string
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("X-Auth-Token"))
		w.WriteHeader(http.StatusOK)
	}))
	ln, err := listenOn("127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	other.Listener = ln
	other.Start()
	defer other.Close()

	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{RedirectTo: other.URL})
	_, err = c.ListUsers(context.Background(), berlin)
	if !errors.Is(err, opentact.ErrInsecure) || !strings.Contains(err.Error(), "127.0.0.2") {
		t.Fatalf("err = %v, want a refused redirect naming the other host", err)
	}
	if len(leaked) != 0 {
		t.Fatalf("the other host received %d requests (tokens %q)", len(leaked), leaked)
	}
	if emu.CountRequests("", "") != 1 {
		t.Errorf("a refused redirect must not be retried")
	}
}

func TestRedirectOnTheSameHostIsFollowed(t *testing.T) {
	emu, c := newPair(t)
	u := createAlice(t, c)
	emu.InjectFault(emulator.Fault{Method: "GET", RedirectTo: "http://" + c.Host()})
	got, err := c.GetUser(context.Background(), u.UUID)
	if err != nil || got.UUID != u.UUID {
		t.Fatalf("GetUser = %v, %v", got, err)
	}
}
