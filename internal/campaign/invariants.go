package campaign

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// checkInvariants checks, after the fault-free apply and plan, what must
// hold whatever the faults were.
func (r *seedRun) checkInvariants() {
	want := r.m.want()
	// The API holds exactly the configured users, each once.
	got := map[string]emulator.User{}
	for _, c := range emulator.SeedConnections {
		for _, u := range r.emu.Users(c.UUID) {
			at := c.UUID + "/" + u.Login
			if _, dup := got[at]; dup {
				r.violate(InvAPI, nil, "the API holds "+at+" twice")
			}
			got[at] = u
		}
	}
	for _, at := range sortedKeys(got) {
		if want[at] == nil {
			r.violate(InvAPI, nil, fmt.Sprintf("the API holds %s (%s), which is not configured", at, got[at].UUID))
		}
	}
	states, orphans, err := r.readState()
	if err != nil {
		r.violate(InvState, nil, "state: "+err.Error())
		return
	}
	for _, o := range orphans {
		r.violate(InvState, nil, "the state tracks "+o+", which is not configured")
	}
	seen := map[string]string{}
	for _, key := range sortedKeys(states) {
		id, _ := states[key]["id"].(string)
		if other, dup := seen[id]; dup {
			r.violate(InvState, nil, fmt.Sprintf("%s and %s are tracked under the same uuid %s", other, key, id))
		}
		seen[id] = key
		if u := r.m.byKey(key); u == nil || !u.present {
			r.violate(InvState, nil, fmt.Sprintf("the state tracks %s (%s), which is not configured (orphan)", key, id))
		}
	}
	for _, at := range sortedKeys(want) {
		u := want[at]
		apiUser, ok := got[at]
		if !ok {
			r.violate(InvAPI, nil, fmt.Sprintf("%s is configured as %s, which the API does not hold", u.key, at))
			continue
		}
		id, _ := states[u.key]["id"].(string)
		switch {
		case id == "":
			r.violate(InvState, nil, fmt.Sprintf("%s (%s) is not in state", u.key, at))
		case id != apiUser.UUID:
			r.violate(InvState, nil, fmt.Sprintf("%s is tracked under %s, but the API's %s is %s (taken over or duplicated)", u.key, id, at, apiUser.UUID))
		case r.uuids[u.key] != id:
			r.violate(InvState, nil, fmt.Sprintf("%s is tracked under %s, not under the uuid it was created with (%s)", u.key, id, r.uuids[u.key]))
		}
		// Its digests are those of its configured password.
		if apiUser.Password != u.password || !r.emu.CanRegister(apiUser.UUID) {
			r.violate(InvDigests, nil, fmt.Sprintf("%s (%s): the API's digests are not those of its configured password (password matches: %v, digests current: %v)",
				u.key, at, apiUser.Password == u.password, r.emu.CanRegister(apiUser.UUID)))
		}
	}
	r.checkSecrets()
}

// checkSecrets: no token, write-only password, digest or created_by /
// modified_by secret in any output, log or state; the classic password only
// as the value of its own attribute in state.
func (r *seedRun) checkSecrets() {
	never := map[string]string{r.token: "the API token", emulator.ActorPassword: "a created_by/modified_by password", emulator.ActorToken: "a created_by/modified_by token"}
	for _, p := range r.m.wo {
		never[p] = "a password_wo value"
	}
	for d := range r.digests {
		never[d] = "a SIP digest (ha1/ha1b)"
	}
	var files []string
	for _, pattern := range []string{"out/*", "terraform.tfstate*"} {
		m, _ := filepath.Glob(filepath.Join(r.dir, pattern))
		files = append(files, m...)
	}
	logs := 0
	for _, f := range files {
		raw, err := os.ReadFile(f) //nolint:gosec // a file this package names
		if err != nil {
			r.violate(InvSecrets, nil, err.Error())
			continue
		}
		text := string(raw)
		if strings.HasSuffix(f, ".log") && strings.Contains(text, "OpenTact API request") {
			logs++
		}
		for secret, what := range never {
			if i := strings.Index(text, secret); i >= 0 {
				r.violate(InvSecrets, nil, fmt.Sprintf("%s leaked into %s: …%s…", what, filepath.Base(f), text[max(0, i-120):i]))
			}
		}
		state := strings.HasPrefix(filepath.Base(f), "terraform.tfstate")
		for _, p := range r.m.classic {
			for rest, off := text, 0; ; {
				i := strings.Index(rest, p)
				if i < 0 {
					break
				}
				if !state || !strings.HasSuffix(text[:off+i], `"password": "`) {
					r.violate(InvSecrets, nil, fmt.Sprintf("a classic password leaked into %s outside its attribute: …%s…", filepath.Base(f), text[max(0, off+i-120):off+i]))
					break
				}
				off += i + len(p)
				rest = text[off:]
			}
		}
	}
	// Without the provider's own log lines the scan proves nothing.
	if logs == 0 {
		r.violate(InvSecrets, nil, "no TF_LOG=TRACE log holds the provider's request lines: the logs were not captured")
	}
}
