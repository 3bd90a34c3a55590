#!/usr/bin/env bash
# Builds Terraform 1.5.7 (the last MPL-2.0 release, and the newest without
# write-only arguments) into a cache outside the repository and prints the
# binary's path.
set -euo pipefail
version=1.5.7
source "$(dirname "$0")/lib.sh"
bin="$cli_cache/terraform-$version/terraform"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
mkdir -p "$(dirname "$bin")"
echo "build-terraform-1.5: building Terraform $version (a few minutes on a cold cache)" >&2
CGO_ENABLED=0 GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install -ldflags "-s -w" "github.com/hashicorp/terraform@v$version"
echo "$bin"
