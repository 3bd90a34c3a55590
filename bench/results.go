package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// results are the raw figures of a run. They are saved as JSON beside the
// charts, so the charts can be redrawn (-render) without running the bench
// again, and several partial runs can be merged into one set of charts.
type results struct {
	Meta        runMeta           `json:"meta"`
	Lifecycle   []lifecycleRecord `json:"lifecycle,omitempty"`
	RateLimited []rateRecord      `json:"rate_limited,omitempty"`
	Paired      []pairRecord      `json:"paired,omitempty"`
	GC          []gcRecord        `json:"gc,omitempty"`
}

type runMeta struct {
	Host        string `json:"host,omitempty"`
	CLI         string `json:"cli,omitempty"`
	Date        string `json:"date,omitempty"`
	Parallelism int    `json:"parallelism,omitempty"` // of the lifecycle table
	Note        string `json:"note,omitempty"`
}

// command is one timed Terraform command and what the emulator saw during
// it (the bench resets the emulator's counters before each command).
type command struct {
	Name            string         `json:"name"` // apply, plan or destroy
	Seconds         float64        `json:"seconds"`
	Exit            int            `json:"exit"`     // the CLI's exit status; -1 if it was stopped
	Requests        int            `json:"requests"` // API requests, 429s included
	RateLimited     int            `json:"rate_limited,omitempty"`
	Statuses        map[string]int `json:"statuses,omitempty"`
	Gets            int            `json:"gets,omitempty"`  // single reads (plan)
	Lists           int            `json:"lists,omitempty"` // list calls (plan)
	UsersAfter      int            `json:"users_after"`     // users in the emulator afterwards
	FailedResources int            `json:"failed_resources,omitempty"`
	StateBytes      int64          `json:"state_bytes,omitempty"` // size of terraform.tfstate afterwards
	Error           string         `json:"error,omitempty"`       // the first error, shortened
	output          string         // the CLI's output, for error messages; not saved
}

// needed is the requests the command needed: those the API did not refuse
// with 429. The ideal time is based on it, so that a client that wastes
// requests on 429s does not get a larger (kinder) ideal.
func (c command) needed() int { return c.Requests - c.RateLimited }

// lifecycleRun is apply, plan and destroy of one configuration.
type lifecycleRun struct {
	Commands []command `json:"commands"`
	providerUsage
}

func (l lifecycleRun) command(name string) (command, bool) {
	for _, c := range l.Commands {
		if c.Name == name {
			return c, true
		}
	}
	return command{}, false
}

func (l lifecycleRun) seconds() float64 {
	total := 0.0
	for _, c := range l.Commands {
		total += c.Seconds
	}
	return total
}

func (l lifecycleRun) requests() (total, limited int) {
	for _, c := range l.Commands {
		total += c.Requests
		limited += c.RateLimited
	}
	return total, limited
}

// lifecycleRecord is one row of the lifecycle table.
type lifecycleRecord struct {
	Provider    string `json:"provider"` // opentact, terraform_data, time_static, restapi
	N           int    `json:"n"`
	LatencyMs   int    `json:"latency_ms"`
	Parallelism int    `json:"parallelism"`
	lifecycleRun
}

// rateRecord is one row of the rate-limited table.
type rateRecord struct {
	Row         string  `json:"row"` // one of rateRows
	N           int     `json:"n"`
	LimitRPS    float64 `json:"limit_rps"`
	Burst       int     `json:"burst"`
	Parallelism int     `json:"parallelism"`
	Headers     bool    `json:"headers,omitempty"` // the emulator sent RateLimit-* headers
	lifecycleRun
}

// pairRecord is one repeat of one variant in the paired table.
type pairRecord struct {
	Variant   string   `json:"variant"` // A or B
	Env       []string `json:"env,omitempty"`
	Provider  string   `json:"provider,omitempty"` // a provider binary other than the tree's
	N         int      `json:"n"`
	LatencyMs int      `json:"latency_ms"`
	Repeat    int      `json:"repeat"`
	// PlanNew: only the plan of N new users was timed, not the lifecycle.
	PlanNew      bool    `json:"plan_new,omitempty"`
	RateLimitRPS float64 `json:"rate_limit_rps,omitempty"` // the emulator's limit; 0: none
	lifecycleRun
}

func (r *results) save(path string) error {
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Readable by all: it is committed beside the charts.
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

// loadResults reads and merges results files, in order: the charts take the
// last record for each key, so a later file overrides an earlier one.
func loadResults(paths string) (*results, error) {
	merged := &results{}
	var notes []string
	for _, path := range strings.Split(paths, ",") {
		path = strings.TrimSpace(path)
		if path == "" {
			continue
		}
		raw, err := os.ReadFile(filepath.Clean(path))
		if err != nil {
			return nil, err
		}
		var r results
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if merged.Meta.Date == "" {
			merged.Meta = r.Meta
		}
		if r.Meta.Note != "" && !slices.Contains(notes, r.Meta.Note) {
			notes = append(notes, r.Meta.Note)
		}
		merged.Lifecycle = append(merged.Lifecycle, r.Lifecycle...)
		merged.RateLimited = append(merged.RateLimited, r.RateLimited...)
		merged.Paired = append(merged.Paired, r.Paired...)
		merged.GC = append(merged.GC, r.GC...)
	}
	merged.Meta.Note = strings.Join(notes, "; ")
	return merged, nil
}
