package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

// Summaries of the revocation review's diagnostics: tests and users search for them.
const (
	summarySelfRevocation = "Plan revokes the provider's own API key"
	summaryRecentlyUsed   = "Revoking a recently used API key"
	summaryUseNotChecked  = "Could not check when the API key was last used"
)

// reviewRevocation reviews one revocation that a plan makes: an error when the key is the token the
// provider authenticates with, a warning when Circularo reports a use within the provider's
// revocation_warning_window. action says what the plan does, e.g. `This plan destroys the API key
// "ci" (sha256:...), which revokes it`; keepInstead, how the user keeps the key instead (the
// self-revocation error ends with it), e.g. "remove its fingerprint from fingerprints". It reads the key's current use from the session's one shared
// list (session.ListKeys), so a plan of N revocations costs one list call per provider process; when
// the list cannot be read it falls back to lastUsed from the state (stateLastUsed, may be nil) and
// says so in the warning's detail. It returns stillThere=false when the key is no longer there
// (already revoked: nothing to warn about), and true otherwise: also for the self-revocation error
// (decided without a list call: the provider authenticates with the key) and when the list cannot be
// read (the key is assumed to exist).
func (d *providerData) reviewRevocation(ctx context.Context, fingerprint, action, keepInstead string, stateLastUsed *time.Time, diags *diag.Diagnostics) (stillThere bool) {
	if fp := d.session.AuthFingerprint(); fp != "" && fp == fingerprint {
		diags.AddError(summarySelfRevocation,
			action+". That key is the token the circularo provider authenticates with (token or CIRCULARO_TOKEN): "+
				"the provider would lock itself out halfway through the apply. To revoke this key, configure the "+
				"provider with another API key, or with username and password, and plan again. To keep the key, "+
				keepInstead+".")
		return true
	}
	// The state's lastUsed is as old as the last refresh, and some plans have none before them (a
	// removed resource block with -refresh=false, a saved plan applied later): the shared list is
	// what Circularo says now, at the cost of one call per process (none when a refresh listed).
	keys, err := d.session.ListKeys(ctx)
	if err != nil {
		d.reviewWithoutList(action, stateLastUsed, err, diags)
		return true
	}
	key, found := findKey(keys, func(k client.APIKey) bool { return k.Fingerprint() == fingerprint })
	if !found {
		return false
	}
	if d.usedWithinWindow(key.LastUsed) {
		diags.AddWarning(summaryRecentlyUsed,
			fmt.Sprintf("%s. The key was last used at %s, within the provider's revocation_warning_window (%s): "+
				"something may still depend on it. Revocation takes effect at once and cannot be undone: check that "+
				"nothing uses this key before you apply.",
				action, key.LastUsed.UTC().Format(time.RFC3339), formatDuration(d.revocationWarningWindow)))
	}
	return true
}

// reviewWithoutList warns from the state's lastUsed when Circularo's list could not be read. It warns
// also when the state shows no recent use: a reviewer must not take the silence for a checked key.
func (d *providerData) reviewWithoutList(action string, stateLastUsed *time.Time, err error, diags *diag.Diagnostics) {
	if d.revocationWarningWindow <= 0 {
		return // the user turned the warning off: there is nothing to check
	}
	unread := fmt.Sprintf("Circularo's list of API keys could not be read to check the key's current use (%v), "+
		"so this review relies on the last use recorded in the state, which is as old as the last refresh.", err)
	if d.usedWithinWindow(stateLastUsed) {
		diags.AddWarning(summaryRecentlyUsed,
			fmt.Sprintf("%s. The key was last used at %s, within the provider's revocation_warning_window (%s): "+
				"something may still depend on it. Revocation takes effect at once and cannot be undone: check that "+
				"nothing uses this key before you apply. %s",
				action, stateLastUsed.UTC().Format(time.RFC3339), formatDuration(d.revocationWarningWindow), unread))
		return
	}
	recorded := "never"
	if stateLastUsed != nil {
		recorded = stateLastUsed.UTC().Format(time.RFC3339)
	}
	diags.AddWarning(summaryUseNotChecked,
		fmt.Sprintf("%s. %s The state records its last use as %s, outside the provider's revocation_warning_window "+
			"(%s), but the key may have been used since: check in Circularo that nothing uses it before you apply, "+
			"or plan again when the API can be reached.",
			action, unread, recorded, formatDuration(d.revocationWarningWindow)))
}

// usedWithinWindow: lastUsed is within revocation_warning_window of now (a zero window warns never).
func (d *providerData) usedWithinWindow(lastUsed *time.Time) bool {
	window := d.revocationWarningWindow
	return window > 0 && lastUsed != nil && !lastUsed.Before(d.now().Add(-window))
}
