# In a .tfquery.hcl file (Terraform 1.14 and later): the desk phones of a SIP
# connection, with each user's attributes in the results.
list "opentact_sip_user" "desks" {
  provider         = opentact
  include_resource = true

  config {
    sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
    login_prefix        = "desk."
  }
}
