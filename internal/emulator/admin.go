package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// adminPrefix is the emulator's own control API, for scripts that run it as
// a separate process (make demo, make bench). It needs no token: the
// emulator listens on loopback.
const adminPrefix = "/_emulator/"

var uuidInPath = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Stats is what GET /_emulator/stats answers.
type Stats struct {
	Total int            `json:"total"`
	Calls map[string]int `json:"calls"` // "GET /rest/sip/connection/user/{uuid}" -> count
	Users int            `json:"users"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case adminPrefix + "stats":
		st := Stats{Calls: map[string]int{}, Users: s.UserCount()}
		for _, req := range s.Requests() {
			st.Total++
			st.Calls[req.Method+" "+uuidInPath.ReplaceAllString(req.Path, "{uuid}")]++
		}
		writeJSON(w, http.StatusOK, st)
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
	case adminPrefix + "connections":
		if r.Method != http.MethodPost || r.URL.Query().Get("name") == "" {
			http.Error(w, "POST with ?name=", http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"uuid": s.AddConnection(r.URL.Query().Get("name"))})
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
