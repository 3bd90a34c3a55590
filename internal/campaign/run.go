package campaign

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// Options are what a seed runs with.
type Options struct {
	Terraform   string // the CLI
	ProviderDir string // holds terraform-provider-opentact, built from the tree
	KeepDir     string // where a failing seed's working directory and trace are kept
	Catalogue   Catalogue
	// Replay, when set, injects these faults by key instead of the seed's
	// schedule.
	Replay         []Event
	MaxRetries     int
	RequestTimeout time.Duration
	OpTimeout      time.Duration
}

// Result is what came of a seed.
type Result struct {
	Seed       uint64
	Wall       time.Duration
	Users      int
	Requests   int
	Commands   int
	Operations int // creates, updates and deletes the API did
	Faults     map[Kind]int
	// Exercised names what the injected faults covered: "outage>5s",
	// "429+Retry-After", "429", "lost-create" (an answer to a create lost,
	// cut, slow or a gateway's after the work).
	Exercised  map[string]bool
	Failed     []string // the commands that failed, and why that was allowed
	Violations []string
	Broken     map[Invariant]int // violations by invariant
	Dir        string            // the kept working directory of a failing seed
	TracePath  string
	Tail       string // the output tail of the command that broke an invariant
}

// OK reports whether every invariant held.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

// seedRun is one seed under way.
type seedRun struct {
	opts    Options
	res     *Result
	emu     *emulator.Server
	ln      *emulator.OutageListener
	inj     *injector
	cli     *cli
	m       *model
	dir     string
	token   string
	digests map[string]bool   // every ha1/ha1b the API held
	uuids   map[string]string // key -> the uuid first in state for it
	// unsettled are the keys of unknown outcomes not yet tracked in state.
	unsettled map[string]bool
	cmds      []*command
}

// RunSeed runs one seed of the campaign: the lifecycle under its faults,
// the fault-free apply and plan, and the invariants.
func RunSeed(ctx context.Context, seed uint64, opts Options) *Result {
	start := time.Now()
	sched := NewSchedule(seed)
	res := &Result{Seed: seed, Users: sched.Users, Faults: map[Kind]int{}, Broken: map[Invariant]int{}}
	r := &seedRun{opts: opts, res: res, digests: map[string]bool{}, uuids: map[string]string{}, unsettled: map[string]bool{}}
	defer func() { res.Wall = time.Since(start) }()
	if err := r.setUp(ctx, sched); err != nil {
		res.Violations = append(res.Violations, "set-up: "+err.Error())
		res.Broken["set-up"]++
		return res
	}
	defer r.tearDown()
	for i, p := range phases {
		if i > 0 {
			p.change(r.m)
		}
		if err := r.applyPhase(ctx, p.name); err != nil {
			res.Violations = append(res.Violations, "set-up: "+err.Error())
			res.Broken["set-up"]++
			return res
		}
	}
	// Faults off: whatever outage is under way ends first.
	r.inj.off()
	<-r.ln.Back()
	if cmd := r.apply(ctx, "final-apply"); cmd.exit != 0 {
		r.violate(InvFinalApply, cmd, "the fault-free apply failed")
	}
	plan := r.tf(ctx, "final-plan", "plan", "-detailed-exitcode", "-input=false", "-no-color", "-json")
	if plan.exit != 0 {
		r.violate(InvEmptyPlan, plan, fmt.Sprintf("the plan after the fault-free apply is not empty (exit %d)", plan.exit))
	}
	r.checkInvariants()
	return res
}

