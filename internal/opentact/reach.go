package opentact

import (
	"sync"
	"time"
)

// reach is what a client remembers of whether its address answers: whether
// any attempt has reached the API, and, until one has, when the first
// attempt that reached nothing was made. It informs decide and forbids
// nothing: every call still makes its attempts.
//
// A read against an address that has never answered in this process gives
// up once attempts have reached nothing for one not-sent window, counted
// from the first such attempt of any call: the reads of a plan against a
// dead base_url learn it from the first (one attempt each after it), instead
// of each spending a window of its own. A write, the lookup that settles a
// create, and any read once the API has answered, keep trying until their
// own deadline: an outage of an API that has answered is a deploy or a
// gateway restart, which ends; and Terraform applies in a new process, so
// "has answered before" cannot be what a write relies on.
type reach struct {
	mu       sync.Mutex
	answered bool
	// silentSince is when the first attempt that reached nothing was made,
	// while no attempt has reached the API.
	silentSince time.Time
}

// observe records what an attempt says about the address.
func (r *reach) observe(a *attempt, now time.Time) {
	if a.class == classCancelled {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case a.class != classNotSent:
		r.answered = true
	case !r.answered && r.silentSince.IsZero():
		r.silentSince = now
	}
}

// neverAnswered reports, while no attempt has reached the API, since when
// attempts have reached nothing.
func (r *reach) neverAnswered() (since time.Time, never bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.silentSince, !r.answered
}
