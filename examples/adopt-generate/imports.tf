# Import blocks alone (Terraform 1.5 and later, OpenTofu 1.6 and later), by
# uuid or by "<sip_connection_uuid>/<login>". Then:
#   terraform plan -generate-config-out=generated.tf
# writes a resource block for each.
import {
  to = opentact_sip_user.alice
  id = "3f0c9a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
}

import {
  to = opentact_sip_user.bob
  id = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10/bob.phone"
}
