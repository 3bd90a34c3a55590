terraform {
  required_providers {
    opentact = {
      source = "opentact/opentact"
      # No release is published yet, so there is no version to pin. Once the
      # Registry has one, add a constraint such as version = "~> 0.1".
    }
  }
}

# The token comes from the OPENTACT_TOKEN environment variable: keep it out of
# the configuration. (If you pass it from a variable instead, declare that
# variable with ephemeral = true, or it is saved in plan files.)
provider "opentact" {
  # Optional settings; each line shows the default.
  # base_url        = "https://api.opentact.org" # or OPENTACT_BASE_URL
  # request_timeout = "30s"
  # max_retries     = 4    # after 502, 503, 504 and answers lost after sending
  # coalesce_reads  = true
  # plan_checks     = true   # or OPENTACT_PLAN_CHECKS
  # password_policy = "warn" # or OPENTACT_PASSWORD_POLICY: "enforce", "off"

  # A known account rate limit (default: unset, the provider adapts to 429s):
  # max_requests_per_second = 10 # or OPENTACT_MAX_REQUESTS_PER_SECOND
}
