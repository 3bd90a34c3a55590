# The token is best passed in the OPENTACT_TOKEN environment variable, or
# from a variable marked sensitive, never written in the configuration.
variable "opentact_token" {
  type      = string
  sensitive = true
}

provider "opentact" {
  token = var.opentact_token

  # Optional settings, shown with their defaults:
  # base_url        = "https://api.opentact.org" # or OPENTACT_BASE_URL
  # max_retries     = 4
  # request_timeout = "30s"
  # coalesce_reads  = true
}
