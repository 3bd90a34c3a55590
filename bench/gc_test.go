package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestAlternatedOrder(t *testing.T) {
	for _, tc := range []struct {
		repeats, variants int
		want              string
	}{
		{3, 2, "A0 B0 B1 A1 A2 B2"},
		{2, 3, "A0 B0 C0 C1 B1 A1"},
	} {
		var got []string
		_ = alternated(tc.repeats, tc.variants, func(i, vi int) error {
			got = append(got, string(rune('A'+vi))+string(rune('0'+i)))
			return nil
		})
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%d repeats of %d variants: %v, want %s", tc.repeats, tc.variants, got, tc.want)
		}
	}
}

func TestAlternatedStopsAtTheFirstError(t *testing.T) {
	calls := 0
	err := alternated(5, 2, func(i, vi int) error {
		calls++
		if calls == 3 {
			return os.ErrClosed
		}
		return nil
	})
	if !errors.Is(err, os.ErrClosed) || calls != 3 {
		t.Errorf("err %v after %d calls, want os.ErrClosed after 3", err, calls)
	}
}

func TestUsageAddsCPUAndCollectionsAndKeepsThePeaks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage")
	ru := &syscall.Rusage{Maxrss: 204800, Utime: syscall.Timeval{Sec: 1, Usec: 500000}, Stime: syscall.Timeval{Usec: 250000}}
	line := usageLine(ru, &gcTrace{count: 40, cpuMs: 1250, peakLiveMiB: 130})
	if line != "204800 1.750 40 1.250 130" {
		t.Errorf("usageLine = %q", line)
	}
	// Processes that were not traced write zeros; an old line has RSS only.
	lines := []string{"51200 0.100 2 0.050 150", line, "", "102400 0.150 0 0.000 0", "61440"}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u := readUsage(path)
	near := func(got, want float64) bool { return got > want-0.001 && got < want+0.001 }
	if u.RSSMiB != 200 || u.GCs != 42 || !near(u.CPUSeconds, 2.0) || !near(u.GCCPUSeconds, 1.3) || u.LiveHeapMiB != 150 {
		t.Errorf("usage %+v, want 200 MiB, 2.0 s, 42 GCs of 1.3 s, live heap 150 MiB", u)
	}
	if u := readUsage(filepath.Join(t.TempDir(), "none")); u != (providerUsage{}) {
		t.Errorf("a missing file gave %+v", u)
	}
}

func TestGCTraceReadsTraceLinesAndPassesTheRest(t *testing.T) {
	var out strings.Builder
	c := &gcTrace{out: &out}
	// Lines split across writes, as a pipe delivers them; one forced.
	for _, chunk := range []string{
		"gc 1 @0.004s 7%: 0.01+0.1+0.001 ms clock, 0.5+1/2.5/3+0.25 ms cpu, 63->64->", "150 MB, 64 MB goal, 0 MB stacks, 0 MB globals, 2 P\npanic: boom\ngc 2 @0",
		".02s 0%: 1+2+3 ms clock, 10+0/0/0+0.75 ms cpu, 200->210->90 MB, 128 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\ngc is not a trace line\n", "last words",
	} {
		if _, err := c.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	c.flush()
	if c.count != 2 || c.peakLiveMiB != 150 || c.cpuMs != 18 {
		t.Errorf("count %d, peak live %d MiB, CPU %.2f ms; want 2, 150, 18", c.count, c.peakLiveMiB, c.cpuMs)
	}
	if want := "panic: boom\ngc is not a trace line\nlast words"; out.String() != want {
		t.Errorf("passed on %q, want %q", out.String(), want)
	}
}

func TestGCVariants(t *testing.T) {
	vs, err := gcOptions{variants: "A, C"}.variantList()
	if err != nil || len(vs) != 2 || vs[0].name != "A" || vs[1].name != "C" {
		t.Fatalf("%+v, %v", vs, err)
	}
	// A is the previous release: with GOMEMLIMIT set the provider leaves the
	// runtime alone, so the limit stays fixed at 128 MiB.
	if !slices.Equal(vs[0].env, []string{"GOGC=400", "GOMEMLIMIT=128MiB"}) {
		t.Errorf("A's environment %v", vs[0].env)
	}
	if _, err := (gcOptions{variants: "A,D"}).variantList(); err == nil {
		t.Error("an unknown variant was accepted")
	}
}

func TestSpreadAndSideBySide(t *testing.T) {
	if got := spread([]float64{3, 1, 2}, 1); got != "1.0 / 2.0 / 3.0" {
		t.Errorf("spread = %q", got)
	}
	if got := spread(nil, 0); got != "-" {
		t.Errorf("spread of nothing = %q", got)
	}
	if got := sideBySide([]float64{2, 4, 10}, []float64{1, 2, 10}); got != "0.50x (side-by-side ratios 0.50 / 0.50 / 1.00)" {
		t.Errorf("sideBySide = %q", got)
	}
}
