# Terraform 1.5 and later: an import block, by uuid or by
# "<sip_connection_uuid>/<login>".
import {
  to = opentact_sip_user.bob
  id = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10/bob.phone"
}
