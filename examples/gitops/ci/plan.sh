#!/usr/bin/env bash
# Pull request (and push to main): plan, and save the plan for the apply job.
# Needs OPENTACT_TOKEN and TF_VAR_sip_passwords.
set -euo pipefail
terraform init -input=false
terraform plan -input=false -out=tfplan
