#!/usr/bin/env bash
# make bench: see bench/main.go and BENCHMARKS.md (`go run ./bench -h` lists the flags:
# tables -lifecycle, -coalescing, -ratelimit*, -gc*, paired -env-a/-env-b/-provider-b, charts -charts/-render, -smoke).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib.sh"
find_cli >/dev/null
cd "$repo"
export TF_CLI_CONFIG_FILE="${TF_CLI_CONFIG_FILE:-$repo/testdata/cli.tfrc}"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/bench" ./bench
"$bin/bench" "$@"
