#!/usr/bin/env bash
# Builds Terraform 1.15.0 from its Go module into a cache outside the
# repository and prints the binary's path. Terraform 1.15 is BUSL-1.1: it is
# built and run here to test the provider, and none of its source is ever
# copied into this repository.
#
# `go install` refuses the module (replace directives), and a plain copy does
# not build either: its go.mod replaces nine remote-state backends and
# internal/legacy with nested modules that the module zip leaves out. The
# copy drops those backends (the local backend, which tests use, stays).
#
# It is built as a release (-X .../version.dev=no), so that `terraform
# version` says v1.15.0, not v1.15.0-dev. The cache directory is
# terraform-1.15.0-release: a cache that holds the older -dev build under
# terraform-1.15.0/ does not serve it.
set -euo pipefail
# Where a Terraform 1.15 is installed already (a CI runner), name it instead.
if [[ -n "${OPENTACT_TERRAFORM_1_15:-}" ]]; then echo "$OPENTACT_TERRAFORM_1_15"; exit 0; fi
source "$(dirname "$0")/lib.sh"
version=1.15.0
bin="$cli_cache/terraform-$version-release/terraform"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
module_copy "github.com/hashicorp/terraform@v$version" terraform
missing='azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3'
init="$work/internal/backend/init/init.go"
sed -E -i \
  -e "/^\s*backend(Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3) \"github.com\/hashicorp\/terraform\/internal\/backend\/remote-state\/($missing)\"/d" \
  -e '/^\s*"(azurerm|consul|cos|gcs|kubernetes|oss|pg|s3|oci)": +func\(\) backend.Backend/d' "$init"
sed -E -i \
  -e "/github.com\/hashicorp\/terraform\/internal\/backend\/remote-state\/($missing)( |$)/d" \
  -e '/github.com\/hashicorp\/terraform\/internal\/legacy( |$)/d' "$work/go.mod"
if grep -Eq "remote-state/($missing)\"" "$init"; then
  echo "build-terraform-1.15: the backend patch no longer applies to $init" >&2; exit 1
fi
echo "build-terraform-1.15: building Terraform $version (about 4 minutes on a cold cache)" >&2
(cd "$work" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w -X 'github.com/hashicorp/terraform/version.dev=no'" -o "$work/terraform" .)
# The version variable is the module's own (version/version.go): if it is
# renamed, the build still succeeds but says -dev again.
built=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$work/terraform" version | sed -n 1p)
if [[ $built != "Terraform v$version" ]]; then
  echo "build-terraform-1.15: the build says \"$built\", not \"Terraform v$version\" (has version/version.go's dev variable moved?)" >&2; exit 1
fi
mkdir -p "$(dirname "$bin")"
mv "$work/terraform" "$bin"
echo "$bin"
