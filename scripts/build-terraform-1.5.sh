#!/usr/bin/env bash
# Builds Terraform 1.5.7 (the last MPL-2.0 release; later releases are not
# open source and must not be built) into a cache outside the repository and
# prints the binary's path.
set -euo pipefail
version=1.5.7
cache="${OPENTACT_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-opentact}"
bin="$cache/terraform-$version/terraform"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
mkdir -p "$(dirname "$bin")"
echo "build-terraform-1.5: building Terraform $version (a few minutes on a cold cache)" >&2
CGO_ENABLED=0 GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install -ldflags "-s -w" "github.com/hashicorp/terraform@v$version"
echo "$bin"
