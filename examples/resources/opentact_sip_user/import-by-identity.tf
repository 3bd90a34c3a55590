# Terraform 1.12 and later, OpenTofu 1.12 and later: an import block by the
# resource identity, the user's uuid.
import {
  to = opentact_sip_user.alice
  identity = {
    id = "3f0c9a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
  }
}
