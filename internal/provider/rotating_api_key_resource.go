package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/duration"
)

var (
	_ resource.ResourceWithConfigure      = (*rotatingAPIKeyResource)(nil)
	_ resource.ResourceWithImportState    = (*rotatingAPIKeyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*rotatingAPIKeyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*rotatingAPIKeyResource)(nil)
)

// Summaries of the rotating key's plan warnings: tests and users search for them.
const (
	summaryRotationWithOverlap = "API key rotates with an overlap"
	summaryOverlapEnded        = "Overlap of the previous API key ended"
)

// NewRotatingAPIKeyResource returns the circularo_rotating_api_key resource.
func NewRotatingAPIKeyResource() resource.Resource { return &rotatingAPIKeyResource{} }

// rotatingAPIKeyResource is one credential that rotates in place: the current key, and for the overlap
// after a rotation the previous key, which it revokes itself once the overlap has passed. It has no
// resource identity: the only names a Circularo key has are its value and its fingerprint, both of
// which change at every rotation, and an identity must stay the same across in-place updates (see
// DESIGN.md, "Rotation with an overlap").
type rotatingAPIKeyResource struct {
	data *providerData
}

// rotatingAPIKeyResourceModel is circularo_api_key's model (the current key: fill, find and
// rotationDue work on it as they do there) and the overlap's attributes. The schema must hold every
// attribute of the embedded model.
type rotatingAPIKeyResourceModel struct {
	apiKeyResourceModel
	Overlap          types.String      `tfsdk:"overlap"`
	PreviousID       types.String      `tfsdk:"previous_id"`
	PreviousLastUsed timetypes.RFC3339 `tfsdk:"previous_last_used"`
	PreviousRevokeAt timetypes.RFC3339 `tfsdk:"previous_revoke_at"`
}

func (r *rotatingAPIKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rotating_api_key"
}

func (r *rotatingAPIKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computedTime := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, CustomType: timetypes.RFC3339Type{}, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Circularo API key that rotates **in place with an overlap**, for consumers that pick " +
			"up a new key at their own pace. When `rotate_after` has passed, a plan shows the rotation as an update: a " +
			"new key is created and becomes the current one (`id`, `token`), and the key it replaces becomes the " +
			"previous one (`previous_id`), which stays valid until `previous_revoke_at` (the plan's refresh time plus " +
			"`overlap`). Within the overlap, plans are empty. The first plan after it revokes the previous key, reviewed " +
			"as every revocation is, and the apply proves the revocation. Destroying the resource revokes both keys. " +
			"Use `circularo_api_key` instead when every consumer takes the new key in the same apply.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The current key's fingerprint: names the key in plans and logs without revealing it. " +
					"It changes at every rotation.",
				Computed: true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the key is for, as shown in Circularo's list of keys (1 to %d "+
					"characters). Circularo cannot change a key's description: changing it rotates the key, with the overlap.",
					maxDescriptionLength),
				Required:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxDescriptionLength)},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The current key's secret value when `store_token` is `true` (kept in the state: protect " +
					"the state accordingly); null when it is `false`. Unknown in the plan of a rotation and known in its " +
					"apply, so that resources using it get the new key in the same apply.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{tokenFollowsStoreToken{}},
			},
			"store_token": schema.BoolAttribute{
				MarkdownDescription: "Whether the state keeps the current key's value in `token` (default `true`). With " +
					"`false`, read the value with the `circularo_api_key` ephemeral resource (`fingerprint = id`): a rotation " +
					"plans `id` unknown, so the ephemeral resource opens after the new key exists, in the same apply. The " +
					"previous key's value is never stored. Changing it is an in-place update that creates or revokes nothing.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"created":      computedTime("When the current key was created (RFC 3339, UTC)."),
			"last_used":    computedTime("When the current key was last used (RFC 3339, UTC), as of the last refresh; null if never used."),
			"api_key_type": schema.StringAttribute{MarkdownDescription: "The current key's type, such as `generic`.", Computed: true},
			"rotate_after": schema.StringAttribute{
				MarkdownDescription: "Rotate the key once it is this old, such as `90d`, `2w` or `2160h`. The age is " +
					"measured when Terraform refreshes the key, as every plan does unless `-refresh=false` is given: run a " +
					"plan on a schedule to rotate on time. Changing it updates the state only; if the key is already older " +
					"than the new value, that plan rotates it.",
				Required:   true,
				Validators: []validator.String{durationValidator(), positiveDurationValidator()},
			},
			"overlap": schema.StringAttribute{
				MarkdownDescription: "How long the previous key stays valid after its successor exists, such as `7d`: " +
					"the time your consumers have to switch. Shorter than `rotate_after`. A rotation sets " +
					"`previous_revoke_at` to the refresh time of its plan plus `overlap`; changing `overlap` applies from " +
					"the next rotation on.",
				Required:   true,
				Validators: []validator.String{durationValidator(), positiveDurationValidator()},
			},
			"keepers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary strings that, when changed, rotate the key with the overlap (as `keepers` of " +
					"`circularo_api_key`). Setting `keepers` where there were none, or removing them, only updates the state.",
				ElementType: types.StringType,
				Optional:    true,
			},
			"previous_id": schema.StringAttribute{
				MarkdownDescription: "The previous key's fingerprint during the overlap after a rotation; null otherwise. " +
					"The previous key still works until the apply after `previous_revoke_at` revokes it.",
				Computed: true,
			},
			"previous_last_used": computedTime("When the previous key was last used (RFC 3339, UTC), as of the last " +
				"refresh: a use after the rotation means a consumer has not switched to the new key yet."),
			approveAttribute: schema.StringAttribute{
				MarkdownDescription: "The fingerprint of the current key (`id`) or of the previous key (`previous_id`) to " +
					"approve that key's revocation when the provider's `revocation_review = \"error\"` would stop it (the key " +
					"was used within `revocation_warning_window`, or made within it and never used): the plan then warns " +
					"instead of failing, and says that the revocation is approved. It names exactly one key. A rotation " +
					"or the end of an overlap reads it from the configuration, in the same plan; a destroy or a removed " +
					"block reads it from the state: set it, apply (an in-place update that calls no API), then destroy. " +
					"Setting or removing it never creates or revokes a key.",
				Optional:   true,
				Validators: []validator.String{fingerprintValidator()},
			},
			"previous_revoke_at": computedTime("When the overlap ends (RFC 3339, UTC): the first plan at or after this " +
				"time revokes the previous key."),
		},
	}
}

