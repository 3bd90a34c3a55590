package main

import (
	"context"
	"flag"
	"log"
	"math"
	"os"
	"runtime"
	rdebug "runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/opentact/terraform-provider-opentact/internal/provider"
)

// Generate the Registry documentation from templates/ and examples/.
//go:generate go tool -modfile=tools/go.mod tfplugindocs generate --provider-name opentact

// version is set by goreleaser through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()
	quietUnlessLogging(os.Environ(), os.Setenv)
	gcForShortLife(os.Getenv, rdebug.SetGCPercent, rdebug.SetMemoryLimit)

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/opentact/opentact",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietUnlessLogging turns the SDK's and the framework's logs off when no
// TF_LOG* variable asks for logs. By default they are produced at TRACE,
// encoded as JSON and sent to the CLI, which discards them unless TF_LOG is
// set: in a 500-user plan that was a third of the provider's CPU. With any
// TF_LOG* variable set (TF_LOG, TF_LOG_PROVIDER, TF_LOG_PATH, ...), nothing
// changes.
func quietUnlessLogging(environ []string, setenv func(key, value string) error) {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TF_LOG") || strings.HasPrefix(kv, "TF_ACC_LOG") {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		_ = setenv(name, "OFF")
	}
}

// gcForShortLife tunes the garbage collector for a process that lives for
// one Terraform command, unless GOGC or GOMEMLIMIT says otherwise. Its live
// heap is small, yet at the default target the collector took 13% of its
// CPU: a target of 400 makes a 100-user lifecycle 15% faster. A soft memory
// limit keeps large runs from growing the heap fivefold; it follows the live
// heap (memoryLimitFor, set again after every collection), so that a decoded
// user list larger than the limit does not make the collector run without
// pause (see BENCHMARKS.md).
func gcForShortLife(getenv func(string) string, setGCPercent func(int) int, setMemoryLimit func(int64) int64) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	setGCPercent(400)
	setMemoryLimit(memoryLimitFor(0))
	afterEachGC(func() { setMemoryLimit(memoryLimitFor(liveHeap())) })
}

// Bounds of the soft memory limit: at least minMemoryLimit, and room for
// the live heap to double.
const (
	minMemoryLimit = 128 << 20
	liveHeapRoom   = 2
)

// memoryLimitFor is the soft memory limit for a live heap of live bytes.
func memoryLimitFor(live uint64) int64 {
	return max(minMemoryLimit, int64(min(live, math.MaxInt64/liveHeapRoom))*liveHeapRoom)
}

// liveHeap is the heap that the last collection found alive.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// afterEachGC runs f after every garbage collection, from a finalizer that
// sets itself again: the runtime has no hook of its own.
// The sentinel holds a pointer, so that it is not one of the tiny
// allocations whose finalizers may never run.
func afterEachGC(f func()) {
	type sentinel struct{ f func() }
	var rearm func(*sentinel)
	rearm = func(s *sentinel) {
		s.f()
		runtime.SetFinalizer(s, rearm)
	}
	runtime.SetFinalizer(&sentinel{f: f}, rearm)
}
