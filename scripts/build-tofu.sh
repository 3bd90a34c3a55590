#!/usr/bin/env bash
# Builds OpenTofu from its Go module into a cache outside the repository and
# prints the binary's path. `go install` refuses the module (it carries a
# replace directive), so the module is downloaded, copied writable and built.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
version="${TOFU_VERSION:-1.12.6}"
bin="$cli_cache/tofu-$version/tofu"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
module_copy "github.com/opentofu/opentofu@v$version" tofu
echo "build-tofu: building OpenTofu $version (a few minutes on a cold cache)" >&2
(cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'" -o "$work/tofu" ./cmd/tofu)
mkdir -p "$(dirname "$bin")"
mv "$work/tofu" "$bin"
echo "$bin"
