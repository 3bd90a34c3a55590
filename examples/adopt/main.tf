# Adopt every existing SIP user of a connection (Terraform 1.7 and later,
# OpenTofu 1.7 and later: import blocks with for_each). The plan imports each
# user and changes nothing; passwords stay as they are, since none is set.
#
# Run this once, then make the configuration static: while it follows the
# data source, a user deleted outside Terraform simply leaves the map, and a
# new one is adopted without review. Replace the for_each with a literal map
# (or generate the configuration: see the adoption guide).
#
# Users are keyed by uuid, which never changes. Keyed by login, a login
# renamed outside Terraform would drop its key: the next apply would delete
# the user and import it again under the new key.

variable "sip_connection_uuid" {
  type = string
}

data "opentact_sip_users" "existing" {
  sip_connection_uuid = var.sip_connection_uuid
}

locals {
  existing = { for u in data.opentact_sip_users.existing.users : u.id => u }
}

import {
  for_each = local.existing
  to       = opentact_sip_user.adopted[each.key]
  id       = each.key
}

resource "opentact_sip_user" "adopted" {
  for_each = local.existing

  sip_connection_uuid = var.sip_connection_uuid
  login               = each.value.login
  first_name          = each.value.first_name
  last_name           = each.value.last_name
  email               = each.value.email
  phone_number        = each.value.phone_number
  avatar              = each.value.avatar
  dob                 = each.value.dob
  gender              = each.value.gender
  remote_ip           = each.value.remote_ip
}

output "adopted" {
  description = "The uuid of each adopted user, by login."
  value       = { for id, u in opentact_sip_user.adopted : u.login => id }
}
