package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A 429 failure of two resources as Terraform prints it with -no-color,
// and the framed form some versions draw.
const twoFailures = `opentact_sip_user.u[0]: Creating...

Error: Cannot create the SIP user

  with opentact_sip_user.u[3],
  on main.tf line 18, in resource "opentact_sip_user" "u":
  18: resource "opentact_sip_user" "u" {

HTTP 429 after 4 retries; raise max_retries or lower
-parallelism

More detail that is not needed.

Warning: Something else

  with opentact_sip_user.u[9],
  on main.tf line 18, in resource "opentact_sip_user" "u":

not an error
╷
│ Error: Cannot create the SIP user
│
│   with opentact_sip_user.u[4],
│   on main.tf line 18, in resource "opentact_sip_user" "u":
│   18: resource "opentact_sip_user" "u" {
│
│ HTTP 429 again
╵
`

func TestDiagnoseCountsResourcesWithErrorsOnly(t *testing.T) {
	failed, first := diagnose(twoFailures)
	if failed != 2 {
		t.Errorf("failed = %d, want 2 (u[3] and u[4]; u[9] only has a warning)", failed)
	}
	want := "Error: Cannot create the SIP user: HTTP 429 after 4 retries; raise max_retries or lower -parallelism"
	if first != want {
		t.Errorf("first = %q, want %q", first, want)
	}
}

// restapi's errors (SDKv2) have a summary and a context but no detail.
func TestDiagnoseErrorsWithoutDetail(t *testing.T) {
	out := "\nError: unexpected response code '429': {}\n\n\n  with restapi_object.u[5],\n  on main.tf line 12, in resource \"restapi_object\" \"u\":\n  12: resource \"restapi_object\" \"u\" {\n\n\n" +
		"Error: unexpected response code '429': {}\n\n\n  with restapi_object.u[1],\n  on main.tf line 12, in resource \"restapi_object\" \"u\":\n\n"
	failed, first := diagnose(out)
	if failed != 2 || first != "Error: unexpected response code '429': {}" {
		t.Errorf("got %d, %q", failed, first)
	}
}

func TestDiagnoseErrorWithoutResource(t *testing.T) {
	out := "\nError: Invalid provider configuration\n\nThe provider needs a token.\n"
	failed, first := diagnose(out)
	if failed != 0 || first != "Error: Invalid provider configuration: The provider needs a token." {
		t.Errorf("got %d, %q", failed, first)
	}
	if failed, first := diagnose("Apply complete! Resources: 3 added.\n"); failed != 0 || first != "" {
		t.Errorf("a clean run gave %d, %q", failed, first)
	}
}

func rateRun(n int, cmds ...command) rateRecord {
	return rateRecord{Row: "adaptive", N: n, LimitRPS: 5, Burst: 5, Parallelism: 30, lifecycleRun: lifecycleRun{Commands: cmds}}
}

func TestRateRecordFailures(t *testing.T) {
	r := rateRun(200,
		command{Name: "apply", Seconds: 44, Exit: 1, Requests: 300, RateLimited: 100, UsersAfter: 112, FailedResources: 88},
		command{Name: "plan", Seconds: 2, Exit: 2, Requests: 3, UsersAfter: 112},
		command{Name: "destroy", Seconds: 30, Exit: 0, Requests: 115, RateLimited: 3, UsersAfter: 0},
	)
	apply, _ := r.command("apply")
	if got := r.failures(apply); got != "exit 1, 88 resources failed, 112 of 200 users created" {
		t.Errorf("apply failures = %q", got)
	}
	plan, _ := r.command("plan")
	if !r.failed(plan) {
		t.Error("a non-empty plan after apply must count as a failure of this provider")
	}
	r.Row = "restapi"
	if r.failed(plan) {
		t.Error("restapi's plan is never empty on this API: not a failure")
	}
	destroy, _ := r.command("destroy")
	if r.failed(destroy) || r.failures(destroy) != "-" {
		t.Errorf("destroy should be clean: %q", r.failures(destroy))
	}
	if got := r.ideal(apply); got != 40 {
		t.Errorf("ideal = %v, want (300-100)/5 = 40: 429s are not needed requests", got)
	}
}

