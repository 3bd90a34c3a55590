# Any Terraform or OpenTofu version. The password is stored in the state and
# in saved plan files, and so is the variable's value (a variable that is
# assigned to password cannot be ephemeral).
variable "bob_sip_password" {
  type      = string
  sensitive = true
}

resource "opentact_sip_user" "bob" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "bob.phone"
  password            = var.bob_sip_password
}
