# Terminal 1, in a clone of the provider's repository: the API emulator.
#   go run ./cmd/opentact-emulator -listen 127.0.0.1:8080
# Terminal 2, in the same clone: the provider in a filesystem mirror, so that
# the scripts' terraform init installs it as it would a release.
make mirror MIRROR_DIR="$HOME/opentact-mirror"
export TF_CLI_CONFIG_FILE="$HOME/opentact-mirror/cli.tfrc"
# What the pipeline's secrets would hold.
export OPENTACT_BASE_URL=http://127.0.0.1:8080 OPENTACT_TOKEN=emulator-token
TF_VAR_sip_passwords=$(printf '{"alice":"%s","bob":"%s"}' "$(head -c 18 /dev/urandom | base64)" "$(head -c 18 /dev/urandom | base64)")
export TF_VAR_sip_passwords
# The guide's configuration and scripts, in a new directory (a state of an
# earlier run would not match a new emulator, which starts empty).
dir=$(mktemp -d) && cp -R examples/gitops/. "$dir" && cd "$dir"
ci/plan.sh  # init (from the mirror), then plan -out=tfplan: 2 to add
ci/apply.sh # Apply complete! Resources: 2 added, 0 changed, 0 destroyed.
ci/drift.sh # No changes (exit 0)
