package campaign

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// The harness's own parts, without the CLI: each must be able to fail.

// A seed always gives the same schedule, within the bounds that keep a
// seed fast, and different seeds give different ones.
func TestScheduleIsTheSeeds(t *testing.T) {
	a, b := NewSchedule(15), NewSchedule(15)
	if a.Describe() != b.Describe() || len(a.Entries) != len(b.Entries) {
		t.Fatalf("seed 15 gave %s, then %s", a.Describe(), b.Describe())
	}
	if NewSchedule(16).Describe() == a.Describe() {
		t.Fatal("seeds 15 and 16 gave the same schedule")
	}
	for seed := uint64(1); seed <= 300; seed++ {
		s := NewSchedule(seed)
		if s.Users < minUsers || s.Users > maxUsers {
			t.Fatalf("seed %d: %d users", seed, s.Users)
		}
		var outages time.Duration
		for _, e := range s.Entries {
			switch {
			case e.Kind == Outage:
				outages += e.Duration
				if e.Duration < minOutage || e.Duration > maxOutage {
					t.Fatalf("seed %d: an outage of %s", seed, e.Duration)
				}
			case e.RetryAfter > maxRetryAfter:
				t.Fatalf("seed %d: Retry-After %d", seed, e.RetryAfter)
			case e.Key != nil && (len(e.Key.User) < 7 || len(e.Key.User) > 15):
				t.Fatalf("seed %d: login %q", seed, e.Key.User)
			}
		}
		if outages > maxOutageTotal {
			t.Fatalf("seed %d: %s of outages", seed, outages)
		}
	}
}

