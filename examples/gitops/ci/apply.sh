#!/usr/bin/env bash
# Push to main, after the plan job: apply exactly the saved plan. The plan file
# holds no ephemeral value, so TF_VAR_sip_passwords must be set again.
set -euo pipefail
terraform init -input=false
terraform apply -input=false tfplan
