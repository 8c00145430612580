package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"golang.org/x/sync/errgroup"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

var (
	_ action.ActionWithConfigure  = (*revokeAPIKeysAction)(nil)
	_ action.ActionWithModifyPlan = (*revokeAPIKeysAction)(nil)
)

// Summaries of the action's own diagnostics (the review's are in revocation.go).
const (
	summaryNoSuchKey      = "No API key with this fingerprint"
	summaryRevokeFailed   = "Could not revoke every API key"
	summaryUnreviewedKeys = "Revocations not reviewed"
	summaryInvalidFPrint  = "Invalid fingerprint"
	summaryNotThisAccount = "No API key of this account has this fingerprint"
)

// NewRevokeAPIKeysAction returns the circularo_revoke_api_keys action.
func NewRevokeAPIKeysAction() action.Action { return &revokeAPIKeysAction{} }

// revokeAPIKeysAction revokes keys named by fingerprint, without putting anything into state: the
// seed guide's "list, review, delete the stale ones" as `terraform plan -invoke` (the review) and
// `terraform apply -invoke` (the revocation).
type revokeAPIKeysAction struct {
	data *providerData
}

// revokeAPIKeysActionModel has no attribute for key values, on purpose: a key given by value comes in
// through provider::circularo::fingerprint. Tried with framework v1.19.0 and Terraform 1.16.4 (issue 23):
// action attributes cannot be Sensitive; the framework rejects any non-null WriteOnly one in
// ValidateActionConfig; and past that, Terraform stores a non-ephemeral write-only value in a saved plan
// (shown by `terraform show -json`), while an ephemeral one reaches the review but arrives null in the
// invocation, since -invoke applies the config from the plan, where ephemeral values are removed.
type revokeAPIKeysActionModel struct {
	Fingerprints    types.Set  `tfsdk:"fingerprints"`
	RequireExisting types.Bool `tfsdk:"require_existing"`
	// ApproveRevocationOf lists the fingerprints whose revocation is approved (revocation.go).
	ApproveRevocationOf types.Set `tfsdk:"approve_revocation_of"`
}

func (a *revokeAPIKeysAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_revoke_api_keys"
}

func (a *revokeAPIKeysAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes the API keys named by their fingerprints (`DELETE /api/key/<token>` for each), " +
			"and puts nothing into the state. `terraform plan -invoke=action.circularo_revoke_api_keys.<name>` is the " +
			"review: it fails when a key is the token the provider authenticates with, reviews each key as every " +
			"revocation is reviewed (a key used within the provider's `revocation_warning_window`, or made within it " +
			"and never used, warns; with `revocation_review = \"error\"` it fails unless `approve_revocation_of` " +
			"names it), and warns for each fingerprint that matches no key. " +
			"`terraform apply -invoke=...` revokes the keys, one progress message per key. A key that is already " +
			"gone counts as revoked, so after a partial failure the same invocation can simply be run again. " +
			"The action is for keys that Terraform does not manage: a key that a `circularo_api_key` resource owns is " +
			"revoked by removing its block, since after the action revokes it the next plan finds it gone and creates " +
			"a new key in its place. Requires Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"fingerprints": schema.SetAttribute{
				MarkdownDescription: "Fingerprints of the keys to revoke (`sha256:` followed by 16 hex digits), such as " +
					"`data.circularo_api_keys.stale.fingerprints`. Never key values: a fingerprint names a key without " +
					"revealing it. For a key whose value you hold (one that leaked), use " +
					"`provider::circularo::fingerprint(value)`, which computes the fingerprint locally, so that only the " +
					"fingerprint enters the plan (see the guide \"Revoking a leaked API key\"). An empty set revokes nothing.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  []validator.Set{fingerprintsValidator{}},
			},
			approveAttribute: schema.SetAttribute{
				MarkdownDescription: "Fingerprints of keys whose revocation is approved when the provider's " +
					"`revocation_review = \"error\"` would stop it (a key used within `revocation_warning_window`, or made " +
					"within it and never used): the plan then warns instead of failing, and says that the revocation is " +
					"approved. Each fingerprint approves that one key only; one that `fingerprints` does not list approves " +
					"nothing. Write them out as literals, so that the approval is what a reviewer reads in the configuration.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Set{fingerprintsValidator{}},
			},
			"require_existing": schema.BoolAttribute{
				MarkdownDescription: "When `true`, a fingerprint that matches no key of the authenticated user fails the " +
					"plan instead of warning. Set it when you revoke a leaked key by its value: a fingerprint computed " +
					"from a value that matches nothing means the key belongs to another account (revoke it there) or is " +
					"revoked already, and nothing would be revoked. Defaults to `false`, so that an invocation that " +
					"failed halfway can be run again.",
				Optional: true,
			},
		},
	}
}

