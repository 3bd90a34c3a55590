package provider

import "sync"

// handovers are the logins that users planned by this provider
// configuration give up: a rename, or a move to another connection. The
// provider cannot see depends_on, only the order of its own calls: a new
// holder planned after the plan that gives its login up passes the plan
// check (with depends_on Terraform plans and applies them in that order, so
// this is exact). Nothing waits on them: a create or rename that meets the
// login still taken at apply fails at once, advising depends_on when this
// process saw the login being handed on.
//
// A change is recorded before its own plan checks run (so that the members
// of a swap or a longer rotation, planned at once, see each other), and
// counts as a hand-over only once they passed.
type handovers struct {
	mu      sync.Mutex
	byLogin map[loginKey]*handover
	// deleting are the uuids of users that a plan of this process deletes:
	// a new user onto such a user's login is most often that user at a new
	// address (a moved block), and importing the holder would destroy it.
	deleting map[string]bool
}

// delete records that a plan of this process deletes holder.
func (h *handovers) delete(holder string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.deleting == nil {
		h.deleting = map[string]bool{}
	}
	h.deleting[holder] = true
}

// deletes reports whether a plan of this process deletes holder.
func (h *handovers) deletes(holder string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.deleting[holder]
}

// loginKey is a login on a SIP connection.
type loginKey struct{ connection, login string }

// handover is one user's planned change away from a login.
type handover struct {
	holder string   // the uuid of the user that gives the login up
	takes  loginKey // what it takes instead
	// checked is set once the change's own plan checks passed.
	checked bool
}

// intend records that holder's plan gives from up for to, before its plan
// checks.
func (h *handovers) intend(from loginKey, holder string, to loginKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byLogin == nil {
		h.byLogin = map[loginKey]*handover{}
	}
	if prior, ok := h.byLogin[from]; ok && prior.holder == holder && prior.takes == to {
		return
	}
	h.byLogin[from] = &handover{holder: holder, takes: to}
}

// passed records that the plan checks of holder's change away from from
// passed: from now on it counts as a hand-over.
func (h *handovers) passed(from loginKey, holder string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ho, ok := h.byLogin[from]; ok && ho.holder == holder {
		ho.checked = true
	}
}

// handoverState is how a plan of this process has a user give a login up:
// not at all, intended (its checks have not passed yet), or handed over.
type handoverState int

const (
	notHandedOver handoverState = iota
	intended
	handedOver
)

// of says whether a plan of this process has holder give key up.
func (h *handovers) of(key loginKey, holder string) handoverState {
	h.mu.Lock()
	defer h.mu.Unlock()
	ho, ok := h.byLogin[key]
	switch {
	case !ok || ho.holder != holder:
		return notHandedOver
	case ho.checked:
		return handedOver
	}
	return intended
}

// cycle is the logins of a cycle of planned changes that a plan taking want
// and giving mine up would close: want, the login its holder takes, and so
// on, back to mine (one login for a swap of two users, two for a rotation
// of three, ...). It is nil when the changes from want do not come back.
func (h *handovers) cycle(want, mine loginKey) []loginKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	path := []loginKey{want}
	for range len(h.byLogin) {
		ho, ok := h.byLogin[path[len(path)-1]]
		switch {
		case !ok:
			return nil
		case ho.takes == mine:
			return path
		}
		path = append(path, ho.takes)
	}
	return nil
}

// handedOn reports whether a plan of this process gives key up, its checks
// passed: a create or rename that meets the login taken at apply raced that
// change.
func (h *handovers) handedOn(key loginKey) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ho, ok := h.byLogin[key]
	return ok && ho.checked
}

// claims are the logins that the plans of this process create or rename
// users onto: two resources of one configuration taking the same login on
// the same connection would make one user and fail the other at apply, so
// the later plan fails. A claimant is the uuid of the user a plan starts
// from (for the create half of a replacement, the user it replaces), or ""
// for a new user: within one process Terraform plans each resource once, so
// a second claim, by anyone or by another new user, is another resource.
type claims struct {
	mu      sync.Mutex
	byLogin map[loginKey]string
}

// claim records that claimant's plan takes key, and reports false when
// another resource's plan took it first.
func (c *claims) claim(key loginKey, claimant string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byLogin == nil {
		c.byLogin = map[loginKey]string{}
	}
	first, taken := c.byLogin[key]
	if !taken {
		c.byLogin[key] = claimant
		return true
	}
	return first == claimant && claimant != ""
}
