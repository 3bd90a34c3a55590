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
// from the start of the first such attempt of any call: the reads of a plan
// against a dead base_url learn it from the first (no attempt of their own
// after it: the plan fails anyway), instead of each spending a window, or a
// request timeout, of its own. A write, the lookup that settles a
// create, and any read once the API has answered, keep trying until their
// own deadline: an outage of an API that has answered is a deploy or a
// gateway restart, which ends; and Terraform applies in a new process, so
// "has answered before" cannot be what a write relies on.
type reach struct {
	mu       sync.Mutex
	answered bool
	// silentSince is when the first attempt that reached nothing began,
	// while no attempt has reached the API; silentBy is the latest such
	// attempt, which a read that learns from it ends with.
	silentSince time.Time
	silentBy    *attempt
}

// observe records what an attempt that began at start says about the
// address.
func (r *reach) observe(a *attempt, start time.Time) {
	if a.class == classCancelled {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case a.class != classNotSent:
		r.answered, r.silentBy = true, nil
	case !r.answered:
		if r.silentSince.IsZero() {
			r.silentSince = start
		}
		by := *a
		r.silentBy = &by
	}
}

// learnt is, for a read of a client that has never had an answer once
// attempts have reached nothing for window, the failure it ends with
// without an attempt of its own: the reads of a plan against a dead
// address (refused, or dropping packets until a timeout) learn it from the
// first. nil otherwise: the read tries.
func (r *reach) learnt(k callKind, now time.Time, window time.Duration) *attempt {
	if k != readCall && k != hintCall {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.answered || r.silentBy == nil || now.Sub(r.silentSince) < window {
		return nil
	}
	a := *r.silentBy
	a.cert = nil
	if r.silentBy.cert != nil {
		cert := *r.silentBy.cert
		a.cert = &cert
	}
	return &a
}

// neverAnswered reports, while no attempt has reached the API, since when
// attempts have reached nothing.
func (r *reach) neverAnswered() (since time.Time, never bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.silentSince, !r.answered
}
