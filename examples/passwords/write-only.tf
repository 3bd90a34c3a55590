# Terraform 1.11 and later, OpenTofu 1.11 and later.
variable "alice_sip_password" {
  type      = string
  sensitive = true # hidden in CLI output
  ephemeral = true # not saved in plan files (Terraform 1.10+, OpenTofu 1.11+)
}

resource "opentact_sip_user" "alice" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "alice.desk"
  password_wo         = var.alice_sip_password
  password_wo_version = 2 # was 1: this apply sends the new password
}
