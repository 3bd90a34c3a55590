package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// NewWithoutIdentityForTest is the provider as releases before resource
// identity served it: the same resource code, but opentact_sip_user does
// not declare an identity schema and there are no list resources. State
// written through it has the shape such a release writes (no identity), so
// a test can upgrade that state with the provider of today without
// downloading an old release (ExternalProviders needs a registry).
func NewWithoutIdentityForTest(version string) func() provider.Provider {
	return func() provider.Provider {
		return providerWithoutIdentity{inner: &opentactProvider{version: version}}
	}
}

// providerWithoutIdentity implements provider.Provider only: not
// ProviderWithListResources.
type providerWithoutIdentity struct {
	inner *opentactProvider
}

func (p providerWithoutIdentity) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	p.inner.Metadata(ctx, req, resp)
}

func (p providerWithoutIdentity) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.inner.Schema(ctx, req, resp)
}

func (p providerWithoutIdentity) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	p.inner.Configure(ctx, req, resp)
}

func (p providerWithoutIdentity) DataSources(ctx context.Context) []func() datasource.DataSource {
	return p.inner.DataSources(ctx)
}

func (p providerWithoutIdentity) Resources(ctx context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for _, newResource := range p.inner.Resources(ctx) {
		out = append(out, func() resource.Resource {
			r := newResource()
			if old, ok := r.(resourceBeforeIdentity); ok {
				return resourceWithoutIdentity{inner: old}
			}
			return r
		})
	}
	return out
}

// resourceBeforeIdentity is every interface the resource implemented before
// it had an identity.
type resourceBeforeIdentity interface {
	resource.ResourceWithConfigure
	resource.ResourceWithImportState
	resource.ResourceWithModifyPlan
	resource.ResourceWithValidateConfig
}

// resourceWithoutIdentity delegates the methods of resourceBeforeIdentity
// one by one (embedding would promote IdentitySchema too), so the framework
// sees no resource.ResourceWithIdentity and sends no identity.
type resourceWithoutIdentity struct {
	inner resourceBeforeIdentity
}

var _ resourceBeforeIdentity = resourceWithoutIdentity{}

func (r resourceWithoutIdentity) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.inner.Metadata(ctx, req, resp)
}

func (r resourceWithoutIdentity) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.inner.Schema(ctx, req, resp)
}

func (r resourceWithoutIdentity) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.inner.Configure(ctx, req, resp)
}

func (r resourceWithoutIdentity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.inner.Create(ctx, req, resp)
}

func (r resourceWithoutIdentity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.inner.Read(ctx, req, resp)
}

func (r resourceWithoutIdentity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.inner.Update(ctx, req, resp)
}

func (r resourceWithoutIdentity) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.inner.Delete(ctx, req, resp)
}

func (r resourceWithoutIdentity) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.inner.ImportState(ctx, req, resp)
}

func (r resourceWithoutIdentity) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.inner.ModifyPlan(ctx, req, resp)
}

func (r resourceWithoutIdentity) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	r.inner.ValidateConfig(ctx, req, resp)
}
