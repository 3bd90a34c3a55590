# shellcheck shell=bash
# Shared by the scripts that drive a Terraform CLI against the emulator:
# source it, call make_work, then the other functions.

# find_cli prints the Terraform CLI to use, or explains in one line how to
# get one and fails.
find_cli() {
  local cli="${TF_ACC_TERRAFORM_PATH:-}"
  if [[ -z "$cli" ]]; then cli=$(command -v terraform || true); fi
  if [[ -z "$cli" || ! -x "$cli" ]]; then
    echo "no terraform CLI found: install Terraform 1.11+ (https://developer.hashicorp.com/terraform/install) or name a CLI in TF_ACC_TERRAFORM_PATH" >&2
    return 1
  fi
  echo "$cli"
}

# make_work sets `work` to a new temp dir that is removed, with the emulator
# stopped, when the script exits.
make_work() {
  work=$(mktemp -d)
  trap 'stop_emulator; rm -rf "$work"' EXIT
}

# build_provider builds the provider into $work/bin, from $repo (the
# calling script's).
build_provider() {
  : "${repo:?build_provider needs the script to set repo}"
  mkdir -p "$work/bin"
  go build -o "$work/bin/terraform-provider-opentact" "$repo"
}

# start_emulator starts the emulator on a free loopback port and sets
# OPENTACT_BASE_URL, OPENTACT_TOKEN and emulator_pid. Extra flags pass through.
start_emulator() {
  go build -o "$work/bin/opentact-emulator" "$repo/cmd/opentact-emulator"
  "$work/bin/opentact-emulator" -listen 127.0.0.1:0 -addr-file "$work/emulator.addr" -token demo-token "$@" >"$work/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 100); do
    [[ -s "$work/emulator.addr" ]] && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; return 1; }
    sleep 0.05
  done
  export OPENTACT_BASE_URL; OPENTACT_BASE_URL=$(cat "$work/emulator.addr")
  export OPENTACT_TOKEN=demo-token
}

stop_emulator() {
  if [[ -n "${emulator_pid:-}" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
}

# write_cli_config points Terraform (and OpenTofu) at the provider just built,
# with no registry involved.
write_cli_config() {
  cat >"$work/cli.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/opentact/opentact" = "$work/bin"
    "registry.opentofu.org/opentact/opentact" = "$work/bin"
  }
  direct {}
}
TFRC
  export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
}

# unexpected_warnings LOG [SUMMARY...] prints the summary of each warning in
# LOG, a CLI's output in full or with -compact-warnings (colours or not), but
# for the SUMMARYs and the one every run with a dev_overrides CLI
# configuration gets (which the docs name).
unexpected_warnings() {
  local log=$1 allowed=(-e 'Provider development overrides are in effect') summary
  shift
  for summary in "$@"; do allowed+=(-e "$summary"); done
  sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /Warning: / { sub(/.*Warning: /, ""); print; next }
    /^Warnings:$/ { compact = 1; next }
    compact && /^- / { print substr($0, 3); next }
    compact && /^To see the full warning notes/ { compact = 0 }' |
    { grep -v -x -F "${allowed[@]}" || true; }
}

# emulator_call METHOD PATH [JSON] sends one request to the emulator with the
# token and prints the answer's body; it fails on a status other than 2xx.
# It speaks HTTP/1.0 over bash's /dev/tcp, so no curl is needed.
emulator_call() {
  local method=$1 path=$2 body=${3:-} hostport=${OPENTACT_BASE_URL#http://} answer status
  exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
  printf '%s %s HTTP/1.0\r\nHost: %s\r\nX-Auth-Token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "$hostport" "$OPENTACT_TOKEN" "${#body}" "$body" >&3
  answer=$(cat <&3)
  exec 3<&-
  status=${answer%%$'\r\n'*}
  [[ $status =~ ^HTTP/1\.[01]\ 2[0-9][0-9] ]] || { echo "emulator_call $method $path: $status" >&2; return 1; }
  printf '%s\n' "${answer#*$'\r\n\r\n'}"
}

# emulator_writes prints how many POST, PATCH and DELETE calls the emulator
# has answered since it started or since POST /_emulator/reset.
emulator_writes() {
  local stats
  stats=$(emulator_call GET /_emulator/stats) || return 1
  grep -oE '"(POST|PATCH|DELETE) [^"]*": *[0-9]+' <<<"$stats" | awk -F: '{n += $NF} END {print n + 0}' || true
}

# emulator_users prints how many users the emulator holds.
emulator_users() {
  local stats
  stats=$(emulator_call GET /_emulator/stats) || return 1
  grep -oE '"users": *[0-9]+' <<<"$stats" | grep -oE '[0-9]+$' || true
}

# restart_emulator replaces the running emulator with a new, empty one.
restart_emulator() {
  stop_emulator
  emulator_pid=
  rm -f "$work/emulator.addr"
  start_emulator "$@"
}

# cli_cache is where the CLIs built from their Go modules are kept.
cli_cache="${OPENTACT_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-opentact}"

# module_copy MODULE@VERSION NAME downloads a Go module and sets `work` to a
# writable copy of it in the CLI cache, removed when the script exits: the
# modules that `go install` refuses (replace directives) are built from it.
module_copy() {
  local dir
  mkdir -p "$cli_cache"
  dir=$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" ]] || { echo "$2: go mod download $1 gave no module directory" >&2; return 1; }
  work=$(mktemp -d "$cli_cache/$2-src.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cp -R "$dir/." "$work"
  chmod -R u+w "$work"
}
