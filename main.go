package main

import (
	"context"
	"flag"
	"log"

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

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/opentact/opentact",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
