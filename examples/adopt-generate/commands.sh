# Write the resource blocks for the import blocks (Terraform warns that config
# generation is experimental):
terraform plan -generate-config-out=generated.tf
# Review generated.tf, then adopt the users, unchanged:
terraform apply

# One user at a time, without an import block (the resource block must exist):
terraform import opentact_sip_user.alice 3f0c9a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b
