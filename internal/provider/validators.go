package provider

import (
	"context"
	"net/netip"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// ipv4Validator accepts a dotted IPv4 address, as the API's remote_ip does.
type ipv4Validator struct{}

func (ipv4Validator) Description(context.Context) string { return ipv4Allowed }

func (v ipv4Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v ipv4Validator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if a, err := netip.ParseAddr(req.ConfigValue.ValueString()); err != nil || !a.Is4() {
		invalidValue("Invalid IPv4 address", req.Path, v.Description(ctx), req.ConfigValue.ValueString()).addError(&resp.Diagnostics, req.Path)
	}
}

// durationValidator accepts a positive Go duration such as "30s".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string { return durationAllowed }

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		invalidValue("Invalid duration", req.Path, v.Description(ctx), req.ConfigValue.ValueString()).addError(&resp.Diagnostics, req.Path)
	}
}
