package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

var (
	_ datasource.DataSource              = (*apiKeysDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*apiKeysDataSource)(nil)
)

// NewAPIKeysDataSource returns the circularo_api_keys data source.
func NewAPIKeysDataSource() datasource.DataSource { return &apiKeysDataSource{} }

type apiKeysDataSource struct {
	data *providerData
}

// apiKeysDataSourceModel is the filter attributes (keyFilterModel, embedded: the framework reads its
// fields as the model's own) and the matching keys.
type apiKeysDataSourceModel struct {
	keyFilterModel
	APIKeys      []apiKeyModel `tfsdk:"api_keys"`
	Fingerprints []string      `tfsdk:"fingerprints"`
}

// apiKeyModel is one key as the data source shows it: everything but the secret value.
type apiKeyModel struct {
	Fingerprint types.String      `tfsdk:"fingerprint"`
	Description types.String      `tfsdk:"description"`
	Created     timetypes.RFC3339 `tfsdk:"created"`
	LastUsed    timetypes.RFC3339 `tfsdk:"last_used"`
	APIKeyType  types.String      `tfsdk:"api_key_type"`
}

// newAPIKeyModel is what the data source and the ephemeral circularo_api_key show of a key.
func newAPIKeyModel(k client.APIKey) apiKeyModel {
	return apiKeyModel{
		Fingerprint: types.StringValue(k.Fingerprint()),
		Description: types.StringValue(k.Description),
		Created:     timetypes.NewRFC3339TimeValue(k.Created),
		LastUsed:    timetypes.NewRFC3339TimePointerValue(k.LastUsed),
		APIKeyType:  types.StringValue(k.Type),
	}
}

func (d *apiKeysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_keys"
}

func (d *apiKeysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the API keys of the authenticated user, optionally filtered, for example the keys " +
			"nobody used for 90 days. Because a key's ID is its secret value, the data source never returns key " +
			"values: each key is named by its `fingerprint`, which `circularo_api_key` accepts as import ID. " +
			"All filters must match for a key to be listed.",
		Attributes: withKeyFilterAttributes(map[string]schema.Attribute{
			"api_keys": schema.ListNestedAttribute{
				MarkdownDescription: "The matching keys, oldest first (by `created`).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"fingerprint": schema.StringAttribute{
							MarkdownDescription: fingerprintDescription,
							Computed:            true,
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "The key's description.",
							Computed:            true,
						},
						"created": schema.StringAttribute{
							MarkdownDescription: "When the key was created (RFC 3339, UTC).",
							CustomType:          timetypes.RFC3339Type{},
							Computed:            true,
						},
						"last_used": schema.StringAttribute{
							MarkdownDescription: "When the key was last used (RFC 3339, UTC); null if it was never used.",
							CustomType:          timetypes.RFC3339Type{},
							Computed:            true,
						},
						"api_key_type": schema.StringAttribute{
							MarkdownDescription: "The key's type, such as `generic`.",
							Computed:            true,
						},
					},
				},
			},
			"fingerprints": schema.ListAttribute{
				MarkdownDescription: "The fingerprints of the matching keys, in the order of `api_keys`: handy for " +
					"`for_each` in `import` blocks.",
				ElementType: types.StringType,
				Computed:    true,
			},
		}),
	}
}

// withKeyFilterAttributes adds the filter attributes (shared with the list resource) to attrs.
func withKeyFilterAttributes(attrs map[string]schema.Attribute) map[string]schema.Attribute {
	for name, a := range dataSourceKeyFilterAttributes() {
		attrs[name] = a
	}
	return attrs
}

// fingerprintDescription documents the fingerprint wherever it appears.
const fingerprintDescription = "The key's fingerprint: `sha256:` followed by the first 16 hexadecimal digits of " +
	"the SHA-256 hash of the key value. It names a key without revealing it, is stable for the key's lifetime, " +
	"and is accepted by `circularo_api_key` as import ID."

func (d *apiKeysDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *apiKeysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	var cfg apiKeysDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	filter, err := newKeyFilter(cfg.keyFilterModel, d.data.now())
	if err != nil { // the validators make this unreachable; kept so that a bad value never panics
		resp.Diagnostics.AddError("Invalid filter", err.Error())
		return
	}
	keys, err := d.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, d.data, "Could not list API keys", err)
		return
	}
	matched := filter.apply(keys)
	cfg.APIKeys = make([]apiKeyModel, 0, len(matched))
	cfg.Fingerprints = make([]string, 0, len(matched))
	for _, k := range matched {
		fp := k.Fingerprint()
		cfg.APIKeys = append(cfg.APIKeys, newAPIKeyModel(k))
		cfg.Fingerprints = append(cfg.Fingerprints, fp)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
