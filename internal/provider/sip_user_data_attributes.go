package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
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
