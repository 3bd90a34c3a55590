package opentact_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
		// A 429 is not counted against max_retries (3 here): it is retried
		// until the operation's deadline.
		{"429s are not counted", emulator.Fault{Method: "GET", Status: 429, RetryAfter: "0", Times: 10}, 11, nil},
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

// When the deadline runs out, the error carries what the call went through:
// the provider turns it into advice (provider's diagnostics_test.go).
func TestRateLimitErrorSaysWhatHappened(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Status: 429, RetryAfter: "0", Times: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.ListUsers(ctx, berlin)
	var apiErr *opentact.APIError
	if !errors.Is(err, opentact.ErrRateLimit) || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want ErrRateLimit", err)
	}
	n := emu.CountRequests("GET", "")
	if n < 2 {
		t.Errorf("%d attempts: a 429 must be retried while the operation has time", n)
	}
	// The last request may be cut by the deadline: sent, or even answered,
	// but not read.
	if apiErr.RateLimited < n-1 || apiErr.RateLimited > n || apiErr.Attempts < n || apiErr.Attempts > n+1 || apiErr.Elapsed < 250*time.Millisecond || apiErr.Timeout != opentact.OperationTimeout {
		t.Errorf("error = %+v; want %d 429s and attempts (give or take the last), the elapsed time and the operation's timeout", apiErr, n)
	}
}

// A create must never be lost nor doubled, whatever happens on the wire.
// When an attempt may have worked, the create is sent again; a 409 then
// means the first one went through, and the user it made is found, checked
// field by field and adopted, with its password set again.
func TestCreateWithUnknownOutcome(t *testing.T) {
	cases := []struct {
		name      string
		fault     emulator.Fault
		wantPosts int
		adopted   bool
	}{
		{"502 after the work", emulator.Fault{Method: "POST", Status: 502, AfterWork: true}, 2, true},
		{"503 after the work", emulator.Fault{Method: "POST", Status: 503, RetryAfter: "0", AfterWork: true}, 2, true},
		{"504 HTML after the work", emulator.Fault{Method: "POST", Status: 504, HTML: true, AfterWork: true}, 2, true},
		{"connection dropped after the work", emulator.Fault{Method: "POST", Drop: true, AfterWork: true}, 2, true},
		// The API answered 200, so it acted: settled at once, not re-sent.
		{"garbage 200 after the work", emulator.Fault{Method: "POST", Body: `{"success":true,"payload":{"nothing":1}}`, AfterWork: true}, 1, true},
		{"500 after the work", emulator.Fault{Method: "POST", Status: 500, AfterWork: true}, 1, true},
		{"empty 200 after the work", emulator.Fault{Method: "POST", Empty: true, AfterWork: true}, 1, true},
		{"200 without a payload after the work", emulator.Fault{Method: "POST", Body: `{"success":true}`, AfterWork: true}, 1, true},
		{"HTML 200 after the work", emulator.Fault{Method: "POST", HTML: true, AfterWork: true}, 1, true},
		{"connection dropped before the work", emulator.Fault{Method: "POST", Drop: true}, 2, false},
		{"502 before the work", emulator.Fault{Method: "POST", Status: 502}, 2, false},
		{"429 before the work", emulator.Fault{Method: "POST", Status: 429, RetryAfter: "0"}, 2, false},
		{"503 before the work", emulator.Fault{Method: "POST", Status: 503}, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu, c := newPair(t)
			emu.InjectFault(tc.fault)
			res, err := c.CreateUser(context.Background(), aliceRequest())
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			users := emu.Users(berlin)
			if len(users) != 1 || users[0].UUID != res.User.UUID {
				t.Fatalf("emulator holds %d users (%v), want exactly the one created (%s)", len(users), users, res.User.UUID)
			}
			if posts := emu.CountRequests("POST", userPrefix); posts != tc.wantPosts {
				t.Errorf("POSTs = %d, want %d", posts, tc.wantPosts)
			}
			if res.Adopted != tc.adopted {
				t.Errorf("Adopted = %v, want %v", res.Adopted, tc.adopted)
			}
			if tc.adopted && emu.CountRequests("PATCH", userPrefix) != 1 {
				t.Errorf("an adopted user's password must be set again (PATCHes: %d)", emu.CountRequests("PATCH", userPrefix))
			}
			if users[0].Password != "s3cret-pass" || !emu.CanRegister(users[0].UUID) {
				t.Errorf("the user's password is %q, want the configured one", users[0].Password)
			}
		})
	}
}

