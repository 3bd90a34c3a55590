# The provider's request lines, without Terraform's own logs, in a file:
TF_LOG_PROVIDER=DEBUG TF_LOG_PATH=opentact.log terraform plan
grep 'OpenTact API' opentact.log
