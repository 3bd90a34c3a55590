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
}

func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Token: r.Header.Get("X-Auth-Token"), Body: string(body)})
}

// Requests returns the API requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
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
	if _, ok := s.connections[connection]; !ok {
		return "", fmt.Errorf("no SIP connection %s", connection)
	}
	if s.loginTaken(connection, login, "") {
		return "", fmt.Errorf("login %s is taken on %s", login, connection)
	}
	now := s.now().UTC().Truncate(time.Second)
	u := User{UUID: newUUID(), Connection: connection, Login: login, Password: "seeded", Fields: map[string]string{}, CreatedOn: now, ModifiedOn: now}
	for k, v := range fields {
		u.Fields[k] = v
	}
	s.users[u.UUID] = u
	return u.UUID, nil
}

// ChangeUser edits a user behind the provider's back: a nil value clears an
// optional field; "login", "password" and "sip_connection_uuid" may be set
// too. The change is validated as an API PATCH would be.
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

// Digests returns the ha1 and ha1b the API reports for a user, for tests
// that prove they never leave the provider.
func (s *Server) Digests(uuid string) (ha1, ha1b string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[uuid]
	if !ok {
		return "", "", false
	}
	ha1, ha1b = s.digests(u)
	return ha1, ha1b, true
}
