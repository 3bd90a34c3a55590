#!/usr/bin/env bash
# make demo: build the provider, start the emulator on a free loopback port,
# apply examples/demo, print its outputs, check that a second plan is empty,
# destroy, stop the emulator. Exits non-zero on any failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib.sh"
cli=$(find_cli)
make_work

build_provider
start_emulator
write_cli_config
cp "$repo/examples/demo/main.tf" "$work/"
cd "$work"
echo "==> emulator at $OPENTACT_BASE_URL; applying examples/demo with $("$cli" version | sed -n 1p)"
"$cli" apply -auto-approve -input=false -no-color -compact-warnings | tee "$work/apply.log"
warnings=$(unexpected_warnings "$work/apply.log")
if [[ -n $warnings ]]; then echo "demo: the apply warned: $warnings" >&2; exit 1; fi
echo "==> outputs"
"$cli" output -no-color
echo "==> a second plan must be empty"
set +e
"$cli" plan -detailed-exitcode -input=false -no-color >"$work/plan.log" 2>&1
code=$?
set -e
if [[ $code -ne 0 ]]; then cat "$work/plan.log"; echo "demo: the plan after apply is not empty (exit $code)" >&2; exit 1; fi
echo "no changes"
echo "==> destroy"
"$cli" destroy -auto-approve -input=false -no-color -compact-warnings | grep -E '(Destroy complete|Destruction complete)'
echo "demo: ok"
