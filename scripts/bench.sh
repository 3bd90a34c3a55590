#!/usr/bin/env bash
# make bench: see bench/main.go and BENCHMARKS.md (`make bench BENCH_ARGS=-h` lists the flags:
# tables -lifecycle (rows -restapi, -time-static), -coalescing, -ratelimit*, -gc*, paired -env-a/-env-b/-provider-b, charts -charts/-render, -smoke).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib.sh"
find_cli >/dev/null
cd "$repo"
export TF_CLI_CONFIG_FILE="${TF_CLI_CONFIG_FILE:-$repo/testdata/cli.tfrc}"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
# bench/ is a module of its own (bench/go.mod: gonum/plot stays out of the
# provider's graph); it runs from the repository root, which it builds.
(cd bench && go build -o "$bin/bench" .)
"$bin/bench" "$@"
