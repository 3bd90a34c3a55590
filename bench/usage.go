package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// providerUsage is what the provider processes of a command or a lifecycle
// used, from the lines the wrapper appends to the usage file: one per
// process (Terraform starts several per command).
type providerUsage struct {
	RSSMiB     float64 `json:"provider_peak_rss_mib,omitempty"` // largest provider process
	CPUSeconds float64 `json:"provider_cpu_s,omitempty"`        // user + system, all processes
	GCs        int     `json:"provider_gcs,omitempty"`          // collections, when counted
	// GCCPUSeconds is the CPU the collections took, all processes, and
	// LiveHeapMiB the largest live heap a collection found (both from
	// gctrace, when counted).
	GCCPUSeconds float64 `json:"provider_gc_cpu_s,omitempty"`
	LiveHeapMiB  int     `json:"provider_live_heap_mib,omitempty"`
}

// usageLine is one provider process's line of the usage file: peak RSS in
// KiB, user + system CPU in seconds, then garbage collections, their CPU in
// seconds and the largest live heap in MiB (all 0 when not counted).
func usageLine(ru *syscall.Rusage, gc *gcTrace) string {
	cpu := float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	return fmt.Sprintf("%d %.3f %d %.3f %d", ru.Maxrss, cpu, gc.count, gc.cpuMs/1000, gc.peakLiveMiB)
}

// readUsage adds up a usage file: the largest RSS, the sum of CPU and of
// collections. A missing file is no usage (terraform_data has no provider).
func readUsage(path string) providerUsage {
	var u providerUsage
	f, err := os.Open(path)
	if err != nil {
		return u
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if kib, err := strconv.Atoi(fields[0]); err == nil {
			u.RSSMiB = max(u.RSSMiB, float64(kib)/1024)
		}
		if len(fields) > 1 {
			cpu, _ := strconv.ParseFloat(fields[1], 64)
			u.CPUSeconds += cpu
		}
		if len(fields) > 4 {
			gcs, _ := strconv.Atoi(fields[2])
			gcCPU, _ := strconv.ParseFloat(fields[3], 64)
			live, _ := strconv.Atoi(fields[4])
			u.GCs += gcs
			u.GCCPUSeconds += gcCPU
			u.LiveHeapMiB = max(u.LiveHeapMiB, live)
		}
	}
	return u
}

// gcTrace is the provider's stderr under GODEBUG=gctrace=1: it reads the
// runtime's lines, one per collection, and passes every other line on. A
// line is "gc 7 @1.2s 1%: 0.1+20+0.1 ms clock, 0.2+1.5/30/9+0.2 ms cpu,
// 150->160->120 MB, ...": the CPU of the collection's phases (sweep
// termination, mark assist / background / idle, mark termination), and the
// heap at its start and end and the live heap it found. (Its "1%" is the
// collector's share of all CPU the process could have used since it
// started; a provider waits on Terraform most of its life, so that share
// stays near 0 and says nothing.)
type gcTrace struct {
	out         io.Writer
	partial     []byte
	count       int
	cpuMs       float64
	peakLiveMiB int
}

var gcTraceLine = regexp.MustCompile(`^gc \d+ @.*, ([0-9.]+)\+([0-9.]+)/([0-9.]+)/([0-9.]+)\+([0-9.]+) ms cpu, \d+->\d+->(\d+) MB`)

func (c *gcTrace) Write(p []byte) (int, error) {
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		c.line(c.partial[:i+1])
		c.partial = c.partial[i+1:]
	}
}

func (c *gcTrace) line(l []byte) {
	m := gcTraceLine.FindSubmatch(l)
	if m == nil {
		_, _ = c.out.Write(l)
		return
	}
	c.count++
	for _, phase := range m[1:6] {
		ms, _ := strconv.ParseFloat(string(phase), 64)
		c.cpuMs += ms
	}
	live, _ := strconv.Atoi(string(m[6]))
	c.peakLiveMiB = max(c.peakLiveMiB, live)
}

// flush passes on a last line without a newline.
func (c *gcTrace) flush() {
	if len(c.partial) > 0 {
		c.line(c.partial)
		c.partial = nil
	}
}
