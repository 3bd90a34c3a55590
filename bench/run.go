package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	restapiVersion = "v1.20.0"
	// timeVersion is hashicorp/terraform-provider-time, whose time_static
	// (a framework resource that makes no API call) is the lifecycle
	// table's limit for a provider.
	timeVersion = "v0.14.2"
)

// build compiles the provider, the emulator and (optionally) the peer and
// the time provider, and writes a CLI config whose dev_overrides point at
// them.
func (b *bench) build(restapi, timeStatic bool) error {
	bin := filepath.Join(b.work, "bin")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	steps := [][]string{
		{"go", "build", "-o", filepath.Join(b.work, "real", "terraform-provider-opentact"), "."},
		{"go", "build", "-o", filepath.Join(bin, "opentact-emulator"), "./cmd/opentact-emulator"},
		{"cp", self, filepath.Join(bin, "terraform-provider-opentact")},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, out)
		}
	}
	overrides := fmt.Sprintf("    \"registry.terraform.io/opentact/opentact\" = %q\n", bin)
	if restapi {
		dir, err := buildFromModule("github.com/Mastercard/terraform-provider-restapi", restapiVersion, "restapi", "about 30 s")
		if err != nil {
			return err
		}
		b.restapiDir = dir
		overrides += fmt.Sprintf("    \"registry.terraform.io/mastercard/restapi\" = %q\n", dir)
	}
	if timeStatic {
		dir, err := buildFromModule("github.com/hashicorp/terraform-provider-time", timeVersion, "time", "under a minute")
		if err != nil {
			return err
		}
		// Like this provider, the time provider runs behind the bench's
		// wrapper (a copy of the bench under the provider's name, which
		// starts the real binary): the two rows pay the same process
		// overhead, and the time provider's peak RSS is measured too.
		b.timeBinary = filepath.Join(dir, "terraform-provider-time")
		wrapper := filepath.Join(b.work, "bin-time")
		if err := os.MkdirAll(wrapper, 0o755); err != nil {
			return err
		}
		if out, err := exec.Command("cp", self, filepath.Join(wrapper, "terraform-provider-time")).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		overrides += fmt.Sprintf("    \"registry.terraform.io/hashicorp/time\" = %q\n", wrapper)
	}
	return writeFile(filepath.Join(b.work, "cli.tfrc"), "provider_installation {\n  dev_overrides {\n"+overrides+"  }\n  direct {}\n}\n")
}

// buildFromModule builds the provider terraform-provider-<name> from its Go
// module (module@version: downloaded, copied writable, built there) into a
// cache outside the repository, once, and returns the binary's directory.
// go install refuses restapi's module; the time provider is built the same
// way.
func buildFromModule(module, version, name, duration string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "terraform-provider-opentact", name+"-"+version)
	binary := filepath.Join(dir, "terraform-provider-"+name)
	if _, err := os.Stat(binary); err == nil {
		return dir, nil
	}
	out, err := exec.Command("go", "mod", "download", "-json", module+"@"+version).Output()
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", name, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download gave no directory")
	}
	src, err := os.MkdirTemp("", name+"-src-")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(src) }()
	for _, c := range [][]string{{"cp", "-R", mod.Dir + "/.", src}, {"chmod", "-R", "u+w", src}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%v: %s", err, out)
		}
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = src
	fmt.Fprintf(os.Stderr, "bench: building terraform-provider-%s %s (%s, once)\n", name, version, duration)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v\n%s", name, err, out)
	}
	return dir, nil
}

type emulatorProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when the process has exited
}

