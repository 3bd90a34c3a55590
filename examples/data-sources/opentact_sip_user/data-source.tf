# Give either id alone, or sip_connection_uuid and login together.

# By uuid: one call.
data "opentact_sip_user" "by_id" {
  id = "3f0c9a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
}

# By SIP connection and login: one list call, which reads every user of the
# connection (the API has no lookup by login).
data "opentact_sip_user" "by_login" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login               = "alice.desk"
}

output "alice_email" {
  value = data.opentact_sip_user.by_login.email
}

# The user's SIP connection as the API answers it: what a phone needs to
# register (see the phone provisioning guide).
output "alice_registrar" {
  value = "${data.opentact_sip_user.by_login.sip_connection.ip}:${data.opentact_sip_user.by_login.sip_connection.port}"
}
