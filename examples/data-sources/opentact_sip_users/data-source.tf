# One list call reads every user of the connection; login_prefix and logins
# filter the answer in the provider.
data "opentact_sip_users" "berlin_desks" {
  sip_connection_uuid = "6f1c3a52-8d4e-4b7a-9c21-0a5e7d3b9f10"
  login_prefix        = "desk"
}

output "berlin_desk_logins" {
  value = data.opentact_sip_users.berlin_desks.users[*].login
}

# The connection once, not in every user: null if it has no user at all.
output "berlin_registrar" {
  value = data.opentact_sip_users.berlin_desks.sip_connection == null ? null : {
    address = data.opentact_sip_users.berlin_desks.sip_connection.ip
    port    = data.opentact_sip_users.berlin_desks.sip_connection.port
  }
}
