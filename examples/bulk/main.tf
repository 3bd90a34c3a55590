# SIP users from a CSV file: one row per user, keyed by the `key` column.
terraform {
  required_version = ">= 1.11" # password_wo; ephemeral variables need 1.10

  required_providers {
    opentact = {
      source = "opentact/opentact"
    }
  }
}

provider "opentact" {} # token from OPENTACT_TOKEN

variable "sip_connection_uuid" {
  type    = string
  default = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
}

# The SIP password of every user in the CSV, by its key, as JSON from a secret
# store: TF_VAR_sip_passwords='{"e1001":"...","e1002":"..."}'. Ephemeral: not
# saved in plan files.
variable "sip_passwords" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

locals {
  # Keyed by `key`, a value that never changes (an employee number, say), so
  # that a new login is an in-place rename, not a new user. A duplicate key is
  # an error. Empty cells become null: the attribute is not set, and clearing
  # a cell clears the attribute in the API.
  users = {
    for row in csvdecode(file("${path.module}/users.csv")) :
    row.key => { for column, value in row : column => value == "" ? null : value }
  }
}

resource "opentact_sip_user" "user" {
  for_each = local.users

  sip_connection_uuid = var.sip_connection_uuid
  login               = each.value.login
  first_name          = each.value.first_name
  last_name           = each.value.last_name
  email               = each.value.email
  phone_number        = each.value.phone_number

  # Sent when the user is created, and again when the row's password_version
  # changes: to rotate one user's password, put the new one in the secret and
  # increase that row's password_version.
  password_wo         = var.sip_passwords[each.key]
  password_wo_version = tonumber(each.value.password_version)
}

output "user_ids" {
  description = "The uuid of each user, by key."
  value       = { for key, u in opentact_sip_user.user : key => u.id }
}
