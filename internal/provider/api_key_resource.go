package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/duration"
)

var (
	_ resource.ResourceWithConfigure   = (*apiKeyResource)(nil)
	_ resource.ResourceWithImportState = (*apiKeyResource)(nil)
	_ resource.ResourceWithIdentity    = (*apiKeyResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*apiKeyResource)(nil)
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
	StoreToken  types.Bool        `tfsdk:"store_token"`
	Created     timetypes.RFC3339 `tfsdk:"created"`
	LastUsed    timetypes.RFC3339 `tfsdk:"last_used"`
	APIKeyType  types.String      `tfsdk:"api_key_type"`
	RotateAfter types.String      `tfsdk:"rotate_after"`
	Keepers     types.Map         `tfsdk:"keepers"`
	// ApproveRevocationOf approves the revocation of the key with this fingerprint (revocation.go).
	ApproveRevocationOf types.String `tfsdk:"approve_revocation_of"`
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
				MarkdownDescription: "The key's secret value, to hand to the integration that uses it, when `store_token` " +
					"is `true`: it is then kept in the state (protect the state accordingly). Null when `store_token` is " +
					"`false`. Sensitive: never shown in plans or logs.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{tokenFollowsStoreToken{}},
			},
			"store_token": schema.BoolAttribute{
				MarkdownDescription: "Whether the state keeps the key's value in `token` (default `true`). With `false` " +
					"no state, plan file or backend ever holds the value: `token` is null after create, import and every " +
					"refresh, and the `circularo_api_key` ephemeral resource reads the value when something needs it. " +
					"Changing it is an in-place update that never creates or revokes a key: back to `true`, the value is " +
					"read from Circularo's list of keys again. An import never stores the value: it records " +
					"`store_token = false`, so a configuration with `true` shows an update that reads the value. Switching an " +
					"existing key to `false` removes the value from the current state only: earlier state versions (a " +
					"backend's history, backups) still hold it, so rotate the key after switching (a change of `keepers`).",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
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
			"rotate_after": schema.StringAttribute{
				MarkdownDescription: "Rotate the key once it is this old, such as `90d`, `2w` or `2160h` (units: `w`, `d`, " +
					"`h`, `m`, `s`). When a plan finds that `created` plus `rotate_after` has passed, it replaces the key: " +
					"add `lifecycle { create_before_destroy = true }` so that the new key exists before the old one is " +
					"revoked. The age is measured when Terraform refreshes the key, as every plan does unless " +
					"`-refresh=false` is given. Changing `rotate_after` updates the state only; if the key is already older than " +
					"the new value, that plan replaces it. The same holds for a key adopted by import: a `rotate_after` that " +
					"the key is already older than replaces, and so revokes, it in the adopting apply (the plan warns " +
					"\"API key due for rotation\"); adopt first, and add `rotate_after` once you are ready to rotate.",
				Optional:   true,
				Validators: []validator.String{durationValidator(), positiveDurationValidator()},
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary strings that, when changed, replace the key (as `keepers` of the random " +
					"provider): rotate the key on any external trigger, such as the `id` of a `time_rotating` resource. " +
					"Setting `keepers` on a key that has none (such as a key just imported), or removing them, only " +
					"updates the state: adopting a key never revokes it.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{keepersRequireReplace()},
			},
			approveAttribute: schema.StringAttribute{
				MarkdownDescription: "The fingerprint of this key (its `id`) to approve its revocation when the provider's " +
					"`revocation_review = \"error\"` would stop it: the key was used within `revocation_warning_window`, " +
					"or made within it and never used. The plan then warns instead of failing, and says that the " +
					"revocation is approved. It names exactly one key: once a replacement has made a new key, the " +
					"approval names the old one and approves nothing. A replacement or rotation reads it from the " +
					"configuration, in the same plan; a destroy or a removed block has no configuration for the resource, " +
					"so it reads it from the state: set it, apply (an in-place update that calls no API), then destroy " +
					"or remove the block. Setting or removing it never creates or revokes a key.",
				Optional:   true,
				Validators: []validator.String{fingerprintValidator()},
			},
		},
	}
}

// apiKeyIdentityModel is the key's resource identity (Terraform 1.12+): its fingerprint, never its
// token, because Terraform prints identities in plans and in `terraform query` output.
type apiKeyIdentityModel struct {
	Fingerprint types.String `tfsdk:"fingerprint"`
}

