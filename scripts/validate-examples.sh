#!/usr/bin/env bash
# make examples-check: the documentation's code, checked against the provider
# built from this tree. One line per check; the first failure prints its log
# and stops the script.
#
#  1. Static: the templates hold no code of their own (every code block in
#     docs/ comes from examples/); every variable that feeds password_wo or a
#     provider token is ephemeral (the check first proves it rejects a bad
#     sample); terraform fmt; terraform validate of every example directory
#     and of the README's HCL, under the default CLI and under Terraform
#     1.15.0 (with -query where there are .tfquery.hcl files).
#  2. Against the emulator, with the documented dev_overrides snippet as the
#     CLI configuration: the bulk (CSV) example applied, its passwords checked,
#     re-planned empty, one user rotated, destroyed; the troubleshooting
#     guide's log command; the GitOps guide's pipeline scripts (plan -out,
#     apply of the saved plan, drift job exit 0 then 2), and its way to try
#     them offline (make mirror, then the scripts as written); adoption with
#     `plan -generate-config-out`; adoption with `terraform query
#     -generate-config-out` under Terraform 1.15.0; the phone provisioning
#     example applied (each phone's file rendered with the registrar of the
#     emulator's answer and the user's login, no password in the files,
#     outputs or state), re-planned empty, destroyed.
#  3. The README's offline recipe, taken from README.md and run as written
#     (but for the port, GOBIN and the working directory): the emulator with
#     a seeded user, go install, the dev_overrides file, apply of a
#     configuration, terraform import of the seeded user, an empty plan.
#  4. The README's quick start, make demo.
# Every CLI command of these fails the check when it warns of something the
# documentation does not show.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib.sh"
cli=$(find_cli)
make_work

# The connection every example uses: the emulator's "office-berlin", whose SIP
# realm is berlin.sip.opentact.org.
connection=6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10
realm=berlin.sip.opentact.org

ok() { echo "ok    $*"; }

# fail_with LOG MESSAGE prints the log and the message, and stops.
fail_with() {
  [[ ! -s "$1" ]] || cat "$1" >&2
  echo "FAIL  $2" >&2
  exit 1
}

# quietly LOG CMD... runs CMD with its output in LOG, which is shown if it
# fails or warns (but for the warning whose summary is in allow_warning, one
# the docs show: allow_warning=SUMMARY quietly LOG CMD...).
quietly() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || fail_with "$log" "$* (in $PWD)"
  no_warnings "$log" "$* (in $PWD)" ${allow_warning:+"$allow_warning"}
}

# no_warnings LOG WHAT [SUMMARY...] fails when LOG, a CLI's output, holds a
# warning the documentation does not show: the examples, the guides' scripts
# and the README's recipe are meant to run clean (the dev_overrides one and
# the SUMMARYs excepted, which the docs name).
no_warnings() {
  local log=$1 what=$2 found
  shift 2
  found=$(unexpected_warnings "$log" "$@")
  [[ -z $found ]] || fail_with "$log" "$what: warned: $(tr '\n' ';' <<<"$found")"
}

# ---------------------------------------------------------------- static ---

check_templates_have_no_code() {
  local found
  found=$(grep -rn '^[[:space:]]*```' "$repo/templates" || true)
  [[ -z "$found" ]] || { echo "$found" >&2; fail_with /dev/null "templates: code blocks belong in examples/ (pulled in with tffile or codefile)"; }
  ok "templates: no inline code, every code block in docs/ comes from examples/"
}

