# A repository's root module, applied by the pipeline in the GitOps guide.
terraform {
  required_version = ">= 1.11" # password_wo; ephemeral variables need 1.10

  required_providers {
    opentact = {
      source = "opentact/opentact"
    }
  }

  # Keep the state in a remote backend with locking, encryption and access
  # limited to the pipeline (see the guide).
}

provider "opentact" {} # token from OPENTACT_TOKEN, a CI secret

# The SIP passwords, by user key, as JSON from the CI secret store:
# TF_VAR_sip_passwords='{"alice":"...","bob":"..."}'. Ephemeral: never saved
# in a plan file, so it must be set again to apply a saved plan.
variable "sip_passwords" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

locals {
  connection = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"

  # Keyed by a name that never changes: renaming a login is then an in-place
  # update of the same user.
  users = {
    alice = { login = "desk.alice", first_name = "Alice", password_version = 1 }
    bob   = { login = "desk.bob", first_name = "Bob", password_version = 1 }
  }
}

resource "opentact_sip_user" "user" {
  for_each = local.users

  sip_connection_uuid = local.connection
  login               = each.value.login
  first_name          = each.value.first_name
  password_wo         = var.sip_passwords[each.key]
  password_wo_version = each.value.password_version
}
