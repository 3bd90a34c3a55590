// Command bench measures the provider's plan and apply against the
// emulator: wall time, API calls per resource and the provider's peak RSS,
// next to Terraform's own floor (terraform_data) and the generic REST
// provider. Run it with `make bench`; BENCHMARKS.md has its figures.
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
	cfg := options{}
	flag.StringVar(&cfg.sizes, "n", "100,500,1000", "numbers of SIP users, comma-separated")
	flag.StringVar(&cfg.latencies, "latency", "0,50", "emulator latencies in milliseconds, comma-separated")
	flag.IntVar(&cfg.parallelism, "parallelism", 10, "terraform -parallelism")
	flag.BoolVar(&cfg.restapi, "restapi", true, "also measure Mastercard/terraform-provider-restapi (built from its Go module into the cache)")
	flag.BoolVar(&cfg.coalescing, "coalescing", true, "also measure refresh with coalesce_reads off and users spread over 10 connections")
	smoke := flag.Bool("smoke", false, "a quick run that only shows the bench works: N=10, no latency, no peer")
	flag.Parse()
	if *smoke {
		cfg.sizes, cfg.latencies, cfg.restapi, cfg.coalescing = "10", "0", false, false
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	sizes, latencies string
	parallelism      int
	restapi          bool
	coalescing       bool
}

// wrapProvider runs the real provider with this process's stdio and
// arguments, forwards signals, and appends the provider's peak RSS (KiB)
// to the file named by BENCH_RSS_FILE.
func wrapProvider(provider string) int {
	cmd := exec.Command(provider, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
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
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if f, err := os.OpenFile(os.Getenv("BENCH_RSS_FILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			_, _ = fmt.Fprintln(f, ru.Maxrss)
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
	parallelism           int
}

func run(cfg options) error {
	cli, err := exec.LookPath(cmp.Or(os.Getenv("TF_ACC_TERRAFORM_PATH"), "terraform"))
	if err != nil {
		return errors.New("no terraform CLI found: install Terraform 1.11+ or name a CLI in TF_ACC_TERRAFORM_PATH")
	}
	work, err := os.MkdirTemp("", "opentact-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	b := &bench{work: work, cli: cli, parallelism: cfg.parallelism}
	if err := b.build(cfg.restapi); err != nil {
		return err
	}
	host, _ := os.Hostname()
	fmt.Printf("# %s, %s, -parallelism=%d, %s\n\n", host, cliVersion(cli), cfg.parallelism, time.Now().UTC().Format(time.RFC3339))
	fmt.Println("| provider | N | latency | apply s | plan s | destroy s | lifecycle s | calls/res apply | calls/res plan | calls/res destroy | provider peak RSS MiB |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	lifecycle := map[string]float64{}
	calls := map[string]float64{}
	for _, lat := range ints(cfg.latencies) {
		for _, n := range ints(cfg.sizes) {
			kinds := []string{"opentact", "terraform_data"}
			if cfg.restapi {
				kinds = append(kinds, "restapi")
			}
			for _, kind := range kinds {
				if kind == "terraform_data" && lat != 0 && slices.Contains(ints(cfg.latencies), 0) {
					continue // no API, no latency: once is enough
				}
				r, err := b.lifecycle(kind, n, lat, 1, true)
				if err != nil {
					return fmt.Errorf("%s N=%d latency=%dms: %w", kind, n, lat, err)
				}
				key := fmt.Sprintf("%s/%d/%d", kind, n, lat)
				lifecycle[key] = r.apply + r.plan + r.destroy
				calls[key] = (r.calls[0] + r.calls[1] + r.calls[2]) * float64(n)
				fmt.Println(r.row(kind, n, lat))
			}
		}
	}
	fmt.Println()
	summarize(cfg, lifecycle, calls)
	if cfg.coalescing {
		return b.coalescingTable(cfg)
	}
	return nil
}

func summarize(cfg options, lifecycle, calls map[string]float64) {
	for _, n := range ints(cfg.sizes) {
		ours0 := lifecycle[fmt.Sprintf("opentact/%d/0", n)]
		if floor := lifecycle[fmt.Sprintf("terraform_data/%d/0", n)]; floor > 0 && ours0 > 0 {
			fmt.Printf("- N=%d: lifecycle at 0 ms is %.2fx Terraform's floor (terraform_data)\n", n, ours0/floor)
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
	return nil
}

type result struct {
	apply, plan, destroy float64
	calls                [3]float64 // per resource: apply, plan, destroy
	planGets, planLists  int
	rssMiB               float64
}

func (r result) row(kind string, n, lat int) string {
	rss, c := "-", [3]string{"-", "-", "-"}
	if r.rssMiB > 0 {
		rss = fmt.Sprintf("%.0f", r.rssMiB)
	}
	if kind != "terraform_data" {
		for i := range c {
			c[i] = fmt.Sprintf("%.2f", r.calls[i])
		}
	}
	return fmt.Sprintf("| %s | %d | %d ms | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s |", kind, n, lat, r.apply, r.plan, r.destroy, r.apply+r.plan+r.destroy, c[0], c[1], c[2], rss)
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