func TestShareTargets(t *testing.T) {
	for _, tc := range []struct {
		row    string
		n      int
		bound  float64
		strict bool
	}{
		{"adaptive", 200, 15, false},
		{"adaptive", 1000, 5, false},
		{"setting", 200, 2, true},
		{"restapi", 1000, 2, true},
		{"restapi-defaults", 200, 15, false},
	} {
		bound, strict := shareTarget(tc.row, tc.n)
		if bound != tc.bound || strict != tc.strict {
			t.Errorf("%s N=%d: %v %v", tc.row, tc.n, bound, strict)
		}
	}
}

func TestRoundTicks(t *testing.T) {
	var labels []string
	for _, tick := range (roundTicks{}).Ticks(0, 263) {
		if tick.Label != "" {
			labels = append(labels, tick.Label)
		}
	}
	if got := strings.Join(labels, ","); got != "0,100,200" {
		t.Errorf("labels = %s", got)
	}
	for _, tick := range (roundTicks{}).Ticks(0, 0.7) {
		if strings.Contains(tick.Label, "0000") {
			t.Errorf("label %q has float noise", tick.Label)
		}
	}
	if roundUp(263) != 300 || roundUp(0.7) != 0.8 || roundUp(1000) != 1000 {
		t.Errorf("roundUp: %v %v %v", roundUp(263), roundUp(0.7), roundUp(1000))
	}
}

