terraform init
# What the query finds: one line per user (its identity and login).
terraform query
# Write an import block and a resource block per user:
terraform query -generate-config-out=generated.tf
# Review generated.tf, then check the plan: "N to import, 0 to add,
# 0 to change, 0 to destroy". The apply makes no write call.
terraform plan
terraform apply