func (r *apiKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"fingerprint": identityschema.StringAttribute{
				Description: "The key's fingerprint (`sha256:` and 16 hex digits), as the `circularo_api_keys` data " +
					"source and the `circularo_api_key` list resource show it.",
				RequiredForImport: true,
			},
		},
	}
}

// setIdentity records the identity of the key in m. The framework leaves identity nil when the
// resource has none to set; Terraform before 1.12 ignores it.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, m apiKeyResourceModel, diags *diag.Diagnostics) {
	if identity == nil {
		return
	}
	diags.Append(identity.Set(ctx, apiKeyIdentityModel{Fingerprint: m.ID})...)
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
	if _, created := r.data.createKey(ctx, &plan, "Could not create the API key", &resp.Diagnostics); !created {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, plan, &resp.Diagnostics)
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
	if state.StoreToken.IsNull() {
		// A state written before store_token existed holds the value: keep doing what it asked for.
		state.StoreToken = types.BoolValue(true)
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not read the API key", err)
		return
	}
	key, found := state.find(keys)
	if !found {
		resp.Diagnostics.AddWarning("API key revoked outside Terraform",
			fmt.Sprintf("The API key %q (%s) no longer exists in Circularo: it was revoked outside Terraform. "+
				"It is removed from the state, and the next apply creates a new key in its place.",
				state.Description.ValueString(), state.ID.ValueString()))
		// terraform-plugin-framework v1.19 wants an identity after every Read, a removal included; a CLI
		// that keeps no identities (Terraform 1.11) hands it none, so give the one the key had.
		setIdentity(ctx, resp.Identity, state, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	state.fill(key)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	// A key in a state written before identities existed gets its identity here, on its next refresh.
	setIdentity(ctx, resp.Identity, state, &resp.Diagnostics)
	resp.Diagnostics.Append(setRefreshedAt(ctx, resp.Private, r.data.now())...)
}

// Update only records changes of attributes that live in the state alone: everything the API
// knows forces replacement. A token planned unknown (store_token switched to true) is read from the
// list of keys.
func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Token.IsUnknown() {
		if !requireConfigured(r.data, &resp.Diagnostics) {
			return
		}
		var read bool
		if plan.Token, read = r.data.readValue(ctx, state, "removes it from the state", &resp.Diagnostics); !read {
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	// Terraform 1.12+ requires an identity after every update, also for a key whose state predates it.
	setIdentity(ctx, resp.Identity, plan, &resp.Diagnostics)
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
	// An error keeps the key in the state.
	r.data.revokeKey(ctx, state.Token.ValueString(), state.find,
		fmt.Sprintf("Could not revoke the API key %q (%s)", state.Description.ValueString(), state.ID.ValueString()),
		&resp.Diagnostics)
}

// ImportState accepts a fingerprint (preferred: no secret in the command line or the import block)
// or the key's token value as import ID, or an identity (import blocks with identity, Terraform 1.12+).
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	if req.ID == "" && req.Identity != nil {
		r.importByIdentity(ctx, req, resp)
		return
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not list API keys to import one", err)
		return
	}
	key, found := findKeyByImportID(keys, req.ID, &resp.Diagnostics)
	if !found {
		return
	}
	r.setImported(ctx, key, resp)
}

// findKeyByImportID finds the key that an import ID names: a fingerprint, or the key's token value.
// When none matches, it adds an error that never shows the ID (it may be a secret).
func findKeyByImportID(keys []client.APIKey, id string, diags *diag.Diagnostics) (client.APIKey, bool) {
	match := func(k client.APIKey) bool { return k.Value == id }
	what := "token value"
	if client.IsFingerprint(id) {
		match = func(k client.APIKey) bool { return k.Fingerprint() == id }
		what = "fingerprint " + id
	}
	key, found := findKey(keys, match)
	if !found {
		diags.AddError("No API key to import",
			fmt.Sprintf("The authenticated user has no API key with the %s given as import ID. Use a fingerprint "+
				"(sha256: and 16 hex digits) from the circularo_api_keys data source, or the key's token value.", what))
	}
	return key, found
}

// importByIdentity adopts the key whose fingerprint the import block's identity names.
func (r *apiKeyResource) importByIdentity(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var identity apiKeyIdentityModel
	resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
	if resp.Diagnostics.HasError() {
		return
	}
	fingerprint := identity.Fingerprint.ValueString()
	if !client.IsFingerprint(fingerprint) {
		resp.Diagnostics.AddError("Invalid API key identity",
			fmt.Sprintf("The import identity's fingerprint %q is not a fingerprint: use sha256: and 16 hex digits, "+
				"as the circularo_api_keys data source or terraform query shows it.", fingerprint))
		return
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not list API keys to import one", err)
		return
	}
	key, found := findByFingerprint(keys, fingerprint)
	if !found {
		resp.Diagnostics.AddError("No API key to import",
			fmt.Sprintf("The authenticated user has no API key with the fingerprint %s given as import identity. "+
				"Use a fingerprint from the circularo_api_keys data source or from terraform query.", fingerprint))
		return
	}
	r.setImported(ctx, key, resp)
}

// setImported writes an adopted key to the state and its identity: attributes that live in the
// configuration alone (rotate_after, keepers) start null, so adopting a key changes nothing. The
// import cannot see the configuration's store_token, so it never stores the value: it records
// store_token = false, and a configuration that wants the value plans an update that reads it.
func (r *apiKeyResource) setImported(ctx context.Context, key client.APIKey, resp *resource.ImportStateResponse) {
	state := apiKeyResourceModel{Keepers: types.MapNull(types.StringType), StoreToken: types.BoolValue(false)}
	state.fill(key)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state, &resp.Diagnostics)
}

