# Adopt every existing SIP user of a connection (Terraform 1.7 and later:
# import blocks with for_each). The plan imports each user and changes
# nothing; passwords stay as they are, since none is configured.
#
# To write a static configuration instead, keep only the import blocks and
# run: terraform plan -generate-config-out=generated.tf

variable "sip_connection_uuid" {
  type = string
}

data "opentact_sip_users" "existing" {
  sip_connection_uuid = var.sip_connection_uuid
}

locals {
  existing = { for u in data.opentact_sip_users.existing.users : u.login => u }
}

import {
  for_each = local.existing
  to       = opentact_sip_user.adopted[each.key]
  id       = each.value.id
}

resource "opentact_sip_user" "adopted" {
  for_each = local.existing

  sip_connection_uuid = var.sip_connection_uuid
  login               = each.key
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
  value = { for login, u in opentact_sip_user.adopted : login => u.id }
}
