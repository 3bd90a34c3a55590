#!/usr/bin/env bash
# Builds OpenTofu from its Go module into a cache outside the repository and
# prints the binary's path. `go install` refuses the module (it carries a
# replace directive), so the module is downloaded, copied writable and built.
set -euo pipefail
version="${TOFU_VERSION:-1.12.6}"
cache="${OPENTACT_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-opentact}"
bin="$cache/tofu-$version/tofu"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"
dir=$(go mod download -json "github.com/opentofu/opentofu@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -n "$dir" ]] || { echo "build-tofu: go mod download gave no module directory" >&2; exit 1; }
work=$(mktemp -d "$cache/tofu-src.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$dir/." "$work"
chmod -R u+w "$work"
echo "build-tofu: building OpenTofu $version (a few minutes on a cold cache)" >&2
(cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'" -o "$work/tofu" ./cmd/tofu)
mkdir -p "$(dirname "$bin")"
mv "$work/tofu" "$bin"
echo "$bin"