// fill copies what the API knows of a key into the model. The description is copied too, so that a
// description changed outside Terraform shows as a change that forces replacement. The value goes
// into token only when store_token is true.
func (m *apiKeyResourceModel) fill(k client.APIKey) {
	m.ID = types.StringValue(k.Fingerprint())
	m.Token = types.StringNull()
	if m.StoreToken.ValueBool() {
		m.Token = types.StringValue(k.Value)
	}
	m.Description = types.StringValue(k.Description)
	m.Created = timetypes.NewRFC3339TimeValue(k.Created)
	m.LastUsed = timetypes.NewRFC3339TimePointerValue(k.LastUsed)
	m.APIKeyType = types.StringValue(k.Type)
}

// find finds the model's key in keys: by its value when the state holds it, else by its fingerprint.
func (m *apiKeyResourceModel) find(keys []client.APIKey) (client.APIKey, bool) {
	if value := m.Token.ValueString(); value != "" {
		return findKey(keys, func(k client.APIKey) bool { return k.Value == value })
	}
	fingerprint := m.ID.ValueString()
	return findByFingerprint(keys, fingerprint)
}

// createKey creates a key with m's description and fills m with it; failed is the summary of the
// error when Circularo refuses.
func (d *providerData) createKey(ctx context.Context, m *apiKeyResourceModel, failed string, diags *diag.Diagnostics) (client.APIKey, bool) {
	key, err := d.session.CreateKey(ctx, m.Description.ValueString())
	if err != nil {
		addClientError(diags, d, failed, err)
		return client.APIKey{}, false
	}
	m.fill(*key)
	return *key, true
}

// readValue reads the value of m's key from the session's shared list, for a token planned unknown
// (store_token switched to true). A key the list lacks was revoked outside Terraform: an error on
// store_token, whose text ends with what the next plan's refresh does (nextPlan).
func (d *providerData) readValue(ctx context.Context, m apiKeyResourceModel, nextPlan string, diags *diag.Diagnostics) (types.String, bool) {
	keys, err := d.session.ListKeys(ctx)
	if err != nil {
		addClientError(diags, d, "Could not read the API key's value to store it", err)
		return types.StringUnknown(), false
	}
	key, found := m.find(keys)
	if !found {
		diags.AddAttributeError(path.Root("store_token"), "API key revoked outside Terraform",
			fmt.Sprintf("store_token = true asks for the value of the API key %q (%s), but the key no longer exists "+
				"in Circularo: it was revoked outside Terraform. Plan again: the refresh %s.",
				m.Description.ValueString(), m.ID.ValueString(), nextPlan))
		return types.StringUnknown(), false
	}
	return types.StringValue(key.Value), true
}

func findKey(keys []client.APIKey, match func(client.APIKey) bool) (client.APIKey, bool) {
	for _, k := range keys {
		if match(k) {
			return k, true
		}
	}
	return client.APIKey{}, false
}

// findByFingerprint finds the key with this fingerprint in keys.
func findByFingerprint(keys []client.APIKey, fingerprint string) (client.APIKey, bool) {
	return findKey(keys, func(k client.APIKey) bool { return k.Fingerprint() == fingerprint })
}

