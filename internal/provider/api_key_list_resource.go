package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

var (
	_ list.ListResource              = (*apiKeyListResource)(nil)
	_ list.ListResourceWithConfigure = (*apiKeyListResource)(nil)
)

// NewAPIKeyListResource returns the circularo_api_key list resource, which `terraform query` uses to
// find keys (Terraform 1.14+).
func NewAPIKeyListResource() list.ListResource { return &apiKeyListResource{} }

type apiKeyListResource struct {
	data *providerData
}

func (r *apiKeyListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the API keys of the authenticated user with `terraform query`, with the same " +
			"filters as the `circularo_api_keys` data source; all filters must match. Each result is named by the " +
			"key's fingerprint (its identity), never its value, and `-generate-config-out` writes the `import` and " +
			"`resource` blocks that adopt the keys found. Results come oldest first.",
		Attributes: listKeyFilterAttributes(),
	}
}

func (r *apiKeyListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// List makes its one list call before it returns, and reports every error as a result that carries
// diagnostics: the framework takes the result stream when List returns.
func (r *apiKeyListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if !requireConfigured(r.data, &diags) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	var cfg keyFilterModel
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	filter, err := newKeyFilter(cfg, r.data.now())
	if err != nil { // the validators make this unreachable; kept so that a bad value never panics
		diags.AddError("Invalid filter", err.Error())
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&diags, r.data, "Could not list API keys", err)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	matched := filter.apply(keys)
	if req.Limit > 0 && int64(len(matched)) > req.Limit {
		matched = matched[:req.Limit]
	}
	results := make([]list.ListResult, 0, len(matched))
	for _, k := range matched {
		results = append(results, r.result(ctx, req, k))
	}
	stream.Results = slices.Values(results)
}

// result is one key found: its identity, a name a reviewer can read, and with include_resource the
// resource object without the token. Query output and generated configuration are printed and
// kept, so they never hold a value.
func (r *apiKeyListResource) result(ctx context.Context, req list.ListRequest, k client.APIKey) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = keyDisplayName(k)
	// As an import records it: no value, store_token = false, so that a key adopted from the query's
	// generated configuration (to be reviewed and revoked, most often) never has its value in the state.
	m := apiKeyResourceModel{StoreToken: types.BoolValue(false)}
	m.fill(k)
	// rotate_after and keepers live in the configuration alone; an import leaves them null, so the
	// generated configuration must too, or its first plan would not be empty.
	m.RotateAfter = types.StringNull()
	m.Keepers = types.MapNull(types.StringType)
	result.Diagnostics.Append(result.Identity.Set(ctx, apiKeyIdentityModel{Fingerprint: m.ID})...)
	if req.IncludeResource {
		result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
	}
	return result
}

// keyDisplayName is what a reviewer needs to recognise a key: description, fingerprint, last use.
func keyDisplayName(k client.APIKey) string {
	used := "never used"
	if k.LastUsed != nil {
		used = "last used " + k.LastUsed.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s (%s, %s)", k.Description, k.Fingerprint(), used)
}