// A colleague's user that took the login while our create's outcome was
// unknown is not ours: it is left untouched and the create fails with the
// conflict, naming the holder.
func TestCreateNeverAdoptsSomeoneElsesUser(t *testing.T) {
	for name, req := range map[string]opentact.CreateUserRequest{
		"fields differ":      aliceRequest(),
		"fields left unsent": {SIPConnectionUUID: berlin, Login: "alice001", Password: "s3cret-pass"},
	} {
		t.Run(name, func(t *testing.T) {
			emu, c := newPair(t)
			// The gateway answers 503 and, meanwhile, a colleague creates
			// a user with the same login.
			emu.InjectFault(emulator.Fault{Method: "POST", Status: 503, RetryAfter: "0", Foreign: true})
			res, err := c.CreateUser(context.Background(), req)
			if !errors.Is(err, opentact.ErrConflict) || res != nil {
				t.Fatalf("CreateUser = %v, %v; want ErrConflict", res, err)
			}
			users := emu.Users(berlin)
			if len(users) != 1 || users[0].Password != emulator.ColleaguePassword || users[0].Fields["first_name"] != "Colleague" {
				t.Fatalf("the colleague's user was changed, or another made: %+v", users)
			}
			var foreign *opentact.ForeignHolderError
			if !errors.As(err, &foreign) || foreign.Holder != users[0].UUID || !strings.Contains(err.Error(), "left untouched") {
				t.Errorf("err = %v, want it to name the holder and say it is left alone", err)
			}
			if emu.CountRequests("PATCH", "")+emu.CountRequests("DELETE", "") != 0 {
				t.Errorf("the colleague's user received a write")
			}
		})
	}
}

// A create whose operation times out after the API did the work is an
// unknown outcome, and it is settled by looking even though the
// operation's own time is gone.
func TestCreateTimedOutIsSettledByLooking(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			emu.ServeHTTP(w, r)
			return
		}
		emu.ServeHTTP(httptest.NewRecorder(), r) // the work is done...
		<-r.Context().Done()                     // ...and the answer never comes
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, emu.Token())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := c.CreateUser(ctx, aliceRequest())
	if err != nil || !res.Adopted {
		t.Fatalf("CreateUser = %+v, %v; want the user adopted", res, err)
	}
	if users := emu.Users(berlin); len(users) != 1 || users[0].UUID != res.User.UUID {
		t.Fatalf("emulator holds %v", users)
	}
}

// Ctrl-C while the create's answer is outstanding: the provider still looks
// (for a moment), rather than leave an orphan.
func TestCreateCancelledInFlightIsSettledByLooking(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Method: "POST", AfterWork: true, Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(emu.Users(berlin)) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	res, err := c.CreateUser(ctx, aliceRequest())
	if err != nil || !res.Adopted {
		t.Fatalf("CreateUser = %+v, %v; want the user adopted", res, err)
	}
}