// ModifyPlan rotates keys that are due, and reviews every revocation: a plan that destroys or replaces
// a recently used key warns, and one that would revoke the provider's own token fails. Rotation uses
// only the state and the clock; the review of a revocation reads the key's use from the session's one
// shared list (the refresh's, when there was one), so a plan that revokes nothing calls no API and
// one that revokes N keys lists once, never once per key.
func (r *apiKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || r.data == nil {
		return // a create revokes nothing and has nothing to rotate
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return // a provider block with settings known only after apply cannot review a revocation
	}
	var state apiKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.Plan.Raw.IsNull() {
		// A destroy: plan -destroy, or a block removed from the configuration (then req.Config is null
		// too). The state here may predate the key's last use: with -refresh=false always, and for a
		// removed block Terraform 1.11 plans the destroy before it refreshes the key (1.15 and OpenTofu
		// 1.12 refresh first). Hence the review asks Circularo, not state.LastUsed.
		// The approval comes from the state: a destroy has no configuration for the resource.
		r.reviewRevocation(ctx, state, "destroys the API key %q (%s), which revokes it", state.ApproveRevocationOf, &resp.Diagnostics)
		return
	}
	var plan apiKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The same conditions as the attributes' RequiresReplace plan modifiers, which ModifyPlan cannot see.
	replacing := !plan.Description.Equal(state.Description) || keepersForceReplacement(state.Keepers, plan.Keepers)

	if plan.RotateAfter.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("rotate_after"), "Unknown value for rotate_after",
			fmt.Sprintf("rotate_after of the API key %q (%s) is known only after apply, so the plan cannot tell "+
				"whether the key is due for rotation. Set rotate_after to a literal or a variable.",
				state.Description.ValueString(), state.ID.ValueString()))
		return
	}
	due, dueAt, diags := rotationDue(ctx, state, plan.RotateAfter, req.Private)
	resp.Diagnostics.Append(diags...)
	if due {
		// An unknown created that forces replacement is what shows the rotation in the plan; Terraform
		// then plans the new key from scratch.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("created"), timetypes.NewRFC3339Unknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("created"))
		resp.Diagnostics.AddWarning("API key due for rotation",
			fmt.Sprintf("The API key %q (%s) was created at %s and rotate_after is %s, so it was due for rotation "+
				"at %s: this plan replaces it with a new key. With lifecycle { create_before_destroy = true } the new "+
				"key exists before the old one is revoked.",
				state.Description.ValueString(), state.ID.ValueString(), state.Created.ValueString(),
				plan.RotateAfter.ValueString(), dueAt.Format(time.RFC3339)))
		replacing = true
	}
	if replacing {
		r.reviewRevocation(ctx, state, "replaces the API key %q (%s): the new key has a new token value, and the old one is revoked "+
			"(unless lifecycle { destroy = false } makes Terraform forget it instead, leaving it valid)", plan.ApproveRevocationOf, &resp.Diagnostics)
		return
	}
	if a := plan.ApproveRevocationOf; !a.IsNull() && !a.IsUnknown() && a.ValueString() != state.ID.ValueString() {
		resp.Diagnostics.AddAttributeWarning(path.Root(approveAttribute), "Approval of another API key's revocation",
			fmt.Sprintf("%s of the API key %q (%s) names %s, which is not this key: it approves nothing. An approval "+
				"names one key, so after a replacement it names the old one. Remove it, or set it to %s to approve "+
				"this key's revocation.", approveAttribute, state.Description.ValueString(), state.ID.ValueString(),
				a.ValueString(), state.ID.ValueString()))
	}
}

// reviewRevocation is called for every plan that revokes the key in state. what is the action: a
// format with verbs for the key's description and fingerprint; approval is approve_revocation_of as the
// plan has it (the configuration's, or the state's for a destroy), which approves this revocation when it
// names this key. The review itself (providerData's reviewRevocation) judges the key's use by
// Circularo's shared list, not by the state's last_used, and decides warning or error.
func (r *apiKeyResource) reviewRevocation(ctx context.Context, state apiKeyResourceModel, what string, approval types.String, diags *diag.Diagnostics) {
	action := fmt.Sprintf("This plan "+what, state.Description.ValueString(), state.ID.ValueString())
	var stateLastUsed *time.Time
	if t, d := state.LastUsed.ValueRFC3339Time(); !state.LastUsed.IsNull() && !state.LastUsed.IsUnknown() && !d.HasError() {
		stateLastUsed = &t
	}
	r.data.reviewRevocation(ctx, state.ID.ValueString(), action,
		"stop managing it without revoking it: remove it from the state (a removed block with "+
			"lifecycle { destroy = false }, or terraform state rm)", stateLastUsed, approves(approval, state.ID.ValueString()), diags)
}

