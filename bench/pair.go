package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// pairOptions describe two variants of the provider process to compare on
// the same lifecycle: an environment (GOGC, GOMEMLIMIT, ...) or another
// binary. Single runs on two shared cores vary by 20% or more, so a change
// of a few percent only shows in alternated repeats.
type pairOptions struct {
	envA, envB []string
	providerB  string
	repeats    int
	// rateLimit, when set, pairs against an emulator that limits requests
	// to it a second (with the rate-limited table's burst).
	rateLimit float64
	// planNew times only terraform plan of N users that do not exist yet,
	// each with a distinct strong password, instead of the lifecycle.
	planNew bool
}

func (o pairOptions) enabled() bool {
	return len(o.envA) > 0 || len(o.envB) > 0 || o.providerB != ""
}

type variant struct {
	name, about string
	env         []string
	binary      string // empty: the provider built from the tree
}

func (o pairOptions) variants() ([]variant, error) {
	a := variant{name: "A", env: o.envA, about: "the tree's provider"}
	b := variant{name: "B", env: o.envB, about: "the tree's provider"}
	if o.providerB != "" {
		abs, err := filepath.Abs(o.providerB)
		if err != nil {
			return nil, err
		}
		b.binary, b.about = abs, abs
	}
	for _, v := range []*variant{&a, &b} {
		if len(v.env) > 0 {
			v.about += " with " + strings.Join(v.env, " ")
		}
	}
	return []variant{a, b}, nil
}

// pairTable runs the lifecycle of this provider (no rate limit) for each
// variant, alternated A B B A A B ... so that neither always runs first,
// and prints min / median / max wall time and the provider's peak RSS.
func (b *bench) pairTable(cfg options, res *results) error {
	variants, err := cfg.pair.variants()
	if err != nil {
		return err
	}
	repeats := max(cfg.pair.repeats, 1)
	limited := ""
	if cfg.pair.rateLimit > 0 {
		limited = fmt.Sprintf(", the emulator limited to %s requests a second", rps(cfg.pair.rateLimit))
	}
	what := "lifecycle"
	if cfg.pair.planNew {
		what = "plan of N new users (distinct strong passwords)"
	}
	fmt.Printf("## Paired %s, -parallelism=%d%s, %d runs each\n\n", what, cfg.parallelism, limited, repeats)
	for _, v := range variants {
		fmt.Printf("- %s: %s\n", v.name, v.about)
	}
	fmt.Println()
	if cfg.pair.planNew {
		fmt.Println("| variant | N | latency | plan s min / median / max | calls/res | provider CPU s min / median / max | provider peak RSS MiB min / median / max |")
		fmt.Println("|---|---:|---:|---|---:|---|---|")
	} else {
		fmt.Println("| variant | N | latency | lifecycle s min / median / max | apply s | plan s | destroy s | provider CPU s | provider peak RSS MiB min / median / max |")
		fmt.Println("|---|---:|---:|---|---:|---:|---:|---:|---|")
	}
	var summary []string
	for _, lat := range ints(cfg.latencies) {
		for _, n := range ints(cfg.sizes) {
			runs := make([][]lifecycleRun, len(variants))
			err := alternated(repeats, len(variants), func(i, vi int) error {
				v := variants[vi]
				s := spec{kind: "opentact", n: n, latencyMs: lat, spread: 1, coalesce: true}
				if limit := cfg.pair.rateLimit; limit > 0 {
					s = cfg.rate.rateSpec("adaptive", n, limit, cfg.parallelism)
				}
				s.cli.providerEnv, s.cli.providerBin = v.env, v.binary
				if cfg.pair.planNew {
					s.planOnly, s.password = true, strongPasswords
				}
				run, err := b.runLifecycle(s)
				if err == nil {
					err = strict(s, run)
				}
				if err != nil {
					return fmt.Errorf("variant %s N=%d latency=%dms: %w", v.name, n, lat, err)
				}
				runs[vi] = append(runs[vi], run)
				res.Paired = append(res.Paired, pairRecord{Variant: v.name, Env: v.env, Provider: v.binary, N: n, LatencyMs: lat, Repeat: i,
					PlanNew: cfg.pair.planNew, RateLimitRPS: cfg.pair.rateLimit, lifecycleRun: run})
				return nil
			})
			if err != nil {
				return err
			}
			for vi, v := range variants {
				if cfg.pair.planNew {
					fmt.Println(planNewRow(v.name, n, lat, runs[vi]))
				} else {
					fmt.Println(pairRow(v.name, n, lat, runs[vi]))
				}
			}
			summary = append(summary, pairSummary(n, lat, runs[0], runs[1]))
		}
	}
	fmt.Println()
	for _, line := range summary {
		fmt.Println(line)
	}
	fmt.Println()
	return nil
}