// startEmulator starts a fresh emulator; extra flags (such as the rate
// limit) pass through. An emulator that exits at once (an unknown flag)
// fails with its own message.
func (b *bench) startEmulator(latencyMs int, extra ...string) (*emulatorProc, error) {
	stamp := time.Now().UnixNano()
	addrFile := filepath.Join(b.work, fmt.Sprintf("emulator-%d.addr", stamp))
	logFile, err := os.Create(filepath.Join(b.work, fmt.Sprintf("emulator-%d.log", stamp)))
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }()
	args := append([]string{"-listen", "127.0.0.1:0", "-addr-file", addrFile,
		"-token", "bench-token", "-latency", fmt.Sprintf("%dms", latencyMs)}, extra...)
	cmd := exec.Command(filepath.Join(b.work, "bin", "opentact-emulator"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &emulatorProc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()
	for range 200 {
		if raw, err := os.ReadFile(addrFile); err == nil && len(raw) > 0 {
			e.url = strings.TrimSpace(string(raw))
			return e, nil
		}
		select {
		case <-e.done:
			out, _ := os.ReadFile(logFile.Name())
			return nil, fmt.Errorf("the emulator (%s) exited: %s", strings.Join(extra, " "), tail(string(out)))
		case <-time.After(25 * time.Millisecond):
		}
	}
	e.stop()
	return nil, fmt.Errorf("the emulator did not start")
}

func (e *emulatorProc) stop() {
	_ = e.cmd.Process.Kill()
	<-e.done
}

type stats struct {
	Total       int            `json:"total"` // every API request, 429s included
	Calls       map[string]int `json:"calls"`
	Users       int            `json:"users"`
	Statuses    map[string]int `json:"statuses"`
	RateLimited int            `json:"rate_limited"`
}

// reads splits the read calls into single GETs and list calls.
func (st stats) reads() (gets, lists int) {
	for call, count := range st.Calls {
		switch {
		case strings.HasSuffix(call, "/users"):
			lists += count
		case strings.HasPrefix(call, "GET "):
			gets += count
		}
	}
	return gets, lists
}

// spec is one lifecycle to measure: which provider, how many users, and how
// the emulator and the provider are set up.
type spec struct {
	kind         string // opentact, terraform_data, time_static or restapi
	n, latencyMs int
	spread       int  // SIP connections the users are spread over (opentact)
	coalesce     bool // coalesce_reads (opentact)
	emulatorArgs []string
	providerArgs string   // extra lines in the provider block
	connections  []string // existing connections for the users (opentact); empty: spread new ones
	password     string   // the users' password, an HCL expression (opentact); empty: "bench-secret"
	planOnly     bool     // only plan the users, which do not exist yet (no apply, no destroy)
	cli          cliOptions
}

// noAPI says whether a kind of lifecycle row makes no API call: no
// emulator, no latency, no call counts, no users to check.
func noAPI(kind string) bool { return kind == "terraform_data" || kind == "time_static" }

// runLifecycle applies, refreshes (plan) and destroys the users of a spec,
// timing each command, counting the API calls it made and measuring the
// state it left. A command that fails is recorded and the next one still
// runs; the error is only for a bench that cannot run at all.
func (b *bench) runLifecycle(s spec) (lifecycleRun, error) {
	var run lifecycleRun
	dir, err := os.MkdirTemp(b.work, s.kind+"-")
	if err != nil {
		return run, err
	}
	var emu *emulatorProc
	if !noAPI(s.kind) {
		if emu, err = b.startEmulator(s.latencyMs, s.emulatorArgs...); err != nil {
			return run, err
		}
		defer emu.stop()
	}
	config, err := b.config(s, emu)
	if err != nil {
		return run, err
	}
	if err := writeFile(filepath.Join(dir, "main.tf"), config); err != nil {
		return run, err
	}
	opts := s.cli
	opts.rssFile = filepath.Join(dir, "rss")
	if s.kind == "time_static" && opts.providerBin == "" {
		opts.providerBin = b.timeBinary
	}
	commands := [][]string{{"apply", "-auto-approve"}, {"plan", "-detailed-exitcode"}, {"destroy", "-auto-approve"}}
	if s.planOnly {
		commands = commands[1:2]
	}
	for _, args := range commands {
		if emu != nil {
			_ = post(emu.url+"/_emulator/reset", nil)
		}
		res := b.terraform(dir, opts, args...)
		c := command{Name: args[0], Seconds: res.seconds, Exit: res.code, output: res.output}
		c.FailedResources, c.Error = diagnose(res.output)
		if res.err != nil && c.Error == "" {
			c.Error = res.err.Error()
		}
		// Terraform rewrites the whole state after every change, so its
		// size per resource drives the time at large N.
		if fi, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err == nil {
			c.StateBytes = fi.Size()
		}
		if emu != nil {
			var st stats
			if err := getJSON(emu.url+"/_emulator/stats", &st); err != nil {
				return run, err
			}
			c.Requests, c.RateLimited, c.Statuses, c.UsersAfter = st.Total, st.RateLimited, st.Statuses, st.Users
			if c.Name == "plan" {
				c.Gets, c.Lists = st.reads()
			}
		}
		run.Commands = append(run.Commands, c)
	}
	if s.kind == "opentact" || s.kind == "time_static" { // the providers behind the wrapper
		run.providerUsage = readUsage(opts.rssFile)
	}
	return run, nil
}

// strict is the check of the unthrottled tables: every command succeeds and
// apply creates every user; a plan of new users plans changes (exit 2),
// creates none and, with strong passwords, warns of no weak one.
func strict(s spec, run lifecycleRun) error {
	for _, c := range run.Commands {
		if s.planOnly {
			switch {
			case c.Exit != 2:
				return fmt.Errorf("terraform %s of new users: exit status %d, want 2\n%s", c.Name, c.Exit, tail(c.output))
			case c.UsersAfter != 0:
				return fmt.Errorf("a plan left %d users", c.UsersAfter)
			case s.password == strongPasswords && strings.Contains(c.output, "Weak SIP password"):
				return fmt.Errorf("the strong passwords were rated weak\n%s", tail(c.output))
			}
			continue
		}
		// restapi's plan after apply is not empty (exit 2): that is its
		// behaviour on this API, not a failure of the bench.
		restapiDiff := s.kind == "restapi" && c.Name == "plan" && c.Exit == 2
		if c.Exit != 0 && !restapiDiff {
			return fmt.Errorf("terraform %s: exit status %d\n%s", c.Name, c.Exit, tail(c.output))
		}
		if c.Name == "apply" && !noAPI(s.kind) && c.UsersAfter != s.n {
			return fmt.Errorf("apply left %d users, want %d", c.UsersAfter, s.n)
		}
	}
	return nil
}

// cliOptions are how one Terraform command runs.
type cliOptions struct {
	rssFile     string // the usage file the wrapper appends to (see usageLine)
	countGC     bool   // have the wrapper count the provider's collections
	parallelism int
	providerEnv []string      // extra environment of the provider process only
	providerBin string        // the real provider; empty: the one built from the tree
	timeout     time.Duration // a guard against a hung command; 0: 30 minutes
}

type cliResult struct {
	seconds float64
	code    int
	output  string
	err     error
}

// terraform runs one CLI command in dir and times it. The provider runs
// behind the bench's wrapper, which records its peak RSS and gives it the
// extra environment; Terraform itself keeps the bench's environment, so a
// GOGC meant for the provider does not change the CLI's own speed.
func (b *bench) terraform(dir string, o cliOptions, args ...string) cliResult {
	parallelism := cmp.Or(o.parallelism, b.parallelism)
	args = append(append([]string{}, args...), "-input=false", "-no-color", "-compact-warnings", fmt.Sprintf("-parallelism=%d", parallelism))
	ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(o.timeout, 30*time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, b.cli, args...)
	// Stop as Ctrl-C would, so Terraform writes its state; kill if that hangs.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(b.work, "cli.tfrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		wrapEnv+"="+cmp.Or(o.providerBin, filepath.Join(b.work, "real", "terraform-provider-opentact")), "BENCH_RSS_FILE="+o.rssFile,
		providerEnvVar+"="+strings.Join(o.providerEnv, "\n"))
	if o.countGC {
		cmd.Env = append(cmd.Env, countGCVar+"=1")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := cliResult{seconds: time.Since(start).Seconds(), code: cmd.ProcessState.ExitCode(), output: out.String(), err: err}
	if ctx.Err() != nil {
		r.err = fmt.Errorf("stopped after %s: %w", cmp.Or(o.timeout, 30*time.Minute), ctx.Err())
	}
	return r
}

type refresh struct {
	name        string
	seconds     float64
	gets, lists int
}

// refreshBothWays applies n users spread over connections, then times a
// plan with coalesce_reads on and one with it off.
func (b *bench) refreshBothWays(n, latencyMs, spread int) ([]refresh, error) {
	dir, err := os.MkdirTemp(b.work, "coalesce-")
	if err != nil {
		return nil, err
	}
	emu, err := b.startEmulator(latencyMs)
	if err != nil {
		return nil, err
	}
	defer emu.stop()
	config, err := b.config(spec{kind: "opentact", n: n, spread: spread, coalesce: true}, emu)
	if err != nil {
		return nil, err
	}
	main := filepath.Join(dir, "main.tf")
	if err := writeFile(main, config); err != nil {
		return nil, err
	}
	opts := cliOptions{rssFile: filepath.Join(dir, "rss")}
	if res := b.terraform(dir, opts, "apply", "-auto-approve"); res.err != nil {
		return nil, fmt.Errorf("apply: %v\n%s", res.err, tail(res.output))
	}
	var plans []refresh
	for _, coalesce := range []bool{true, false} {
		name := "coalesced (default)"
		if !coalesce {
			name = "one GET per user"
			if err := writeFile(main, strings.Replace(config, "coalesce_reads = true", "coalesce_reads = false", 1)); err != nil {
				return nil, err
			}
		}
		_ = post(emu.url+"/_emulator/reset", nil)
		res := b.terraform(dir, opts, "plan", "-detailed-exitcode")
		if res.err != nil {
			return nil, fmt.Errorf("plan: %v\n%s", res.err, tail(res.output))
		}
		var st stats
		if err := getJSON(emu.url+"/_emulator/stats", &st); err != nil {
			return nil, err
		}
		p := refresh{name: name, seconds: res.seconds}
		p.gets, p.lists = st.reads()
		plans = append(plans, p)
	}
	if res := b.terraform(dir, opts, "destroy", "-auto-approve"); res.err != nil {
		return nil, fmt.Errorf("destroy: %v\n%s", res.err, tail(res.output))
	}
	return plans, nil
}

func (b *bench) config(s spec, emu *emulatorProc) (string, error) {
	switch s.kind {
	case "terraform_data":
		return fmt.Sprintf("resource \"terraform_data\" \"u\" {\n  count = %d\n  input = format(\"user%%05d\", count.index)\n}\n", s.n), nil
	case "time_static":
		return fmt.Sprintf(`terraform {
  required_providers {
    time = { source = "hashicorp/time" }
  }
}
resource "time_static" "u" {
  count    = %d
  triggers = { login = format("user%%05d", count.index) }
}
`, s.n), nil
	case "restapi":
		return fmt.Sprintf(`terraform {
  required_providers {
    restapi = { source = "Mastercard/restapi" }
  }
}
provider "restapi" {
  uri                  = %q
  headers              = { "X-Auth-Token" = "bench-token", "Content-Type" = "application/json" }
  write_returns_object = true
  id_attribute         = "payload/uuid"
  update_method        = "PATCH"
  create_method        = "POST"
%s}
resource "restapi_object" "u" {
  count        = %d
  path         = "/rest/sip/connection/user"
  read_path    = "/rest/sip/connection/user/{id}"
  update_path  = "/rest/sip/connection/user/{id}"
  destroy_path = "/rest/sip/connection/user/{id}"
  data = jsonencode({
    sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
    login               = format("user%%05d", count.index)
    password            = "bench-secret"
  })
}
`, emu.url, s.providerArgs, s.n), nil
	}
	connections := []string{}
	for _, c := range s.connections {
		connections = append(connections, strconv.Quote(c))
	}
	if len(connections) == 0 {
		for i := range max(s.spread, 1) {
			c, err := addConnection(emu, fmt.Sprintf("bench%d", i))
			if err != nil {
				return "", err
			}
			connections = append(connections, strconv.Quote(c))
		}
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    opentact = { source = "opentact/opentact" }
  }
}
provider "opentact" {
  base_url       = %q
  token          = "bench-token"
  coalesce_reads = %t
%s}
locals {
  connections = [%s]
}
resource "opentact_sip_user" "u" {
  count               = %d
  sip_connection_uuid = local.connections[count.index %% length(local.connections)]
  login               = format("user%%05d", count.index)
  password            = %s
}
`, emu.url, s.coalesce, s.providerArgs, strings.Join(connections, ", "), s.n, cmp.Or(s.password, `"bench-secret"`)), nil
}

// addConnection adds a SIP connection to the emulator and returns its uuid.
func addConnection(emu *emulatorProc, name string) (string, error) {
	var c struct{ UUID string }
	if err := post(fmt.Sprintf("%s/_emulator/connections?name=%s", emu.url, name), &c); err != nil || c.UUID == "" {
		return "", fmt.Errorf("adding a connection: %v", err)
	}
	return c.UUID, nil
}

// tail is the end of a command's output, where its error is.
func tail(s string) string {
	const n = 3000
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