# non_ephemeral_secret_variables DIR prints each variable that feeds a
# password_wo or a token in DIR's .tf files without being declared with
# ephemeral = true. A non-ephemeral variable's value is saved in plan files.
# (Only direct references are seen: keep password_wo = var.X or var.X[...].)
non_ephemeral_secret_variables() {
  local dir=$1 var
  for var in $(cat "$dir"/*.tf | sed -n -E 's/^[[:space:]]*(password_wo|token)[[:space:]]*=(.*)/\2/p' |
    grep -oE 'var\.[A-Za-z_][A-Za-z0-9_-]*' | sed 's/^var\.//' | sort -u); do
    cat "$dir"/*.tf | awk -v v="$var" '
      $0 ~ "^variable[[:space:]]+\"" v "\"" { inside = 1 }
      inside && /^[[:space:]]*ephemeral[[:space:]]*=[[:space:]]*true/ { found = 1 }
      inside && /^}/ { inside = 0 }
      END { exit !found }' || echo "$dir: variable \"$var\""
  done
}

# secret_sample LINE is a configuration whose password variable has LINE
# added to its declaration.
secret_sample() {
  printf 'resource "opentact_sip_user" "u" {\n  for_each    = toset(["a"])\n  password_wo = var.pw[each.key]\n}\n\n'
  printf 'variable "pw" {\n  type      = map(string)\n  sensitive = true\n%s\n}\n' "$1"
}

check_secret_variables_are_ephemeral() {
  local sample=$work/secret-sample bad dir
  # The check must catch a bad sample (a sensitive but not ephemeral
  # variable, used by key) and pass its fixed version.
  mkdir -p "$sample"
  secret_sample "" >"$sample/main.tf"
  [[ -n "$(non_ephemeral_secret_variables "$sample")" ]] || fail_with "$sample/main.tf" "secret-variable check: it missed a non-ephemeral password_wo variable"
  secret_sample "  ephemeral = true" >"$sample/main.tf"
  [[ -z "$(non_ephemeral_secret_variables "$sample")" ]] || fail_with "$sample/main.tf" "secret-variable check: it rejected an ephemeral variable"
  bad=$(for dir in $(find "$work/validate" -name '*.tf' -exec dirname {} \; | sort -u); do
    non_ephemeral_secret_variables "$dir"
  done)
  [[ -z "$bad" ]] || { echo "${bad//$work\/validate\//examples/}" >&2; fail_with /dev/null "variables that feed password_wo or token must be declared ephemeral = true"; }
  ok "every variable that feeds password_wo or token is ephemeral (and the check rejects a bad sample)"
}

# Examples that cannot be validated or applied here, by name: they need a
# provider the Go module proxy does not serve (hashicorp/random 3.x, for its
# ephemeral random_password). terraform fmt still checks them.
not_validated='passwords/generated'

# copy_examples puts each example directory, and the README's HCL, under
# $work/validate, each with a required_providers block if it has none.
copy_examples() {
  local dir dest
  for dir in $(cd "$repo/examples" && find . \( -name '*.tf' -o -name '*.tfquery.hcl' \) -exec dirname {} \; | sort -u); do
    dest="$work/validate/${dir#./}"
    mkdir -p "$dest"
    cp -R "$repo/examples/$dir/." "$dest/"
  done
  rm -rf "${work:?}/validate/$not_validated"
  mkdir -p "$work/validate/README"
  awk '/^```terraform$/ { code = 1; next } /^```$/ { code = 0 } code' "$repo/README.md" >"$work/validate/README/main.tf"
  for dest in $(find "$work/validate" \( -name '*.tf' -o -name '*.tfquery.hcl' \) -exec dirname {} \; | sort -u); do
    # A user's root module declares the provider's source; the snippets don't.
    cat "$dest"/*.tf 2>/dev/null | grep -s required_providers >/dev/null ||
      printf 'terraform {\n  required_providers {\n    opentact = { source = "opentact/opentact" }\n  }\n}\n' >"$dest/versions.tf"
  done
}

# Files that need a CLI newer than the default one (Terraform 1.11):
# identity import blocks came in Terraform 1.12.
needs_newer_cli='import-by-identity.tf'

# validate_all CLI LABEL validates every copied directory with CLI; under the
# default CLI without the files that need a newer one.
validate_all() {
  local tf=$1 label=$2 dir name args
  for dir in $(find "$work/validate" \( -name '*.tf' -o -name '*.tfquery.hcl' \) -exec dirname {} \; | sort -u); do
    name=${dir#"$work"/validate/}
    args=()
    if [[ $label == default ]]; then
      rm -rf "$work/check-dir" && cp -R "$dir" "$work/check-dir" && rm -f "$work/check-dir/$needs_newer_cli"
      dir=$work/check-dir
    elif compgen -G "$dir/*.tfquery.hcl" >/dev/null; then
      args=(-query)
    fi
    (cd "$dir" && "$tf" validate -no-color "${args[@]}" >"$work/validate.log" 2>&1) ||
      fail_with "$work/validate.log" "$name: terraform validate ${args[*]} failed under $("$tf" version | sed -n 1p)"
    no_warnings "$work/validate.log" "$name: terraform validate ${args[*]} under $("$tf" version | sed -n 1p)"
  done
  if [[ $label == default ]]; then
    ok "terraform validate: every example and the README's HCL, $("$tf" version | sed -n 1p) (without $needs_newer_cli)"
  else
    ok "terraform validate: every example and the README's HCL, $("$tf" version | sed -n 1p) (-query where there are query files)"
  fi
}

# ------------------------------------------------------------- emulator ---

# json_string KEY reads "KEY": "value" from JSON on stdin.
json_string() { grep -oE "\"$1\": *\"[^\"]*\"" | sed -n 1p | sed -E 's/.*: *"([^"]*)"/\1/'; }

md5hex() { if command -v md5sum >/dev/null; then md5sum | cut -d' ' -f1; else md5 -q; fi; }

# password_is UUID LOGIN PASSWORD: the user's SIP digest (ha1, which the API
# returns and the provider never stores) is the one of PASSWORD.
password_is() {
  local ha1
  ha1=$(emulator_call GET "/rest/sip/connection/user/$1" | json_string ha1)
  [[ $ha1 == "$(printf '%s' "$2:$realm:$3" | md5hex)" ]]
}

# expect_plan DIR CODE WHAT [TF] runs WHAT, a plan -detailed-exitcode in
# DIR (its output in DIR/plan.log), and fails unless it exits CODE (0: no
# changes) without a warning.
expect_plan() {
  local dir=$1 want=$2 what=$3 code=0
  (cd "$dir" && "${4:-$cli}" plan -detailed-exitcode -input=false -no-color >plan.log 2>&1) || code=$?
  [[ $code == "$want" ]] || fail_with "$dir/plan.log" "$what: plan -detailed-exitcode exited $code, not $want"
  no_warnings "$dir/plan.log" "$what"
}

check_bulk() {
  local dir=$work/bulk ids id login pw
  cp -R "$repo/examples/bulk" "$dir"
  cd "$dir"
  export TF_VAR_sip_passwords='{"e1001":"alice-pw-1-Kq7vR2mZ9x","e1002":"bob-pw-1-Wn4tH8sL3y","e1003":"carol-pw-1-Jd5rN1xQ6b"}'
  quietly apply.log "$cli" apply -auto-approve -input=false -no-color -compact-warnings
  grep -q '3 added, 0 changed, 0 destroyed' apply.log || fail_with apply.log "bulk: the apply did not create the 3 users of users.csv"
  ids=$("$cli" output -json user_ids)
  for login in e1001:desk.alice:alice-pw-1-Kq7vR2mZ9x e1002:desk.bob:bob-pw-1-Wn4tH8sL3y e1003:desk.carol:carol-pw-1-Jd5rN1xQ6b; do
    IFS=: read -r id login pw <<<"$login"
    password_is "$(json_string "$id" <<<"$ids")" "$login" "$pw" || fail_with /dev/null "bulk: $login does not have the password from sip_passwords"
  done
  grep -q '"last_name": *null' <("$cli" show -json) || fail_with /dev/null "bulk: an empty cell did not become null"
  ok "bulk: the 3 users of users.csv created, each with its password from the ephemeral map, empty cells null"
  expect_plan "$dir" 0 "bulk: the plan after the apply"
  ok "bulk: the next plan is empty"

  # Rotation: e1002's password_version goes from 1 to 2.
  sed -i.orig 's/^\(e1002,.*\),1$/\1,2/' users.csv
  export TF_VAR_sip_passwords='{"e1001":"alice-pw-1-Kq7vR2mZ9x","e1002":"bob-pw-2-Vc2hM7pL4g","e1003":"carol-pw-1-Jd5rN1xQ6b"}'
  quietly apply.log "$cli" apply -auto-approve -input=false -no-color -compact-warnings
  grep -q '0 added, 1 changed, 0 destroyed' apply.log || fail_with apply.log "bulk: rotating one user's password_version did not change exactly one user"
  password_is "$(json_string e1002 <<<"$ids")" desk.bob bob-pw-2-Vc2hM7pL4g || fail_with /dev/null "bulk: desk.bob's password was not rotated"
  password_is "$(json_string e1001 <<<"$ids")" desk.alice alice-pw-1-Kq7vR2mZ9x || fail_with /dev/null "bulk: desk.alice's password changed"
  ok "bulk: a new password_version in one row rotates that user's password only"

  # The uuid the plan checks need for a replacement lives in plans only:
  # kept in the state it made a 1,000-user lifecycle 11% slower. The state's
  # private data holds the digests' two-byte mark alone (issue 28).
  quietly apply.log "$cli" apply -auto-approve -input=false -no-color -compact-warnings -replace='opentact_sip_user.user["e1003"]'
  grep -q '1 added, 0 changed, 1 destroyed' apply.log || fail_with apply.log "bulk: apply -replace of one user failed"
  local private
  for private in $(grep -oE '"private": *"[^"]*"' terraform.tfstate | sed -E 's/.*: *"([^"]*)"/\1/'); do
    if base64 -d <<<"$private" | grep -E '"id"' >/dev/null; then
      fail_with /dev/null "bulk: the state holds the plan's private id after a create, an update and a replacement"
    fi
  done
  ok "bulk: -replace passes the plan check; no private id in the state after create, update and replace"

  check_debug_log "$dir"

  quietly destroy.log "$cli" destroy -auto-approve -input=false -no-color -compact-warnings
  grep -q '3 destroyed' destroy.log || fail_with destroy.log "bulk: destroy did not remove the 3 users"
  [[ $(emulator_users) == 0 ]] || fail_with /dev/null "bulk: users left after destroy"
  ok "bulk: destroyed, no user left"
  unset TF_VAR_sip_passwords
  cd "$repo"
}

# check_debug_log DIR runs the troubleshooting guide's command in DIR (a
# configuration that is applied) and checks what the log holds.
check_debug_log() {
  local log=$1/opentact.log
  (cd "$1" && PATH="$work/clibin:$PATH" bash "$repo/examples/troubleshooting/debug-log.sh") >"$work/debug.out" 2>&1 || fail_with "$work/debug.out" "troubleshooting: the log command failed"
  no_warnings "$work/debug.out" "troubleshooting: the log command"
  grep -q 'OpenTact API.*method=GET' "$log" && grep -q 'path=/rest/sip/connection/' "$log" || fail_with "$log" "troubleshooting: no request line in the log"
  ! grep -qE "$OPENTACT_TOKEN|alice-pw|bob-pw|carol-pw|ha1=|\"ha1\"" "$log" || fail_with /dev/null "troubleshooting: the log holds the token, a password or a digest"
  ok "troubleshooting: TF_LOG_PROVIDER=DEBUG logs one line per request, without token, password or digest"
}

# The GitOps guide's pipeline, job by job, as its scripts run in CI. Init
# needs an installable provider: `make mirror`'s filesystem mirror holds the
# provider built from this tree under the version of the release being
# prepared.
check_gitops() {
  local dir=$work/gitops code version
  quietly "$work/mirror.log" "$repo/scripts/mirror.sh" "$work/mirror"
  version=$(sed -n -E 's/^opentact ([^ ]*) .*/\1/p' "$work/mirror.log")
  cp -R "$repo/examples/gitops" "$dir"
  cd "$dir"
  local secrets='{"alice":"alice-ci-pw-Rt6wQ9zK2m","bob":"bob-ci-pw-Fy3bP8nD5s"}'

  # Pull request: plan -out.
  pipeline_job plan.log ci/plan.sh "$secrets" || fail_with plan.log "gitops: ci/plan.sh failed"
  [[ -s tfplan ]] || fail_with plan.log "gitops: ci/plan.sh saved no plan"
  ! "$cli" show -json tfplan | grep 'ci-pw' >/dev/null || fail_with /dev/null "gitops: the saved plan holds a password"
  ok "gitops: ci/plan.sh (pull request) saves tfplan with the mirror's $version; the plan file holds no password"

  # Merge: the saved plan needs the ephemeral variable again.
  ! pipeline_job apply.log ci/apply.sh || fail_with apply.log "gitops: the saved plan applied without its ephemeral variable"
  grep -q 'No value for required variable' apply.log || fail_with apply.log "gitops: applying without the ephemeral variable failed for another reason"
  pipeline_job apply.log ci/apply.sh "$secrets" || fail_with apply.log "gitops: ci/apply.sh failed"
  grep -q '2 added, 0 changed, 0 destroyed' apply.log || fail_with apply.log "gitops: the apply of the saved plan did not create the 2 users"
  password_is "$(alice_uuid "$dir")" desk.alice alice-ci-pw-Rt6wQ9zK2m || fail_with /dev/null "gitops: desk.alice does not have its password"
  ok "gitops: ci/apply.sh (merge) applies the saved plan, and refuses to without TF_VAR_sip_passwords"

  # Scheduled drift job: exit 0, then 2 after a change made outside Terraform.
  code=0
  pipeline_job drift.log ci/drift.sh "$secrets" || code=$?
  [[ $code == 0 ]] || fail_with drift.log "gitops: ci/drift.sh exited $code with nothing changed"
  emulator_call PATCH "/rest/sip/connection/user/$(alice_uuid "$dir")" '{"first_name":"Changed"}' >/dev/null
  code=0
  pipeline_job drift.log ci/drift.sh "$secrets" || code=$?
  [[ $code == 2 ]] || fail_with drift.log "gitops: ci/drift.sh exited $code after a change made outside Terraform, not 2"
  grep -q 'first_name *= *"Changed" -> "Alice"' drift.log || fail_with drift.log "gitops: the drift plan does not show the change"
  ok "gitops: ci/drift.sh (schedule) exits 0, then 2 after a change made through the API"

  # The claim the ephemeral variables rest on: without ephemeral = true, the
  # value is in the saved plan.
  sed -i.orig '/^  ephemeral = true$/d' main.tf
  TF_CLI_CONFIG_FILE=$work/mirror/cli.tfrc quietly plan.log "$cli" plan -input=false -no-color -out=plain.tfplan -var "sip_passwords=$secrets"
  "$cli" show -json plain.tfplan | grep 'alice-ci-pw' >/dev/null || fail_with /dev/null "gitops: a non-ephemeral variable's value was not found in the plan file: the plan-file check above proves nothing"
  mv main.tf.orig main.tf
  ok "gitops: control: without ephemeral = true, the password is in the plan file"
  cd "$repo"
}

# The GitOps guide's way to try the pipeline offline
# (examples/gitops/try-offline.sh), run as written but for what a script must
# change: the emulator's address and token (by substitutions that fail if
# the text changes shape), and HOME and TMPDIR, temp dirs (Go's caches stay
# where they are). It runs under bash -e, so a job that fails, or a drift
# job that finds changes, fails the check.
check_gitops_offline() {
  local home=$work/home run
  mkdir -p "$home"
  # Twice, each against a new emulator, as the guide says to run them again.
  for run in first second; do
    restart_emulator
    try_offline "$home" "$work/try-offline-$run.log"
  done
  ok "gitops offline: the guide's commands as written, twice (make mirror, the secrets, ci/plan.sh with init from the mirror, ci/apply.sh, ci/drift.sh exit 0; no warning but the lock file's)"
}

# try_offline HOME LOG runs examples/gitops/try-offline.sh with HOME against
# the running emulator.
try_offline() {
  local home=$1 log=$2 snippet=$work/try-offline.sh n
  cp "$repo/examples/gitops/try-offline.sh" "$snippet"
  substitute "$snippet" "http://127.0.0.1:8080" "$OPENTACT_BASE_URL" 1
  substitute "$snippet" "OPENTACT_TOKEN=emulator-token" "OPENTACT_TOKEN=$OPENTACT_TOKEN" 1
  (cd "$repo" && env -u TF_CLI_CONFIG_FILE HOME="$home" TMPDIR="$home" GOPATH="$(go env GOPATH)" GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" \
    PATH="$work/clibin:$PATH" bash -euo pipefail -x "$snippet") >"$log" 2>&1 ||
    fail_with "$log" "gitops offline: a step of examples/gitops/try-offline.sh failed"
  no_warnings "$log" "gitops offline" 'Incomplete lock file information for providers'
  grep -q 'Apply complete! Resources: 2 added, 0 changed, 0 destroyed' "$log" || fail_with "$log" "gitops offline: the apply did not create the 2 users"
  grep -q 'No changes' "$log" || fail_with "$log" "gitops offline: the drift job did not say No changes"
  grep -q 'Installed opentact/opentact' "$log" || fail_with "$log" "gitops offline: init did not install the provider from the mirror"
  n=$(emulator_users) || true
  [[ $n == 2 ]] || fail_with "$log" "gitops offline: the emulator holds $n users, not the configuration's 2"
}

# pipeline_job LOG SCRIPT [SECRETS] runs a pipeline script as the workflow
# does (TF_IN_AUTOMATION, the secrets in the environment), with the CLI under
# test as `terraform` and the filesystem mirror as the provider's source.
pipeline_job() {
  local log=$1 script=$2 secrets=${3:-} code=0
  (
    export PATH="$work/clibin:$PATH" TF_CLI_CONFIG_FILE=$work/mirror/cli.tfrc TF_IN_AUTOMATION=1 TF_CLI_ARGS=-no-color
    if [[ -n $secrets ]]; then export TF_VAR_sip_passwords=$secrets; fi
    "$script"
  ) >"$log" 2>&1 || code=$?
  # A filesystem mirror gives the first init no signed checksums (the guide
  # says so); the later jobs find them in the lock file.
  if [[ $script == ci/plan.sh ]]; then
    no_warnings "$log" "gitops: $script" 'Incomplete lock file information for providers'
  else
    no_warnings "$log" "gitops: $script"
  fi
  return "$code"
}

# alice_uuid DIR is desk.alice's uuid in DIR's state.
alice_uuid() {
  (cd "$1" && "$cli" show -json) | grep -oE '"id":"[^"]*"[^{}]*"login":"desk\.alice"' | json_string id
}

# seed DIR TF LOGIN... creates users outside the configuration under test.
seed() {
  local dir=$1 tf=$2
  shift 2
  mkdir -p "$dir"
  printf 'terraform {\n  required_providers {\n    opentact = { source = "opentact/opentact" }\n  }\n}\n' >"$dir/versions.tf"
  cat >"$dir/main.tf" <<TF
resource "opentact_sip_user" "seed" {
  for_each            = toset([$(printf '"%s",' "$@")])
  sip_connection_uuid = "$connection"
  login               = each.key
  password            = "seed-secret-Tb8kW3qZ7n"
  first_name          = "Seeded"
  dob                 = "1990-04-01T00:00:00Z"
}
output "ids" {
  value = { for k, u in opentact_sip_user.seed : k => u.id }
}
TF
  (cd "$dir" && quietly seed.log "$tf" apply -auto-approve -input=false -no-color -compact-warnings)
}

# The adoption guide's path for older CLIs: its import blocks, with the
# example's uuid replaced by a real one, and plan -generate-config-out.
check_generate_config() {
  local dir=$work/generate alice
  seed "$work/generate-seed" "$cli" alice.desk bob.phone
  alice=$(cd "$work/generate-seed" && "$cli" output -json ids | json_string alice.desk)
  mkdir -p "$dir"
  sed "s/3f0c9a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b/$alice/" "$repo/examples/adopt-generate/imports.tf" >"$dir/imports.tf"
  cp "$work/generate-seed/versions.tf" "$dir/"
  cd "$dir"
  allow_warning='Config generation is experimental' quietly plan.log "$cli" plan -input=false -no-color -generate-config-out=generated.tf
  grep -q 'login *= "bob.phone"' generated.tf || fail_with generated.tf "generate-config-out: no resource for bob.phone"
  quietly apply.log "$cli" apply -auto-approve -input=false -no-color -compact-warnings
  grep -q '2 imported, 0 added, 0 changed, 0 destroyed' apply.log || fail_with apply.log "generate-config-out: the import changed something"
  expect_plan "$dir" 0 "generate-config-out: the plan after adoption"
  ok "adoption (plan -generate-config-out): 2 users imported unchanged, the next plan empty"
  [[ -z "${SHOW_GENERATED:-}" ]] || cat generated.tf
  cd "$repo"
}

# The adoption guide's query path under Terraform 1.15.0: the query example
# as published, against a connection with 3 users.
check_query() {
  local tf=$1 dir=$work/query writes
  seed "$work/query-seed" "$cli" desk.anna desk.ben desk.cleo
  cp -R "$repo/examples/query" "$dir"
  cd "$dir"
  quietly query.log "$tf" query -no-color -generate-config-out=generated.tf
  [[ $(grep -c '^import {' generated.tf) == 3 ]] || fail_with generated.tf "query: generated.tf does not import the 3 users"
  quietly plan.log "$tf" plan -input=false -no-color
  grep -q 'Plan: 3 to import, 0 to add, 0 to change, 0 to destroy' plan.log || fail_with plan.log "query: the plan of the generated configuration is not 3 imports and nothing else"
  emulator_call POST /_emulator/reset >/dev/null || fail_with /dev/null "query: cannot reset the emulator's request counts"
  quietly apply.log "$tf" apply -auto-approve -input=false -no-color -compact-warnings
  writes=$(emulator_writes) || fail_with /dev/null "query: cannot read the emulator's request counts"
  [[ $writes == 0 ]] || fail_with apply.log "query: the apply made $writes write calls"
  expect_plan "$dir" 0 "query: the plan after adoption" "$tf"
  ok "adoption (terraform query -generate-config-out): 3 to import, 0 to add/change/destroy; no write call; the next plan empty"
  [[ -z "${SHOW_GENERATED:-}" ]] || cat generated.tf
  cd "$repo"
}

# The phone provisioning guide's example, as published: two phones' users
# with their passwords from the ephemeral map, and each phone's file rendered
# from the data source's sip_connection and the user's login.
check_provisioning() {
  local dir=$work/provisioning files content phone name mac login pw uuid answer ip port subdomain line
  cp -R "$repo/examples/provisioning" "$dir"
  cd "$dir"
  export TF_VAR_sip_passwords='{"reception":"rcp-pw-3141-qvz","warehouse":"whs-pw-2718-qvz"}'
  quietly apply.log "$cli" apply -auto-approve -input=false -no-color -compact-warnings
  grep -q '2 added, 0 changed, 0 destroyed' apply.log || fail_with apply.log "provisioning: the apply did not create the 2 phones' users"
  files=$("$cli" output -json provisioning_files)
  for phone in reception:0004f2a1b2c3:desk.reception:rcp-pw-3141-qvz warehouse:0004f2d4e5f6:desk.warehouse:whs-pw-2718-qvz; do
    IFS=: read -r name mac login pw <<<"$phone"
    uuid=$(cd "$dir" && "$cli" show -json | grep -oE "\"id\":\"[^\"]*\"[^{}]*\"login\":\"${login//./\\.}\"" | json_string id)
    [[ -n $uuid ]] || fail_with /dev/null "provisioning: no user $login in the state"
    password_is "$uuid" "$login" "$pw" || fail_with /dev/null "provisioning: $login does not have its password from sip_passwords"
    # What the API answers for the user's connection.
    answer=$(emulator_call GET "/rest/sip/connection/user/$uuid")
    ip=$(json_string ip <<<"$answer")
    subdomain=$(json_string subdomain <<<"$answer")
    port=$(grep -oE '"port": *[0-9]+' <<<"$answer" | grep -oE '[0-9]+$')
    [[ -n $ip && -n $port && -n $subdomain ]] || fail_with /dev/null "provisioning: the emulator's answer for $login has no ip, port or subdomain"
    content=$(grep -oE "\"$mac\\.cfg\": *\"([^\"\\\\]|\\\\.)*\"" <<<"$files" | sed 's/\\n/\n/g')
    for line in "account.1.registrar = $ip" "account.1.registrar_port = $port" "account.1.user_name = $login" "account.1.auth_name = $login" \
      "account.1.password_secret = sip/phones/$name" "(subdomain $subdomain)"; do
      grep -qF -- "$line" <<<"$content" || { echo "$content" >&2; fail_with /dev/null "provisioning: $mac.cfg lacks \"$line\""; }
    done
  done
  ok "provisioning: 2 phones' users with their passwords; each <mac>.cfg has the registrar (ip, port, subdomain) of the API's answer and the user's login"
  for pw in rcp-pw-3141-qvz whs-pw-2718-qvz; do
    ! grep -qF "$pw" <<<"$files$("$cli" output -json)$("$cli" show -json)$(cat terraform.tfstate)" || fail_with /dev/null "provisioning: a password is in a rendered file, an output or the state"
  done
  ! grep -qE '"ha1b?"|emulator-actor-' terraform.tfstate || fail_with /dev/null "provisioning: the state holds a digest or a credential the API nests in the connection"
  ok "provisioning: no password in the rendered files, the outputs or the state; no digest or nested credential in the state"
  expect_plan "$dir" 0 "provisioning: the plan after the apply"
  quietly destroy.log "$cli" destroy -auto-approve -input=false -no-color -compact-warnings
  grep -q '2 destroyed' destroy.log || fail_with destroy.log "provisioning: destroy did not remove the 2 users"
  ok "provisioning: the next plan is empty; destroyed"
  unset TF_VAR_sip_passwords
  cd "$repo"
}

# ------------------------------------------------------- offline recipe ---

# substitute FILE FROM TO COUNT replaces the fixed string FROM with TO in
# FILE, and fails unless FROM occurs exactly COUNT times: the README's recipe
# has changed shape, and this check must be changed with it.
substitute() {
  local file=$1 from=$2 to=$3 want=$4 found text
  found=$({ grep -oF -- "$from" "$file" || true; } | wc -l | tr -d ' ')
  [[ $found == "$want" ]] || fail_with "$file" "offline recipe: README.md's recipe has \"$from\" $found times, not $want: it changed shape, update check_offline_recipe in scripts/validate-examples.sh"
  text=$(<"$file")
  printf '%s\n' "${text//"$from"/"$to"}" >"$file"
}

# The README's "Trying your own configuration offline", taken from between
# its offline-recipe markers and run as written, but for what a script must
# change. By substitutions that fail if the text changes shape: the emulator
# runs from a binary built from the same package (a `go run` stopped by a
# script leaves its child running) on a free port, and the working directory
# (which holds the CLI configuration file the recipe writes and names in
# TF_CLI_CONFIG_FILE) is a temp dir. By the environment: GOBIN is a temp dir
# (the recipe asks `go env GOBIN`), not ~/go/bin. The recipe runs without
# this script's OPENTACT_BASE_URL, OPENTACT_TOKEN and TF_CLI_CONFIG_FILE,
# under `bash -e`: any step that fails fails the check.
check_offline_recipe() {
  local dir=$work/offline blocks=$work/readme-recipe base emu expected recipe url token seeded n
  mkdir -p "$blocks" "$dir"
  [[ $(grep -c '^<!-- offline-recipe:begin -->$' "$repo/README.md") == 1 && $(grep -c '^<!-- offline-recipe:end -->$' "$repo/README.md") == 1 ]] ||
    fail_with /dev/null "offline recipe: README.md needs one <!-- offline-recipe:begin --> and one <!-- offline-recipe:end --> line"
  # Each fenced block between the markers, in order, as NN.INFO.
  awk -v out="$blocks" '
    /^<!-- offline-recipe:begin -->$/ { inside = 1; next }
    /^<!-- offline-recipe:end -->$/ { inside = 0 }
    !inside { next }
    !code && /^```[a-z]+$/ { code = 1; file = sprintf("%s/%02d.%s", out, ++n, substr($0, 4)); printf "" >file; next }
    code && /^```$/ { code = 0; close(file); next }
    code { print >file }' "$repo/README.md"
  emu=$(find "$blocks" -name '*.shell' | sort | sed -n 1p)
  expected=$(find "$blocks" -name '*.text' | sort)
  recipe=$work/offline-recipe.sh
  [[ -n $emu && $(find "$blocks" -name '*.text' | wc -l | tr -d ' ') == 1 && -z $(find "$blocks" -type f ! -name '*.shell' ! -name '*.text') ]] ||
    fail_with /dev/null "offline recipe: want shell blocks (the emulator's command first) and one text block (its output) between the markers; found: $(cd "$blocks" && ls | tr '\n' ' ')"
  [[ $(wc -l <"$emu" | tr -d ' ') == 1 ]] || fail_with "$emu" "offline recipe: the first shell block must be the one emulator command"
  find "$blocks" -name '*.shell' | sort | tail -n +2 | xargs cat >"$recipe"

  # Terminal 1: the emulator.
  base=$work/offline.addr
  substitute "$emu" "go run ./cmd/opentact-emulator -listen 127.0.0.1:8080" "exec $(printf %q "$work/bin/opentact-emulator") -listen 127.0.0.1:0 -addr-file $(printf %q "$base")" 1
  go build -o "$work/bin/opentact-emulator" "$repo/cmd/opentact-emulator"
  (cd "$repo" && exec bash -eu "$emu") >"$work/offline-emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 100); do
    [[ -s $base ]] && [[ $(wc -l <"$work/offline-emulator.log") -ge $(wc -l <"$expected") ]] && break
    kill -0 "$emulator_pid" 2>/dev/null || fail_with "$work/offline-emulator.log" "offline recipe: the README's emulator command failed"
    sleep 0.05
  done
  url=$(cat "$base")
  # What it prints is what the README shows, but for the port and the
  # seeded users' uuids (new every time).
  normalise() { sed -E -e "s#$url#http://127.0.0.1:8080#" -e '/^  SIP user /s/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/<uuid>/' "$1"; }
  diff <(normalise "$expected") <(normalise "$work/offline-emulator.log") >"$work/offline-diff.log" ||
    fail_with "$work/offline-diff.log" "offline recipe: the emulator's output (>) is not the one README.md shows (<)"
  ok "offline recipe: the emulator starts as the README says, with the output it shows (connections, seeded user)"

  # Terminal 2: everything else.
  substitute "$recipe" "http://127.0.0.1:8080" "$url" 1
  # shellcheck disable=SC2088 # the README's text, with its tilde, is what is replaced
  substitute "$recipe" "~/opentact-offline" "$(printf %q "$dir")" 2
  (cd "$repo" && env -u TF_CLI_CONFIG_FILE -u OPENTACT_BASE_URL -u OPENTACT_TOKEN GOBIN="$work/gobin" PATH="$work/clibin:$PATH" \
    bash -euo pipefail -x "$recipe") >"$work/offline.log" 2>&1 || fail_with "$work/offline.log" "offline recipe: a step of README.md's recipe failed"
  no_warnings "$work/offline.log" "offline recipe"
  [[ -x $work/gobin/terraform-provider-opentact ]] || fail_with "$work/offline.log" "offline recipe: go install put no provider in GOBIN"
  grep -q 'Resources: 1 added, 0 changed, 0 destroyed' "$work/offline.log" || fail_with "$work/offline.log" "offline recipe: the apply did not create exactly the configuration's user"
  grep -q 'Import successful' "$work/offline.log" || fail_with "$work/offline.log" "offline recipe: the import did not succeed"
  grep -q 'No changes' "$work/offline.log" || fail_with "$work/offline.log" "offline recipe: the last plan did not say No changes"
  # The import adopted the seeded user, not a new one; nothing else was
  # created.
  seeded=$(sed -n -E 's/^  SIP user ([0-9a-f-]{36})  .*/\1/p' "$work/offline-emulator.log" | sed -n 1p)
  grep -qE "\"id\": *\"$seeded\"" "$dir/terraform.tfstate" || fail_with "$work/offline.log" "offline recipe: the state does not hold the seeded user $seeded"
  export OPENTACT_BASE_URL=$url
  token=$(sed -n -E 's/.*\(token "(.*)"\)$/\1/p' "$work/offline-emulator.log")
  n=$(OPENTACT_TOKEN=$token emulator_users) || true
  [[ $n == 2 ]] || fail_with "$work/offline.log" "offline recipe: the emulator holds $n users, not the seeded one and the configuration's"
  [[ -z "$(non_ephemeral_secret_variables "$dir")" ]] || fail_with "$dir/main.tf" "offline recipe: a variable that feeds password_wo is not ephemeral"
  quietly "$work/fmt.log" "$cli" fmt -check -diff "$dir/main.tf"
  ok "offline recipe: README.md's commands as written (go install, dev_overrides, apply of a configuration, terraform import of the seeded user, a plan with no changes; HCL formatted)"
}

# The README's quick start: make demo, which fails on a warning of its own.
check_demo() {
  "$repo/scripts/demo.sh" >"$work/demo.log" 2>&1 || fail_with "$work/demo.log" "quick start: make demo failed"
  ok "quick start: make demo (apply, outputs, an empty plan, destroy; no warning but the dev_overrides one)"
}

# ------------------------------------------------------------------ main ---

build_provider
tf_new=$("$repo/scripts/build-terraform-1.15.sh")
mkdir -p "$work/clibin"
ln -s "$cli" "$work/clibin/terraform"

# The documented dev_overrides snippet, pointed at the provider just built,
# is the CLI configuration of every check below but the pipeline's.
sed "s#/home/you/go/bin#$work/bin#" "$repo/examples/provider/dev-overrides.tfrc" >"$work/dev.tfrc"
export TF_CLI_CONFIG_FILE=$work/dev.tfrc

check_templates_have_no_code
copy_examples
check_secret_variables_are_ephemeral
quietly "$work/fmt.log" "$cli" fmt -check -recursive "$repo/examples"
quietly "$work/fmt.log" "$tf_new" fmt -check -recursive "$repo/examples"
ok "terraform fmt: every example, query files included"
ok "examples/$not_validated: terraform fmt only, left out of validate and apply by name (hashicorp/random 3.x, whose ephemeral random_password it uses, is not served by the Go module proxy here)"
validate_all "$cli" default
validate_all "$tf_new" new

start_emulator
check_bulk
restart_emulator
check_gitops
check_gitops_offline
restart_emulator
check_generate_config
restart_emulator
check_query "$tf_new"
restart_emulator
check_provisioning
stop_emulator
emulator_pid=
check_offline_recipe
check_demo
