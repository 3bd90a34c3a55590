#!/usr/bin/env bash
# Schedule: exit 0 when the API matches the configuration, 2 when it does not
# (drift, or a change not applied yet), 1 on an error.
set -euo pipefail
terraform init -input=false
terraform plan -input=false -detailed-exitcode