func (a *revokeAPIKeysAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// revokeConfig is the action's configuration as the review and the invocation use it.
type revokeConfig struct {
	fingerprints    []string // sorted, so that diagnostics and revocations come in a stable order
	approvals       []string // approve_revocation_of: its known fingerprints (an unknown one approves nothing)
	requireExisting bool     // require_existing (null is false)
}

// config reads the configuration once. known is false when some fingerprints are known only after apply.
func (a *revokeAPIKeysAction) config(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) (c revokeConfig, known bool) {
	var m revokeAPIKeysActionModel
	diags.Append(cfg.Get(ctx, &m)...)
	if diags.HasError() || m.Fingerprints.IsUnknown() {
		return c, false
	}
	for _, e := range m.Fingerprints.Elements() {
		s, ok := e.(basetypes.StringValue)
		if !ok || s.IsUnknown() {
			return c, false
		}
		c.fingerprints = append(c.fingerprints, s.ValueString())
	}
	slices.Sort(c.fingerprints)
	for _, e := range m.ApproveRevocationOf.Elements() {
		if s, ok := e.(basetypes.StringValue); ok && !s.IsNull() && !s.IsUnknown() {
			c.approvals = append(c.approvals, s.ValueString())
		}
	}
	c.requireExisting = m.RequireExisting.ValueBool()
	return c, true
}

// ModifyPlan is the review. It judges every key by one shared list of keys (no call per key).
func (a *revokeAPIKeysAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return // validation before the provider is configured
	}
	if !requireConfigured(a.data, &resp.Diagnostics) {
		return
	}
	cfg, known := a.config(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known {
		// Only a lifecycle action_trigger can get here: `-invoke` refuses unknown configuration itself.
		resp.Diagnostics.AddAttributeWarning(path.Root("fingerprints"), summaryUnreviewedKeys,
			"The fingerprints to revoke are known only after apply, so this plan cannot review them: it cannot tell "+
				"whether a key is still in use. Revocation takes effect at once and cannot be undone: make the "+
				"fingerprints known at plan time (for example from the circularo_api_keys data source) to have them reviewed.")
		return
	}
	keys, err := a.data.session.ListKeys(ctx)
	if err != nil {
		// The invocation needs the list too (to find each key's token): a plan that cannot list cannot review.
		addClientError(&resp.Diagnostics, a.data, "Could not list API keys to review the revocations", err)
		return
	}
	for _, fp := range cfg.fingerprints {
		key, found := findByFingerprint(keys, fp)
		what := fmt.Sprintf("the API key with fingerprint %s", fp)
		if found {
			what = fmt.Sprintf("the API key %q (%s)", key.Description, fp)
		}
		if stillThere := a.data.reviewRevocation(ctx, fp, "This plan invokes circularo_revoke_api_keys, which revokes "+what,
			"remove its fingerprint from the action's fingerprints", nil, slices.Contains(cfg.approvals, fp), &resp.Diagnostics); !stillThere {
			if cfg.requireExisting {
				resp.Diagnostics.AddAttributeError(path.Root("fingerprints"), summaryNotThisAccount,
					fmt.Sprintf("No API key of the authenticated user has the fingerprint %s, and require_existing is set: "+
						"the action would revoke nothing for it. The key may belong to another account: revoke it "+
						"there, with that account's credentials. Or it is revoked already: the circularo_api_keys data "+
						"source no longer lists it.", fp))
				continue
			}
			resp.Diagnostics.AddAttributeWarning(path.Root("fingerprints"), summaryNoSuchKey,
				fmt.Sprintf("No API key of the authenticated user has the fingerprint %s: the action has nothing to revoke "+
					"for it. It may have been revoked already, or belong to another user; check the fingerprints, "+
					"for example against the circularo_api_keys data source.", fp))
		}
	}
}

// revokeParallelism is how many revocations the action runs at once: Terraform's default -parallelism.
const revokeParallelism = 10

// Invoke revokes the keys, several at once. A failure does not stop the others; the error at the
// end names every key that could not be revoked, and running the action again retries only those,
// since a key that is already gone counts as revoked.
func (a *revokeAPIKeysAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if !requireConfigured(a.data, &resp.Diagnostics) {
		return
	}
	cfg, known := a.config(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known { // Terraform sends only known configuration to an invocation
		resp.Diagnostics.AddAttributeError(path.Root("fingerprints"), "Unknown fingerprints",
			"The fingerprints to revoke are not known. This is a bug in Terraform or in the provider: please report it.")
		return
	}
	// The plan refused this already; a saved plan applied with other credentials has not been reviewed
	// against them, and locking the provider out halfway is never what is wanted.
	if own := slices.IndexFunc(cfg.fingerprints, a.data.authenticatesWith); own >= 0 {
		resp.Diagnostics.AddAttributeError(path.Root("fingerprints"), summarySelfRevocation,
			fmt.Sprintf("The fingerprints include %s. %s No key was revoked. Configure the provider with another API "+
				"key, or with username and password, and invoke the action again.", cfg.fingerprints[own], selfRevocationReason))
		return
	}
	keys, err := a.data.session.ListKeys(ctx)
	if err != nil {
		addClientError(&resp.Diagnostics, a.data, "Could not list API keys to revoke them (no key was revoked)", err)
		return
	}
	send := func(msg string) { resp.SendProgress(action.InvokeProgressEvent{Message: msg}) }
	var targets []client.APIKey
	for _, fp := range cfg.fingerprints {
		if key, found := findByFingerprint(keys, fp); found {
			targets = append(targets, key)
		} else {
			send(fmt.Sprintf("No API key has the fingerprint %s: it is already gone, which counts as revoked.", fp))
		}
	}
	errs := a.revokeAll(ctx, targets, send)

	var failed []string
	var firstErr error
	for i, key := range targets {
		if errs[i] != nil {
			failed = append(failed, fmt.Sprintf("- %q (%s): %v", key.Description, key.Fingerprint(), errs[i]))
			firstErr = cmp.Or(firstErr, errs[i])
		}
	}
	if len(failed) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("fingerprints"), summaryRevokeFailed,
			fmt.Sprintf("%d of the %d API keys could not be revoked; the other revocations went ahead (%d revoked "+
				"now). The keys that failed:\n%s\n\nInvoke the action again to retry them: keys that are already "+
				"revoked count as revoked.\n\n%s",
				len(failed), len(cfg.fingerprints), len(targets)-len(failed), strings.Join(failed, "\n"), hint(a.data, firstErr)))
	}
}