func (r *seedRun) setUp(ctx context.Context, sched Schedule) error {
	var err error
	if err = os.MkdirAll(r.opts.KeepDir, 0o700); err != nil {
		return err
	}
	if r.dir, err = os.MkdirTemp(r.opts.KeepDir, fmt.Sprintf("seed-%d-", sched.Seed)); err != nil {
		return err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	r.token = "campaign-" + hex.EncodeToString(b[:])
	r.emu = emulator.New(emulator.Options{Token: r.token})
	if r.ln, err = emulator.ListenWithOutages("127.0.0.1:0"); err != nil {
		return err
	}
	r.inj = newInjector(r.emu, r.ln, sched, r.opts.Replay)
	srv := &http.Server{Handler: r.inj, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(r.ln) }()
	if r.cli, err = newCLI(r.opts.Terraform, r.dir, r.opts.ProviderDir, map[string]string{
		"OPENTACT_TOKEN": r.token, "OPENTACT_BASE_URL": "http://" + r.ln.Addr().String(),
	}); err != nil {
		return err
	}
	v, err := r.cli.version(ctx)
	if err != nil {
		return fmt.Errorf("terraform version: %w", err)
	}
	cur, err := version.NewVersion(v)
	if err != nil {
		return err
	}
	r.m = newModel(sched.Seed, sched.Users, !cur.Core().LessThan(version.Must(version.NewVersion("1.11.0"))))
	return nil
}

func (r *seedRun) tearDown() {
	_ = r.ln.Close()
	r.res.Requests = r.inj.count()
	r.res.Commands = len(r.cmds)
	for _, req := range r.emu.Requests() {
		if req.Method != http.MethodGet && req.Status >= 200 && req.Status < 300 {
			r.res.Operations++
		}
	}
	trace := r.inj.trace()
	r.res.Exercised = map[string]bool{}
	for _, e := range trace {
		r.res.Faults[e.Kind]++
		switch {
		case e.Kind == Outage && e.Duration > 5*time.Second:
			r.res.Exercised["outage>5s"] = true
		case e.Kind == RateLimited && e.RetryAfter > 0:
			r.res.Exercised["429+Retry-After"] = true
		case e.Kind == RateLimited:
			r.res.Exercised["429"] = true
		case e.Op == "POST create" && (e.Kind == Lost || e.Kind == Cut || e.Kind == SlowAfter || e.Kind == HTML502 || e.Kind == HTML503):
			r.res.Exercised["lost-create"] = true
		}
	}
	if r.res.OK() && os.Getenv("CAMPAIGN_KEEP") == "" {
		_ = os.RemoveAll(r.dir)
		return
	}
	r.res.Dir = r.dir
	r.res.TracePath = filepath.Join(r.dir, "trace.json")
	_ = WriteTrace(r.res.TracePath, Trace{Seed: r.res.Seed, Users: r.res.Users, Events: trace, Violations: r.res.Violations})
}

// Invariant names what a violation broke.
type Invariant string

// The invariants checked after every seed.
const (
	InvAPI        Invariant = "api-holds-configured-users"
	InvState      Invariant = "state-tracks-own-uuids"
	InvDigests    Invariant = "digests-match-passwords"
	InvFinalApply Invariant = "fault-free-apply"
	InvEmptyPlan  Invariant = "empty-plan"
	InvSecrets    Invariant = "no-secret-leaked"
	InvCatalogue  Invariant = "errors-in-catalogue"
	InvLiveness   Invariant = "liveness"
	InvRemedy     Invariant = "remedy"
)

// Invariants lists them, for summaries.
var Invariants = []Invariant{InvAPI, InvState, InvDigests, InvFinalApply, InvEmptyPlan, InvSecrets, InvCatalogue, InvLiveness, InvRemedy}

// violate records a broken invariant, with the command's output tail.
func (r *seedRun) violate(inv Invariant, cmd *command, msg string) {
	r.res.Broken[inv]++
	msg = string(inv) + ": " + msg
	if cmd != nil {
		msg = fmt.Sprintf("%s [command %d %s]", msg, cmd.n, cmd.name)
		if r.res.Tail == "" {
			r.res.Tail = cmd.tail()
		}
	}
	r.res.Violations = append(r.res.Violations, msg)
}

// tf runs a CLI command with the current passwords, and notes what the API
// holds afterwards.
func (r *seedRun) tf(ctx context.Context, name string, args ...string) *command {
	classic, wo := r.m.passwordVars()
	cmd := r.cli.run(ctx, r.inj.startCommand, name, []string{"TF_VAR_classic_passwords=" + classic, "TF_VAR_wo_passwords=" + wo}, args...)
	r.cmds = append(r.cmds, cmd)
	for _, c := range emulator.SeedConnections {
		for _, u := range r.emu.Users(c.UUID) {
			r.digests[u.HA1], r.digests[u.HA1B] = true, true
		}
	}
	r.noteState()
	return cmd
}

func (r *seedRun) apply(ctx context.Context, name string) *command {
	return r.tf(ctx, name, "apply", "-auto-approve", "-input=false", "-no-color", "-json")
}

// applyPhase writes the configuration and applies it; a failure is checked
// (catalogue, liveness), and an unknown outcome's remedy followed: the
// apply that the remedy calls for is run at most twice.
func (r *seedRun) applyPhase(ctx context.Context, name string) error {
	cfg := r.m.config(r.opts.MaxRetries, r.opts.RequestTimeout.String(), r.opts.OpTimeout.String())
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		return err
	}
	step := name
	for range 3 {
		cmd := r.apply(ctx, step)
		if cmd.exit == 0 || !r.remedy(ctx, name, cmd) {
			return nil
		}
		step = name + "-again"
	}
	return nil
}

