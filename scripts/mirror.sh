#!/usr/bin/env bash
# make mirror [MIRROR_DIR=dir]: the provider built from this tree, laid out
# as a filesystem mirror, and a CLI configuration that installs it from
# there. Unlike dev_overrides, `terraform init` then works as with a release
# (and checks a version constraint), so configurations whose scripts run init
# (the GitOps guide's pipeline) can be tried offline. The version is the
# release being prepared: the first version heading of CHANGELOG.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/mirror.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
version=$(sed -n -E 's/^## ([0-9][^ ]*).*/\1/p' "$repo/CHANGELOG.md" | sed -n 1p)
[[ -n $version ]] || { echo "mirror: CHANGELOG.md has no version heading (## X.Y.Z)" >&2; exit 1; }
platform=$(go env GOOS)_$(go env GOARCH)

# Only this provider's directories: a mirror may hold others.
rm -rf "$dir/providers/registry.terraform.io/opentact/opentact" "$dir/providers/registry.opentofu.org/opentact/opentact"
build=$dir/providers/registry.terraform.io/opentact/opentact/$version/$platform
mkdir -p "$build" "$dir/providers/registry.opentofu.org/opentact/opentact/$version"
(cd "$repo" && go build -ldflags "-X main.version=$version" -o "$build/terraform-provider-opentact_v$version" .)
# OpenTofu looks under its own registry's host.
cp -R "$build" "$dir/providers/registry.opentofu.org/opentact/opentact/$version/"

cat >"$dir/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$dir/providers"
    include = ["registry.terraform.io/opentact/opentact", "registry.opentofu.org/opentact/opentact"]
  }
  direct {
    exclude = ["registry.terraform.io/opentact/opentact", "registry.opentofu.org/opentact/opentact"]
  }
}
TFRC
echo "opentact $version ($platform) in $dir/providers"
printf 'to install it from there: export TF_CLI_CONFIG_FILE=%q\n' "$dir/cli.tfrc"
