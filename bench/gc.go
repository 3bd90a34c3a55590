package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// gcOptions describe the -gc table: a refresh that reads large lists, with
// the provider's garbage collector set up in different ways.
type gcOptions struct {
	enabled     bool
	users       int    // users seeded on each connection beside the managed ones
	connections string // numbers of connections, comma-separated: one table each
	variants    string // names from gcVariants, comma-separated
}

// gcManaged is how many users the configuration manages per connection:
// enough that the refresh reads the connection's whole list once (the third
// read of a connection lists it), few enough that the list is nearly all of
// the work.
const gcManaged = opentact.CoalesceThreshold

// gcVariants are the provider's GC settings compared. With GOGC or
// GOMEMLIMIT set, the provider leaves the runtime alone (gcForShortLife in
// main.go), so A is exactly the previous release's fixed limit.
var gcVariants = []variant{
	{name: "A", env: []string{"GOGC=400", "GOMEMLIMIT=128MiB"}, about: "the previous release: target 400, a fixed 128 MiB soft limit"},
	{name: "B", about: "this tree's default: target 400, a soft limit of max(128 MiB, 2 x the live heap)"},
	{name: "C", env: []string{"GOGC=100"}, about: "Go's defaults: target 100, no limit"},
}

func (o gcOptions) variantList() ([]variant, error) {
	var out []variant
	for _, name := range strings.Split(o.variants, ",") {
		i := slices.IndexFunc(gcVariants, func(v variant) bool { return v.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("-gc-variants: no variant %q (A, B or C)", name)
		}
		out = append(out, gcVariants[i])
	}
	return out, nil
}

// gcRecord is one timed plan of one variant in the -gc table.
type gcRecord struct {
	Variant     string   `json:"variant"`
	Env         []string `json:"env,omitempty"`
	Connections int      `json:"connections"`
	Seeded      int      `json:"seeded"`       // per connection
	AnswerBytes int64    `json:"answer_bytes"` // of one connection's list
	Repeat      int      `json:"repeat"`
	Plan        command  `json:"plan"`
	providerUsage
}

// gcTable measures, for each number of connections, the plan of gcManaged
// users per connection whose connections hold o.users users more each, so
// that the refresh reads and decodes lists close to the answer cap.
func (b *bench) gcTable(o gcOptions, repeats int, res *results) error {
	variants, err := o.variantList()
	if err != nil {
		return err
	}
	repeats = max(repeats, 1)
	fmt.Println("## Refresh of large lists: the provider's garbage collector")
	fmt.Println()
	fmt.Printf("%d plans per variant, alternated. CPU, GCs and the collector's CPU (from gctrace) are of all provider processes of the plan; "+
		"the live heap is the largest a collection found; the last five columns are medians.\n\n", repeats)
	for _, v := range variants {
		fmt.Printf("- %s: %s (%s)\n", v.name, v.about, envText(v.env))
	}
	fmt.Println()
	for _, connections := range ints(o.connections) {
		if err := b.gcCase(o.users, max(connections, 1), variants, repeats, res); err != nil {
			return err
		}
	}
	return nil
}

func envText(env []string) string {
	if len(env) == 0 {
		return "no GOGC or GOMEMLIMIT"
	}
	return strings.Join(env, " ")
}

// gcCase is one table of the -gc run: a fresh emulator with connections
// connections of users+gcManaged users each, and the timed plans.
func (b *bench) gcCase(users, connections int, variants []variant, repeats int, res *results) error {
	dir, err := os.MkdirTemp(b.work, "gc-")
	if err != nil {
		return err
	}
	emu, err := b.startEmulator(0)
	if err != nil {
		return err
	}
	defer emu.stop()
	answer, err := b.gcSetup(dir, emu, users, connections)
	if err != nil {
		return err
	}
	fmt.Printf("%d managed users on each of %d connections with %d users more: the plan reads each connection's list once, %.1f MiB each (%.0f bytes a user; the provider reads at most %d MiB from one answer).\n\n",
		gcManaged, connections, users, float64(answer)/(1<<20), float64(answer)/float64(users+gcManaged), opentact.MaxAnswerBytes>>20)
	runs := make([][]gcRecord, len(variants))
	err = alternated(repeats, len(variants), func(i, vi int) error {
		rec, err := b.gcPlan(dir, emu, variants[vi], i, connections)
		rec.Connections, rec.Seeded, rec.AnswerBytes = connections, users, answer
		runs[vi] = append(runs[vi], rec)
		res.GC = append(res.GC, rec)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Println("| variant | connections | plan s min / median / max | provider CPU s min / median / max | GCs | collector CPU s | peak live heap MiB | provider peak RSS MiB | GETs + lists |")
	fmt.Println("|---|---:|---|---|---:|---:|---:|---:|---|")
	for vi, v := range variants {
		fmt.Println(gcRow(v.name, connections, runs[vi]))
	}
	fmt.Println()
	for vi, v := range variants[1:] {
		fmt.Println(gcSummary(v.name, variants[0].name, runs[0], runs[vi+1]))
	}
	fmt.Println()
	return nil
}

// gcSetup writes and applies the configuration of gcManaged users on each
// of connections new connections, then seeds users more on each (after the
// apply, so that only the timed plans read the large lists). It returns the
// size of one list answer, which must fit under the provider's cap: a
// larger one makes the provider fall back to single GETs and measures
// nothing.
func (b *bench) gcSetup(dir string, emu *emulatorProc, users, connections int) (int64, error) {
	var uuids []string
	for i := range connections {
		c, err := addConnection(emu, fmt.Sprintf("bench%d", i))
		if err != nil {
			return 0, err
		}
		uuids = append(uuids, c)
	}
	config, err := b.config(spec{kind: "opentact", n: gcManaged * connections, coalesce: true, connections: uuids}, emu)
	if err != nil {
		return 0, err
	}
	if err := writeFile(filepath.Join(dir, "main.tf"), config); err != nil {
		return 0, err
	}
	if r := b.terraform(dir, cliOptions{rssFile: filepath.Join(dir, "usage-apply")}, "apply", "-auto-approve"); r.err != nil {
		return 0, fmt.Errorf("apply: %v\n%s", r.err, tail(r.output))
	}
	for _, c := range uuids {
		if err := post(fmt.Sprintf("%s/_emulator/seed?connection=%s&n=%d&prefix=seed", emu.url, c, users), nil); err != nil {
			return 0, err
		}
	}
	answer, err := answerBytes(emu.url + "/rest/sip/connection/" + uuids[0] + "/users")
	if err != nil {
		return 0, err
	}
	if answer > opentact.MaxAnswerBytes {
		return 0, fmt.Errorf("the list answer of %d users is %.1f MiB, over the provider's %d MiB cap: lower -gc-users",
			users+gcManaged, float64(answer)/(1<<20), opentact.MaxAnswerBytes>>20)
	}
	return answer, nil
}

// gcPlan times one plan of variant v. The plan must find no change and must
// have read every connection's list (fewer GETs than managed users): a plan
// that fell back to GETs did not decode the lists the table is about.
func (b *bench) gcPlan(dir string, emu *emulatorProc, v variant, repeat, connections int) (gcRecord, error) {
	rec := gcRecord{Variant: v.name, Env: v.env, Repeat: repeat}
	if err := post(emu.url+"/_emulator/reset", nil); err != nil {
		return rec, err
	}
	usage := filepath.Join(dir, fmt.Sprintf("usage-%s-%d", v.name, repeat))
	r := b.terraform(dir, cliOptions{rssFile: usage, providerEnv: v.env, countGC: true}, "plan", "-detailed-exitcode")
	rec.Plan = command{Name: "plan", Seconds: r.seconds, Exit: r.code}
	rec.providerUsage = readUsage(usage)
	var st stats
	if err := getJSON(emu.url+"/_emulator/stats", &st); err != nil {
		return rec, err
	}
	rec.Plan.Requests, rec.Plan.Statuses, rec.Plan.UsersAfter = st.Total, st.Statuses, st.Users
	rec.Plan.Gets, rec.Plan.Lists = st.reads()
	switch {
	case r.code != 0:
		return rec, fmt.Errorf("variant %s: terraform plan: exit status %d\n%s", v.name, r.code, tail(r.output))
	case rec.Plan.Lists < connections || rec.Plan.Gets >= gcManaged*connections:
		return rec, fmt.Errorf("variant %s: the plan made %d GETs and %d list calls for %d connections: it did not read the users from the lists",
			v.name, rec.Plan.Gets, rec.Plan.Lists, connections)
	}
	return rec, nil
}

// answerBytes is the size of the answer to an API GET.
func answerBytes(url string) (int64, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil) //nolint:noctx // the loopback emulator
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Auth-Token", "bench-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.Copy(io.Discard, resp.Body)
}

func gcRow(name string, connections int, runs []gcRecord) string {
	medianOf := func(f func(r gcRecord) float64) float64 { return median(collect(runs, f)) }
	gets := medianOf(func(r gcRecord) float64 { return float64(r.Plan.Gets) })
	lists := medianOf(func(r gcRecord) float64 { return float64(r.Plan.Lists) })
	return fmt.Sprintf("| %s | %d | %s | %s | %.0f | %.2f | %.0f | %.0f | %.0f + %.0f |", name, connections,
		spread(collect(runs, gcSeconds), 2), spread(collect(runs, gcCPU), 2),
		medianOf(func(r gcRecord) float64 { return float64(r.GCs) }),
		medianOf(func(r gcRecord) float64 { return r.GCCPUSeconds }),
		medianOf(func(r gcRecord) float64 { return float64(r.LiveHeapMiB) }),
		medianOf(func(r gcRecord) float64 { return r.RSSMiB }), gets, lists)
}

func gcSeconds(r gcRecord) float64 { return r.Plan.Seconds }
func gcCPU(r gcRecord) float64     { return r.CPUSeconds }

// gcSummary compares variant b with the first variant a by plan time and
// provider CPU.
func gcSummary(name, base string, a, b []gcRecord) string {
	return fmt.Sprintf("- %s against %s: plan time %s; provider CPU %s", name, base,
		sideBySide(collect(a, gcSeconds), collect(b, gcSeconds)), sideBySide(collect(a, gcCPU), collect(b, gcCPU)))
}
