package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

// Summaries of the revocation review's diagnostics: tests and users search for them.
const (
	summarySelfRevocation = "Plan revokes the provider's own API key"
	summaryRecentlyUsed   = "Revoking a recently used API key"
	summaryNewNeverUsed   = "Revoking a new API key that was never used"
	summaryUseNotChecked  = "Could not check when the API key was last used"
)

// The values of the provider's revocation_review: what a finding of the review is.
const (
	revocationReviewWarn  = "warn"  // a warning (the default)
	revocationReviewError = "error" // an error that stops the plan, unless the revocation is approved
)

// approveAttribute is the attribute, of the resource and of the action alike, that approves one
// revocation by naming the key's fingerprint.
const approveAttribute = "approve_revocation_of"

// reviewRevocation reviews one revocation that a plan makes, and is the one place where the review
// is decided: every caller (each revoking path of the resource, the action) only says what it does
// and whether this revocation is approved.
//
//   - The key is the token the provider authenticates with: always an error, approved or not (the
//     provider would lock itself out halfway through the apply).
//   - Circularo reports a use within the provider's revocation_warning_window, or the key was made
//     within it and never used (its consumer may not have started yet): a finding.
//
// A finding is a warning; with revocation_review = "error" it is an error with the same text, unless
// approved is true (the resource's or the action's approve_revocation_of names this key's fingerprint):
// then it stays a warning that says the revocation is approved, so the approval shows in the plan.
//
// action says what the plan does, e.g. `This plan destroys the API key "ci" (sha256:...), which revokes
// it`; keepInstead, how the user keeps the key instead, e.g. "remove its fingerprint from fingerprints".
// It reads the key's current use from the session's one shared list (session.ListKeys), so a plan of N
// revocations costs one list call per provider process; when the list cannot be read it falls back to
// lastUsed from the state (stateLastUsed, may be nil) and says so. It returns stillThere=false when the
// key is no longer there (already revoked: nothing to review), and true otherwise: also for the
// self-revocation error (decided without a list call) and when the list cannot be read (the key is
// assumed to exist).
func (d *providerData) reviewRevocation(ctx context.Context, fingerprint, action, keepInstead string, stateLastUsed *time.Time, approved bool, diags *diag.Diagnostics) (stillThere bool) {
	if d.authenticatesWith(fingerprint) {
		diags.AddError(summarySelfRevocation,
			action+". "+selfRevocationReason+" To revoke this key, configure the provider with another API key, or "+
				"with username and password, and plan again. To keep the key, "+keepInstead+".")
		return true
	}
	// The state's lastUsed is as old as the last refresh, and some plans have none before them (a
	// removed resource block with -refresh=false, a saved plan applied later): the shared list is
	// what Circularo says now, at the cost of one call per process (none when a refresh listed).
	keys, err := d.session.ListKeys(ctx)
	if err != nil {
		d.reviewWithoutList(action, fingerprint, keepInstead, stateLastUsed, approved, err, diags)
		return true
	}
	key, found := findByFingerprint(keys, fingerprint)
	if !found {
		return false
	}
	switch {
	case d.usedWithinWindow(key.LastUsed):
		d.report(summaryRecentlyUsed, d.recentUse(action, *key.LastUsed), fingerprint, keepInstead, approved, diags)
	case d.newAndNeverUsed(key):
		d.report(summaryNewNeverUsed,
			fmt.Sprintf("%s. The key was made %s ago and never used: its consumer may not have started yet. It was "+
				"created at %s, within the provider's revocation_warning_window (%s).%s",
				action, formatAge(d.now().Sub(key.Created)), key.Created.UTC().Format(time.RFC3339),
				formatDuration(d.revocationWarningWindow), revocationIsFinal),
			fingerprint, keepInstead, approved, diags)
	}
	return true
}

// revocationIsFinal ends the text of each finding about a key's use.
const revocationIsFinal = " Revocation takes effect at once and cannot be undone: check that nothing uses this key before you apply."

// recentUse is the text of the finding about a key used at lastUsed, within the window.
func (d *providerData) recentUse(action string, lastUsed time.Time) string {
	return fmt.Sprintf("%s. The key was last used at %s, within the provider's revocation_warning_window (%s): "+
		"something may still depend on it.%s",
		action, lastUsed.UTC().Format(time.RFC3339), formatDuration(d.revocationWarningWindow), revocationIsFinal)
}