// revokeAll revokes the keys side by side, as a destroy's revocations run under -parallelism, so that
// concurrent ones share the fresh lists that prove them, and sends a progress message as each one ends
// (send is called by one goroutine at a time). It returns each key's error, nil for a key revoked.
func (a *revokeAPIKeysAction) revokeAll(ctx context.Context, keys []client.APIKey, send func(string)) []error {
	errs := make([]error, len(keys))
	var progress sync.Mutex
	var g errgroup.Group
	g.SetLimit(revokeParallelism)
	for i, key := range keys {
		g.Go(func() error {
			// DeleteKey proves the revocation with a fresh list, and removes the key from the session's
			// shared list, so that the data source and the resources read later in this run do not see it.
			errs[i] = a.data.session.DeleteKey(ctx, key.Value)
			msg := "Revoked the API key "
			if errs[i] != nil {
				msg = "Could not revoke the API key "
			}
			progress.Lock()
			defer progress.Unlock()
			send(msg + fmt.Sprintf("%q (%s)", key.Description, key.Fingerprint()))
			return nil // the error is reported through errs, after every revocation has run
		})
	}
	_ = g.Wait() // the goroutines report through errs
	return errs
}

// fingerprintsValidator checks every element's form and names each bad one, except a value that
// looks like a key's token, which is a secret and is never repeated.
type fingerprintsValidator struct{}

func (fingerprintsValidator) Description(context.Context) string {
	return "each element is a fingerprint: sha256: followed by 16 hex digits"
}

func (fingerprintsValidator) MarkdownDescription(context.Context) string {
	return "each element is a fingerprint: `sha256:` followed by 16 hex digits"
}

func (fingerprintsValidator) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(basetypes.StringValue)
		switch {
		case !ok: // the schema's element type makes this unreachable
			continue
		case s.IsUnknown():
			continue
		case s.IsNull():
			resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidFPrint,
				"fingerprints holds a null element: every element must be a fingerprint (sha256: followed by 16 hex digits).")
		case client.IsFingerprint(s.ValueString()) && s.ValueString() == strings.ToLower(s.ValueString()):
		case looksLikeToken(s.ValueString()):
			// The element path would show the value too: report on the set itself.
			resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidFPrint,
				fmt.Sprintf("fingerprints holds a value of %d characters that looks like an API key's token, not a "+
					"fingerprint (it is not shown here: a token is a secret). Use the key's fingerprint (sha256: "+
					"followed by 16 hex digits), such as from the circularo_api_keys data source or the id of a "+
					"circularo_api_key resource.", len(s.ValueString())))
		default:
			resp.Diagnostics.AddAttributeError(req.Path, summaryInvalidFPrint,
				fmt.Sprintf("fingerprints holds %q, which is not a fingerprint: a fingerprint is sha256: followed by 16 "+
					"lowercase hex digits, such as sha256:0123456789abcdef, as the circularo_api_keys data source lists them.",
					s.ValueString()))
		}
	}
}

// looksLikeToken: long and alphanumeric, as Circularo's 64-character token values are. Such a value is
// never echoed in a diagnostic.
func looksLikeToken(s string) bool {
	if len(s) < 32 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	})
}
