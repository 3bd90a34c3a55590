package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/opentact"
)

// dataSourceUserAttributes is the read-only schema of one SIP user, for the
// single-user data source and for the items of the list. With lookup, id,
// sip_connection_uuid and login may also be given, to find the user.
func dataSourceUserAttributes(lookup bool) map[string]schema.Attribute {
	key := func(description string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Optional: lookup, MarkdownDescription: description}
	}
	attrs := map[string]schema.Attribute{
		"id":                  key("The user's uuid."),
		"sip_connection_uuid": key("The SIP connection the user belongs to."),
		"login":               key("The SIP login."),
		"created_on":          schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: computedFieldDescriptions["created_on"]},
		"modified_on":         schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: computedFieldDescriptions["modified_on"]},
		"sip_connection_name": schema.StringAttribute{Computed: true, MarkdownDescription: computedFieldDescriptions["sip_connection_name"]},
		"account_uuid":        schema.StringAttribute{Computed: true, MarkdownDescription: computedFieldDescriptions["account_uuid"]},
	}
	for _, f := range optionalFields {
		attrs[f.name] = schema.StringAttribute{Computed: true, MarkdownDescription: f.description, CustomType: f.customType()}
	}
	return attrs
}

// The SIP connection as the API answers it inside every user: what a phone
// needs to register (the data sources only: the resource's state is
// rewritten after every change, and is kept small for thousands of users).
// Only these six fields are read; the credentials the API nests in the
// connection (created_by, modified_by) never are.

// sipConnectionModel is the sip_connection object of the data sources.
type sipConnectionModel struct {
	UUID      types.String `tfsdk:"uuid"`
	Name      types.String `tfsdk:"name"`
	Subdomain types.String `tfsdk:"subdomain"`
	IP        types.String `tfsdk:"ip"`
	Port      types.Int64  `tfsdk:"port"`
	IsActive  types.Bool   `tfsdk:"is_active"`
}

// sipConnectionAttributes is the schema of that object's attributes.
func sipConnectionAttributes() map[string]schema.Attribute {
	const absent = " null when the API's answer has none."
	return map[string]schema.Attribute{
		"uuid":      schema.StringAttribute{Computed: true, MarkdownDescription: "The SIP connection's uuid (`sip_connection.uuid` in the API's answer)."},
		"name":      schema.StringAttribute{Computed: true, MarkdownDescription: "The SIP connection's name (`sip_connection.name`);" + absent},
		"subdomain": schema.StringAttribute{Computed: true, MarkdownDescription: "The SIP connection's subdomain (`sip_connection.subdomain`), as the API answers it;" + absent},
		"ip":        schema.StringAttribute{Computed: true, MarkdownDescription: "The IP address of the SIP connection (`sip_connection.ip`), where its phones register, as the API answers it;" + absent},
		"port":      schema.Int64Attribute{Computed: true, MarkdownDescription: "The SIP connection's port (`sip_connection.port`), where its phones register: 1 to 65535, read from a JSON number or a string of digits;" + absent},
		"is_active": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the SIP connection is active (`sip_connection.is_active`);" + absent},
	}
}

// sipConnectionOf is the connection in a user's answer. A field the answer
// has in a form that cannot be read (a port of "sip") is null, with a
// warning naming it: a configuration that reads only the users keeps
// working, and one that provisions phones can check for null (as the
// provisioning example's postcondition does).
func sipConnectionOf(c opentact.SIPConnection) (*sipConnectionModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	if len(c.Unreadable) > 0 {
		unreadableConnection(c.UUID, c.Unreadable).addWarning(&diags)
	}
	m := &sipConnectionModel{
		UUID:      types.StringValue(c.UUID),
		Name:      optionalValue(c.Name),
		Subdomain: optionalValue(c.Subdomain),
		IP:        optionalValue(c.IP),
		Port:      types.Int64Null(),
		IsActive:  types.BoolPointerValue(c.IsActive),
	}
	if c.Port != 0 {
		m.Port = types.Int64Value(int64(c.Port))
	}
	return m, diags
}

func unreadableConnection(connection string, fields []string) text {
	return text{"Unexpected answer from the OpenTact API", "The API's answer has " + strings.Join(fields, ", ") + " of SIP connection " + connection +
		" in a form the provider cannot read (a port must be a number from 1 to 65535, is_active a boolean, ip a string), so they are null. Please report this to OpenTact support."}
}
