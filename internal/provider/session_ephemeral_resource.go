package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*sessionEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*sessionEphemeralResource)(nil)
)

// NewSessionEphemeralResource returns the circularo_session ephemeral resource.
func NewSessionEphemeralResource() ephemeral.EphemeralResource { return &sessionEphemeralResource{} }

type sessionEphemeralResource struct {
	data *providerData
}

type sessionEphemeralResourceModel struct {
	Token types.String `tfsdk:"token"`
}

// privateTokenKey is where Open leaves the session token for Close (private data stays in the plugin
// protocol: it is never written to state or plan).
const privateTokenKey = "session_token"

func (e *sessionEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_session"
}

func (e *sessionEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived Circularo session for another tool or provider (Terraform 1.11 or later, as the whole provider). " +
			"Opening it logs in with the provider's `username` and `password` (and `totp_secret`); Terraform closes " +
			"it at the end of the run, which logs the session out. The token is never stored in the plan or the state. " +
			"Needs username and password: a provider configured with `token` cannot open sessions.",
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: "The session token. Pass it only to ephemeral contexts: write-only attributes, " +
					"provider blocks, other ephemeral resources, or `local-exec` environment variables.",
				Computed:  true,
				Sensitive: true,
			},
		},
	}
}

func (e *sessionEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (e *sessionEphemeralResource) Open(ctx context.Context, _ ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	if !requireConfigured(e.data, &resp.Diagnostics) {
		return
	}
	token, err := e.data.session.OpenSession(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, e.data, "Could not open a Circularo session", err)
		return
	}
	raw, err := json.Marshal(token)
	if err != nil {
		resp.Diagnostics.AddError("Could not keep the session for closing", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateTokenKey, raw)...)
	resp.Diagnostics.Append(resp.Result.Set(ctx, sessionEphemeralResourceModel{Token: types.StringValue(token)})...)
}

func (e *sessionEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	if !requireConfigured(e.data, &resp.Diagnostics) {
		return
	}
	raw, diags := req.Private.GetKey(ctx, privateTokenKey)
	resp.Diagnostics.Append(diags...)
	var token string
	if len(raw) == 0 || json.Unmarshal(raw, &token) != nil || token == "" {
		return
	}
	if err := e.data.session.CloseSession(ctx, token); err != nil {
		resp.Diagnostics.AddWarning("Could not log out the Circularo session",
			"The session opened for circularo_session stays valid until it expires on the server: "+err.Error())
	}
}
