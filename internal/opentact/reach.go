package opentact

import (
	"sync"
	"time"
)

// probeEvery is how often, while the API is known to be unreachable, one
// call is let through to find out whether it is back.
const probeEvery = 2 * time.Second

// reach is what a client knows about whether the API can be reached at all.
// Once a call has spent its whole window of attempts that reached nothing
// (or a certificate was refused), later calls fail at once with that cause,
// but for one probe every probeEvery; the first answer clears it. Without
// it, every call of a plan of 100 users would spend its own window on the
// same dead address. A lookup that settles a create always goes through.
type reach struct {
	mu        sync.Mutex
	down      *attempt // the failure that marked the API unreachable
	lastProbe time.Time
	// lastAnswer is when an attempt last reached the API.
	lastAnswer time.Time
}

// admit returns nil when a call of kind k may make an attempt now, and
// otherwise the failed attempt it ends with, unsent.
func (r *reach) admit(k callKind, now time.Time) *attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down == nil || k == settleCall {
		return nil
	}
	if now.Sub(r.lastProbe) >= probeEvery {
		r.lastProbe = now
		return nil
	}
	a := *r.down
	a.knownDown = true
	return &a
}

// observe clears the mark on any attempt that reached the API.
func (r *reach) observe(a *attempt, now time.Time) {
	if a.class == classNotSent || a.class == classCancelled {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down, r.lastAnswer = nil, now
}

// trip marks the API unreachable after a call whose attempts since
// reached nothing, unless another call has reached it since: that answer
// is newer news.
func (r *reach) trip(a *attempt, since, now time.Time) {
	if a.knownDown {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastAnswer.After(since) {
		return
	}
	if r.down == nil {
		r.lastProbe = now
	}
	down := *a
	r.down = &down
}

// isDown reports whether the API is known to be unreachable.
func (r *reach) isDown() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down != nil
}