// remedy checks a failed apply and follows the remedy of its unknown
// outcomes: look for the login on the connection; the user there and as
// configured is imported, else the apply is run again (it reports whether).
// A create that meets a user an earlier unknown outcome left untracked is
// remedied the same way.
func (r *seedRun) remedy(ctx context.Context, name string, cmd *command) bool {
	r.failed(cmd)
	again := false
	for _, d := range cmd.errors() {
		key := addressKey.FindStringSubmatch(d.Address + `[""]`)[1]
		unknown := d.Summary == "SIP user creation outcome unknown"
		if !unknown && (d.Summary != "Cannot create the SIP user" || !r.unsettled[key]) {
			continue
		}
		u := r.m.byKey(key)
		if u == nil {
			r.violate(InvRemedy, cmd, "an unknown outcome names no configured user: "+d.Address)
			continue
		}
		r.unsettled[key] = true
		uuid, ok := r.matching(u)
		if !ok {
			again = again || unknown
			continue
		}
		imp := r.tf(ctx, name+"-import", "import", "-input=false", "-no-color", d.Address, connections[u.conn].UUID+"/"+u.login)
		switch {
		case imp.exit != 0:
			r.failed(imp)
		case r.uuids[u.key] != uuid:
			r.violate(InvRemedy, imp, fmt.Sprintf("the import of %s took %s, not the user the create made (%s)", u.key, r.uuids[u.key], uuid))
		}
	}
	return again
}

// onlyUnsettledConflicts reports whether every error is a create that met
// the user of an unsettled unknown outcome.
func (r *seedRun) onlyUnsettledConflicts(errs []Diagnostic) bool {
	for _, d := range errs {
		key := addressKey.FindStringSubmatch(d.Address + `[""]`)[1]
		if d.Summary != "Cannot create the SIP user" || !strings.Contains(d.Detail, "already exists") || !r.unsettled[key] {
			return false
		}
	}
	return len(errs) > 0
}

var addressKey = regexp.MustCompile(`\["([^"]*)"\]`)

// matching is the uuid of the user on u's connection with u's login, when
// it is as configured (fields and password).
func (r *seedRun) matching(u *user) (string, bool) {
	for _, x := range r.emu.Users(connections[u.conn].UUID) {
		if x.Login != u.login {
			continue
		}
		ok := x.Password == u.password && r.emu.CanRegister(x.UUID) && x.Fields["first_name"] == u.first && x.Fields["email"] == u.email && x.Fields["phone_number"] == u.phone
		return x.UUID, ok
	}
	return "", false
}

// failed checks a failed command: its errors must be the provider's, and
// its failure allowed by the faults it met.
func (r *seedRun) failed(cmd *command) {
	errs := cmd.errors()
	if len(errs) == 0 {
		r.violate(InvCatalogue, cmd, fmt.Sprintf("failed (exit %d) without an error diagnostic", cmd.exit))
	}
	var sums []string
	for _, d := range errs {
		sums = append(sums, d.Summary)
		if !r.opts.Catalogue.Has(d.Summary) {
			r.violate(InvCatalogue, cmd, fmt.Sprintf("error %q is not in the provider's catalogue", d.Summary))
		}
	}
	why := r.excuse(cmd)
	if why == "" && r.onlyUnsettledConflicts(errs) {
		why = "creates met users that earlier unknown outcomes left untracked (their remedy pending)"
	}
	r.res.Failed = append(r.res.Failed, fmt.Sprintf("command %d %s: %s (%s)", cmd.n, cmd.name, strings.Join(sums, "; "), orElse(why, "not allowed")))
	if why == "" {
		r.violate(InvLiveness, cmd, "failed though no precondition of failure held: "+strings.Join(sums, "; "))
	}
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// stateFile is what the CLI's state holds of the users.
type stateFile struct {
	Resources []struct {
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey   any            `json:"index_key"`
			Attributes map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// readState is the state's users: key -> attributes; other resources are
// reported as orphans.
func (r *seedRun) readState() (map[string]map[string]any, []string, error) {
	raw, err := os.ReadFile(filepath.Join(r.dir, "terraform.tfstate")) //nolint:gosec // the seed's own state
	if errors.Is(err, os.ErrNotExist) {
		return map[string]map[string]any{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, nil, err
	}
	users := map[string]map[string]any{}
	var other []string
	for _, res := range st.Resources {
		for _, in := range res.Instances {
			key, _ := in.IndexKey.(string)
			if res.Type != "opentact_sip_user" || res.Name != "users" || key == "" {
				other = append(other, fmt.Sprintf("%s.%s[%v]", res.Type, res.Name, in.IndexKey))
				continue
			}
			users[key] = in.Attributes
		}
	}
	return users, other, nil
}

// noteState remembers the uuid each key first had in state: it must never
// change (a rename or move is in place; a replacement or a take-over would
// change it).
func (r *seedRun) noteState() {
	users, _, err := r.readState()
	if err != nil {
		return
	}
	for key, attrs := range users {
		delete(r.unsettled, key)
		id, _ := attrs["id"].(string)
		if first, ok := r.uuids[key]; !ok {
			r.uuids[key] = id
		} else if first != id {
			r.violate(InvState, r.cmds[len(r.cmds)-1], fmt.Sprintf("%s changed uuid in state from %s to %s", key, first, id))
			r.uuids[key] = id
		}
	}
}