// alternated calls run for every repeat and variant, in the order
// A B B A A B ... (with more variants, every other repeat reversed), so that
// no variant always runs first or last.
func alternated(repeats, variants int, run func(repeat, variant int) error) error {
	for i := range repeats {
		for j := range variants {
			vi := j
			if i%2 == 1 {
				vi = variants - 1 - j
			}
			if err := run(i, vi); err != nil {
				return err
			}
		}
	}
	return nil
}

func pairRow(name string, n, lat int, runs []lifecycleRun) string {
	total := collect(runs, func(r lifecycleRun) float64 { return r.seconds() })
	rss := collect(runs, func(r lifecycleRun) float64 { return r.RSSMiB })
	cpu := collect(runs, func(r lifecycleRun) float64 { return r.CPUSeconds })
	cmd := func(c string) float64 {
		return median(collect(runs, func(r lifecycleRun) float64 { x, _ := r.command(c); return x.Seconds }))
	}
	return fmt.Sprintf("| %s | %d | %d ms | %s | %.2f | %.2f | %.2f | %.2f | %s |",
		name, n, lat, spread(total, 2), cmd("apply"), cmd("plan"), cmd("destroy"), median(cpu), spread(rss, 0))
}

// strongPasswords gives each user of a plan of new users a password of its
// own that the provider's strength check (issue 23) rates strong, so the
// plan pays for the check without a warning per user.
const strongPasswords = `format("Kq7#vT2!mZr9@%04dLx", count.index)`

// planNewRow is a variant's line of the table of plans of new users;
// calls/res is the plan's API calls (its checks' lists) over N.
func planNewRow(name string, n, lat int, runs []lifecycleRun) string {
	total := collect(runs, func(r lifecycleRun) float64 { return r.seconds() })
	calls := collect(runs, func(r lifecycleRun) float64 { t, _ := r.requests(); return float64(t) / float64(n) })
	cpu := collect(runs, func(r lifecycleRun) float64 { return r.CPUSeconds })
	rss := collect(runs, func(r lifecycleRun) float64 { return r.RSSMiB })
	return fmt.Sprintf("| %s | %d | %d ms | %s | %.3f | %s | %s |", name, n, lat, spread(total, 2), median(calls), spread(cpu, 2), spread(rss, 0))
}

// pairSummary compares B with A by the ratio of medians and by the ratios
// of the runs made side by side.
func pairSummary(n, lat int, a, b []lifecycleRun) string {
	seconds := func(r lifecycleRun) float64 { return r.seconds() }
	rss := func(r lifecycleRun) float64 { return r.RSSMiB }
	cpu := func(r lifecycleRun) float64 { return r.CPUSeconds }
	return fmt.Sprintf("- N=%d, %d ms: B against A: wall time %s; provider CPU %s; peak RSS %.0f MiB against %.0f MiB (medians)",
		n, lat, sideBySide(collect(a, seconds), collect(b, seconds)), sideBySide(collect(a, cpu), collect(b, cpu)), median(collect(b, rss)), median(collect(a, rss)))
}

// sideBySide is b's median over a's, and the spread of the ratios of the
// runs made side by side (the i-th of b over the i-th of a).
func sideBySide(a, b []float64) string {
	var pairwise []float64
	for i := range min(len(a), len(b)) {
		pairwise = append(pairwise, b[i]/a[i])
	}
	return fmt.Sprintf("%.2fx (side-by-side ratios %s)", median(b)/median(a), spread(pairwise, 2))
}

// spread is "min / median / max" of v with prec decimals.
func spread(v []float64, prec int) string {
	if len(v) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.*f / %.*f / %.*f", prec, slices.Min(v), prec, median(v), prec, slices.Max(v))
}

func collect[T any](runs []T, f func(T) float64) []float64 {
	out := make([]float64, 0, len(runs))
	for _, r := range runs {
		out = append(out, f(r))
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
