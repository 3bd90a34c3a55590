# The root module that `terraform query` runs in. Import blocks and resources
# that `terraform query -generate-config-out=generated.tf` writes go beside it.
terraform {
  required_providers {
    opentact = {
      source = "opentact/opentact"
    }
  }
}

provider "opentact" {} # token from OPENTACT_TOKEN