// refreshedAtKey names the private state entry where Read records when it refreshed the key. Rotation
// is decided against that time, not the clock at plan time: when Terraform plans again during apply
// (for in-place updates), it passes the same refreshed state, so a key that was not due in the plan is
// not due in the apply either, however much later the apply runs.
const refreshedAtKey = "refreshed_at"

type privateState interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
	SetKey(context.Context, string, []byte) diag.Diagnostics
}

func setRefreshedAt(ctx context.Context, private privateState, t time.Time) diag.Diagnostics {
	b, err := json.Marshal(t.UTC().Format(time.RFC3339Nano))
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Could not record the refresh time", err.Error())
		return diags
	}
	return private.SetKey(ctx, refreshedAtKey, b)
}

// rotationDue reports whether the key in state is due for rotation: created + rotate_after is at or
// before the last refresh. A key never refreshed since it was created (or whose refresh time is
// unreadable) is not due.
func rotationDue(ctx context.Context, state apiKeyResourceModel, rotateAfter types.String, private privateState) (bool, time.Time, diag.Diagnostics) {
	if rotateAfter.IsNull() || rotateAfter.IsUnknown() || state.Created.IsNull() || state.Created.IsUnknown() {
		return false, time.Time{}, nil
	}
	age, err := duration.Parse(rotateAfter.ValueString())
	if err != nil || age <= 0 { // the validators make this unreachable
		return false, time.Time{}, nil
	}
	created, diags := state.Created.ValueRFC3339Time()
	if diags.HasError() {
		return false, time.Time{}, diags
	}
	refreshedAt, ok, diags := readRefreshedAt(ctx, private)
	if !ok {
		return false, time.Time{}, diags
	}
	dueAt := created.Add(age)
	return !refreshedAt.Before(dueAt), dueAt, nil
}

// readRefreshedAt returns the refresh time that Read recorded; ok is false when there is no
// readable record (a key not refreshed since it was created, or a plan with -refresh=false).
func readRefreshedAt(ctx context.Context, private privateState) (refreshedAt time.Time, ok bool, diags diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, refreshedAtKey)
	if diags.HasError() || raw == nil {
		return time.Time{}, false, diags
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, false, nil
	}
	refreshedAt, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, nil
	}
	return refreshedAt, true, nil
}

// keepersForceReplacement: a change of keepers replaces the key, but setting keepers where there
// were none (an adopted key) or removing them does not, so that no revocation comes from bookkeeping.
func keepersForceReplacement(state, plan types.Map) bool {
	return !state.IsNull() && !plan.IsNull() && !state.Equal(plan)
}

func keepersRequireReplace() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(
		func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = keepersForceReplacement(req.StateValue, req.PlanValue)
		},
		"A change of keepers replaces the key; setting or removing keepers does not.",
		"A change of `keepers` replaces the key; setting or removing `keepers` does not.",
	)
}

func positiveDurationValidator() validator.String {
	return stringCheck{description: "duration longer than zero", check: func(s string) error {
		if d, err := duration.Parse(s); err == nil && d <= 0 {
			return fmt.Errorf("%q would rotate the key on every plan: use a duration longer than zero, such as 90d", s)
		}
		return nil // durationValidator reports values that do not parse
	}}
}

// formatDuration writes a duration as users write them: "7d", "24h", "90m", else as Go does.
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d%day == 0 && d >= 2*day:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// tokenFollowsStoreToken plans token from store_token: null when the value is not to be stored, the
// state's value when it is stored already, and unknown (read at apply) when it is to be stored.
type tokenFollowsStoreToken struct{}

func (tokenFollowsStoreToken) Description(context.Context) string {
	return "token is null when store_token is false, and read from Circularo when store_token becomes true"
}

func (m tokenFollowsStoreToken) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (tokenFollowsStoreToken) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	var store types.Bool
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("store_token"), &store)...)
	if resp.Diagnostics.HasError() || store.IsUnknown() {
		return // unknown until apply: so is the token
	}
	switch {
	case !store.ValueBool():
		resp.PlanValue = types.StringNull()
	case !req.StateValue.IsNull() && !req.StateValue.IsUnknown():
		resp.PlanValue = req.StateValue
	}
}
