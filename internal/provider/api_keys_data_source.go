package provider

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/duration"
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

type apiKeysDataSourceModel struct {
	DescriptionRegex types.String  `tfsdk:"description_regex"`
	APIKeyType       types.String  `tfsdk:"api_key_type"`
	UnusedFor        types.String  `tfsdk:"unused_for"`
	OlderThan        types.String  `tfsdk:"older_than"`
	APIKeys          []apiKeyModel `tfsdk:"api_keys"`
	Fingerprints     []string      `tfsdk:"fingerprints"`
}

// apiKeyModel is one key as the data source shows it: everything but the secret value.
type apiKeyModel struct {
	Fingerprint types.String      `tfsdk:"fingerprint"`
	Description types.String      `tfsdk:"description"`
	Created     timetypes.RFC3339 `tfsdk:"created"`
	LastUsed    timetypes.RFC3339 `tfsdk:"last_used"`
	APIKeyType  types.String      `tfsdk:"api_key_type"`
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
		Attributes: map[string]schema.Attribute{
			"description_regex": schema.StringAttribute{
				MarkdownDescription: "Only keys whose description matches this regular expression " +
					"([RE2 syntax](https://github.com/google/re2/wiki/Syntax), unanchored: use `^...$` to match whole descriptions).",
				Optional:   true,
				Validators: []validator.String{regexValidator()},
			},
			"api_key_type": schema.StringAttribute{
				MarkdownDescription: "Only keys of this type, such as `generic`.",
				Optional:            true,
			},
			"unused_for": schema.StringAttribute{
				MarkdownDescription: "Only keys not used for at least this long, such as `90d`, `2160h` or `36h30m` " +
					"(units: `w`, `d`, `h`, `m`, `s`). A key that was never used counts as unused.",
				Optional:   true,
				Validators: []validator.String{durationValidator()},
			},
			"older_than": schema.StringAttribute{
				MarkdownDescription: "Only keys created at least this long ago, in the same form as `unused_for`.",
				Optional:            true,
				Validators:          []validator.String{durationValidator()},
			},
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
		},
	}
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
	filter, err := newKeyFilter(cfg, d.data.now())
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
		cfg.APIKeys = append(cfg.APIKeys, apiKeyModel{
			Fingerprint: types.StringValue(fp),
			Description: types.StringValue(k.Description),
			Created:     timetypes.NewRFC3339TimeValue(k.Created),
			LastUsed:    timetypes.NewRFC3339TimePointerValue(k.LastUsed),
			APIKeyType:  types.StringValue(k.Type),
		})
		cfg.Fingerprints = append(cfg.Fingerprints, fp)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// keyFilter holds the data source's filters, parsed once.
type keyFilter struct {
	description *regexp.Regexp
	keyType     string
	lastUsedBy  time.Time // keys used after this are excluded; zero when unused_for is unset
	createdBy   time.Time // keys created after this are excluded; zero when older_than is unset
}

func newKeyFilter(cfg apiKeysDataSourceModel, now time.Time) (keyFilter, error) {
	var f keyFilter
	if s := cfg.DescriptionRegex.ValueString(); s != "" {
		re, err := regexp.Compile(s)
		if err != nil {
			return f, err
		}
		f.description = re
	}
	f.keyType = cfg.APIKeyType.ValueString()
	if s := cfg.UnusedFor.ValueString(); s != "" {
		d, err := duration.Parse(s)
		if err != nil {
			return f, err
		}
		f.lastUsedBy = now.Add(-d)
	}
	if s := cfg.OlderThan.ValueString(); s != "" {
		d, err := duration.Parse(s)
		if err != nil {
			return f, err
		}
		f.createdBy = now.Add(-d)
	}
	return f, nil
}

func (f keyFilter) matches(k client.APIKey) bool {
	if f.description != nil && !f.description.MatchString(k.Description) {
		return false
	}
	if f.keyType != "" && k.Type != f.keyType {
		return false
	}
	if !f.lastUsedBy.IsZero() && k.LastUsed != nil && k.LastUsed.After(f.lastUsedBy) {
		return false
	}
	if !f.createdBy.IsZero() && k.Created.After(f.createdBy) {
		return false
	}
	return true
}

// apply returns the matching keys sorted by creation time, then fingerprint, so that the list is
// stable between runs.
func (f keyFilter) apply(keys []client.APIKey) []client.APIKey {
	out := make([]client.APIKey, 0, len(keys))
	for _, k := range keys {
		if f.matches(k) {
			out = append(out, k)
		}
	}
	slices.SortStableFunc(out, func(a, b client.APIKey) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint(), b.Fingerprint())
	})
	return out
}
