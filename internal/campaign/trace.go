package campaign

import (
	"encoding/json"
	"os"
)

// Trace is the faults a seed injected, written when it fails: a replay
// injects the same faults at the same (command, operation, user, attempt).
type Trace struct {
	Seed       uint64   `json:"seed"`
	Users      int      `json:"users"`
	Events     []Event  `json:"events"`
	Violations []string `json:"violations,omitempty"`
}

// WriteTrace writes t as JSON.
func WriteTrace(path string, t Trace) error {
	raw, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// ReadTrace reads a trace WriteTrace wrote.
func ReadTrace(path string) (Trace, error) {
	var t Trace
	raw, err := os.ReadFile(path) //nolint:gosec // a file this package names
	if err != nil {
		return t, err
	}
	return t, json.Unmarshal(raw, &t)
}
