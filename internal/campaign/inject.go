package campaign

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// injector serves the emulator on an outage listener and decides, for each
// API request, the fault of the schedule (or of the trace it replays) that
// hits it, recording what it injected.
type injector struct {
	emu    *emulator.Server
	ln     *emulator.OutageListener
	sched  Schedule
	replay map[Key]Event // by key only, when replaying a trace

	mu       sync.Mutex
	on       bool
	command  int
	step     string
	requests int
	attempts map[Key]int // attempts so far, by key without Attempt
	burst    *Entry      // the 429 burst under way
	burstN   int         // its requests still to come
	decided  map[*http.Request]*emulator.Fault
	inflight map[*http.Request]Event
	events   []Event
	answered map[int]time.Time // command -> when its first request was answered
	started  map[int]time.Time // command -> when it started
}

func newInjector(emu *emulator.Server, ln *emulator.OutageListener, sched Schedule, replay []Event) *injector {
	inj := &injector{emu: emu, ln: ln, sched: sched, on: true, attempts: map[Key]int{}, decided: map[*http.Request]*emulator.Fault{},
		inflight: map[*http.Request]Event{}, answered: map[int]time.Time{}, started: map[int]time.Time{}}
	if replay != nil {
		inj.replay = map[Key]Event{}
		for _, e := range replay {
			if e.Kind != OutageReset {
				inj.replay[e.key()] = e
			}
		}
	}
	emu.SetFaultPicker(inj.pick)
	return inj
}

// startCommand numbers and names the CLI command about to run.
func (inj *injector) startCommand(n int, step string) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.command, inj.step = n, step
	inj.started[n] = time.Now()
}

// off stops injecting faults.
func (inj *injector) off() {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.on = false
}

// ServeHTTP numbers and classifies an API request, decides its fault, and
// hands it to the emulator.
func (inj *injector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/rest/") {
		inj.emu.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	op, user := classify(inj.emu, r, body)
	ev, fault, outage := inj.decide(r, op, user)
	if outage {
		inj.startOutage(r, ev)
	}
	inj.emu.ServeHTTP(w, r)
	inj.mu.Lock()
	defer inj.mu.Unlock()
	delete(inj.inflight, r)
	delete(inj.decided, r)
	if _, ok := inj.answered[ev.Command]; !ok && fault == nil {
		inj.answered[ev.Command] = time.Now()
	}
}

// decide numbers the request and picks its fault.
func (inj *injector) decide(r *http.Request, op, user string) (Event, *emulator.Fault, bool) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.requests++
	base := Key{Step: inj.step, Op: op, User: user}
	inj.attempts[base]++
	ev := Event{Request: inj.requests, Command: inj.command, Step: inj.step, Method: r.Method, Path: r.URL.Path, Op: op, User: user, Attempt: inj.attempts[base], At: time.Now()}
	inj.inflight[r] = ev
	if !inj.on {
		return ev, nil, false
	}
	kind, retryAfter, d, ok := inj.pickEntry(ev)
	if !ok {
		return ev, nil, false
	}
	ev.Kind, ev.RetryAfter, ev.Duration = kind, retryAfter, d
	f := kind.fault(retryAfter)
	inj.decided[r] = f
	if kind != Outage {
		inj.events = append(inj.events, ev)
	}
	return ev, f, kind == Outage
}

// pickEntry is the schedule's (or the replayed trace's) fault for ev. The
// caller holds inj.mu.
func (inj *injector) pickEntry(ev Event) (Kind, int, time.Duration, bool) {
	if inj.replay != nil {
		e, ok := inj.replay[ev.key()]
		return e.Kind, e.RetryAfter, e.Duration, ok
	}
	if inj.burstN > 0 {
		inj.burstN--
		return inj.burst.Kind, inj.burst.RetryAfter, 0, true
	}
	for i := range inj.sched.Entries {
		e := &inj.sched.Entries[i]
		byKey := e.Key != nil && *e.Key == ev.key()
		if !byKey && (e.At != ev.Request || e.Key != nil) {
			continue
		}
		if e.Kind == RateLimited && e.Count > 1 {
			inj.burst, inj.burstN = e, e.Count-1
		}
		return e.Kind, e.RetryAfter, e.Duration, true
	}
	return "", 0, 0, false
}

// startOutage begins an outage at request r: the requests in flight on
// other connections are reset with it, and recorded as such.
func (inj *injector) startOutage(r *http.Request, ev Event) {
	inj.mu.Lock()
	ev.Start = time.Now()
	for other, o := range inj.inflight {
		if other != r {
			o.Kind, o.At = OutageReset, ev.Start
			inj.events = append(inj.events, o)
		}
	}
	i := len(inj.events)
	inj.events = append(inj.events, ev)
	inj.mu.Unlock()
	inj.ln.Refuse(ev.Duration)
	back := inj.ln.Back()
	go func() {
		<-back
		inj.mu.Lock()
		defer inj.mu.Unlock()
		inj.events[i].End = time.Now()
	}()
}

// pick is the emulator's fault picker: the fault decided for r.
func (inj *injector) pick(r *http.Request, _ []byte) *emulator.Fault {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.decided[r]
}

// trace is the faults injected so far, in order.
func (inj *injector) trace() []Event {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return append([]Event(nil), inj.events...)
}

// count is how many API requests came.
func (inj *injector) count() int {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.requests
}

// firstAnswer is when command n's first request was answered without a
// fault (zero if none was).
func (inj *injector) firstAnswer(n int) (time.Time, time.Time) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.started[n], inj.answered[n]
}

// classify names a request's operation and the user it is about: the login
// (from the body for a create, the stored user otherwise) or, for a list,
// the connection's name.
func classify(emu *emulator.Server, r *http.Request, body []byte) (op, user string) {
	rest := strings.TrimPrefix(r.URL.Path, "/rest/sip/connection/")
	parts := strings.Split(rest, "/")
	switch {
	case r.Method == http.MethodPost && rest == "user":
		var req struct {
			Login string `json:"login"`
		}
		_ = json.Unmarshal(body, &req)
		return "POST create", req.Login
	case len(parts) == 2 && parts[0] == "user":
		kind := map[string]string{http.MethodGet: "get", http.MethodPatch: "modify", http.MethodDelete: "remove"}[r.Method]
		if u, ok := emu.User(parts[1]); ok {
			return r.Method + " " + kind, u.Login
		}
		return r.Method + " " + kind, "uuid:" + parts[1]
	case len(parts) == 2 && parts[1] == "users":
		for _, c := range emulator.SeedConnections {
			if c.UUID == parts[0] {
				return r.Method + " list", c.Name
			}
		}
		return r.Method + " list", parts[0]
	}
	return r.Method + " other", ""
}
