package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// Plan-time warnings, which the acceptance harness cannot see: ModifyPlan
// is called here directly, as the framework calls it.

// planUser runs ModifyPlan for a user going from prior (nil: a create) to
// planned, and returns its diagnostics.
func planUser(t *testing.T, r *sipUserResource, prior *sipUserResourceModel, planned sipUserResourceModel) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	nullTimeouts := timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes)}
	planned.Timeouts = nullTimeouts
	plan := tfsdk.Plan{Schema: schemaResp.Schema}
	if diags := plan.Set(ctx, &planned); diags.HasError() {
		t.Fatalf("plan: %v", diags)
	}
	state := tfsdk.State{Schema: schemaResp.Schema}
	if prior != nil {
		prior.Timeouts = nullTimeouts
		if diags := state.Set(ctx, prior); diags.HasError() {
			t.Fatalf("state: %v", diags)
		}
	} else {
		state.RemoveResource(ctx)
	}
	req := resource.ModifyPlanRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: plan.Raw}, Plan: plan, State: state}
	resp := resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(ctx, req, &resp)
	return resp.Diagnostics
}

func model(connection, login, password string) sipUserResourceModel {
	m := sipUserResourceModel{ID: types.StringValue("3f2b8c1e-5d4a-4e6f-9b7c-2a1d0e9f8c7b"), Password: types.StringNull(), PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Null()}
	m.SIPConnectionUUID, m.Login = types.StringValue(connection), types.StringValue(login)
	if password != "" {
		m.Password = types.StringValue(password)
	}
	m.SIPConnectionName, m.AccountUUID = types.StringValue("c"), types.StringValue("a")
	return m
}

func summaries(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, d.Severity().String()+": "+d.Summary())
	}
	return out
}

// A rename or move of a user managed without a password warns that its
// phones may need a new one; with a password there is nothing to say.
func TestRenameWithoutPasswordWarns(t *testing.T) {
	berlin, lisbon := emulator.SeedConnections[0].UUID, emulator.SeedConnections[1].UUID
	r := &sipUserResource{} // no provider data: no plan checks
	for name, tc := range map[string]struct {
		prior, planned sipUserResourceModel
		warn           bool
	}{
		"rename, no password":     {model(berlin, "alice001", ""), model(berlin, "alice002", ""), true},
		"move, no password":       {model(berlin, "alice001", ""), model(lisbon, "alice001", ""), true},
		"rename with a password":  {model(berlin, "alice001", "pw"), model(berlin, "alice002", "pw"), false},
		"other change, no rename": {model(berlin, "alice001", ""), model(berlin, "alice001", ""), false},
	} {
		t.Run(name, func(t *testing.T) {
			prior := tc.prior
			diags := planUser(t, r, &prior, tc.planned)
			got := strings.Join(summaries(diags), "; ")
			if warned := strings.Contains(got, "Warning: SIP phones may need a new password"); warned != tc.warn || diags.HasError() {
				t.Fatalf("diagnostics %q; want the warning: %v", got, tc.warn)
			}
		})
	}
}
