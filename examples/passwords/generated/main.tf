# A generated SIP password per user, never stored by Terraform: Terraform
# 1.11 and later (ephemeral resources 1.10, write-only arguments 1.11),
# hashicorp/random 3.7 and later (ephemeral "random_password").
terraform {
  required_providers {
    opentact = { source = "opentact/opentact" }
    random   = { source = "hashicorp/random", version = ">= 3.7" }
    aws      = { source = "hashicorp/aws", version = ">= 5.83" }
  }
}

# A new value at every run, in no plan or state file. It is sent only when
# password_wo_version changes (and with a rename or move), so the phone's
# copy below takes the same value in the same apply.
ephemeral "random_password" "alice_sip" {
  length      = 24
  min_upper   = 2
  min_lower   = 2
  min_numeric = 2
  min_special = 2
  # Only characters that phone provisioning files (XML, CSV, URLs) and SIP
  # clients take without escaping: no quotes, backslash, <, >, &, #, %, :,
  # @, ; or spaces.
  override_special = "-_.~!*+"
}

resource "opentact_sip_user" "alice" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "alice.desk"
  password_wo         = ephemeral.random_password.alice_sip.result
  password_wo_version = 1 # increase to set a new generated password
}

# The phone needs the password too: keep it where its provisioning reads it,
# through a secret store's write-only attribute with the same version, here
# AWS Secrets Manager (Vault's vault_kv_secret_v2 has data_json_wo).
resource "aws_secretsmanager_secret" "alice_sip" {
  name = "sip/alice.desk"
}

resource "aws_secretsmanager_secret_version" "alice_sip" {
  secret_id                = aws_secretsmanager_secret.alice_sip.id
  secret_string_wo         = ephemeral.random_password.alice_sip.result
  secret_string_wo_version = opentact_sip_user.alice.password_wo_version
}
