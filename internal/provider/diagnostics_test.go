package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// The client returns data; these are the sentences the provider makes of
// it, from real failures against the emulator.

func testClient(t *testing.T, emu *emulator.Server, mutate ...func(*opentact.Config)) *opentact.Client {
	t.Helper()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := opentact.Config{BaseURL: srv.URL, Token: emu.Token(), MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		Pacer: opentact.NewPacer(0)}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := opentact.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func says(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, got)
		}
	}
}

// saysNot fails the test for each of phrases that got holds.
func saysNot(t *testing.T, what, got string, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if strings.Contains(got, p) {
			t.Errorf("%s says %q:\n%s", what, p, got)
		}
	}
}

func TestRateLimitAdviceNamesWhatToChange(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	emu.InjectFault(emulator.Fault{Status: 429, RetryAfter: "0", Times: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := testClient(t, emu).ListUsers(ctx, emulator.SeedConnections[0].UUID)
	says(t, "the rate-limit error", readFailed(err, timeoutsOf("read", 2*time.Minute)).detail,
		"Gave up after", "rate-limit answers (429)", `timeouts { read = "2m" }`, "max_requests_per_second", "-parallelism")
}

// A create that ran out of its timeouts.create names the setting once, says
// what to check, and repeats no prefix.
func TestCreateTimeoutSaysWhichSettingRanOut(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: "POST", Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req := opentact.CreateUserRequest{SIPConnectionUUID: emulator.SeedConnections[0].UUID, Login: "slow0002", Password: "slow-secret-2"}
	_, err := testClient(t, emu).CreateUser(ctx, req)
	if !errors.Is(err, opentact.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want an unknown outcome", err)
	}
	got := createFailed(err, req, false, timeoutsOf("create", 300*time.Millisecond))
	says(t, "the unknown outcome", got.summary+"\n"+got.detail, "SIP user creation outcome unknown", `ran out of its time (timeouts { create = "300ms" })`,
		"found no user with it", `Before applying again, look for login "slow0002" there`, "terraform import ADDRESS "+req.SIPConnectionUUID+"/slow0002")
	// The pointer to the guide names the summary; the rest does not.
	if strings.Count(strings.TrimSuffix(got.detail, fmt.Sprintf(moreInGuide, got.summary)), "outcome unknown") > 0 || strings.Contains(got.detail, ": To ") || strings.Count(got.detail, "timeouts { create") != 1 {
		t.Errorf("the detail repeats itself or has a stray capital:\n%s", got.detail)
	}
}

func TestNotAPIAnswerPointsAtBaseURL(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	emu.InjectFault(emulator.Fault{Status: 404, HTML: true})
	c := testClient(t, emu)
	_, err := c.GetUser(context.Background(), someUserID)
	says(t, "the proxy's 404", readFailed(err, timeoutsOf("read", time.Minute)).detail,
		"not the OpenTact API's answer", c.BaseURL()+"/rest/sip/connection/user/3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b", "Check base_url")
}

func TestLoginNotOnTheConnectionSaysSo(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	connection := emulator.SeedConnections[0].UUID
	_, err := testClient(t, emu).FindUserByLogin(context.Background(), connection, "nobody01")
	got := lookupFailed(err, "", connection).detail
	says(t, "the missing login", got, "SIP connection "+connection+` has no user with login "nobody01"`)
	if strings.Contains(got, "HTTP") || strings.Contains(got, "does not exist") {
		t.Errorf("the connection exists (its list answered): %s", got)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", 2 * time.Second: "2s", 90 * time.Second: "1m30s", time.Hour: "1h", 300 * time.Millisecond: "300ms"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// The unknown outcome is worded from the attempt that made it unknown.
func TestUnknownOutcomeNamesTheGateway(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 503})
	emu.InjectFault(emulator.Fault{Method: "POST", Status: 500})
	req := opentact.CreateUserRequest{SIPConnectionUUID: emulator.SeedConnections[0].UUID, Login: "gate0003", Password: "gate-secret-3"}
	_, err := testClient(t, emu).CreateUser(context.Background(), req)
	got := createFailed(err, req, false, timeoutsOf("create", 5*time.Minute)).detail
	says(t, "the unknown outcome", got, "answered HTTP 503 (injected fault: Service Unavailable)", "found no user with it")
	if strings.Contains(got, "ran out of its time") || strings.Contains(got, "connection broke") {
		t.Errorf("the detail names a cause that did not happen:\n%s", got)
	}
}

// One pacer per API account: the host (in any case), a digest of the
// token, and the known rate limit.
func TestPacerPerAccount(t *testing.T) {
	var p pacers
	a := p.of("https://api.opentact.org", "token-one", 0)
	if p.of("https://API.opentact.org/", "token-one", 0) != a {
		t.Error("the same account got a second pacer")
	}
	for _, other := range []*opentact.Pacer{p.of("https://api.opentact.org", "token-two", 0), p.of("https://api.opentact.org", "token-one", 5), p.of("https://other.example", "token-one", 0)} {
		if other == a {
			t.Error("another account shares the pacer")
		}
	}
}

// A create's unknown outcome whose API message held a short password says
// the message is left out, and shows no empty parentheses for it.
func TestUnknownOutcomeWithAWithheldMessage(t *testing.T) {
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"success":false,"message":"password pw1 is too weak","status":0}`))
	}))
	t.Cleanup(raw.Close)
	c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL = raw.URL })
	req := opentact.CreateUserRequest{SIPConnectionUUID: emulator.SeedConnections[0].UUID, Login: "alice001", Password: "pw1"}
	_, err := c.CreateUser(context.Background(), req)
	got := unknownOutcome(err, req, operationTime{}, "terraform import").detail
	says(t, "the unknown outcome", got, "answered HTTP 500, which does not say", "is left out: it repeated a secret the create sent")
	if strings.Contains(got, "pw1") || strings.Contains(got, "()") {
		t.Errorf("the unknown outcome shows the password or an empty cause:\n%s", got)
	}
}

// A create interrupted while its request was out (Ctrl-C) says so, not
// that the connection broke.
func TestUnknownOutcomeOfAnInterruptedCreate(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	hangPosts, held := hangingServer(t, emu.ServeHTTP)
	c := testClient(t, emu, func(cfg *opentact.Config) { cfg.BaseURL = hangPosts })
	req := opentact.CreateUserRequest{SIPConnectionUUID: emulator.SeedConnections[0].UUID, Login: "alice001", Password: "Kq7#vT2!mZr9@Lx"}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-held // the POST has reached the API: then the interrupt
		cancel()
	}()
	_, err := c.CreateUser(ctx, req)
	var apiErr *opentact.APIError
	if !errors.As(err, &apiErr) || apiErr.Uncertain == nil || !errors.Is(apiErr.Uncertain, opentact.ErrCancelled) || apiErr.Uncertain.Timeout != opentact.NoTimeout || !errors.Is(err, opentact.ErrUnknownOutcome) {
		t.Fatalf("err = %v (%+v), want an unknown outcome cut by the cancel", err, apiErr)
	}
	got := unknownOutcome(err, req, operationTime{setting: `timeouts { create = "5m" }`}, "terraform import").detail
	says(t, "the interrupted create", got, "the create was cancelled (Terraform was interrupted) before the API answered")
	if strings.Contains(got, "broke") || strings.Contains(got, "context canceled") || strings.Contains(got, "raise") {
		t.Errorf("an interrupt is no broken connection and no timeout:\n%s", got)
	}
}

// What a failed read tells the user, from real failures of each kind: the
// limit that ran out, a cancel, an answer that is not the API's, retries
// spent, broken connections, a refused token.
func TestReadFailuresSayWhatToDo(t *testing.T) {
	serve := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	hang, _ := hangingServer(t, nil)
	answer := func(status int, contentType, body string) string {
		return serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		})
	}
	drop := serve(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	for _, tc := range []struct {
		name    string
		url     string
		timeout time.Duration // the request's
		ctx     func() (context.Context, context.CancelFunc)
		want    string
	}{
		{"request timeout", hang, 500 * time.Millisecond, nil, "No answer came within request_timeout (500ms), after 2 attempts"},
		{"operation timeout", hang, time.Minute, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 700*time.Millisecond)
		}, "The operation's time (700ms) ran out after 1 attempt."},
		{"cancel", hang, time.Minute, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, "The operation was cancelled (Terraform was interrupted) before the API answered"},
		{"HTML 200", answer(200, "text/html", "<html>portal</html>"), time.Minute, nil, "Something other than the OpenTact API may have answered"},
		{"503 until max_retries", answer(503, "application/json", `{"success":false,"message":"maintenance","status":0}`), time.Minute, nil, "Gave up after 1 retry (max_retries)"},
		{"broken connections", drop, time.Minute, nil, "The connection broke after the request was sent, 2 times (max_retries is 1)"},
		{"refused token", answer(401, "application/json", `{"success":false,"message":"Unauthorized","status":0}`), time.Minute, nil, "The API refused the token. Check that OPENTACT_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) {
				cfg.BaseURL, cfg.RequestTimeout = tc.url, tc.timeout
			})
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			_, err := c.GetUser(ctx, someUserID)
			if err == nil {
				t.Fatal("the read succeeded")
			}
			says(t, tc.name, readFailed(err, operationTime{limit: 700 * time.Millisecond}).detail, tc.want)
		})
	}
}

// The client's log lines reach tflog with the token masked in the message
// and in every field, whatever a future change logs.
func TestAPILoggerMasksTheToken(t *testing.T) {
	const token = "eyJ-secret-token-value"
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	apiLogger(token)(ctx, "retrying with "+token, map[string]any{"header": "X-Auth-Token: " + token, "path": "/rest/sip/connection/user"})
	raw := out.String()
	entries, err := tflogtest.MultilineJSONDecode(&out)
	if err != nil || len(entries) != 1 {
		t.Fatalf("log entries = %v (%v), want one", entries, err)
	}
	if strings.Contains(raw, token) || !strings.Contains(raw, "/rest/sip/connection/user") {
		t.Errorf("the log line holds the token, or lost its other fields: %v", entries)
	}
}

// A refused certificate names the host and what to check, by its reason; a
// dead address says nothing was sent, the first read and the next.
func TestCertificateAndUnreachableRemedies(t *testing.T) {
	for name, tc := range map[string]struct {
		hosts    []string
		notAfter time.Time
		want     string
	}{
		"expired":    {[]string{"127.0.0.1"}, time.Now().Add(-time.Hour), "has expired or is not valid yet"},
		"other host": {[]string{"api.example.net"}, time.Now().Add(time.Hour), "is issued for another host than 127.0.0.1"},
	} {
		cert, err := emulator.NewCertificate(tc.hosts, tc.notAfter)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(emulator.New(emulator.Options{}))
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL, cfg.CACertificatePEM = srv.URL, cert.CAPEM })
		_, err = c.GetUser(context.Background(), someUserID)
		says(t, name, readFailed(err, fixedTime).detail, tc.want, "Nothing was sent")
	}
	dead, err := emulator.ListenRefusing()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dead.Close() })
	url := "http://" + dead.Addr().String()
	c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) {
		cfg.BaseURL, cfg.NotSentWindow = url, 50*time.Millisecond
	})
	_, err = c.GetUser(context.Background(), someUserID)
	says(t, "the first call to a dead address", readFailed(err, fixedTime).detail, "Nothing reached the API at", "the request was never sent")
	_, err = c.GetUser(context.Background(), someUserID)
	says(t, "the next call", readFailed(err, fixedTime).detail, "Nothing has reached the API at", "in this run", "so this one was not tried")

	// Plain HTTP on the HTTPS port: something answered, but not TLS.
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	c = testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL = "https://" + plain.Listener.Addr().String() })
	_, err = c.GetUser(context.Background(), someUserID)
	got := readFailed(err, fixedTime).detail
	says(t, "plain HTTP on the HTTPS port", got, "answered the HTTPS handshake with something that is not TLS", "Check base_url's scheme and port")
	if strings.Contains(got, "Nothing reached the API") {
		t.Errorf("something answered, in plain HTTP: %s", got)
	}
}

// The unknown outcome says what made it uncertain: request_timeout, a
// connection broken after sending; and a lookup that failed too.
func TestUnknownOutcomeSaysWhatMadeItUncertain(t *testing.T) {
	req := opentact.CreateUserRequest{SIPConnectionUUID: emulator.SeedConnections[0].UUID, Login: "alice001", Password: "Kq7#vT2!mZr9@Lx"}
	// Every POST is cut after it was sent.
	emu := emulator.New(emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: "POST", Drop: true, Times: 10})
	_, err := testClient(t, emu).CreateUser(context.Background(), req)
	says(t, "a broken connection", unknownOutcome(err, req, operationTime{}, "terraform import").detail,
		"the connection broke after the request was sent", "found no user with it")

	// Every POST hangs past request_timeout, and the lookup fails.
	srv, _ := hangingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"success":false,"message":"list unavailable","status":0}`))
	})
	c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL, cfg.RequestTimeout = srv, 500*time.Millisecond })
	_, err = c.CreateUser(context.Background(), req)
	says(t, "a request timeout", unknownOutcome(err, req, operationTime{}, "terraform import").detail,
		"no answer came within request_timeout (500ms)", "looking for it afterwards failed too", "list unavailable")
}

