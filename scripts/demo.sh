#!/usr/bin/env bash
# make demo: build the provider, start the emulator on a free loopback port,
# apply examples/demo, print its outputs, check that a second plan is empty,
# destroy, stop the emulator. Exits non-zero on any failure, and on a
# warning other than the dev_overrides one (the README names it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib.sh"
cli=$(find_cli)
make_work

# step NAME CMD... runs CMD with its output shown and kept in $work/NAME.log;
# it fails on a failure or a warning.
step() {
  local name=$1 log=$work/$1.log warnings
  shift
  "$@" 2>&1 | tee "$log"
  warnings=$(unexpected_warnings "$log")
  if [[ -n $warnings ]]; then echo "demo: the $name warned: $warnings" >&2; exit 1; fi
}

build_provider
start_emulator
write_cli_config
cp "$repo/examples/demo/main.tf" "$work/"
cd "$work"
echo "==> emulator at $OPENTACT_BASE_URL; applying examples/demo with $("$cli" version | sed -n 1p)"
step apply "$cli" apply -auto-approve -input=false -no-color -compact-warnings
echo "==> outputs"
step output "$cli" output -no-color
echo "==> a second plan must be empty"
set +e
"$cli" plan -detailed-exitcode -input=false -no-color >"$work/plan.log" 2>&1
code=$?
set -e
if [[ $code -ne 0 ]]; then cat "$work/plan.log"; echo "demo: the plan after apply is not empty (exit $code)" >&2; exit 1; fi
if [[ -n $(unexpected_warnings "$work/plan.log") ]]; then cat "$work/plan.log"; echo "demo: the plan after apply warned" >&2; exit 1; fi
echo "no changes"
echo "==> destroy"
step destroy "$cli" destroy -auto-approve -input=false -no-color -compact-warnings >/dev/null
grep -E '(Destroy complete|Destruction complete)' "$work/destroy.log"
echo "demo: ok"