// A user that held the login before the create began is not the create's,
// even with every field alike: the API's own clock (its Date header) says
// when the create began, not a two-minute allowance.
func TestCreateDoesNotAdoptAnAlikeOlderUser(t *testing.T) {
	emu, c := newPair(t)
	older, err := emu.SeedUser(berlin, "alike001", nil)
	if err != nil {
		t.Fatal(err)
	}
	emu.BackdateUser(older, 30*time.Second)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502})
	_, err = c.CreateUser(context.Background(), opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "alike001", Password: "mine-secret"})
	if !errors.Is(err, opentact.ErrConflict) || !strings.Contains(err.Error(), "before this create began") {
		t.Fatalf("err = %v, want ErrConflict: the user is older than the create", err)
	}
	if u, _ := emu.User(older); u.Password != "seeded" {
		t.Fatalf("the older user's password was changed")
	}
}

// An API that echoes a submitted password in its message does not put it in
// an error: the message is withheld whole, and the error says so.
func TestErrorsNeverHoldThePassword(t *testing.T) {
	const password = "echoed-secret-pw"
	raw := rawServer(t, 400, `{"success":false,"message":"password `+password+` is too weak","status":0}`)
	c := newClient(t, raw, "tok")
	_, err := c.CreateUser(context.Background(), opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "alice001", Password: password})
	if e := apiError(t, err); strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "too weak") || !e.Withheld {
		t.Fatalf("err = %v; want the message withheld", err)
	}
	var patch opentact.UserPatch
	patch.Set(opentact.FieldPassword, password)
	if _, err := c.ModifyUser(context.Background(), "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b", patch); err == nil || strings.Contains(err.Error(), password) || !apiError(t, err).Withheld {
		t.Fatalf("modify err = %v; want the message withheld", err)
	}
}

// Any stretch of six characters of a password the call sent withholds the
// API's message, whatever its case, raw or JSON-escaped; five do not (a
// message may share a short run with a password by chance).
func TestErrorsNeverHoldAPartOfThePassword(t *testing.T) {
	const password = `Kq7#vT2!mZ"r9wXp`
	for _, tc := range []struct {
		name, message string
		withheld      bool
	}{
		{"cut short", `password 'Kq7#vT2!mZr…' is too weak`, true},
		{"six characters", `bad value "vT2!mZ"`, true},
		{"upper-cased", `PASSWORD KQ7#VT2!MZ"R9WXP IS TOO WEAK`, true},
		{"JSON-escaped", `invalid body {"password":"Kq7#vT2!mZ\"r9wXp"}`, true},
		{"escaped quote alone", `near 'mZ\"r9w'`, true},
		{"five characters", `bad value "vT2!m" here`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"success": false, "message": tc.message, "status": 0})
			c := newClient(t, rawServer(t, 400, string(body)), "tok")
			req := aliceRequest()
			req.Password = password
			_, err := c.CreateUser(context.Background(), req)
			e := apiError(t, err)
			if e.Withheld != tc.withheld || tc.withheld && e.Message != "" || !tc.withheld && e.Message == "" {
				t.Fatalf("message %q: withheld %v, message %q; want withheld %v", tc.message, e.Withheld, e.Message, tc.withheld)
			}
		})
	}
}