// someUserID is a well-formed uuid of no user, for reads that fail first.
const someUserID = "3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"

// hangingServer is the URL of a server whose POSTs (every request, when
// others is nil) never get an answer: they are held until the client gives
// up or the test ends. Other requests go to others. held receives a value
// when a request has arrived and is held.
func hangingServer(t *testing.T, others http.HandlerFunc) (url string, held <-chan struct{}) {
	done := make(chan struct{})
	arrived := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if others != nil && r.Method != http.MethodPost {
			others(w, r)
			return
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // before Close, which waits for the held requests
	return srv.URL, arrived
}

// A refused base_url says what to remove, and never shows the credentials
// or the query written into it, whatever their shape.
func TestInvalidBaseURLSaysWhatToRemove(t *testing.T) {
	for raw, want := range map[string]string{
		"https://ops:hunter2-secret@api.example.net":   "contains credentials. Remove them",
		"https://ops:hunter2-secret@api.example.net\n": "contains credentials. Remove them",
		" https://ops:hunter2-secret@api.example.net":  "contains credentials. Remove them",
		"https://hunter2-secret@api.example.net":       "contains credentials. Remove them",
		"https://ops:hunter2/secret@api.example.net":   "is not an absolute URL",
		"https://ops:hunter2#secret@api.example.net":   "is not an absolute URL",
		"https://api.example.net/?token=hunter2":       "has a query or fragment",
		"https://api.example.net/#hunter2":             "has a query or fragment",
		"ftp://api.example.net":                        "must start with https://",
		"http://api.example.net":                       "uses plain http to a non-loopback host",
	} {
		_, err := opentact.ParseBaseURL(raw)
		var bad *opentact.BaseURLError
		if !errors.As(err, &bad) {
			t.Fatalf("%q: err = %v, want a BaseURLError", raw, err)
		}
		got := invalidBaseURL(bad, false).detail
		says(t, raw, got, want, "base_url", "api.example.net")
		if strings.Contains(got, "hunter2") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the message shows a secret: %s (%v)", raw, got, err)
		}
	}
}

