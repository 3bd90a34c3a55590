// Command bench measures the provider's plan and apply against the
// emulator: wall time, API calls, state bytes per resource and the
// provider's peak RSS, next to Terraform's own floor (terraform_data), the
// limit a provider can reach (hashicorp/time's time_static, a framework
// resource that makes no API call) and the generic REST provider; the same
// lifecycle against a rate-limited emulator (429 share
// and time against the ideal); and, on request, two variants of the
// provider process side by side (-env-b, -provider-b) and the provider's
// garbage collector on a list close to the answer cap (-gc). It saves its figures
// as results.json and draws them as SVG charts (bench/charts for a full
// run). Run it with `make bench`; BENCHMARKS.md has its figures.
package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const wrapEnv = "BENCH_WRAP_REAL"

func main() {
	if provider := os.Getenv(wrapEnv); provider != "" {
		os.Exit(wrapProvider(provider))
	}
	cfg := parseFlags()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	sizes, latencies string
	parallelism      int
	lifecycle        bool // the lifecycle table (no rate limit)
	restapi          bool
	timeStatic       bool // time_static rows in the lifecycle table
	coalescing       bool
	rate             rateOptions
	pair             pairOptions
	gc               gcOptions
	charts           string // where the charts and results.json go
	render           string // results files to redraw the charts from, instead of a run
}

func parseFlags() options {
	cfg := options{}
	flag.StringVar(&cfg.sizes, "n", "100,500,1000", "numbers of SIP users, comma-separated (lifecycle and paired tables)")
	flag.StringVar(&cfg.latencies, "latency", "0,50", "emulator latencies in milliseconds, comma-separated")
	flag.IntVar(&cfg.parallelism, "parallelism", 10, "terraform -parallelism of the lifecycle and paired tables")
	flag.BoolVar(&cfg.lifecycle, "lifecycle", true, "measure the lifecycle table (no rate limit)")
	flag.BoolVar(&cfg.restapi, "restapi", true, "also measure Mastercard/terraform-provider-restapi in the lifecycle table (built from its Go module into the cache)")
	flag.BoolVar(&cfg.timeStatic, "time-static", true, "also measure hashicorp/terraform-provider-time's time_static (a framework provider that makes no API call) in the lifecycle table (built from its Go module into the cache)")
	flag.BoolVar(&cfg.coalescing, "coalescing", true, "also measure refresh with coalesce_reads off and users spread over 10 connections")
	flag.BoolVar(&cfg.rate.enabled, "ratelimit", true, "measure the rate-limited table (the emulator enforces a token bucket and answers 429)")
	flag.StringVar(&cfg.rate.sizes, "ratelimit-n", "200,1000", "rate-limited table: numbers of SIP users")
	flag.StringVar(&cfg.rate.limits, "ratelimit-rps", "5,20", "rate-limited table: the emulator's limits in requests per second")
	flag.IntVar(&cfg.rate.burst, "ratelimit-burst", 0, "rate-limited table: the emulator's burst (0: the limit, rounded)")
	flag.StringVar(&cfg.rate.parallelisms, "ratelimit-parallelism", "10,30", "rate-limited table: terraform -parallelism values")
	flag.StringVar(&cfg.rate.rows, "ratelimit-rows", strings.Join(rateRows, ","), "rate-limited table: which rows (providers and settings)")
	flag.BoolVar(&cfg.rate.headers, "ratelimit-headers", false, "rate-limited table: the emulator also sends RateLimit-* and X-RateLimit-* headers")
	flag.Func("env-a", "paired table: KEY=VALUE for the provider process of variant A (repeatable; default: as built)", appendTo(&cfg.pair.envA))
	flag.Func("env-b", "paired table: KEY=VALUE for the provider process of variant B (repeatable), e.g. GOMEMLIMIT=off", appendTo(&cfg.pair.envB))
	flag.StringVar(&cfg.pair.providerB, "provider-b", "", "paired table: a provider binary for variant B (e.g. one built from an earlier commit)")
	flag.IntVar(&cfg.pair.repeats, "repeats", 5, "paired and -gc tables: runs per variant, alternated A B B A A B ...")
	flag.Float64Var(&cfg.pair.rateLimit, "pair-rate-limit", 0, "paired table: the emulator's rate limit in requests per second (0: none), with the rate-limited table's burst; -parallelism applies")
	flag.BoolVar(&cfg.pair.planNew, "pair-plan-new", false, "paired table: time only terraform plan of N users that do not exist yet, each with a distinct strong password, instead of the lifecycle")
	flag.BoolVar(&cfg.gc.enabled, "gc", false, "measure the provider's garbage collector settings on a refresh that reads one large list (see -gc-users)")
	flag.IntVar(&cfg.gc.users, "gc-users", 44000, "-gc table: users seeded on each connection besides the 3 managed ones (the default makes the list answer just under the provider's 64 MiB cap)")
	flag.StringVar(&cfg.gc.connections, "gc-connections", "1,3", "-gc table: numbers of connections, each with -gc-users users and 3 managed ones, comma-separated (one table each: one list decoded, or three kept alive together)")
	flag.StringVar(&cfg.gc.variants, "gc-variants", "A,B,C", "-gc table: which variants (A: GOGC=400 GOMEMLIMIT=128MiB, the previous release; B: the tree's default; C: GOGC=100, Go's defaults)")
	flag.StringVar(&cfg.charts, "charts", "", "directory for the SVG charts and results.json (default: "+committedCharts+" for a full run, a new temporary directory otherwise)")
	flag.StringVar(&cfg.render, "render", "", "redraw the charts from results files (comma-separated, later ones win) into -charts, without running anything")
	smoke := flag.Bool("smoke", false, "a quick run that shows the bench works (CI): N=10, no latency, no peer, no time_static, one tiny rate-limited row (N=10, 10 requests/s, burst 2, adaptive), charts in a temporary directory")
	flag.Parse()

	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *smoke {
		// Flags given explicitly still win over the smoke run's values. The
		// rate-limited row's burst is below the first wave of requests, so
		// that even this tiny row meets 429s and proves their path end to end.
		smokeValues := map[string]func(){
			"n":                     func() { cfg.sizes = "10" },
			"latency":               func() { cfg.latencies = "0" },
			"restapi":               func() { cfg.restapi = false },
			"time-static":           func() { cfg.timeStatic = false },
			"coalescing":            func() { cfg.coalescing = false },
			"ratelimit-n":           func() { cfg.rate.sizes = "10" },
			"ratelimit-rps":         func() { cfg.rate.limits = "10" },
			"ratelimit-burst":       func() { cfg.rate.burst = 2 },
			"ratelimit-parallelism": func() { cfg.rate.parallelisms = "10" },
			"ratelimit-rows":        func() { cfg.rate.rows = "adaptive" },
		}
		for name, apply := range smokeValues {
			if !set[name] {
				apply()
			}
		}
	}
	// Only a full run (no flag but -charts) may replace the committed
	// charts; a partial run would leave them showing part of a table.
	full := len(set) == 0 || (len(set) == 1 && set["charts"])
	if cfg.charts == "" && cfg.render == "" && full {
		cfg.charts = committedCharts
	}
	if cfg.charts == "" && cfg.render != "" {
		cfg.charts = committedCharts
	}
	return cfg
}