// A create that could not have been sent is no unknown outcome.
func TestCreateCancelledBeforeSending(t *testing.T) {
	emu, c := newPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.CreateUser(ctx, aliceRequest())
	if !errors.Is(err, opentact.ErrCancelled) || errors.Is(err, opentact.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if n := emu.CountRequests("", ""); n != 0 {
		t.Errorf("%d requests were made", n)
	}
}

// After an unknown outcome that the lookup cannot settle (nothing there,
// the attempts used up), the error says the outcome is unknown, and that the
// lookup worked (LookupErr nil) but found nothing.
func TestCreateUnsettledSaysOutcomeUnknown(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 500})
	_, err := c.CreateUser(context.Background(), aliceRequest())
	var apiErr *opentact.APIError
	if !errors.Is(err, opentact.ErrUnknownOutcome) || !errors.As(err, &apiErr) || apiErr.LookupErr != nil || !apiErr.MaybeSent {
		t.Fatalf("err = %v, want ErrUnknownOutcome after a lookup that found nothing", err)
	}
	if n := emu.CountRequests("GET", "/rest/sip/connection/"+berlin+"/users"); n != 1 {
		t.Errorf("the outcome was looked up with %d list calls, want 1", n)
	}
	if len(emu.Users(berlin)) != 0 {
		t.Fatalf("a user was made")
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
// adopted: the create fails with the conflict, and the older user is left
// alone.
func TestUnknownOutcomeDoesNotAdoptAnOlderUser(t *testing.T) {
	emu, c := newPair(t)
	existing, _ := emu.SeedUser(berlin, "alice001", nil)
	emu.BackdateUser(existing, time.Hour)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502})
	u, err := c.CreateUser(context.Background(), opentact.CreateUserRequest{SIPConnectionUUID: berlin, Login: "alice001", Password: "x"})
	if !errors.Is(err, opentact.ErrConflict) || u != nil {
		t.Fatalf("CreateUser = %v, %v; want ErrConflict and no user", u, err)
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
		{"failure without a message", `{"success":false,"status":400}`, 400, opentact.ErrValidation, "failure without a message"},
		{"success under an error status", `{"success":true,"payload":{}}`, 500, opentact.ErrServer, "claimed success under an error status"},
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

// The lookup that settles a create has retries of its own: a create that
// spent its max_retries on gateway errors must not leave the user it made
// as an orphan because the lookup meets one 503.
func TestSettleLookupHasItsOwnRetries(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502, AfterWork: true})
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502, Times: 3})
	emu.InjectFault(emulator.Fault{Method: "GET", Status: 503})
	res, err := c.CreateUser(context.Background(), aliceRequest())
	if err != nil || !res.Adopted {
		t.Fatalf("CreateUser = %+v, %v; want the user adopted", res, err)
	}
	if users := emu.Users(berlin); len(users) != 1 || users[0].UUID != res.User.UUID {
		t.Fatalf("the emulator holds %v", users)
	}
}

// An unknown outcome is described by the attempt that made it unknown, not
// by whatever failed last.
func TestUnknownOutcomeNamesTheUncertainAttempt(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 503, Times: 1})
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 500})
	_, err := c.CreateUser(context.Background(), aliceRequest())
	e := apiError(t, err)
	if !errors.Is(err, opentact.ErrUnknownOutcome) || e.Uncertain == nil || e.Uncertain.Status != 503 || e.Status != 500 || !strings.Contains(e.Uncertain.Message, "Service Unavailable") {
		t.Fatalf("err = %+v, want the unknown outcome described by its 503", e)
	}
}

// A gateway's Retry-After that would pass the deadline is not slept into:
// the call ends at once with the gateway's answer.
func TestGatewayRetryAfterPastTheDeadline(t *testing.T) {
	emu, c := newPair(t)
	u := createAlice(t, c)
	emu.InjectFault(emulator.Fault{Method: "GET", Status: 503, RetryAfter: "30"})
	emu.ResetRequests()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.GetUser(ctx, u.UUID)
	// Before the deadline, with no wait begun: the error is the 503, not
	// the context's.
	if e := apiError(t, err); !errors.Is(err, opentact.ErrServer) || e.Status != 503 || !strings.Contains(e.Message, "Service Unavailable") || ctx.Err() != nil {
		t.Fatalf("err = %+v (context: %v), want the 503 before the deadline", e, ctx.Err())
	}
	if n := emu.CountRequests("GET", ""); n != 1 {
		t.Errorf("GET requests = %d, want 1: a retry after 30 s cannot fit in the 2 s left", n)
	}
}

