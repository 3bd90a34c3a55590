package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const restapiVersion = "v1.20.0"

// build compiles the provider, the emulator and (optionally) the peer, and
// writes a CLI config whose dev_overrides point at them.
func (b *bench) build(restapi bool) error {
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
		dir, err := buildRestapi()
		if err != nil {
			return err
		}
		b.restapiDir = dir
		overrides += fmt.Sprintf("    \"registry.terraform.io/mastercard/restapi\" = %q\n", dir)
	}
	return writeFile(filepath.Join(b.work, "cli.tfrc"), "provider_installation {\n  dev_overrides {\n"+overrides+"  }\n  direct {}\n}\n")
}

// buildRestapi builds the generic REST provider from its Go module into a
// cache outside the repository (go install refuses the module).
func buildRestapi() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "terraform-provider-opentact", "restapi-"+restapiVersion)
	binary := filepath.Join(dir, "terraform-provider-restapi")
	if _, err := os.Stat(binary); err == nil {
		return dir, nil
	}
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/Mastercard/terraform-provider-restapi@"+restapiVersion).Output()
	if err != nil {
		return "", fmt.Errorf("downloading restapi: %w", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download gave no directory")
	}
	src, err := os.MkdirTemp("", "restapi-src-")
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
	fmt.Fprintln(os.Stderr, "bench: building terraform-provider-restapi", restapiVersion, "(about 30 s, once)")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building restapi: %v\n%s", err, out)
	}
	return dir, nil
}

type emulatorProc struct {
	cmd *exec.Cmd
	url string
}

