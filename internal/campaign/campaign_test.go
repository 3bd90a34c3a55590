package campaign_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/campaign"
)

// fixedSeeds are make test's: between them an outage well past the 5 s
// window of attempts that reach nothing during a 20-user apply, 429 bursts
// with and without Retry-After, and lost answers to creates.
var fixedSeeds = []uint64{310, 384, 431}

// TestCampaign runs the fault campaign with the real CLI: make test's three
// fixed seeds, or CAMPAIGN_SEEDS seeds from CAMPAIGN_FIRST_SEED, or the seeds
// of CAMPAIGN_SEED_LIST ("9,12,13"), or the trace in CAMPAIGN_TRACE (make
// campaign).
func TestCampaign(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("the campaign drives the Terraform CLI: set TF_ACC=1 (make test and make campaign do)")
	}
	seeds, replay := seedsToRun(t)
	opts := campaign.Options{
		Terraform: terraformCLI(t), ProviderDir: buildProvider(t), KeepDir: keepDir(),
		Replay: replay, MaxRetries: 4, RequestTimeout: 2 * time.Second, OpTimeout: 60 * time.Second,
	}
	var err error
	if opts.Catalogue, err = campaign.ReadCatalogue(filepath.Join("..", "provider")); err != nil {
		t.Fatal(err)
	}
	var sum summary
	exercised := map[string]bool{}
	for res := range runSeeds(seeds, opts, parallel(t)) {
		fmt.Println(line(res))
		sum.add(res)
		for what := range res.Exercised {
			exercised[what] = true
		}
		if !res.OK() {
			t.Errorf("seed %d failed (trace %s, kept in %s):\n  %s\nfailed commands:\n  %s\noutput tail:\n%s",
				res.Seed, res.TracePath, res.Dir, strings.Join(res.Violations, "\n  "), strings.Join(res.Failed, "\n  "), res.Tail)
		}
	}
	fmt.Println(sum.String())
	if slices.Equal(seeds, fixedSeeds) {
		// The fixed seeds are chosen for what they inject: a change of the
		// schedule generator must not leave make test exercising less.
		for _, what := range []string{"outage>5s", "429+Retry-After", "429", "lost-create"} {
			if !exercised[what] {
				t.Errorf("make test's seeds %v injected no %s: choose seeds that do", fixedSeeds, what)
			}
		}
	}
}

// runSeeds runs the seeds, n at a time, and yields each result as it
// comes. Each seed has its own emulator, port and working directory.
func runSeeds(seeds []uint64, opts campaign.Options, n int) <-chan *campaign.Result {
	out := make(chan *campaign.Result)
	next := make(chan uint64)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for seed := range next {
				out <- campaign.RunSeed(context.Background(), seed, opts)
			}
		})
	}
	go func() {
		for _, s := range seeds {
			next <- s
		}
		close(next)
		wg.Wait()
		close(out)
	}()
	return out
}

// parallel is CAMPAIGN_PARALLEL, the seeds run at once (1 by default: the
// seeds of make test run one after the other).
func parallel(t *testing.T) int {
	v := os.Getenv("CAMPAIGN_PARALLEL")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("CAMPAIGN_PARALLEL=%q: want a number of seeds at once", v)
	}
	return n
}

func seedsToRun(t *testing.T) ([]uint64, []campaign.Event) {
	if path := os.Getenv("CAMPAIGN_TRACE"); path != "" {
		tr, err := campaign.ReadTrace(path)
		if err != nil {
			t.Fatal(err)
		}
		return []uint64{tr.Seed}, tr.Events
	}
	if list := os.Getenv("CAMPAIGN_SEED_LIST"); list != "" {
		var seeds []uint64
		for _, f := range strings.Split(list, ",") {
			s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("CAMPAIGN_SEED_LIST=%q: want seeds separated by commas", list)
			}
			seeds = append(seeds, s)
		}
		return seeds, nil
	}
	n, first := os.Getenv("CAMPAIGN_SEEDS"), os.Getenv("CAMPAIGN_FIRST_SEED")
	if n == "" {
		return fixedSeeds, nil
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		t.Fatalf("CAMPAIGN_SEEDS=%q: want a count of seeds", n)
	}
	from, err := strconv.ParseUint(cmpOr(first, "1"), 10, 64)
	if err != nil {
		t.Fatalf("CAMPAIGN_FIRST_SEED=%q: want a seed number", first)
	}
	var seeds []uint64
	for i := range count {
		seeds = append(seeds, from+uint64(i))
	}
	return seeds, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func terraformCLI(t *testing.T) string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("no terraform on PATH and no TF_ACC_TERRAFORM_PATH")
	}
	return p
}

// buildProvider builds the provider from the tree, once, for dev_overrides;
// CAMPAIGN_PROVIDER_DIR names a directory with a terraform-provider-opentact
// built otherwise instead (another tree, a release).
func buildProvider(t *testing.T) string {
	if dir := os.Getenv("CAMPAIGN_PROVIDER_DIR"); dir != "" {
		return dir
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-opentact"), ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// keepDir is where failing seeds leave their working directory and trace.
func keepDir() string {
	if d := os.Getenv("CAMPAIGN_OUT"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "opentact-campaign")
}

// line is a seed's line of the report.
func line(r *campaign.Result) string {
	verdict := "ok"
	if !r.OK() {
		verdict = fmt.Sprintf("FAIL (%d violations; trace %s)", len(r.Violations), r.TracePath)
	}
	return fmt.Sprintf("seed %-5d %5.1fs users %2d commands %2d requests %4d operations %3d faults %-60s failed-applies %d  %s",
		r.Seed, r.Wall.Seconds(), r.Users, r.Commands, r.Requests, r.Operations, kinds(r.Faults), len(r.Failed), verdict)
}

func kinds(m map[campaign.Kind]int) string {
	var parts []string
	for _, k := range campaign.Kinds {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

type summary struct {
	seeds, failed, ops, requests int
	wall                         time.Duration
	faults                       map[campaign.Kind]int
	broken                       map[campaign.Invariant]int // seeds that broke it
}

func (s *summary) add(r *campaign.Result) {
	if s.faults == nil {
		s.faults, s.broken = map[campaign.Kind]int{}, map[campaign.Invariant]int{}
	}
	s.seeds++
	s.ops += r.Operations
	s.requests += r.Requests
	s.wall += r.Wall
	for k, n := range r.Faults {
		s.faults[k] += n
	}
	if !r.OK() {
		s.failed++
	}
	for inv := range r.Broken {
		s.broken[inv]++
	}
}

func (s *summary) String() string {
	var held []string
	for _, inv := range campaign.Invariants {
		held = append(held, fmt.Sprintf("%s %d/%d", inv, s.seeds-s.broken[inv], s.seeds))
	}
	var other []string
	for inv, n := range s.broken {
		if !slices.Contains(campaign.Invariants, inv) {
			other = append(other, fmt.Sprintf("%s broken in %d", inv, n))
		}
	}
	sort.Strings(other)
	return fmt.Sprintf("campaign: %d seeds (%d failed), %d operations, %d requests, faults %s, %.0fs of seeds\ninvariants held: %s %s",
		s.seeds, s.failed, s.ops, s.requests, kinds(s.faults), s.wall.Seconds(), strings.Join(held, ", "), strings.Join(other, ", "))
}