// The charts come from the saved results alone: save, load and render, and
// every chart is a well-formed SVG.
func TestChartsRenderFromSavedResults(t *testing.T) {
	res := &results{Meta: runMeta{Note: "test"}}
	for _, p := range []string{"opentact", "terraform_data", "time_static", "restapi"} {
		for _, n := range []int{10, 100} {
			res.Lifecycle = append(res.Lifecycle, lifecycleRecord{Provider: p, N: n, lifecycleRun: lifecycleRun{Commands: []command{
				{Name: "apply", Seconds: float64(n) / 10}, {Name: "plan", Seconds: 1}, {Name: "destroy", Seconds: float64(n) / 5},
			}}})
		}
	}
	for _, row := range rateRows {
		r := rateRun(10,
			command{Name: "apply", Seconds: 2.5, Requests: 12, RateLimited: 2, UsersAfter: 10},
			command{Name: "plan", Seconds: 1, Requests: 1, UsersAfter: 10},
			command{Name: "destroy", Seconds: 2, Exit: 1, Requests: 10, UsersAfter: 3, FailedResources: 3},
		)
		r.Row = row
		res.RateLimited = append(res.RateLimited, r)
	}
	dir := t.TempDir()
	if err := writeOutputs(res, dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := loadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Lifecycle) != 8 || len(loaded.RateLimited) != len(rateRows) {
		t.Fatalf("loaded %d lifecycle and %d rate-limited records", len(loaded.Lifecycle), len(loaded.RateLimited))
	}
	redrawn := t.TempDir()
	files, err := renderCharts(loaded, redrawn)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lifecycle-0ms.svg", "ratelimit-apply-5rps.svg", "ratelimit-destroy-5rps.svg"}
	if len(files) != len(want) {
		t.Fatalf("charts = %v, want %v", files, want)
	}
	for i, f := range files {
		if filepath.Base(f) != want[i] {
			t.Errorf("chart %d = %s, want %s", i, filepath.Base(f), want[i])
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(raw, new(struct{})); err != nil || !strings.Contains(string(raw), "<svg") {
			t.Errorf("%s is not an SVG: %v", f, err)
		}
	}
	lifecycle, _ := os.ReadFile(filepath.Join(redrawn, "lifecycle-0ms.svg"))
	for _, label := range []string{"opentact", "restapi", "time_static", "terraform_data"} {
		if !strings.Contains(string(lifecycle), label) {
			t.Errorf("the lifecycle chart has no %s series", label)
		}
	}
	destroy, _ := os.ReadFile(filepath.Join(redrawn, "ratelimit-destroy-5rps.svg"))
	if !strings.Contains(string(destroy), "failed") {
		t.Error("a failed destroy should be labelled in its chart")
	}
}

// Each row is set up as the emulator's and the providers' settings name it.
func TestRateSpecs(t *testing.T) {
	o := rateOptions{headers: true}
	s := o.rateSpec("setting", 200, 5, 30)
	if s.kind != "opentact" || !strings.Contains(s.providerArgs, "max_requests_per_second = 5") {
		t.Errorf("setting: %+v", s)
	}
	if got := strings.Join(s.emulatorArgs, " "); got != "-rate-limit 5 -rate-burst 5 -rate-headers" {
		t.Errorf("emulator args = %q", got)
	}
	if s.cli.parallelism != 30 {
		t.Errorf("parallelism = %d", s.cli.parallelism)
	}
	if s := o.rateSpec("adaptive", 200, 2.5, 10); s.providerArgs != "" || s.emulatorArgs[3] != "3" {
		t.Errorf("adaptive: %+v (burst = the limit, rounded)", s)
	}
	if s := o.rateSpec("restapi", 200, 20, 10); s.kind != "restapi" || !strings.Contains(s.providerArgs, "rate_limit           = 20") {
		t.Errorf("restapi: %+v", s)
	}
	if s := o.rateSpec("restapi-defaults", 200, 20, 10); s.kind != "restapi" || s.providerArgs != "" {
		t.Errorf("restapi-defaults: %+v", s)
	}
	if _, err := (rateOptions{rows: "adaptive,typo"}).rowList(); err == nil {
		t.Error("an unknown row must be refused")
	}
}

// A row of the lifecycle table: calls per resource for the providers with an
// API, the state's bytes per resource after apply for every row, and "-"
// where a figure does not exist (no API, or a record saved before the
// state was measured).
func TestLifecycleRow(t *testing.T) {
	run := lifecycleRun{Commands: []command{
		{Name: "apply", Seconds: 1, Requests: 10, StateBytes: 12340},
		{Name: "plan", Seconds: 0.5, Requests: 1, StateBytes: 12340},
		{Name: "destroy", Seconds: 1.5, Requests: 11, StateBytes: 180},
	}}
	ours := lifecycleRecord{Provider: "opentact", N: 10, lifecycleRun: run}
	ours.RSSMiB = 40
	if got, want := ours.row(), "| opentact | 10 | 0 ms | 1.00 | 0.50 | 1.50 | 3.00 | 1.00 | 0.10 | 1.10 | 1234 | 40 |"; got != want {
		t.Errorf("opentact row\n got %s\nwant %s", got, want)
	}
	limit := lifecycleRecord{Provider: "time_static", N: 10, lifecycleRun: run}
	if got, want := limit.row(), "| time_static | 10 | 0 ms | 1.00 | 0.50 | 1.50 | 3.00 | - | - | - | 1234 | - |"; got != want {
		t.Errorf("time_static row\n got %s\nwant %s", got, want)
	}
	run.Commands[0].StateBytes = 0
	old := lifecycleRecord{Provider: "restapi", N: 10, lifecycleRun: run}
	if got := old.row(); !strings.HasSuffix(got, "| 1.10 | - | - |") {
		t.Errorf("a record without state size: %s", got)
	}
}

// time_static has no API: no emulator, no latency, N resources by count.
func TestTimeStaticConfig(t *testing.T) {
	if !noAPI("time_static") || !noAPI("terraform_data") || noAPI("opentact") || noAPI("restapi") {
		t.Error("noAPI: only terraform_data and time_static make no API call")
	}
	config, err := (&bench{}).config(spec{kind: "time_static", n: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`source = "hashicorp/time"`, `resource "time_static" "u"`, "count    = 7", `format("user%05d", count.index)`} {
		if !strings.Contains(config, want) {
			t.Errorf("config has no %q:\n%s", want, config)
		}
	}
}

// The paired plan of new users gives each user a strong password of its
// own; every other table keeps the lifecycle's "bench-secret".
func TestConfigPasswords(t *testing.T) {
	emu := &emulatorProc{url: "http://127.0.0.1:1"}
	base := spec{kind: "opentact", n: 3, connections: []string{"c1"}, coalesce: true}
	plain, err := (&bench{}).config(base, emu)
	if err != nil || !strings.Contains(plain, `password            = "bench-secret"`) {
		t.Errorf("default config (%v):\n%s", err, plain)
	}
	base.password = strongPasswords
	strong, err := (&bench{}).config(base, emu)
	if err != nil || !strings.Contains(strong, `password            = format("Kq7#vT2!mZr9@%04dLx", count.index)`) {
		t.Errorf("plan-new config (%v):\n%s", err, strong)
	}
}