func (b *bench) startEmulator(latencyMs int) (*emulatorProc, error) {
	addrFile := filepath.Join(b.work, fmt.Sprintf("emulator-%d.addr", time.Now().UnixNano()))
	cmd := exec.Command(filepath.Join(b.work, "bin", "opentact-emulator"), "-listen", "127.0.0.1:0", "-addr-file", addrFile,
		"-token", "bench-token", "-latency", fmt.Sprintf("%dms", latencyMs))
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; i < 200; i++ {
		if raw, err := os.ReadFile(addrFile); err == nil && len(raw) > 0 {
			return &emulatorProc{cmd: cmd, url: strings.TrimSpace(string(raw))}, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("the emulator did not start")
}

func (e *emulatorProc) stop() {
	_ = e.cmd.Process.Kill()
	_ = e.cmd.Wait()
}

type stats struct {
	Total int            `json:"total"`
	Calls map[string]int `json:"calls"`
	Users int            `json:"users"`
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

// lifecycle applies, refreshes (plan) and destroys n resources of a kind,
// timing each command and counting the API calls it made.
func (b *bench) lifecycle(kind string, n, latencyMs, spread int, coalesce bool) (result, error) {
	var r result
	dir, err := os.MkdirTemp(b.work, kind+"-")
	if err != nil {
		return r, err
	}
	var emu *emulatorProc
	if kind != "terraform_data" {
		if emu, err = b.startEmulator(latencyMs); err != nil {
			return r, err
		}
		defer emu.stop()
	}
	config, err := b.config(kind, n, spread, coalesce, emu)
	if err != nil {
		return r, err
	}
	if err := writeFile(filepath.Join(dir, "main.tf"), config); err != nil {
		return r, err
	}
	rssFile := filepath.Join(dir, "rss")
	ops := []struct {
		args []string
		dst  *float64
	}{
		{[]string{"apply", "-auto-approve"}, &r.apply},
		{[]string{"plan", "-detailed-exitcode"}, &r.plan},
		{[]string{"destroy", "-auto-approve"}, &r.destroy},
	}
	for i, op := range ops {
		if emu != nil {
			_ = post(emu.url+"/_emulator/reset", nil)
		}
		seconds, code, out, err := b.terraform(dir, rssFile, op.args...)
		*op.dst = seconds
		// restapi's plan after apply is not empty (exit 2): that is its
		// behaviour on this API, not a failure of the bench.
		restapiDiff := kind == "restapi" && op.args[0] == "plan" && code == 2
		if err != nil && !restapiDiff {
			return r, fmt.Errorf("terraform %s: %v\n%s", op.args[0], err, tail(out))
		}
		if emu != nil {
			var st stats
			if err := getJSON(emu.url+"/_emulator/stats", &st); err != nil {
				return r, err
			}
			r.calls[i] = float64(st.Total) / float64(n)
			if op.args[0] == "plan" {
				r.planGets, r.planLists = st.reads()
			}
			if op.args[0] == "apply" && st.Users != n {
				return r, fmt.Errorf("apply left %d users, want %d", st.Users, n)
			}
		}
	}
	if kind == "opentact" {
		r.rssMiB = maxRSSMiB(rssFile)
	}
	return r, nil
}

// terraform runs one CLI command in dir and times it.
func (b *bench) terraform(dir, rssFile string, args ...string) (seconds float64, code int, output string, err error) {
	args = append(append([]string{}, args...), "-input=false", "-no-color", "-compact-warnings", fmt.Sprintf("-parallelism=%d", b.parallelism))
	cmd := exec.Command(b.cli, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(b.work, "cli.tfrc"), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		wrapEnv+"="+filepath.Join(b.work, "real", "terraform-provider-opentact"), "BENCH_RSS_FILE="+rssFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	return time.Since(start).Seconds(), cmd.ProcessState.ExitCode(), out.String(), err
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
	config, err := b.config("opentact", n, spread, true, emu)
	if err != nil {
		return nil, err
	}
	main := filepath.Join(dir, "main.tf")
	if err := writeFile(main, config); err != nil {
		return nil, err
	}
	rss := filepath.Join(dir, "rss")
	if _, _, out, err := b.terraform(dir, rss, "apply", "-auto-approve"); err != nil {
		return nil, fmt.Errorf("apply: %v\n%s", err, tail(out))
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
		seconds, _, out, err := b.terraform(dir, rss, "plan", "-detailed-exitcode")
		if err != nil {
			return nil, fmt.Errorf("plan: %v\n%s", err, tail(out))
		}
		var st stats
		if err := getJSON(emu.url+"/_emulator/stats", &st); err != nil {
			return nil, err
		}
		p := refresh{name: name, seconds: seconds}
		p.gets, p.lists = st.reads()
		plans = append(plans, p)
	}
	if _, _, out, err := b.terraform(dir, rss, "destroy", "-auto-approve"); err != nil {
		return nil, fmt.Errorf("destroy: %v\n%s", err, tail(out))
	}
	return plans, nil
}

func (b *bench) config(kind string, n, spread int, coalesce bool, emu *emulatorProc) (string, error) {
	switch kind {
	case "terraform_data":
		return fmt.Sprintf("resource \"terraform_data\" \"u\" {\n  count = %d\n  input = format(\"user%%05d\", count.index)\n}\n", n), nil
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
}
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
`, emu.url, n), nil
	}
	connections := []string{}
	for i := 0; i < spread; i++ {
		var c struct{ UUID string }
		if err := post(fmt.Sprintf("%s/_emulator/connections?name=bench%d", emu.url, i), &c); err != nil || c.UUID == "" {
			return "", fmt.Errorf("adding a connection: %v", err)
		}
		connections = append(connections, strconv.Quote(c.UUID))
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
}
locals {
  connections = [%s]
}
resource "opentact_sip_user" "u" {
  count               = %d
  sip_connection_uuid = local.connections[count.index %% length(local.connections)]
  login               = format("user%%05d", count.index)
  password            = "bench-secret"
}
`, emu.url, coalesce, strings.Join(connections, ", "), n), nil
}

func maxRSSMiB(path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	peak := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil && v > peak {
			peak = v
		}
	}
	return float64(peak) / 1024
}

// tail is the end of a command's output, where its error is.
func tail(s string) string {
	const n = 3000
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
