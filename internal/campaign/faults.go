// Package campaign is the randomized fault campaign (issue 27): the real
// Terraform CLI drives a lifecycle of SIP users through an emulator that
// injects a fault schedule generated from a seed, then the invariants are
// checked. Faults are placed by request count or by (command, operation,
// user, attempt), never by wall-clock time, and the faults actually
// injected are recorded as a trace that replays them by key.
package campaign

import (
	"net/http"
	"strconv"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// Kind is a kind of fault.
type Kind string

// The kinds of fault a schedule holds.
const (
	Outage      Kind = "outage"       // open connections reset, new ones refused for Duration
	RateLimited Kind = "429"          // 429 before the work, with RetryAfter seconds or none
	Busy        Kind = "503-before"   // 503 (the API's envelope) before the work
	HTML502     Kind = "502-html"     // a gateway's HTML 502 after the work
	HTML503     Kind = "503-html"     // a gateway's HTML 503 after the work
	Cut         Kind = "cut"          // the answer broken off mid-body after the work
	SlowAfter   Kind = "slow-after"   // the work done, no answer within request_timeout
	SlowBefore  Kind = "slow-before"  // no answer within request_timeout, no work
	Lost        Kind = "lost"         // the connection dropped after the work
	OutageReset Kind = "outage-reset" // a request in flight when an outage began (a consequence, not replayed)
)

// Kinds lists every kind, for summaries.
var Kinds = []Kind{Outage, RateLimited, Busy, HTML502, HTML503, Cut, SlowAfter, SlowBefore, Lost, OutageReset}

// costsRetry reports whether a fault of this kind uses up one of a call's
// max_retries (a 5xx, a lost or a slow answer; an outage's first request is
// reset after it was sent).
func (k Kind) costsRetry() bool {
	switch k {
	case Busy, HTML502, HTML503, Cut, SlowAfter, SlowBefore, Lost, Outage, OutageReset:
		return true
	}
	return false
}

// fault is what the emulator does for a request of this kind. An outage's
// own request is dropped before the work, its connection being reset.
func (k Kind) fault(retryAfter int) *emulator.Fault {
	switch k {
	case Outage:
		return &emulator.Fault{Drop: true}
	case RateLimited:
		f := &emulator.Fault{Status: http.StatusTooManyRequests}
		if retryAfter > 0 {
			f.RetryAfter = strconv.Itoa(retryAfter)
		}
		return f
	case Busy:
		return &emulator.Fault{Status: http.StatusServiceUnavailable}
	case HTML502:
		return &emulator.Fault{Status: http.StatusBadGateway, HTML: true, AfterWork: true}
	case HTML503:
		return &emulator.Fault{Status: http.StatusServiceUnavailable, HTML: true, AfterWork: true}
	case Cut:
		return &emulator.Fault{Cut: true}
	case SlowAfter:
		return &emulator.Fault{Hang: true, AfterWork: true}
	case SlowBefore:
		return &emulator.Fault{Hang: true}
	case Lost:
		return &emulator.Fault{Drop: true, AfterWork: true}
	}
	return nil
}

// Event is one fault injected, as the trace records it.
type Event struct {
	Request int    `json:"request"` // the API request's number in the seed, from 1
	Command int    `json:"command"` // the CLI command's number in the seed, from 0
	Step    string `json:"step"`    // the command's name: the lifecycle's phase ("create", "edit", ..., "create-again")
	Method  string `json:"method"`
	Path    string `json:"path"`
	Op      string `json:"op"`             // method and kind: "POST create", "GET list", ...
	User    string `json:"user,omitempty"` // the login (a connection's name for a list)
	Attempt int    `json:"attempt"`        // of this op on this user in this command, from 1
	Kind    Kind   `json:"kind"`
	// RetryAfter is the 429's Retry-After in seconds (0: none).
	RetryAfter int `json:"retry_after,omitempty"`
	// Duration is an outage's; Start and End are when it began and ended.
	Duration time.Duration `json:"duration,omitempty"`
	Start    time.Time     `json:"start,omitzero"`
	End      time.Time     `json:"end,omitzero"`
	// At is when the request came.
	At time.Time `json:"at"`
}

// key is where a replay injects an event again.
func (e Event) key() Key { return Key{e.Step, e.Op, e.User, e.Attempt} }

// Key is a request's place in a run, by meaning rather than count: the
// command by its name, so that a remedy's extra command in one run does not
// shift the keys of the commands after it.
type Key struct {
	Step    string
	Op      string
	User    string
	Attempt int
}