// A redirect loop on the API's own host ends in its last answer, not in a
// broken connection: it is not retried (a create neither), and the error
// says what answered.
func TestRedirectLoopIsAnAnswer(t *testing.T) {
	var hits atomic.Int32
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, loop.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(loop.Close)
	c := newClient(t, loop.URL, "tok")
	_, err := c.CreateUser(context.Background(), aliceRequest())
	e := apiError(t, err)
	if e.Status != http.StatusTemporaryRedirect || !e.NotAPI || errors.Is(err, opentact.ErrNoAnswer) || errors.Is(err, opentact.ErrUnknownOutcome) || e.MaybeSent ||
		!strings.Contains(err.Error(), "kept redirecting (more than 3 redirects, the last to "+loop.URL) {
		t.Fatalf("err = %v (%+v), want the redirect as an answer that is not the API's", err, e)
	}
	if n := hits.Load(); n != 4 {
		t.Errorf("requests = %d, want 4: the first and 3 redirects, not retried", n)
	}
}

// A create answered 503 before the work, then refused by the API on the
// resend, is the refusal: the API said nothing was done, and the lookup
// found nothing.
func TestCreateRefusedOnTheResendIsARefusal(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 503})
	req := aliceRequest()
	req.Fields[opentact.FieldGender] = "cis woman" // the API's enum is case-sensitive
	_, err := c.CreateUser(context.Background(), req)
	if !errors.Is(err, opentact.ErrValidation) || errors.Is(err, opentact.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want the API's refusal", err)
	}
	if n := emu.CountRequests("POST", userPrefix); n != 2 {
		t.Errorf("POSTs = %d, want 2 (the 503, then the refused resend)", n)
	}
	if len(emu.Users(berlin)) != 0 {
		t.Errorf("the emulator holds users: %v", emu.Users(berlin))
	}
}

// A user adopted after a lost answer whose password cannot be set again is
// still the create's result: adopted, with the failure beside it, not an
// error that would leave it out of the state.
func TestAdoptedUserWhosePasswordResetFails(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 502, AfterWork: true})
	emu.InjectFault(emulator.Fault{Method: "PATCH", Status: 500, Times: 10, Body: `{"success":false,"message":"cannot set s3cret-pass now","status":500}`})
	res, err := c.CreateUser(context.Background(), aliceRequest())
	if err != nil || !res.Adopted || res.PasswordErr == nil {
		t.Fatalf("res = %+v, err = %v: want the user adopted with the password failure", res, err)
	}
	if users := emu.Users(berlin); len(users) != 1 || users[0].UUID != res.User.UUID {
		t.Fatalf("emulator holds %v, want the one adopted (%s)", users, res.User.UUID)
	}
	if strings.Contains(res.PasswordErr.Error(), "s3cret-pass") {
		t.Errorf("the password failure holds the password: %v", res.PasswordErr)
	}
}

// A connection that breaks while the answer's body is read may have
// carried the work: the read is retried, and its error keeps the status and
// says where it broke.
func TestAnswerCutMidBody(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "400")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"success":true,"payload":{"uuid":"3f2b`))
		w.(http.Flusher).Flush()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "tok")
	_, err := c.GetUser(context.Background(), "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b")
	e := apiError(t, err)
	if !errors.Is(err, opentact.ErrNoAnswer) || e.Status != http.StatusOK || !strings.Contains(err.Error(), "broke while reading the answer") {
		t.Fatalf("err = %v (%+v), want a broken answer that keeps its status", err, e)
	}
	if n := hits.Load(); n != 4 {
		t.Errorf("requests = %d, want 4 (max_retries 3)", n)
	}
}

// A redirect that keeps the host but drops to another scheme is not
// followed: the token would travel over a connection of another kind.
func TestRedirectToAnotherSchemeIsRefused(t *testing.T) {
	emu, c := newPair(t)
	emu.InjectFault(emulator.Fault{RedirectTo: "https://" + c.Host()})
	_, err := c.ListUsers(context.Background(), berlin)
	if !errors.Is(err, opentact.ErrInsecure) || !strings.Contains(err.Error(), "https://"+c.Host()) {
		t.Fatalf("err = %v, want the scheme change refused", err)
	}
	if n := emu.CountRequests("", ""); n != 1 {
		t.Errorf("requests = %d, want the one redirected", n)
	}
}
