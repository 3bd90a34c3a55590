# The configuration `make demo` applies against the bundled emulator: three
# SIP users on one connection, read back with the data source.
terraform {
  required_providers {
    opentact = {
      source = "opentact/opentact"
    }
  }
}

# base_url and token come from OPENTACT_BASE_URL and OPENTACT_TOKEN.
provider "opentact" {}

variable "sip_connection_uuid" {
  type    = string
  default = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10" # the emulator's "office-berlin"
}

variable "sip_password" {
  type      = string
  sensitive = true
  ephemeral = true
  default   = "demo-only-secret"
}

locals {
  # Keyed by a name that never changes, not by the login: a new login is then
  # an update of the same user, not a new user in its place.
  desks = {
    alice = { login = "desk.alice", first_name = "Alice", last_name = "Doe", email = "alice@example.com" }
    bob   = { login = "desk.bob", first_name = "Bob", last_name = "Roe", email = "bob@example.com" }
    carol = { login = "desk.carol", first_name = "Carol", last_name = "Poe", email = "carol@example.com" }
  }
}

resource "opentact_sip_user" "desk" {
  for_each = local.desks

  sip_connection_uuid = var.sip_connection_uuid
  login               = each.value.login
  password_wo         = var.sip_password
  password_wo_version = 1
  first_name          = each.value.first_name
  last_name           = each.value.last_name
  email               = each.value.email
}

data "opentact_sip_users" "desks" {
  sip_connection_uuid = var.sip_connection_uuid
  login_prefix        = "desk."

  depends_on = [opentact_sip_user.desk]
}

output "user_ids" {
  value = { for name, u in opentact_sip_user.desk : name => u.id }
}

output "listed_users" {
  value = [for u in data.opentact_sip_users.desks.users : "${u.login} <${u.email}> on ${u.sip_connection_name}"]
}