// committedCharts is where the charts shown in BENCHMARKS.md live, relative
// to the repository (make bench runs the bench from there).
const committedCharts = "bench/charts"

func appendTo(list *[]string) func(string) error {
	return func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		*list = append(*list, v)
		return nil
	}
}

// providerEnvVar carries the extra environment of the provider process
// through the wrapper (newline-separated KEY=VALUE).
const providerEnvVar = "BENCH_PROVIDER_ENV"

// countGCVar asks the wrapper to count the provider's garbage collections
// (GODEBUG=gctrace=1; the trace lines are counted, not passed on).
const countGCVar = "BENCH_COUNT_GC"

// wrapProvider runs the real provider with this process's stdio and
// arguments, forwards signals, and appends the provider's usage to the file
// named by BENCH_RSS_FILE (see usageLine).
func wrapProvider(provider string) int {
	cmd := exec.Command(provider, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	if extra := os.Getenv(providerEnvVar); extra != "" {
		cmd.Env = append(cmd.Env, strings.Split(extra, "\n")...)
	}
	gcs := &gcTrace{out: os.Stderr}
	if os.Getenv(countGCVar) != "" {
		cmd.Env = append(cmd.Env, "GODEBUG=gctrace=1")
		cmd.Stderr = gcs
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sig {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	gcs.flush()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if f, err := os.OpenFile(os.Getenv("BENCH_RSS_FILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			_, _ = fmt.Fprintln(f, usageLine(ru, gcs))
			_ = f.Close()
		}
	}
	return cmd.ProcessState.ExitCode()
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// bench is one working directory with the binaries and the CLI config.
type bench struct {
	work, cli, restapiDir string
	timeBinary            string // the real time provider (behind the wrapper)
	parallelism           int
}

func run(cfg options) error {
	if (cfg.pair.rateLimit != 0 || cfg.pair.planNew) && !cfg.pair.enabled() {
		return errors.New("-pair-rate-limit and -pair-plan-new are for the paired table: give a variant (-env-a, -env-b or -provider-b)")
	}
	if cfg.render != "" {
		res, err := loadResults(cfg.render)
		if err != nil {
			return err
		}
		return writeOutputs(res, cfg.charts)
	}
	cli, err := exec.LookPath(cmp.Or(os.Getenv("TF_ACC_TERRAFORM_PATH"), "terraform"))
	if err != nil {
		return errors.New("no terraform CLI found: install Terraform 1.11+ or name a CLI in TF_ACC_TERRAFORM_PATH")
	}
	if cfg.charts == "" {
		if cfg.charts, err = os.MkdirTemp("", "opentact-bench-charts-"); err != nil {
			return err
		}
	}
	work, err := os.MkdirTemp("", "opentact-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	b := &bench{work: work, cli: cli, parallelism: cfg.parallelism}
	pairing := cfg.pair.enabled()
	needRestapi := !pairing && ((cfg.lifecycle && cfg.restapi) || (cfg.rate.enabled && cfg.rate.wantsRestapi()))
	needTime := !pairing && cfg.lifecycle && cfg.timeStatic
	if err := b.build(needRestapi, needTime); err != nil {
		return err
	}
	host, _ := os.Hostname()
	res := &results{Meta: runMeta{Host: host, CLI: cliVersion(cli), Date: time.Now().UTC().Format(time.RFC3339), Parallelism: cfg.parallelism}}
	fmt.Printf("# %s, %s, %s\n\n", res.Meta.Host, res.Meta.CLI, res.Meta.Date)
	err = b.tables(cfg, res)
	// Save what was measured even when a table stopped early.
	if werr := writeOutputs(res, cfg.charts); werr != nil && err == nil {
		err = werr
	}
	return err
}

// tables runs the tables the flags ask for. The paired table is a separate
// experiment and runs alone.
func (b *bench) tables(cfg options, res *results) error {
	if cfg.pair.enabled() {
		return b.pairTable(cfg, res)
	}
	if cfg.lifecycle {
		if err := b.lifecycleTable(cfg, res); err != nil {
			return err
		}
	}
	if cfg.coalescing {
		if err := b.coalescingTable(cfg); err != nil {
			return err
		}
	}
	if cfg.rate.enabled {
		if err := b.rateTable(cfg.rate, res); err != nil {
			return err
		}
	}
	if cfg.gc.enabled {
		return b.gcTable(cfg.gc, cfg.pair.repeats, res)
	}
	return nil
}

// writeOutputs saves the results and draws the charts from them.
func writeOutputs(res *results, dir string) error {
	if err := res.save(filepath.Join(dir, "results.json")); err != nil {
		return err
	}
	files, err := renderCharts(res, dir)
	if err != nil {
		return fmt.Errorf("charts: %w", err)
	}
	fmt.Printf("results and %d charts in %s\n", len(files), dir)
	return nil
}

// lifecycleTable measures apply, plan and destroy of N users against an
// emulator without a rate limit, next to terraform_data, time_static and
// restapi.
func (b *bench) lifecycleTable(cfg options, res *results) error {
	fmt.Printf("## Lifecycle, -parallelism=%d\n\n", cfg.parallelism)
	fmt.Println("| provider | N | latency | apply s | plan s | destroy s | lifecycle s | calls/res apply | calls/res plan | calls/res destroy | state bytes/res | provider peak RSS MiB |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, lat := range ints(cfg.latencies) {
		for _, n := range ints(cfg.sizes) {
			kinds := []string{"opentact", "terraform_data"}
			if cfg.timeStatic {
				kinds = append(kinds, "time_static")
			}
			if cfg.restapi {
				kinds = append(kinds, "restapi")
			}
			for _, kind := range kinds {
				if noAPI(kind) && lat != 0 && slices.Contains(ints(cfg.latencies), 0) {
					continue // no API, no latency: once is enough
				}
				s := spec{kind: kind, n: n, latencyMs: lat, spread: 1, coalesce: true}
				run, err := b.runLifecycle(s)
				if err == nil {
					err = strict(s, run)
				}
				if err != nil {
					return fmt.Errorf("%s N=%d latency=%dms: %w", kind, n, lat, err)
				}
				rec := lifecycleRecord{Provider: kind, N: n, LatencyMs: lat, Parallelism: cfg.parallelism, lifecycleRun: run}
				res.Lifecycle = append(res.Lifecycle, rec)
				fmt.Println(rec.row())
			}
		}
	}
	fmt.Println()
	summarize(cfg, res.Lifecycle)
	return nil
}

func summarize(cfg options, records []lifecycleRecord) {
	lifecycle := map[string]float64{}
	calls := map[string]float64{}
	for _, r := range records {
		key := fmt.Sprintf("%s/%d/%d", r.Provider, r.N, r.LatencyMs)
		lifecycle[key] = r.seconds()
		total, _ := r.requests()
		calls[key] = float64(total)
	}
	for _, n := range ints(cfg.sizes) {
		ours0 := lifecycle[fmt.Sprintf("opentact/%d/0", n)]
		if floor := lifecycle[fmt.Sprintf("terraform_data/%d/0", n)]; floor > 0 && ours0 > 0 {
			fmt.Printf("- N=%d: lifecycle at 0 ms is %.2fx Terraform's floor (terraform_data)\n", n, ours0/floor)
		}
		if limit := lifecycle[fmt.Sprintf("time_static/%d/0", n)]; limit > 0 && ours0 > 0 {
			fmt.Printf("- N=%d: lifecycle at 0 ms is %.2fx time_static's (a framework provider that makes no API call)\n", n, ours0/limit)
		}
		for _, lat := range ints(cfg.latencies) {
			key := fmt.Sprintf("opentact/%d/%d", n, lat)
			if peer := lifecycle[fmt.Sprintf("restapi/%d/%d", n, lat)]; peer > 0 {
				fmt.Printf("- N=%d, %d ms: restapi takes %.2fx as long as this provider\n", n, lat, peer/lifecycle[key])
			}
			if lat > 0 && ours0 > 0 {
				added := lifecycle[key] - ours0
				ideal := calls[key] * float64(lat) / 1000 / float64(cfg.parallelism)
				fmt.Printf("- N=%d, %d ms: latency adds %.1f s to the lifecycle; ideal (calls x latency / parallelism) %.1f s; ratio %.2f\n", n, lat, added, ideal, added/ideal)
			}
		}
	}
	fmt.Println()
}

// coalescingTable compares the refresh of the same users with coalescing
// on and off, all on one connection and spread over ten: one apply, a plan
// with each setting, one destroy.
func (b *bench) coalescingTable(cfg options) error {
	fmt.Println("## Refresh: coalesced reads")
	fmt.Println()
	fmt.Println("| refresh (terraform plan) | N | latency | connections | plan s | GETs | list calls | calls/resource |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, lat := range ints(cfg.latencies) {
		for _, n := range ints(cfg.sizes) {
			for _, spread := range []int{1, 10} {
				plans, err := b.refreshBothWays(n, lat, spread)
				if err != nil {
					return err
				}
				for _, p := range plans {
					fmt.Printf("| %s | %d | %d ms | %d | %.2f | %d | %d | %.3f |\n", p.name, n, lat, spread, p.seconds, p.gets, p.lists, float64(p.gets+p.lists)/float64(n))
				}
			}
		}
	}
	fmt.Println()
	return nil
}

// row is the record as a line of the lifecycle table. "calls/res" is every
// API call of the command divided by N; "state bytes/res" is the size of
// terraform.tfstate after apply divided by N.
func (r lifecycleRecord) row() string {
	rss, state, c := "-", "-", [3]string{"-", "-", "-"}
	if r.RSSMiB > 0 {
		rss = fmt.Sprintf("%.0f", r.RSSMiB)
	}
	var secs [3]float64
	for i, name := range []string{"apply", "plan", "destroy"} {
		cmd, _ := r.command(name)
		secs[i] = cmd.Seconds
		if !noAPI(r.Provider) {
			c[i] = fmt.Sprintf("%.2f", float64(cmd.Requests)/float64(r.N))
		}
		if name == "apply" && cmd.StateBytes > 0 && r.N > 0 {
			state = fmt.Sprintf("%.0f", float64(cmd.StateBytes)/float64(r.N))
		}
	}
	return fmt.Sprintf("| %s | %d | %d ms | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s |", r.Provider, r.N, r.LatencyMs, secs[0], secs[1], secs[2], r.seconds(), c[0], c[1], c[2], state, rss)
}

func cliVersion(cli string) string {
	out, _ := exec.Command(cli, "version").Output()
	return strings.SplitN(string(out), "\n", 2)[0]
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url) //nolint:noctx // the loopback emulator
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	return json.Unmarshal(raw, v)
}

func post(url string, v any) error {
	resp, err := http.Post(url, "application/json", nil) //nolint:noctx // the loopback emulator
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, strings.TrimSpace(string(raw)))
	}
	if v == nil {
		return nil
	}
	raw, _ := io.ReadAll(resp.Body)
	return json.Unmarshal(raw, v)
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o600)
}
