package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*apiKeyEphemeralResource)(nil)

// NewAPIKeyEphemeralResource returns the circularo_api_key ephemeral resource.
func NewAPIKeyEphemeralResource() ephemeral.EphemeralResource { return &apiKeyEphemeralResource{} }

// apiKeyEphemeralResource reads an existing key's value when something needs it, so that a key
// managed with store_token = false never has its value in a state or plan: Circularo's list of keys
// holds the values, so a value can be read at run time instead of being kept.
type apiKeyEphemeralResource struct {
	data *providerData
}

// apiKeyEphemeralResourceModel is the key as the data source lists it, and its value.
type apiKeyEphemeralResourceModel struct {
	apiKeyModel
	Token types.String `tfsdk:"token"`
}

func (e *apiKeyEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (e *apiKeyEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the value of an existing API key at run time, without storing it (Terraform 1.11 or " +
			"later, OpenTofu 1.12 or later, as the whole provider). It creates nothing: in plan and in apply alike it lists " +
			"the keys once per provider run (shared with every other reader) and returns the one with the given " +
			"fingerprint. Hand its `token` to a consumer that never stores it: a write-only argument (such as a secret " +
			"store's `*_wo` argument), a provisioner's environment, another ephemeral resource, or a provider block. A " +
			"provider block is configured in every plan, so feed it a key known at plan time (one that another " +
			"configuration manages): the key of a `circularo_api_key` in the same configuration is unknown until its " +
			"first apply and again at every replacement, and a plan that needs that provider then fails with " +
			"\"Provider configuration known only after apply\". With `store_token = false` on the `circularo_api_key` " +
			"resource, the key's value exists only where it is used.",
		Attributes: map[string]schema.Attribute{
			"fingerprint": schema.StringAttribute{
				MarkdownDescription: "The key's fingerprint (`sha256:` and 16 hex digits), such as the `id` of a " +
					"`circularo_api_key` resource or an element of the `circularo_api_keys` data source's `fingerprints`.",
				Required:   true,
				Validators: []validator.String{fingerprintValidator()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The key's secret value. Sensitive, and never stored in a plan or state.",
				Computed:            true,
				Sensitive:           true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the key is for, as Circularo lists it.",
				Computed:            true,
			},
			"created": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339, UTC).",
				CustomType:          timetypes.RFC3339Type{},
				Computed:            true,
			},
			"last_used": schema.StringAttribute{
				MarkdownDescription: "When the key was last used (RFC 3339, UTC); null if never used.",
				CustomType:          timetypes.RFC3339Type{},
				Computed:            true,
			},
			"api_key_type": schema.StringAttribute{
				MarkdownDescription: "The key's type, such as `generic`.",
				Computed:            true,
			},
		},
	}
}

func (e *apiKeyEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (e *apiKeyEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if !requireConfigured(e.data, &resp.Diagnostics) {
		return
	}
	var m apiKeyEphemeralResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	fingerprint := m.Fingerprint.ValueString()
	keys, err := e.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, e.data, "Could not list API keys to read one", err)
		return
	}
	key, found := findByFingerprint(keys, fingerprint)
	if !found {
		resp.Diagnostics.AddAttributeError(path.Root("fingerprint"), "No API key with this fingerprint",
			fmt.Sprintf("The authenticated user has no API key with the fingerprint %s: it may have been revoked, or "+
				"belong to another user. Check the fingerprint against the circularo_api_keys data source.", fingerprint))
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &apiKeyEphemeralResourceModel{apiKeyModel: newAPIKeyModel(key),
		Token: types.StringValue(key.Value)})...)
}

// fingerprintValidator checks a fingerprint's form without ever echoing a value that looks like a
// key's token (a user may paste the secret where its fingerprint belongs).
func fingerprintValidator() validator.String {
	return stringCheck{description: "fingerprint (sha256: followed by 16 lowercase hex digits)", check: func(s string) error {
		switch {
		case client.IsFingerprint(s) && s == strings.ToLower(s):
			return nil
		case looksLikeToken(s):
			return fmt.Errorf("the value of %d characters looks like an API key's token, not a fingerprint (it is not "+
				"shown: a token is a secret); use the key's fingerprint, such as the id of a circularo_api_key resource", len(s))
		}
		return fmt.Errorf("%q is not a fingerprint: use sha256: followed by 16 lowercase hex digits, as the "+
			"circularo_api_keys data source lists them", s)
	}}
}