// The catalogue is read from the provider's source: it holds the messages
// a failed apply may end with, and nothing else.
func TestCatalogueReadsTheProvider(t *testing.T) {
	c, err := ReadCatalogue(filepath.Join("..", "provider"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SIP user creation outcome unknown", "Cannot create the SIP user", "OpenTact API unreachable", "Invalid IPv4 address", "Invalid OPENTACT_PLAN_CHECKS"} {
		if !c.Has(want) {
			t.Errorf("the catalogue lacks %q", want)
		}
	}
	for _, not := range []string{"Plugin did not respond", "Request cancelled", ""} {
		if c.Has(not) {
			t.Errorf("the catalogue has %q", not)
		}
	}
}

// serveInjector serves an emulator through an injector with sched.
func serveInjector(t *testing.T, sched Schedule, replay []Event) (*injector, string, string) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	ln, err := emulator.ListenWithOutages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inj := newInjector(emu, ln, sched, replay)
	srv := &http.Server{Handler: inj, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return inj, "http://" + ln.Addr().String(), emu.Token()
}

// send makes one API request on a fresh connection and returns its status
// (0 when no answer came).
func send(t *testing.T, base, token, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", token)
	req.Close = true
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// Faults land on the request count or the (command, operation, user,
// attempt) they are placed at, a burst on as many requests in a row; the
// trace records them, and replaying the trace puts them on the same keys.
func TestInjectorPlacesAndReplays(t *testing.T) {
	berlin := emulator.SeedConnections[0]
	create := `{"sip_connection_uuid":"` + berlin.UUID + `","login":"alice001","password":"p"}`
	sched := Schedule{Entries: []Entry{
		{Kind: Busy, At: 2, Count: 1},
		{Kind: RateLimited, At: 3, Count: 2, RetryAfter: 1},
		{Kind: Lost, Count: 1, Key: &Key{Step: "b", Op: "POST create", User: "alice001", Attempt: 2}},
	}}
	steps := func(base, token string, inj *injector, extra bool) []int {
		inj.startCommand(0, "a")
		if extra { // shifts the request counts, not the keys
			if s := send(t, base, token, "GET", "/rest/sip/connection/user/00000000-0000-4000-8000-000000000000", ""); s != 404 {
				t.Fatalf("the extra request: %d", s)
			}
		}
		list := "/rest/sip/connection/" + berlin.UUID + "/users"
		out := []int{send(t, base, token, "GET", list, ""), send(t, base, token, "GET", list, ""), send(t, base, token, "GET", list, ""), send(t, base, token, "GET", list, ""), send(t, base, token, "GET", list, "")}
		inj.startCommand(1, "b")
		return append(out, send(t, base, token, "POST", "/rest/sip/connection/user", create), send(t, base, token, "POST", "/rest/sip/connection/user", create))
	}
	inj, base, token := serveInjector(t, sched, nil)
	got := steps(base, token, inj, false)
	// The second create is lost after its work (a 409: the first made
	// the user).
	want := []int{200, 503, 429, 429, 200, 200, 0}
	if fmtInts(got) != fmtInts(want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	trace := inj.trace()
	if len(trace) != 4 || trace[0].Kind != Busy || trace[0].Request != 2 || trace[3].Kind != Lost || trace[3].User != "alice001" || trace[3].Attempt != 2 || trace[3].Command != 1 {
		t.Fatalf("trace %+v", trace)
	}
	// The replay: same keys, same faults, whatever the schedule says and
	// however the requests are numbered.
	inj2, base2, token2 := serveInjector(t, Schedule{}, trace)
	if got2 := steps(base2, token2, inj2, true); fmtInts(got2) != fmtInts(want) {
		t.Fatalf("replayed statuses %v, want %v", got2, want)
	}
	if tr := inj2.trace(); len(tr) != len(trace) {
		t.Fatalf("the replay injected %+v, want %+v", tr, trace)
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for i, n := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// An outage placed at a request count resets that request, refuses the
// next ones until it ends, and is recorded with its start and end.
func TestInjectorOutage(t *testing.T) {
	inj, base, token := serveInjector(t, Schedule{Entries: []Entry{{Kind: Outage, At: 2, Count: 1, Duration: 300 * time.Millisecond}}}, nil)
	inj.startCommand(0, "a")
	path := "/rest/sip/connection/user/" + "00000000-0000-4000-8000-000000000000"
	if s := send(t, base, token, "GET", path, ""); s != 404 {
		t.Fatalf("before the outage: %d", s)
	}
	if s := send(t, base, token, "GET", path, ""); s != 0 {
		t.Fatalf("the outage's request was answered %d", s)
	}
	if s := send(t, base, token, "GET", path, ""); s != 0 {
		t.Fatalf("during the outage a request was answered %d", s)
	}
	<-inj.ln.Back()
	if s := send(t, base, token, "GET", path, ""); s != 404 {
		t.Fatalf("after the outage: %d", s)
	}
	tr := inj.trace()
	if len(tr) != 1 || tr[0].Kind != Outage || tr[0].Request != 2 || tr[0].End.Sub(tr[0].Start) < 300*time.Millisecond {
		t.Fatalf("trace %+v", tr)
	}
	if n := inj.count(); n != 3 {
		t.Fatalf("%d requests counted, want 3 (the refused one never came)", n)
	}
}

// The secret scan finds a leaked digest, and a classic password anywhere
// but its own attribute in state.
func TestSecretScan(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := &seedRun{dir: dir, res: &Result{Broken: map[Invariant]int{}}, token: "tok-123456789", digests: map[string]bool{"d1g3st": true},
		m: &model{classic: []string{"classic-secret-1"}, wo: []string{"wo-secret-1"}}}
	write("out/00-x.log", "OpenTact API request ...")
	write("terraform.tfstate", `{"password": "classic-secret-1"}`)
	r.checkSecrets()
	if len(r.res.Violations) != 0 {
		t.Fatalf("clean files: %v", r.res.Violations)
	}
	write("out/00-x.stdout", "d1g3st")
	write("terraform.tfstate", `{"password": "classic-secret-1", "note": "classic-secret-1"}`)
	r.checkSecrets()
	if len(r.res.Violations) != 2 || r.res.Broken[InvSecrets] != 2 || !strings.Contains(r.res.Violations[0]+r.res.Violations[1], "digest") {
		t.Fatalf("violations %v, want the digest and the classic password", r.res.Violations)
	}
}

// A failure is excused by a call that met more faults than max_retries,
// or by an outage before the provider's first answer when only reads
// failed, unreachable; not by less.
func TestExcuse(t *testing.T) {
	inj, _, _ := serveInjector(t, Schedule{}, nil)
	inj.startCommand(0, "a")
	r := &seedRun{inj: inj, opts: Options{MaxRetries: 2, RequestTimeout: 2 * time.Second, OpTimeout: 60 * time.Second}}
	cmd := &command{n: 0, started: time.Now(), took: time.Second, diags: []Diagnostic{{Severity: "error", Summary: "Cannot update the SIP user"}}}
	add := func(e Event) {
		inj.mu.Lock()
		inj.events = append(inj.events, e)
		inj.mu.Unlock()
	}
	add(Event{Command: 0, Op: "PATCH modify", User: "alice001", Attempt: 1, Kind: Lost})
	add(Event{Command: 0, Op: "PATCH modify", User: "alice001", Attempt: 2, Kind: Busy})
	if why := r.excuse(cmd); why != "" {
		t.Fatalf("two faults, max_retries 2: excused (%s)", why)
	}
	add(Event{Command: 0, Op: "PATCH modify", User: "alice001", Attempt: 3, Kind: Cut})
	if why := r.excuse(cmd); why == "" {
		t.Fatal("three faults, max_retries 2: not excused")
	}
	inj.mu.Lock()
	inj.events = []Event{{Command: 0, Kind: Outage, Start: time.Now(), End: time.Now().Add(6 * time.Second), Duration: 6 * time.Second}}
	inj.mu.Unlock()
	if why := r.excuse(cmd); why != "" {
		t.Fatalf("an outage before the first answer, a write failed: excused (%s)", why)
	}
	cmd.diags = []Diagnostic{{Severity: "error", Summary: "Cannot read the SIP user", Detail: "Nothing reached the API at x (tried 9 times over 5s)"}}
	if why := r.excuse(cmd); why == "" {
		t.Fatal("an outage before the first answer, a read failed unreachable: not excused")
	}
}