// reviewWithoutList reviews from the state's lastUsed when Circularo's list could not be read. It
// reports also when the state shows no recent use: a reviewer must not take the silence for a checked
// key, and with revocation_review = "error" a key that could not be checked is not let through.
func (d *providerData) reviewWithoutList(action, fingerprint, keepInstead string, stateLastUsed *time.Time, approved bool, err error, diags *diag.Diagnostics) {
	if d.revocationWarningWindow <= 0 {
		return // the user turned the review off: there is nothing to check
	}
	unread := fmt.Sprintf("Circularo's list of API keys could not be read to check the key's current use (%v), "+
		"so this review relies on the last use recorded in the state, which is as old as the last refresh.", err)
	if d.usedWithinWindow(stateLastUsed) {
		d.report(summaryRecentlyUsed, d.recentUse(action, *stateLastUsed)+" "+unread, fingerprint, keepInstead, approved, diags)
		return
	}
	recorded := "never"
	if stateLastUsed != nil {
		recorded = stateLastUsed.UTC().Format(time.RFC3339)
	}
	d.report(summaryUseNotChecked,
		fmt.Sprintf("%s. %s The state records its last use as %s, outside the provider's revocation_warning_window "+
			"(%s), but the key may have been used since: check in Circularo that nothing uses it before you apply, "+
			"or plan again when the API can be reached.",
			action, unread, recorded, formatDuration(d.revocationWarningWindow)),
		fingerprint, keepInstead, approved, diags)
}

// report adds a finding of the review: an error when revocation_review is "error" and the revocation
// is not approved, else a warning (which says so when the revocation is approved). The error's text is
// the warning's, followed by the two ways on: approve this one revocation, or keep the key.
func (d *providerData) report(summary, text, fingerprint, keepInstead string, approved bool, diags *diag.Diagnostics) {
	switch {
	case approved:
		diags.AddWarning(summary, fmt.Sprintf("%s This revocation is approved: %s names %s.", text, approveAttribute, fingerprint))
	case d.revocationReviewErrors:
		diags.AddError(summary, fmt.Sprintf("%s The provider's revocation_review is %q, so this plan fails. To revoke "+
			"this key anyway, approve exactly this revocation: set %s to %q in the resource that revokes it, or add %q "+
			"to %s of the circularo_revoke_api_keys action (a resource that a destroy or a removed block revokes must "+
			"have it in its state: apply it first, then revoke). To keep the key, %s.",
			text, revocationReviewError, approveAttribute, fingerprint, fingerprint, approveAttribute, keepInstead))
	default:
		diags.AddWarning(summary, text)
	}
}

// revokeKey revokes a key and proves it (Session.DeleteKey): the key with this value, or when value is
// empty (store_token = false, a previous key) the key that find picks from the session's shared list,
// where a key the list lacks is gone already. An error names the key with failed, its summary. It
// reports whether the key is gone.
func (d *providerData) revokeKey(ctx context.Context, value string, find func([]client.APIKey) (client.APIKey, bool), failed string, diags *diag.Diagnostics) bool {
	if value == "" {
		keys, err := d.session.ListKeys(ctx)
		if err != nil {
			addClientError(diags, d, failed, err)
			return false
		}
		key, found := find(keys)
		if !found {
			return true
		}
		value = key.Value
	}
	if err := d.session.DeleteKey(ctx, value); err != nil {
		addClientError(diags, d, failed, err)
		return false
	}
	return true
}

// selfRevocationReason is why no plan or invocation may revoke the key the provider authenticates with.
const selfRevocationReason = "That key is the token the circularo provider authenticates with (token or " +
	"CIRCULARO_TOKEN): the provider would lock itself out halfway through the apply."

// authenticatesWith: the provider authenticates with the key of this fingerprint (a given token).
func (d *providerData) authenticatesWith(fingerprint string) bool {
	own := d.session.AuthFingerprint()
	return own != "" && own == fingerprint
}

// approves: approval (a resource's approve_revocation_of) names the key with this fingerprint. An
// unknown or null approval approves nothing.
func approves(approval types.String, fingerprint string) bool {
	return !approval.IsNull() && !approval.IsUnknown() && approval.ValueString() == fingerprint
}

// usedWithinWindow: lastUsed is within revocation_warning_window of now (a zero window warns never).
func (d *providerData) usedWithinWindow(lastUsed *time.Time) bool {
	window := d.revocationWarningWindow
	return window > 0 && lastUsed != nil && !lastUsed.Before(d.now().Add(-window))
}

// newAndNeverUsed: the key was never used and was created within revocation_warning_window of now.
func (d *providerData) newAndNeverUsed(k client.APIKey) bool {
	window := d.revocationWarningWindow
	return window > 0 && k.LastUsed == nil && !k.Created.Before(d.now().Add(-window))
}

// formatAge writes how long ago something happened, as a person says it: "40 seconds", "3 hours",
// "2 days" (whole units, rounded down).
func formatAge(d time.Duration) string {
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	switch {
	case d < time.Minute:
		return unit(int64(max(d, 0)/time.Second), "second")
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	}
	return unit(int64(d/(24*time.Hour)), "day")
}
