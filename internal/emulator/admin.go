package emulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// adminPrefix is the emulator's own control API, for scripts that run it as
// a separate process (make demo, make bench). It needs no token: the
// emulator listens on loopback.
const adminPrefix = "/_emulator/"

var uuidInPath = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Stats is what GET /_emulator/stats answers.
type Stats struct {
	Total    int            `json:"total"`
	Calls    map[string]int `json:"calls"`    // "GET /rest/sip/connection/user/{uuid}" -> count
	Statuses map[string]int `json:"statuses"` // "429" -> count; unanswered requests are left out
	// RateLimited counts the requests the rate limit refused (not the 429s
	// of injected faults).
	RateLimited int `json:"rate_limited"`
	Users       int `json:"users"`
}

// stats summarises the request log.
func (s *Server) stats() Stats {
	st := Stats{Calls: map[string]int{}, Statuses: map[string]int{}, Users: s.UserCount()}
	for _, req := range s.Requests() {
		st.Total++
		st.Calls[req.Method+" "+uuidInPath.ReplaceAllString(req.Path, "{uuid}")]++
		if req.Status != 0 {
			st.Statuses[strconv.Itoa(req.Status)]++
		}
		if req.RateLimited {
			st.RateLimited++
		}
	}
	return st
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case adminPrefix + "stats":
		writeJSON(w, http.StatusOK, s.stats())
	case adminPrefix + "reset":
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case adminPrefix + "latency":
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if err != nil || ms < 0 {
			http.Error(w, "ms must be a whole number of milliseconds", http.StatusBadRequest)
			return
		}
		s.SetLatency(time.Duration(ms) * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	case adminPrefix + "ratelimit":
		l, err := rateLimitQuery(r)
		if r.Method != http.MethodPost || err != nil {
			http.Error(w, "POST with ?rps=<per second, 0 for off>&burst=<n>&headers=<bool>", http.StatusBadRequest)
			return
		}
		s.SetRateLimit(l)
		w.WriteHeader(http.StatusNoContent)
	case adminPrefix + "connections":
		if r.Method != http.MethodPost || r.URL.Query().Get("name") == "" {
			http.Error(w, "POST with ?name=", http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"uuid": s.AddConnection(r.URL.Query().Get("name"))})
	case adminPrefix + "seed":
		s.serveSeed(w, r)
	case adminPrefix + "faults":
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			http.Error(w, "body must be a fault as JSON", http.StatusBadRequest)
			return
		}
		s.InjectFault(f)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// rateLimitQuery reads ?rps= (required), &burst= and &headers= (optional).
func rateLimitQuery(r *http.Request) (RateLimit, error) {
	q := r.URL.Query()
	var l RateLimit
	var err error
	if l.PerSecond, err = strconv.ParseFloat(q.Get("rps"), 64); err != nil || l.PerSecond < 0 || math.IsInf(l.PerSecond, 0) || math.IsNaN(l.PerSecond) {
		return l, errors.New("rps must be a number of requests per second, 0 or more")
	}
	if b := q.Get("burst"); b != "" {
		if l.Burst, err = strconv.Atoi(b); err != nil || l.Burst < 0 {
			return l, errors.New("burst must be a whole number, 0 or more")
		}
	}
	if h := q.Get("headers"); h != "" {
		if l.Headers, err = strconv.ParseBool(h); err != nil {
			return l, errors.New("headers must be a boolean")
		}
	}
	return l, nil
}

// maxSeeded bounds one seed request: a typo in n should not take the
// machine's memory.
const maxSeeded = 1_000_000

// serveSeed answers POST /_emulator/seed?connection=&n=&prefix=: n users
// made outside Terraform at once, for a connection with a list too large to
// build one API call at a time (make bench -gc).
func (s *Server) serveSeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("n"))
	if r.Method != http.MethodPost || q.Get("connection") == "" || err != nil || n < 1 || n > maxSeeded {
		http.Error(w, fmt.Sprintf("POST with ?connection=<uuid>&n=<1 to %d>&prefix=<login prefix, default seed>", maxSeeded), http.StatusBadRequest)
		return
	}
	err = s.SeedUsers(q.Get("connection"), cmp.Or(q.Get("prefix"), "seed"), n)
	switch {
	case errors.Is(err, errNoConnection):
		http.Error(w, err.Error(), http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

var errNoConnection = errors.New("no SIP connection")

// SeedUsers stores n users on connection as SeedUser does, with the logins
// prefix followed by 0 to n-1, zero-padded to one width, and a name, e-mail
// and phone number each, so that answers are as large as real ones. It
// stores all or none: an unknown connection or a login already taken
// stores nothing. Logins are checked against one set, not user by user, so
// that 50,000 users take a fraction of a second.
func (s *Server) SeedUsers(connection, prefix string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.connections[connection]; !ok {
		return fmt.Errorf("%w %s", errNoConnection, connection)
	}
	taken := map[string]bool{}
	for _, u := range s.users {
		if u.Connection == connection {
			taken[u.Login] = true
		}
	}
	width := len(strconv.Itoa(n - 1))
	logins := make([]string, n)
	for i := range logins {
		logins[i] = fmt.Sprintf("%s%0*d", prefix, width, i)
		if taken[logins[i]] {
			return fmt.Errorf("login %s is taken on %s", logins[i], connection)
		}
	}
	for i, login := range logins {
		s.storeUser(connection, login, "seeded", map[string]string{
			"first_name":   "Seeded",
			"last_name":    fmt.Sprintf("User %d", i),
			"email":        login + "@example.com",
			"phone_number": fmt.Sprintf("+49301%08d", i),
		})
	}
	return nil
}

// SeedNamedUser stores the user that cmd/opentact-emulator's -seed flag
// names, "<connection>/<login>" with the connection by uuid or by name, as
// SeedUser does (no other field, the password "seeded"), and returns it.
// The login must be one the API accepts (7 to 15 characters), so that the
// user can be imported and then managed with a matching configuration.
func (s *Server) SeedNamedUser(spec string) (User, error) {
	name, login, ok := strings.Cut(spec, "/")
	if !ok || name == "" {
		return User{}, fmt.Errorf("%q: want <connection uuid or name>/<login>", spec)
	}
	if _, err := validators["login"](login); err != nil {
		return User{}, fmt.Errorf("%q: login %w", spec, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	connection := name
	if _, ok := s.connections[name]; !ok {
		var named []string
		for _, c := range s.connections {
			if c.Name == name {
				named = append(named, c.UUID)
			}
		}
		switch len(named) {
		case 0:
			return User{}, fmt.Errorf("%q: %w %s", spec, errNoConnection, name)
		case 1:
			connection = named[0]
		default:
			return User{}, fmt.Errorf("%q: %d SIP connections are named %s: name one by its uuid", spec, len(named), name)
		}
	}
	u, err := s.addUser(connection, login, "seeded", nil)
	if err != nil {
		return User{}, fmt.Errorf("%q: %w", spec, err)
	}
	return u.clone(), nil
}
