// Package emulator is an in-memory OpenTact SIP user API, written from the
// API document (not from the client), for tests and for trying
// configurations offline. It validates as the API does and can be told to
// misbehave: faults, latency, out-of-band changes.
package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the token the emulator accepts unless told otherwise.
const DefaultToken = "emulator-token" //nolint:gosec // the emulator's own fake credential

// Options configure a Server.
type Options struct {
	Token     string        // the one X-Auth-Token accepted; DefaultToken if empty
	Latency   time.Duration // added to every API answer
	RateLimit RateLimit     // off unless PerSecond > 0
	// PhoneAsNumber renders an all-digits phone_number as a JSON number, as
	// one place of the vendor page documents it.
	PhoneAsNumber bool
	// RejectUnder200 answers validation failures under HTTP 200 (the error
	// envelope with status 0), as the API document shows them, instead of
	// HTTP 400.
	RejectUnder200 bool
}

// Server is the emulator. Its zero value is not usable: call New.
type Server struct {
	token string

	mu          sync.Mutex
	connections map[string]Connection
	users       map[string]User
	latency     time.Duration
	limiter     *rateLimiter // nil when requests are not limited
	phoneNumber bool         // render all-digits phone numbers as JSON numbers
	rejectHTTP  int          // the HTTP status of a validation failure
	log         []*Request   // pointers, so the answer's status can be filled in
	faults      []*Fault
	random      *randomFaults
	picker      FaultPicker
	now         func() time.Time
}

// New returns an emulator with the seed connections and no users.
func New(opts Options) *Server {
	s := &Server{
		token:       opts.Token,
		connections: map[string]Connection{},
		users:       map[string]User{},
		latency:     opts.Latency,
		limiter:     newRateLimiter(opts.RateLimit),
		phoneNumber: opts.PhoneAsNumber,
		rejectHTTP:  http.StatusBadRequest,
		now:         time.Now,
	}
	if opts.RejectUnder200 {
		s.rejectHTTP = http.StatusOK
	}
	if s.token == "" {
		s.token = DefaultToken
	}
	for _, c := range SeedConnections {
		s.connections[c.UUID] = c
	}
	return s
}

// Token is the token the emulator accepts.
func (s *Server) Token() string { return s.token }

const apiPrefix = "/rest/sip/connection/"

// ServeHTTP answers the API under /rest/sip/connection/ and the emulator's
// own control API under /_emulator/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := s.record(r, body)
	sw := &statusWriter{ResponseWriter: w}
	defer s.answered(req, sw)
	s.serve(sw, r, req, body)
}

// serve answers one logged API request: the rate limit first (a refused
// request costs the service nothing), then latency, faults and the work.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, req *Request, body []byte) {
	if retryAfter, ok := s.admit(req, w.Header()); !ok {
		rateLimitExceeded(w, retryAfter)
		return
	}
	if d := s.currentLatency(); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	fault := s.takeFault(r)
	if fault == nil {
		s.mu.Lock()
		picker := s.picker
		s.mu.Unlock()
		if picker != nil {
			fault = picker(r, body)
		}
	}
	if fault != nil && fault.Foreign {
		s.colleagueCreates(r, body)
	}
	switch {
	case fault == nil || !fault.answers():
		s.serveAPI(w, r, body)
	case fault.Cut:
		s.cut(w, r, body)
	case fault.Override != nil:
		s.overridden(w, r, body, fault)
	case fault.AfterWork:
		// Do the work, throw the answer away, then misbehave.
		s.serveAPI(discard{header: http.Header{}}, r, body)
		fault.apply(w, r)
	default:
		fault.apply(w, r)
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Header.Get("X-Auth-Token") != s.token {
		writeError(w, http.StatusUnauthorized, http.StatusUnauthorized, "invalid or missing X-Auth-Token")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, http.StatusNotFound, "no such endpoint")
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 1 && parts[0] == "user" && r.Method == http.MethodPost:
		s.create(w, "", body)
	case len(parts) == 2 && parts[0] == "user":
		switch r.Method {
		case http.MethodGet:
			s.get(w, parts[1])
		case http.MethodPatch:
			s.modify(w, parts[1], body)
		case http.MethodDelete:
			s.remove(w, parts[1])
		default:
			writeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "method not allowed")
		}
	case len(parts) == 2 && strings.EqualFold(parts[1], "users"):
		switch r.Method {
		case http.MethodGet:
			s.list(w, parts[0])
		case http.MethodPost:
			// The create heading's form: the connection is in the path.
			s.create(w, parts[0], body)
		default:
			writeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, "method not allowed")
		}
	default:
		writeError(w, http.StatusNotFound, http.StatusNotFound, "no such endpoint")
	}
}