// Every message built on a failed call says when the API's message was
// left out for echoing a secret: a 409 on create (with and without a
// hand-over) and on update print the call's error, which says so.
func TestWithheldMessageIsAlwaysSaid(t *testing.T) {
	const password = "Zq7#vT2!mZr9wXp"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"success":false,"status":409,"message":"login alice001 exists (request: password=` + password + `)"}`))
	}))
	t.Cleanup(srv.Close)
	c := testClient(t, emulator.New(emulator.Options{}), func(cfg *opentact.Config) { cfg.BaseURL = srv.URL })
	req := opentact.CreateUserRequest{SIPConnectionUUID: emulator.SeedConnections[0].UUID, Login: "alice001", Password: password}
	_, err := c.CreateUser(context.Background(), req)
	details := []string{
		createFailed(err, req, false, timeoutsOf("create", 5*time.Minute)).detail,
		createFailed(err, req, true, timeoutsOf("create", 5*time.Minute)).detail,
	}
	var patch opentact.UserPatch
	patch.Set(opentact.FieldPassword, password)
	_, err = c.ModifyUser(context.Background(), someUserID, patch)
	details = append(details, updateFailed(err, "alice001", req.SIPConnectionUUID, false, timeoutsOf("update", 5*time.Minute)).detail)
	for i, got := range details {
		if strings.Contains(got, password[:6]) || !strings.Contains(got, opentact.WithheldNote) {
			t.Errorf("message %d holds the password or does not say the API's message was left out:\n%s", i, got)
		}
	}
}