// ValidateConfig: an overlap as long as the rotation period would need a third key alive.
func (r *rotatingAPIKeyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var rotateAfter, overlap types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rotate_after"), &rotateAfter)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("overlap"), &overlap)...)
	if resp.Diagnostics.HasError() || !isKnown(rotateAfter) || !isKnown(overlap) {
		return
	}
	period, err1 := duration.Parse(rotateAfter.ValueString())
	keep, err2 := duration.Parse(overlap.ValueString())
	if err1 != nil || err2 != nil {
		return // the attributes' validators report it
	}
	if keep >= period {
		resp.Diagnostics.AddAttributeError(path.Root("overlap"), "Overlap not shorter than the rotation period",
			fmt.Sprintf("overlap (%s) must be shorter than rotate_after (%s): the previous key is revoked before the next "+
				"rotation, so that at most two keys are valid at once. Shorten overlap or lengthen rotate_after.",
				overlap.ValueString(), rotateAfter.ValueString()))
	}
}

func isKnown(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

func (r *rotatingAPIKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *rotatingAPIKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	var plan rotatingAPIKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, created := r.data.createKey(ctx, &plan.apiKeyResourceModel, "Could not create the API key", &resp.Diagnostics); !created {
		return
	}
	plan.clearPrevious()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *rotatingAPIKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	var state rotatingAPIKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keys, err := r.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, r.data, "Could not read the API key", err)
		return
	}
	if state.hasPrevious() {
		fingerprint := state.PreviousID.ValueString()
		if previous, found := findByFingerprint(keys, fingerprint); found {
			state.PreviousLastUsed = timetypes.NewRFC3339TimePointerValue(previous.LastUsed)
		} else {
			// Nothing is lost: the key that was to be revoked is gone already.
			tflog.Info(ctx, "The previous API key was revoked outside Terraform: removed from the state", map[string]any{
				"description": state.Description.ValueString(), "previous_id": fingerprint,
			})
			state.clearPrevious()
		}
	}
	if !state.ID.IsNull() {
		if current, found := state.find(keys); found {
			state.fill(current)
		} else if !state.hasPrevious() {
			resp.Diagnostics.AddWarning("API key revoked outside Terraform",
				fmt.Sprintf("The API key %q (%s) no longer exists in Circularo: it was revoked outside Terraform. "+
					"It is removed from the state, and the next apply creates a new key in its place.",
					state.Description.ValueString(), state.ID.ValueString()))
			resp.State.RemoveResource(ctx)
			return
		} else {
			// The previous key is still valid and still to be revoked: keep it in the state, and let the
			// next apply create a new current key (ModifyPlan plans one for a null id).
			resp.Diagnostics.AddWarning("API key revoked outside Terraform",
				fmt.Sprintf("The current API key %q (%s) no longer exists in Circularo: it was revoked outside Terraform. "+
					"The next apply creates a new current key; the previous key %s stays valid until %s, when a plan "+
					"revokes it.", state.Description.ValueString(), state.ID.ValueString(),
					state.PreviousID.ValueString(), state.PreviousRevokeAt.ValueString()))
			state.clearCurrent()
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(setRefreshedAt(ctx, resp.Private, r.data.now())...)
}

// ModifyPlan decides, from the state and the refresh time that Read recorded (so that the plan made
// again during apply agrees), whether this plan rotates the key, creates a current key that was
// revoked outside Terraform, or ends the previous key's overlap; and reviews every revocation.
// Nothing else changes what the API knows: the computed attributes keep their state values.
func (r *rotatingAPIKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || r.data == nil {
		return // a create revokes nothing and has nothing to rotate
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return // a provider block with settings known only after apply cannot review a revocation
	}
	var state rotatingAPIKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.Plan.Raw.IsNull() {
		if !state.ID.IsNull() {
			r.review(ctx, state.ID, state.LastUsed, state.ApproveRevocationOf, fmt.Sprintf("This plan destroys the rotating API key %q (%s), "+
				"which revokes it", state.Description.ValueString(), state.ID.ValueString()), &resp.Diagnostics)
		}
		if state.hasPrevious() {
			r.review(ctx, state.PreviousID, state.PreviousLastUsed, state.ApproveRevocationOf, fmt.Sprintf("This plan destroys the rotating API "+
				"key %q, which revokes its previous key (%s) too", state.Description.ValueString(),
				state.PreviousID.ValueString()), &resp.Diagnostics)
		}
		return
	}
	var plan rotatingAPIKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, attr := range []struct {
		name  string
		value types.String
	}{{"rotate_after", plan.RotateAfter}, {"overlap", plan.Overlap}} {
		if attr.value.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(attr.name), "Unknown value for "+attr.name,
				fmt.Sprintf("%s of the API key %q (%s) is known only after apply, so the plan cannot tell whether the "+
					"key rotates. Set %s to a literal or a variable.", attr.name, state.Description.ValueString(),
					state.ID.ValueString(), attr.name))
			return
		}
	}
	plan.keepFromState(state)

	refreshedAt, refreshed, diags := readRefreshedAt(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	overlapEnded := false
	if state.hasPrevious() && refreshed {
		revokeAt, d := state.PreviousRevokeAt.ValueRFC3339Time()
		resp.Diagnostics.Append(d...)
		overlapEnded = !d.HasError() && !refreshedAt.Before(revokeAt)
	}
	due, dueAt, diags := rotationDue(ctx, state.apiKeyResourceModel, plan.RotateAfter, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	changed := !plan.Description.Equal(state.Description) || keepersForceReplacement(state.Keepers, plan.Keepers)

	switch {
	case state.ID.IsNull():
		// The current key was revoked outside Terraform while the previous one is still valid.
		plan.newCurrent()
	case due || changed:
		why := fmt.Sprintf("was created at %s and rotate_after is %s, so it was due for rotation at %s",
			state.Created.ValueString(), plan.RotateAfter.ValueString(), dueAt.Format(time.RFC3339))
		if !due {
			why = "has a new description or keepers, which Circularo cannot change on a key"
		}
		if state.hasPrevious() && !overlapEnded {
			why += fmt.Sprintf("; the previous key %s, whose overlap lasts until %s, is revoked now, so that at most "+
				"two keys are valid at once", state.PreviousID.ValueString(), state.PreviousRevokeAt.ValueString())
			r.reviewPrevious(ctx, state, plan.ApproveRevocationOf, "is revoked by this rotation before its overlap ends", &resp.Diagnostics)
		} else if state.hasPrevious() {
			r.reviewPrevious(ctx, state, plan.ApproveRevocationOf, "is revoked: its overlap ended", &resp.Diagnostics)
		}
		plan.newCurrent()
		plan.PreviousID, plan.PreviousLastUsed = state.ID, state.LastUsed
		plan.PreviousRevokeAt = timetypes.NewRFC3339Unknown()
		until := "the new key's creation plus overlap"
		if refreshed {
			overlap, _ := duration.Parse(plan.Overlap.ValueString()) // validated
			revokeAt := refreshedAt.Add(overlap).UTC()
			plan.PreviousRevokeAt = timetypes.NewRFC3339TimeValue(revokeAt)
			until = revokeAt.Format(time.RFC3339)
		}
		resp.Diagnostics.AddWarning(summaryRotationWithOverlap,
			fmt.Sprintf("The API key %q (%s) %s. This plan creates a new key, which becomes the current one (id, "+
				"token), and keeps %s valid as the previous key until %s: hand the new key to its consumers before then. "+
				"The first plan after that revokes it.", state.Description.ValueString(), state.ID.ValueString(), why,
				state.ID.ValueString(), until))
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	if overlapEnded {
		r.reviewPrevious(ctx, state, plan.ApproveRevocationOf, "is revoked: its overlap ended", &resp.Diagnostics)
		resp.Diagnostics.AddWarning(summaryOverlapEnded,
			fmt.Sprintf("The overlap of the previous key %s of the API key %q ended at %s: this plan revokes it. The "+
				"current key %s stays.", state.PreviousID.ValueString(), state.Description.ValueString(),
				state.PreviousRevokeAt.ValueString(), state.ID.ValueString()))
		plan.clearPrevious()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// keepFromState plans every computed attribute as the state has it (the framework plans them unknown
// whenever the configuration changes); token keeps what tokenFollowsStoreToken planned.
func (m *rotatingAPIKeyResourceModel) keepFromState(state rotatingAPIKeyResourceModel) {
	m.ID, m.Created, m.LastUsed, m.APIKeyType = state.ID, state.Created, state.LastUsed, state.APIKeyType
	m.PreviousID, m.PreviousLastUsed, m.PreviousRevokeAt = state.PreviousID, state.PreviousLastUsed, state.PreviousRevokeAt
}

// newCurrent plans a new current key: known only after the apply creates it.
func (m *rotatingAPIKeyResourceModel) newCurrent() {
	m.ID, m.APIKeyType = types.StringUnknown(), types.StringUnknown()
	m.Created, m.LastUsed = timetypes.NewRFC3339Unknown(), timetypes.NewRFC3339Unknown()
	m.Token = types.StringNull()
	if m.StoreToken.IsUnknown() || m.StoreToken.ValueBool() {
		m.Token = types.StringUnknown()
	}
}

func (m *rotatingAPIKeyResourceModel) clearCurrent() {
	m.ID, m.Token, m.APIKeyType = types.StringNull(), types.StringNull(), types.StringNull()
	m.Created, m.LastUsed = timetypes.NewRFC3339Null(), timetypes.NewRFC3339Null()
}

func (m *rotatingAPIKeyResourceModel) clearPrevious() {
	m.PreviousID = types.StringNull()
	m.PreviousLastUsed, m.PreviousRevokeAt = timetypes.NewRFC3339Null(), timetypes.NewRFC3339Null()
}

func (m *rotatingAPIKeyResourceModel) hasPrevious() bool {
	return !m.PreviousID.IsNull() && !m.PreviousID.IsUnknown()
}

// reviewPrevious reviews the revocation of the previous key: a use within revocation_warning_window
// means a consumer has not switched to the current key yet. approval is approve_revocation_of as the plan
// has it.
func (r *rotatingAPIKeyResource) reviewPrevious(ctx context.Context, state rotatingAPIKeyResourceModel, approval types.String, what string, diags *diag.Diagnostics) {
	r.review(ctx, state.PreviousID, state.PreviousLastUsed, approval, fmt.Sprintf("This plan revokes the previous key (%s) of "+
		"the rotating API key %q, which %s. The current key is %s: a use of the previous key since the rotation means "+
		"a consumer has not switched to the current key yet", state.PreviousID.ValueString(), state.Description.ValueString(),
		what, state.ID.ValueString()), diags)
}

// review runs the provider's review of one revocation (revocation.go) for the key with this fingerprint;
// approval (approve_revocation_of) approves it when it names that key.
func (r *rotatingAPIKeyResource) review(ctx context.Context, fingerprint types.String, lastUsed timetypes.RFC3339, approval types.String, action string, diags *diag.Diagnostics) {
	var stateLastUsed *time.Time
	if t, d := lastUsed.ValueRFC3339Time(); !lastUsed.IsNull() && !lastUsed.IsUnknown() && !d.HasError() {
		stateLastUsed = &t
	}
	r.data.reviewRevocation(ctx, fingerprint.ValueString(), action,
		"stop managing it without revoking it: remove the resource from the state (a removed block with "+
			"lifecycle { destroy = false }, or terraform state rm)", stateLastUsed, approves(approval, fingerprint.ValueString()), diags)
}

// Update revokes the previous key when the plan drops or replaces it, then creates the new current key
// when the plan has one. Each step is saved as it succeeds: a previous key that survives its DELETE
// fails the apply and stays in the state, to be revoked by the next apply.
func (r *rotatingAPIKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state rotatingAPIKeyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	// Terraform stores the private state with the resource: a refresh time kept past this apply would
	// be taken by a later plan with -refresh=false as its own, and date previous_revoke_at in the past.
	// Only a Read of the run that plans may record one.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, refreshedAtKey, nil)...)
	if state.hasPrevious() && !plan.PreviousID.Equal(state.PreviousID) {
		if !r.revokeByFingerprint(ctx, state.PreviousID.ValueString(), fmt.Sprintf("Could not revoke the previous API key "+
			"%q (%s)", state.Description.ValueString(), state.PreviousID.ValueString()), &resp.Diagnostics) {
			return // the framework answers with the prior state: the previous key stays in it
		}
		tflog.Info(ctx, "Revoked the previous API key", map[string]any{"previous_id": state.PreviousID.ValueString()})
		state.clearPrevious()
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
	switch {
	case plan.ID.IsUnknown():
		key, created := r.data.createKey(ctx, &plan.apiKeyResourceModel, "Could not create the new API key", &resp.Diagnostics)
		if !created {
			return
		}
		if plan.PreviousRevokeAt.IsUnknown() { // a rotation planned without a refresh
			overlap, _ := duration.Parse(plan.Overlap.ValueString())
			plan.PreviousRevokeAt = timetypes.NewRFC3339TimeValue(key.Created.Add(overlap).UTC())
		}
	case plan.Token.IsUnknown(): // store_token switched to true: read the value
		var read bool
		if plan.Token, read = r.data.readValue(ctx, plan.apiKeyResourceModel, "plans a new key", &resp.Diagnostics); !read {
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete revokes the previous key, then the current one, each proven. A key that survives fails the
// destroy and keeps the resource in the state; a key already gone is skipped.
func (r *rotatingAPIKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
		return
	}
	var state rotatingAPIKeyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	description := state.Description.ValueString()
	if state.hasPrevious() {
		r.revokeByFingerprint(ctx, state.PreviousID.ValueString(), fmt.Sprintf("Could not revoke the previous API key %q (%s)",
			description, state.PreviousID.ValueString()), &resp.Diagnostics)
	}
	if !state.ID.IsNull() {
		r.revokeByFingerprint(ctx, state.ID.ValueString(), fmt.Sprintf("Could not revoke the API key %q (%s)",
			description, state.ID.ValueString()), &resp.Diagnostics)
	}
}

// revokeByFingerprint revokes the key with this fingerprint (providerData.revokeKey). It reports
// whether the key is gone.
func (r *rotatingAPIKeyResource) revokeByFingerprint(ctx context.Context, fingerprint, failed string, diags *diag.Diagnostics) bool {
	return r.data.revokeKey(ctx, "", func(keys []client.APIKey) (client.APIKey, bool) {
		return findByFingerprint(keys, fingerprint)
	}, failed, diags)
}

// ImportState adopts an existing key as the current key, by fingerprint (preferred) or token value.
// As for circularo_api_key, the import never stores the value (store_token = false; a configuration
// with true plans an update that reads it), and the configuration's rotate_after and overlap apply
// from the first plan on: an adopted key older than rotate_after rotates in that plan, with the overlap.
func (r *rotatingAPIKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !requireConfigured(r.data, &resp.Diagnostics) {
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
	state := rotatingAPIKeyResourceModel{apiKeyResourceModel: apiKeyResourceModel{
		Keepers: types.MapNull(types.StringType), StoreToken: types.BoolValue(false),
	}}
	state.fill(key)
	state.clearPrevious()
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
