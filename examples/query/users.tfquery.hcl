# Terraform 1.14 and later. Lists the users of a SIP connection with one API
# call; -generate-config-out turns each result into an import block and a
# resource block.
list "opentact_sip_user" "berlin" {
  provider = opentact
  limit    = 1000 # at most this many results (default 100)

  config {
    sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
    # Optional filters, as in the opentact_sip_users data source:
    # login_prefix = "desk."
    # logins       = ["alice.desk", "bob.phone"]
  }
}
