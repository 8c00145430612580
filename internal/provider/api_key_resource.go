package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

var (
	_ resource.ResourceWithConfigure   = (*apiKeyResource)(nil)
	_ resource.ResourceWithImportState = (*apiKeyResource)(nil)
)

// maxDescriptionLength is the longest description the Circularo API accepts.
const maxDescriptionLength = 255

// NewAPIKeyResource returns the circularo_api_key resource.
func NewAPIKeyResource() resource.Resource { return &apiKeyResource{} }

type apiKeyResource struct {
	data *providerData
}

type apiKeyResourceModel struct {
	ID          types.String      `tfsdk:"id"`
	Description types.String      `tfsdk:"description"`
	Token       types.String      `tfsdk:"token"`
	Created     timetypes.RFC3339 `tfsdk:"created"`
	LastUsed    timetypes.RFC3339 `tfsdk:"last_used"`
	APIKeyType  types.String      `tfsdk:"api_key_type"`
}

func (r *apiKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Circularo API key (a long-lived API token). Creating the resource creates a key; " +
			"destroying it revokes the key at once (`DELETE /api/key/<token>`), so a plan that destroys or replaces " +
			"this resource is where a revocation is reviewed. The API cannot update a key: a new `description` " +
			"replaces it with a new key.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The key's fingerprint (see `fingerprint` in the `circularo_api_keys` data source): " +
					"names the key in plans and logs without revealing it.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the key is for, as shown in Circularo's list of keys (1 to %d "+
					"characters). Changing it replaces the key: a new key is created and the old one revoked.", maxDescriptionLength),
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.UTF8LengthBetween(1, maxDescriptionLength)},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The key's secret value, to hand to the integration that uses it. Sensitive: it is " +
					"kept in the state (protect the state accordingly) and never shown in plans or logs.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: keep,
			},
			"created": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339, UTC).",
				CustomType:          timetypes.RFC3339Type{},
				Computed:            true,
				PlanModifiers:       keep,
			},
			"last_used": schema.StringAttribute{
				MarkdownDescription: "When the key was last used (RFC 3339, UTC), as of the last refresh; null if never used.",
				CustomType:          timetypes.RFC3339Type{},
				Computed:            true,
				PlanModifiers:       keep,
			},
			"api_key_type": schema.StringAttribute{
				MarkdownDescription: "The key's type, such as `generic`.",
				Computed:            true,
				PlanModifiers:       keep,
			},
		},
	}
}

func (r *apiKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	var plan apiKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key, err := r.data.session.CreateKey(ctx, plan.Description.ValueString())
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not create the API key", err)
		return
	}
	plan.fill(*key)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	var state apiKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not read the API key", err)
		return
	}
	key, found := findKey(keys, func(k client.APIKey) bool { return k.ID == state.Token.ValueString() })
	if !found {
		resp.Diagnostics.AddWarning("API key revoked outside Terraform",
			fmt.Sprintf("The API key %q (%s) no longer exists in Circularo: it was revoked outside Terraform. "+
				"It is removed from the state, and the next apply creates a new key in its place.",
				state.Description.ValueString(), state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	state.fill(key)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only records changes of attributes that live in the state alone: everything the API
// knows forces replacement.
func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan apiKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	var state apiKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A key that is already gone (404) counts as revoked.
	if err := r.data.session.DeleteKey(ctx, state.Token.ValueString()); err != nil {
		addClientError(&resp.Diagnostics, r.data,
			fmt.Sprintf("Could not revoke the API key %q (%s)", state.Description.ValueString(), state.ID.ValueString()), err)
	}
}

// ImportState accepts a fingerprint (preferred: no secret in the command line or the import block)
// or the key's token value.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not list API keys to import one", err)
		return
	}
	match := func(k client.APIKey) bool { return k.ID == req.ID }
	what := "token value"
	if client.IsFingerprint(req.ID) {
		match = func(k client.APIKey) bool { return k.Fingerprint() == req.ID }
		what = "fingerprint " + req.ID
	}
	key, found := findKey(keys, match)
	if !found {
		resp.Diagnostics.AddError("No API key to import",
			fmt.Sprintf("The authenticated user has no API key with the %s given as import ID. Use a fingerprint "+
				"(sha256: and 16 hex digits) from the circularo_api_keys data source, or the key's token value.", what))
		return
	}
	var state apiKeyResourceModel
	state.fill(key)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// fill copies what the API knows of a key into the model. The description is copied too, so that a
// description changed outside Terraform shows as a change that forces replacement.
func (m *apiKeyResourceModel) fill(k client.APIKey) {
	m.ID = types.StringValue(k.Fingerprint())
	m.Token = types.StringValue(k.ID)
	m.Description = types.StringValue(k.Description)
	m.Created = timetypes.NewRFC3339TimeValue(k.Created)
	m.LastUsed = timetypes.NewRFC3339TimePointerValue(k.LastUsed)
	m.APIKeyType = types.StringValue(k.Type)
}

func findKey(keys []client.APIKey, match func(client.APIKey) bool) (client.APIKey, bool) {
	for _, k := range keys {
		if match(k) {
			return k, true
		}
	}
	return client.APIKey{}, false
}
