# SIP phones provisioned from Terraform: each phone's user, and its
# provisioning file rendered from the user's SIP connection as the API
# answers it (the registrar's address and port) and the user's login. The
# password goes to the API and stays in the secret store: never in the file,
# an output or the state.
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

# Each phone's SIP password, by phone name, as JSON from the secret store
# that the phones' provisioning server reads too:
# TF_VAR_sip_passwords='{"reception":"...","warehouse":"..."}'. Ephemeral:
# not saved in plan files.
variable "sip_passwords" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

locals {
  # Keyed by a name that never changes: a new login is an in-place rename
  # (with password_wo, raise password_wo_version with it).
  phones = {
    reception = { mac = "0004f2a1b2c3", login = "desk.reception", label = "Reception" }
    warehouse = { mac = "0004f2d4e5f6", login = "desk.warehouse", label = "Warehouse" }
  }
}

resource "opentact_sip_user" "phone" {
  for_each = local.phones

  sip_connection_uuid = var.sip_connection_uuid
  login               = each.value.login
  first_name          = each.value.label
  password_wo         = var.sip_passwords[each.key]
  password_wo_version = 1 # increase, with a new password in the secret store, to rotate
}

# One list call for the connection: its sip_connection is what every answer
# of the API carries. logins keeps the other users of the connection out of
# the state.
data "opentact_sip_users" "phones" {
  sip_connection_uuid = var.sip_connection_uuid
  logins              = [for p in opentact_sip_user.phone : p.login]

  lifecycle {
    postcondition {
      condition     = try(self.sip_connection.ip != null && self.sip_connection.port != null && self.sip_connection.is_active != false, false)
      error_message = "The SIP connection has no registrar address (ip and port) in the API's answer, or is not active: its phones could not register."
    }
  }
}

locals {
  registrar = data.opentact_sip_users.phones.sip_connection
}

# <mac>.cfg for each phone, to hand to the provisioning server. The file
# names the secret that holds the password; the server fills it in when the
# phone fetches the file.
output "provisioning_files" {
  description = "Each phone's provisioning file, by file name. No password is in them."
  value = {
    for name, phone in local.phones : "${phone.mac}.cfg" => templatefile("${path.module}/phone.cfg.tftpl", {
      label           = phone.label
      login           = opentact_sip_user.phone[name].login
      connection      = local.registrar.name
      subdomain       = local.registrar.subdomain
      registrar       = local.registrar.ip
      port            = local.registrar.port
      transport       = "UDP" # the API does not say; 5060 is SIP's port over UDP and TCP
      password_secret = "sip/phones/${name}"
    })
  }
}
