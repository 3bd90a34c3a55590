package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Request is one API request as the emulator received it.
type Request struct {
	Method string
	Path   string
	Token  string // the X-Auth-Token header as received
	Body   string
	// Status is the HTTP status answered; 0 while the answer is pending or
	// when there was none (a dropped connection, a client that gave up).
	Status int
	// RateLimited is set when the rate limit refused the request (its 429,
	// unlike an injected one).
	RateLimited bool
}

func (s *Server) record(r *http.Request, body []byte) *Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &Request{Method: r.Method, Path: r.URL.Path, Token: r.Header.Get("X-Auth-Token"), Body: string(body)}
	s.log = append(s.log, req)
	return req
}

// answered notes the status a logged request was answered with.
func (s *Server) answered(req *Request, w *statusWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req.Status = w.status
}

// Requests returns the API requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, req := range s.log {
		out[i] = *req
	}
	return out
}

// ResetRequests forgets the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// CountRequests counts logged requests with this method ("" for any) whose
// path starts with prefix.
func (s *Server) CountRequests(method, prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// CountStatus counts logged requests answered with this HTTP status.
func (s *Server) CountStatus(status int) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Status == status {
			n++
		}
	}
	return n
}

// SetLatency changes the delay added to every API answer.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

func (s *Server) currentLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// AddConnection adds a SIP connection and returns its uuid, so a test can
// have a connection of its own.
func (s *Server) AddConnection(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Connection{UUID: newUUID(), Name: name, Subdomain: name}
	s.connections[c.UUID] = c
	return c.UUID
}

// User returns a stored user, password included.
func (s *Server) User(uuid string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[uuid]
	return u.clone(), ok
}

// Users returns the users of a connection, oldest first.
func (s *Server) Users(connection string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usersOf(connection)
}

// UserCount is the number of users on all connections.
func (s *Server) UserCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}

// SeedUser stores a user directly, as if made outside Terraform. Fields are
// stored as given, without validation, and the password is "seeded".
func (s *Server) SeedUser(connection, login string, fields map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.addUser(connection, login, "seeded", fields)
	if err != nil {
		return "", err
	}
	return u.UUID, nil
}

// addUser stores a new user made outside the API. The caller holds s.mu.
func (s *Server) addUser(connection, login, password string, fields map[string]string) (User, error) {
	if _, ok := s.connections[connection]; !ok {
		return User{}, fmt.Errorf("no SIP connection %s", connection)
	}
	if s.loginTaken(connection, login, "") {
		return User{}, fmt.Errorf("login %s is taken on %s", login, connection)
	}
	return s.storeUser(connection, login, password, fields), nil
}

// storeUser stores a new user, created now, with a copy of fields. The
// caller holds s.mu and has checked the connection and the login.
func (s *Server) storeUser(connection, login, password string, fields map[string]string) User {
	now := s.now().UTC().Truncate(time.Second)
	u := User{UUID: newUUID(), Connection: connection, Login: login, Fields: make(map[string]string, len(fields)), CreatedOn: now, ModifiedOn: now}
	s.setPassword(&u, password)
	for k, v := range fields {
		u.Fields[k] = v
	}
	s.users[u.UUID] = u
	return u
}

// ChangeUser edits a user behind the provider's back: a nil value clears an
// optional field; "login", "password" and "sip_connection_uuid" may be set
// too. The change is validated as an API PATCH would be, and as there a new
// login or connection without a password leaves the digests stale.
func (s *Server) ChangeUser(uuid string, fields map[string]*string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[uuid]
	if !ok {
		return fmt.Errorf("%w: %s", errUnknownUser, uuid)
	}
	u = u.clone()
	if _, _, msg := s.patch(&u, fields); msg != "" {
		return fmt.Errorf("change refused: %s", msg)
	}
	u.ModifiedOn = s.now().UTC().Truncate(time.Second)
	s.users[uuid] = u
	return nil
}

// DeleteUser removes a user behind the provider's back.
func (s *Server) DeleteUser(uuid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[uuid]; !ok {
		return fmt.Errorf("%w: %s", errUnknownUser, uuid)
	}
	delete(s.users, uuid)
	return nil
}

// BackdateUser moves a user's created_on and modified_on into the past, to
// stand for a user made long before the test.
func (s *Server) BackdateUser(uuid string, by time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[uuid]; ok {
		u.CreatedOn = u.CreatedOn.Add(-by)
		u.ModifiedOn = u.ModifiedOn.Add(-by)
		s.users[uuid] = u
	}
}

// Digests returns the ha1 and ha1b the API stores and reports for a user,
// for tests that prove they never leave the provider.
func (s *Server) Digests(uuid string) (ha1, ha1b string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[uuid]
	return u.HA1, u.HA1B, ok
}

// CanRegister reports whether a SIP phone that knows the user's password
// could register: the stored digests must be the ones the current login and
// connection give. A login or connection changed without the password
// leaves them computed for the old ones.
func (s *Server) CanRegister(uuid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[uuid]
	if !ok {
		return false
	}
	ha1, ha1b := s.digests(u.Login, u.Connection, u.Password)
	return u.HA1 == ha1 && u.HA1B == ha1b
}

// RenameConnection renames a SIP connection outside Terraform. The realm
// comes from the subdomain, so the users' digests stay valid.
func (s *Server) RenameConnection(uuid, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.connections[uuid]
	if !ok {
		return fmt.Errorf("no SIP connection %s", uuid)
	}
	c.Name = name
	s.connections[uuid] = c
	return nil
}

// SetPhoneAsNumber switches how answers render an all-digits phone_number:
// as a JSON number (true) or a string (false, the default).
func (s *Server) SetPhoneAsNumber(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phoneNumber = on
}
