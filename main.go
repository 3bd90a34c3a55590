package main

import (
	"context"
	"flag"
	"log"
	"os"
	rdebug "runtime/debug"
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
// CPU: a target of 400 makes a 100-user lifecycle 15% faster, and a soft
// limit of 128 MiB keeps large runs from growing the heap fivefold (see
// BENCHMARKS.md).
func gcForShortLife(getenv func(string) string, setGCPercent func(int) int, setMemoryLimit func(int64) int64) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	setGCPercent(400)
	setMemoryLimit(128 << 20)
}
