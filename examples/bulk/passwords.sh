# The passwords as one JSON object keyed like the rows, {"e1001": "...", ...},
# read from a secret store (here HashiCorp Vault) at plan and at apply:
export TF_VAR_sip_passwords="$(vault kv get -field=sip_passwords secret/opentact)"
terraform apply
