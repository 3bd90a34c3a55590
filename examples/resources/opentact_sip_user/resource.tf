# Terraform 1.11 and later (OpenTofu 1.11 and later): a write-only password,
# never in state or plan. Change password_wo_version to send a new password_wo.
resource "opentact_sip_user" "alice" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "alice.desk"
  password_wo         = var.alice_sip_password
  password_wo_version = 1

  first_name   = "Alice"
  last_name    = "Doe"
  email        = "alice@example.com"
  phone_number = "+4930123456"
  gender       = "Cis Woman"
  remote_ip    = "192.0.2.10"

  # The defaults: create, update and delete 5m, read 2m.
  timeouts {
    create = "10m"
  }
}

# Ephemeral (Terraform 1.10+, OpenTofu 1.11+): the value is not saved in plan
# files either. Set it with TF_VAR_alice_sip_password or -var, at plan and
# again when applying a saved plan.
variable "alice_sip_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Before Terraform 1.11: the classic password. It is stored in the state and
# in saved plan files (marked sensitive, but in clear text), and so is this
# variable's value: protect both.
resource "opentact_sip_user" "bob" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "bob.phone"
  password            = var.bob_sip_password
}

variable "bob_sip_password" {
  type      = string
  sensitive = true
}
