package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// dateTimeType is timetypes.RFC3339 with a validation that shows the value
// to write: a type's own validation runs before any validator, and a
// validator beside it would only add a second error. Semantic equality is
// timetypes'.
type dateTimeType struct {
	timetypes.RFC3339Type
}

var (
	_ basetypes.StringTypable                    = dateTimeType{}
	_ basetypes.StringValuableWithSemanticEquals = dateTime{}
	_ xattr.ValidateableAttribute                = dateTime{}
)

func (t dateTimeType) String() string { return "provider.dateTimeType" }

func (t dateTimeType) ValueType(context.Context) attr.Value { return dateTime{} }

func (t dateTimeType) Equal(o attr.Type) bool {
	other, ok := o.(dateTimeType)
	return ok && t.RFC3339Type.Equal(other.RFC3339Type)
}

func (t dateTimeType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return dateTime{RFC3339: timetypes.RFC3339{StringValue: in}}, nil
}

func (t dateTimeType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type of %T", v)
	}
	return dateTime{RFC3339: timetypes.RFC3339{StringValue: s}}, nil
}

// dateTime is a value of dateTimeType.
type dateTime struct {
	timetypes.RFC3339
}

func (v dateTime) Type(context.Context) attr.Type { return dateTimeType{} }

func (v dateTime) Equal(o attr.Value) bool {
	other, ok := o.(dateTime)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v dateTime) StringSemanticEquals(ctx context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(dateTime)
	if !ok {
		return false, nil
	}
	return v.RFC3339.StringSemanticEquals(ctx, other.RFC3339)
}

func (v dateTime) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, v.ValueString()); err != nil {
		notDateTime(req.Path, v.ValueString(), dateTimeFor(v.ValueString())).addError(&resp.Diagnostics, req.Path)
	}
}

// dateTimeFor is the RFC 3339 date-time that a value written as a date, or
// as a date and time without an offset, most likely means (midnight, and
// UTC); "" when it is neither.
func dateTimeFor(s string) string {
	for _, layout := range []string{time.DateOnly, "2006-01-02T15:04:05", time.DateTime, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return ""
}
