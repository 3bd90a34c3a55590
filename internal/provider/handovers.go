package provider

import (
	"context"
	"sync"
	"time"
)

// handovers are the logins that users planned by this provider
// configuration give up: a rename, or a move to another connection. The
// provider cannot see depends_on, only the order of its own calls: a new
// holder planned after the plan that gives its login up passes the plan
// check (with depends_on Terraform plans and applies them in that order, so
// this is exact), and a create or rename that meets the login still taken
// at apply waits for the change that gives it up, then tries again.
type handovers struct {
	mu      sync.Mutex
	byLogin map[loginKey]*handover
	// recorded is closed (and replaced) whenever a plan is recorded.
	recorded chan struct{}
}

// handoverGrace is how long a create or rename that meets a taken login
// waits for this process to plan the change that gives it up: without
// depends_on, Terraform may start the create just before the rename.
const handoverGrace = 3 * time.Second

// loginKey is a login on a SIP connection.
type loginKey struct{ connection, login string }

// handover is one user's planned change away from a login.
type handover struct {
	holder string   // the uuid of the user that gives the login up
	takes  loginKey // what it takes instead
	done   chan struct{}
	ok     bool // whether the change went through; read after done
}

// plan records that holder's plan gives from up for to.
func (h *handovers) plan(from loginKey, holder string, to loginKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byLogin == nil {
		h.byLogin = map[loginKey]*handover{}
	}
	if prior, ok := h.byLogin[from]; ok && prior.holder == holder && !finished(prior) {
		return
	}
	h.byLogin[from] = &handover{holder: holder, takes: to, done: make(chan struct{})}
	if h.recorded != nil {
		close(h.recorded)
	}
	h.recorded = make(chan struct{})
}

// releasedBy reports whether a plan of this process has holder give key up.
func (h *handovers) releasedBy(key loginKey, holder string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ho, ok := h.byLogin[key]
	return ok && ho.holder == holder
}

// takenBy is the login that holder's plan takes, if a plan of this process
// gives one of its logins up.
func (h *handovers) takenBy(holder string) (loginKey, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ho := range h.byLogin {
		if ho.holder == holder {
			return ho.takes, true
		}
	}
	return loginKey{}, false
}

// finish records that holder's change away from key is over.
func (h *handovers) finish(key loginKey, holder string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ho, found := h.byLogin[key]; found && ho.holder == holder && !finished(ho) {
		ho.ok = ok
		close(ho.done)
	}
}

// await waits for a planned change away from key to finish, and reports
// whether it gave the login up: then the caller tries again. It returns
// false at once without such a plan, and for a swap: when the change takes
// mine, the login that the caller itself gives up (each would wait for the
// other).
func (h *handovers) await(ctx context.Context, key, mine loginKey) bool {
	ho := h.planned(ctx, key)
	if ho == nil || mine != (loginKey{}) && ho.takes == mine {
		return false
	}
	select {
	case <-ho.done:
		return ho.ok
	case <-ctx.Done():
		return false
	}
}

// planned is the recorded change away from key, waiting up to
// handoverGrace for one to be recorded; nil when none is.
func (h *handovers) planned(ctx context.Context, key loginKey) *handover {
	grace := time.NewTimer(handoverGrace)
	defer grace.Stop()
	for {
		h.mu.Lock()
		ho, ok := h.byLogin[key]
		if h.recorded == nil {
			h.recorded = make(chan struct{})
		}
		recorded := h.recorded
		h.mu.Unlock()
		if ok {
			return ho
		}
		select {
		case <-recorded:
		case <-grace.C:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}

func finished(ho *handover) bool {
	select {
	case <-ho.done:
		return true
	default:
		return false
	}
}
