# Terraform 1.11 and later: the password is write-only, never in plan or state.
# Change password_wo_version to send a new password_wo.
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

  timeouts {
    create = "2m"
  }
}

# Before Terraform 1.11: the classic password, kept in state as sensitive.
resource "opentact_sip_user" "bob" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "bob.phone"
  password            = var.bob_sip_password
}

variable "alice_sip_password" {
  type      = string
  sensitive = true
}

variable "bob_sip_password" {
  type      = string
  sensitive = true
}
