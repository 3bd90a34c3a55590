package emulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
)

// Fault is a misbehaviour for the next matching API requests.
type Fault struct {
	Method     string `json:"method,omitempty"`      // "" matches any method
	PathPrefix string `json:"path_prefix,omitempty"` // "" matches any path
	Times      int    `json:"times,omitempty"`       // how many requests it hits; 0 means 1
	// AfterWork does the request's work first, then answers with the fault:
	// the client cannot tell that its write happened.
	AfterWork bool `json:"after_work,omitempty"`

	Status     int    `json:"status,omitempty"`      // answer with this status and an error envelope
	RetryAfter string `json:"retry_after,omitempty"` // with a Retry-After header
	HTML       bool   `json:"html,omitempty"`        // the answer is an HTML page (a proxy's)
	Body       string `json:"body,omitempty"`        // the answer's raw body, instead of an envelope
	Empty      bool   `json:"empty,omitempty"`       // the answer has an empty body
	Drop       bool   `json:"drop,omitempty"`        // close the connection without answering
	RedirectTo string `json:"redirect_to,omitempty"` // answer 307 to this base URL + the request path
	// Hang never answers: the request waits until the client gives up (its
	// timeout, or a cancel). With AfterWork, the work is done first.
	Hang bool `json:"hang,omitempty"`
	// Override does the request's work and answers the API's own answer
	// with these payload fields replaced (a malformed created_on, say).
	Override map[string]any `json:"override,omitempty"`
	// Cut does the request's work and sends the API's answer cut in the
	// middle of its body (the headers announce all of it), then closes the
	// connection.
	Cut bool `json:"cut,omitempty"`

	// Foreign matches only requests that create a user. Before the request's
	// work or fault answer, a colleague creates a user with the same login on
	// the same SIP connection (password ColleaguePassword), so a retry after
	// e.g. Status 503 meets a 409 for a user that is not ours. Without any
	// answer field the request then goes through and meets the 409 itself.
	Foreign bool `json:"foreign,omitempty"`
}

// ColleaguePassword is the password of the user a Foreign fault creates.
const ColleaguePassword = "colleague-secret" //nolint:gosec // fake, for tests

func (f *Fault) matches(r *http.Request) bool {
	if f.Foreign {
		if _, create := createRequest(r); !create {
			return false
		}
	}
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) && strings.HasPrefix(r.URL.Path, f.PathPrefix)
}

// answers reports whether the fault replaces the API's answer; a fault that
// only sets Foreign does not.
func (f *Fault) answers() bool {
	return !f.Foreign || f.Status != 0 || f.HTML || f.Body != "" || f.Empty || f.Drop || f.RedirectTo != "" || f.Hang || f.Override != nil || f.Cut
}

// overridden answers r as the API does, with the payload fields of f.Override
// replaced.
func (s *Server) overridden(w http.ResponseWriter, r *http.Request, body []byte, f *Fault) {
	rec := httptest.NewRecorder()
	s.serveAPI(rec, r, body)
	var answer map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		writeJSON(w, rec.Code, map[string]any{"success": false, "message": "emulator: cannot override " + err.Error(), "status": rec.Code})
		return
	}
	if payload, ok := answer["payload"].(map[string]any); ok {
		for k, v := range f.Override {
			payload[k] = v
		}
	}
	writeJSON(w, rec.Code, answer)
}

func (f *Fault) apply(w http.ResponseWriter, r *http.Request) {
	switch {
	case f.Hang:
		<-r.Context().Done()
		return
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case f.RedirectTo != "":
		// An open redirect is the point: it tests that clients refuse it.
		http.Redirect(w, r, strings.TrimRight(f.RedirectTo, "/")+r.URL.RequestURI(), http.StatusTemporaryRedirect) //nolint:gosec // see above
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.HTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><head><title>" + http.StatusText(status) + "</title></head><body><h1>" + http.StatusText(status) + "</h1><hr>nginx</body></html>\n"))
	case f.Empty:
		w.WriteHeader(status)
	case f.Body != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
	default:
		writeError(w, status, status, "injected fault: "+http.StatusText(status))
	}
}

// cut answers r as the API does, but for the second half of the body.
func (s *Server) cut(w http.ResponseWriter, r *http.Request, body []byte) {
	rec := httptest.NewRecorder()
	s.serveAPI(rec, r, body)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer func() { _ = conn.Close() }()
	answer := rec.Body.Bytes()
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", rec.Code, http.StatusText(rec.Code), len(answer))
	_, _ = buf.Write(answer[:len(answer)/2])
	_ = buf.Flush()
}

// FaultPicker chooses a fault for an API request that no queued fault
// matched, or nil. It is called outside the emulator's lock (it may call
// User), before the request's work; body is the request's body.
type FaultPicker func(r *http.Request, body []byte) *Fault

// SetFaultPicker installs p (nil removes it): a schedule of faults of a
// test's own, for example by request count or by operation and user.
func (s *Server) SetFaultPicker(p FaultPicker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.picker = p
}

// randomFaults answers a share of API requests with an error, before any
// work is done, as a rate-limited service under load does.
type randomFaults struct {
	rate       float64
	statuses   []int
	retryAfter string
	rng        *rand.Rand
}

// InjectFault queues a fault; queued faults are used in order.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// SetRandomFaults answers the given share (0..1) of API requests with one
// of statuses, chosen by a generator seeded with seed; rate 0 turns it off.
func (s *Server) SetRandomFaults(rate float64, statuses []int, retryAfter string, seed uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rate <= 0 || len(statuses) == 0 {
		s.random = nil
		return
	}
	s.random = &randomFaults{rate: rate, statuses: statuses, retryAfter: retryAfter, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} //nolint:gosec // test traffic shaping
}

// ClearFaults drops the queued faults and turns random faults off.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.random = nil
}

// PendingFaults is how many queued faults have not fired yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.matches(r) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	if s.random != nil && s.random.rng.Float64() < s.random.rate {
		status := s.random.statuses[s.random.rng.IntN(len(s.random.statuses))]
		return &Fault{Status: status, RetryAfter: s.random.retryAfter}
	}
	return nil
}

// createRequest reports whether r creates a user, and the SIP connection in
// its path when it uses the create heading's form.
func createRequest(r *http.Request) (pathConnection string, ok bool) {
	if r.Method != http.MethodPost {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		return "", false
	}
	if rest == "user" {
		return "", true
	}
	connection, users, ok := strings.Cut(rest, "/")
	return connection, ok && connection != "" && strings.EqualFold(users, "users")
}

// colleagueCreates makes, as someone else, a user with the login and SIP
// connection of create request r; when that is impossible (no login, an
// unknown connection, a taken login) the colleague does nothing.
func (s *Server) colleagueCreates(r *http.Request, body []byte) {
	pathConnection, ok := createRequest(r)
	if !ok {
		return
	}
	var req struct {
		Login      string `json:"login"`
		Connection string `json:"sip_connection_uuid"`
	}
	_ = json.Unmarshal(body, &req)
	if pathConnection != "" {
		req.Connection = pathConnection
	}
	if _, err := validators["login"](req.Login); err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.addUser(req.Connection, req.Login, ColleaguePassword, map[string]string{"first_name": "Colleague"})
}