func (s *Server) list(w http.ResponseWriter, connection string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.connections[connection]; !ok {
		writeError(w, http.StatusNotFound, http.StatusNotFound, fmt.Sprintf("SIP connection %s not found", connection))
		return
	}
	out := []map[string]any{}
	for _, u := range s.usersOf(connection) {
		out = append(out, s.render(u))
	}
	writePayload(w, out)
}

func (s *Server) get(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.findUser(w, id)
	if !ok {
		return
	}
	writePayload(w, s.render(u))
}

func (s *Server) create(w http.ResponseWriter, pathConnection string, body []byte) {
	fields, err := decodeFields(body)
	if err != nil {
		s.writeValidation(w, err.Error())
		return
	}
	if pathConnection != "" {
		if c := fields["sip_connection_uuid"]; c != nil && *c != pathConnection {
			s.writeValidation(w, "sip_connection_uuid in the body differs from the SIP connection in the path")
			return
		}
		fields["sip_connection_uuid"] = &pathConnection
	}
	for _, required := range []string{"sip_connection_uuid", "login", "password"} {
		if fields[required] == nil {
			s.writeValidation(w, required+" is required")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	connection := *fields["sip_connection_uuid"]
	if _, ok := s.connections[connection]; !ok {
		writeError(w, http.StatusNotFound, http.StatusNotFound, fmt.Sprintf("SIP connection %s not found", connection))
		return
	}
	login := *fields["login"]
	if s.loginTaken(connection, login, "") {
		writeError(w, http.StatusConflict, http.StatusConflict, fmt.Sprintf("login %s already exists on SIP connection %s", login, connection))
		return
	}
	sent := map[string]string{}
	for _, f := range optionalFields {
		if v := fields[f]; v != nil {
			sent[f] = *v
		}
	}
	writePayload(w, s.render(s.storeUser(connection, login, *fields["password"], sent)))
}

func (s *Server) modify(w http.ResponseWriter, id string, body []byte) {
	fields, err := decodeFields(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.findUser(w, id)
	if !ok {
		return
	}
	if err != nil {
		s.writeValidation(w, err.Error())
		return
	}
	u = u.clone()
	if code, status, msg := s.patch(&u, fields); msg != "" {
		writeError(w, code, status, msg)
		return
	}
	u.ModifiedOn = s.now().UTC().Truncate(time.Second)
	s.users[id] = u
	writePayload(w, s.render(u))
}

// patch applies fields to u; it returns an HTTP code, an envelope status and
// a message when the change is refused.
func (s *Server) patch(u *User, fields map[string]*string) (int, int, string) {
	for _, required := range []string{"sip_connection_uuid", "login", "password"} {
		if v, present := fields[required]; present && v == nil {
			return s.rejectHTTP, 0, required + " cannot be cleared"
		}
	}
	if v := fields["sip_connection_uuid"]; v != nil {
		if _, ok := s.connections[*v]; !ok {
			return http.StatusNotFound, http.StatusNotFound, fmt.Sprintf("SIP connection %s not found", *v)
		}
		u.Connection = *v
	}
	if v := fields["login"]; v != nil {
		u.Login = *v
	}
	if s.loginTaken(u.Connection, u.Login, u.UUID) {
		return http.StatusConflict, http.StatusConflict, fmt.Sprintf("login %s already exists on SIP connection %s", u.Login, u.Connection)
	}
	if v := fields["password"]; v != nil {
		// After login and connection: the digests are for the new ones.
		s.setPassword(u, *v)
	}
	for _, f := range optionalFields {
		v, present := fields[f]
		switch {
		case !present:
		case v == nil:
			delete(u.Fields, f)
		default:
			u.Fields[f] = *v
		}
	}
	return 0, 0, ""
}

func (s *Server) remove(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.findUser(w, id)
	if !ok {
		return
	}
	delete(s.users, id)
	writePayload(w, s.render(u))
}

// findUser returns the user with this uuid, or answers 404. The caller
// holds s.mu.
func (s *Server) findUser(w http.ResponseWriter, id string) (User, bool) {
	u, ok := s.users[id]
	if !ok {
		writeError(w, http.StatusNotFound, http.StatusNotFound, fmt.Sprintf("SIP user %s not found", id))
	}
	return u, ok
}

func writePayload(w http.ResponseWriter, payload any) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "payload": payload})
}

// writeValidation answers as the API documents its validation failures:
// an error envelope with status 0 (under HTTP 400, or 200: RejectUnder200).
func (s *Server) writeValidation(w http.ResponseWriter, msg string) {
	writeError(w, s.rejectHTTP, 0, msg)
}

func writeError(w http.ResponseWriter, code, status int, msg string) {
	writeJSON(w, code, map[string]any{"success": false, "message": msg, "status": status})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// statusWriter remembers the status answered, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets the Drop fault close the connection through the wrapper.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be hijacked")
	}
	return hj.Hijack()
}

// Unwrap serves http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discard is where the answer of work done before a fault goes.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

var errUnknownUser = errors.New("no such SIP user")
