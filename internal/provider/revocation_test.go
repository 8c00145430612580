package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// reviewData is a providerData against the mock, as Configure makes it, without retries.
func reviewData(t *testing.T, env *testEnv, creds client.Credentials) *providerData {
	t.Helper()
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, env.URL), MaxRetries: -1})
	session := client.NewSession(c, creds, env.Now)
	t.Cleanup(func() { _ = session.Close(context.Background()) })
	return &providerData{session: session, revocationWarningWindow: defaultRevocationWarningWindow, now: env.Now}
}

var loginCreds = client.Credentials{Username: testkit.User, Password: testkit.Password}

func diagStrings(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%s: %s: %s", d.Severity(), d.Summary(), d.Detail()))
	}
	return out
}

// The review reads the key's use from Circularo, once for any number of keys, returns the key as
// Circularo reports it, and says nothing about a key that is already gone.
func TestReviewRevocation_currentUseFromOneList(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	now := env.Now()
	recentUse, oldUse := now.Add(-time.Hour), now.Add(-30*testkit.Day)
	recent := env.Mock.AddKey(testkit.User, env.Key("recent", 100*testkit.Day, &recentUse))
	dormant := env.Mock.AddKey(testkit.User, env.Key("dormant", 100*testkit.Day, &oldUse))
	data := reviewData(t, env, loginCreds)
	env.Mock.ResetCounts()

	var diags diag.Diagnostics
	// The state knows of no use: the review must not rely on it.
	// The warning names Circularo's last use of the key (the state passes none).
	if found := data.reviewRevocation(context.Background(), client.Fingerprint(recent.Value), "This plan destroys recent", "remove it from the state", nil, false, &diags); !found {
		t.Error("review of recent: the key was reported gone")
	}
	want := "This plan destroys recent. The key was last used at " + recentUse.Format(time.RFC3339) + ", within the provider's revocation_warning_window (24h)"
	if len(diags) != 1 || diags[0].Summary() != summaryRecentlyUsed || !strings.HasPrefix(diags[0].Detail(), want) {
		t.Errorf("review of recent: %q, want one warning starting %q", diagStrings(diags), want)
	}

	diags = nil
	if found := data.reviewRevocation(context.Background(), client.Fingerprint(dormant.Value), "This plan destroys dormant", "remove it from the state", &recentUse, false, &diags); !found || len(diags) != 0 {
		t.Errorf("review of dormant: found %v, %q; want found and no diagnostic (Circularo's use, not the state's)", found, diagStrings(diags))
	}
	diags = nil
	if found := data.reviewRevocation(context.Background(), client.Fingerprint("revoked-already"), "This plan destroys gone", "remove it from the state", &recentUse, false, &diags); found || len(diags) != 0 {
		t.Errorf("review of a key no longer there: found %v, %q; want not found and no diagnostic", found, diagStrings(diags))
	}
	if err := testkit.CompareSomeCalls(env.Mock.Counts(), map[string]int{"login": 1, "list_keys": 1}); err != nil {
		t.Errorf("three reviews, want one login and one list: %v", err)
	}
}

// When the list cannot be read, the review falls back to the state's last use and says so; it
// warns even when the state shows no recent use, so that silence never stands for a checked key.
func TestReviewRevocation_listUnreadable(t *testing.T) {
	t.Parallel()
	now := clock.Start()
	recentUse, oldUse := now.Add(-time.Hour), now.Add(-30*testkit.Day)
	for _, tc := range []struct {
		name          string
		stateLastUsed *time.Time
		window        time.Duration
		want          []string // summaries
		fragments     []string
	}{
		{"recent in state", &recentUse, defaultRevocationWarningWindow, []string{summaryRecentlyUsed},
			[]string{"last used at " + recentUse.Format(time.RFC3339), "could not be read", "last use recorded in the state"}},
		{"old in state", &oldUse, defaultRevocationWarningWindow, []string{summaryUseNotChecked},
			[]string{"could not be read", "records its last use as " + oldUse.Format(time.RFC3339)}},
		{"never used in state", nil, defaultRevocationWarningWindow, []string{summaryUseNotChecked},
			[]string{"records its last use as never"}},
		{"warning off", &recentUse, 0, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, testkit.WithClock(clock.New()))
			key := env.Mock.AddKey(testkit.User, env.Key("k", 100*testkit.Day, &recentUse))
			env.Mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {http.StatusInternalServerError}}})
			data := reviewData(t, env, loginCreds)
			data.revocationWarningWindow = tc.window
			var diags diag.Diagnostics
			found := data.reviewRevocation(context.Background(), client.Fingerprint(key.Value), "This plan destroys k", "remove it from the state", tc.stateLastUsed, false, &diags)
			if !found {
				t.Error("a key that could not be looked up was reported gone")
			}
			if len(diags) != len(tc.want) {
				t.Fatalf("got %q, want summaries %q", diagStrings(diags), tc.want)
			}
			for i, d := range diags {
				if d.Severity() != diag.SeverityWarning || d.Summary() != tc.want[i] || !strings.HasPrefix(d.Detail(), "This plan destroys k.") {
					t.Errorf("got %q, want a warning %q about the action", diagStrings(diags), tc.want[i])
				}
				for _, f := range tc.fragments {
					if !strings.Contains(d.Detail(), f) {
						t.Errorf("the warning does not say %q: %s", f, d.Detail())
					}
				}
			}
		})
	}
}

// The self-revocation guard errors without any API call (the configured token is known), and an
// approval never lets the provider revoke its own token.
func TestReviewRevocation_selfRevocation(t *testing.T) {
	t.Parallel()
	for _, approved := range []bool{false, true} {
		t.Run(fmt.Sprintf("approved=%t", approved), func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, testkit.WithClock(clock.New()))
			self := env.Mock.AddKey(testkit.User, env.Key("self", 10*testkit.Day, nil))
			data := reviewData(t, env, client.Credentials{Token: self.Value})
			var diags diag.Diagnostics
			data.reviewRevocation(context.Background(), client.Fingerprint(self.Value), "This plan destroys self", "remove it from the state", nil, approved, &diags)
			if len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != summarySelfRevocation {
				t.Errorf("got %q, want the self-revocation error", diagStrings(diags))
			}
			if n := env.Mock.Count("total"); n != 0 {
				t.Errorf("the guard made %d API calls, want none", n)
			}
		})
	}
}

// The review's decisions, one key each, at the window's boundaries: what is a finding (a use within
// revocation_warning_window, or a key made within it and never used), and what a finding becomes in
// each revocation_review mode, approved or not.
func TestReviewRevocation_decisions(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	now := clock.Now()
	window := defaultRevocationWarningWindow
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	const (
		none  = diag.Severity(0)
		warn  = diag.SeverityWarning
		fails = diag.SeverityError
	)
	for _, tc := range []struct {
		name     string
		age      time.Duration // since the key was created
		lastUsed *time.Time
		errors   bool // revocation_review = "error"
		approved bool
		window   time.Duration
		want     diag.Severity
		summary  string
		fragment string
	}{
		{"used an hour ago, warn", 100 * testkit.Day, at(time.Hour), false, false, window, warn, summaryRecentlyUsed, "last used at " + at(time.Hour).Format(time.RFC3339)},
		{"used an hour ago, error", 100 * testkit.Day, at(time.Hour), true, false, window, fails, summaryRecentlyUsed, `revocation_review is "error", so this plan fails`},
		{"used an hour ago, error, approved", 100 * testkit.Day, at(time.Hour), true, true, window, warn, summaryRecentlyUsed, "This revocation is approved: approve_revocation_of names "},
		{"used an hour ago, warn, approved", 100 * testkit.Day, at(time.Hour), false, true, window, warn, summaryRecentlyUsed, "This revocation is approved"},
		{"used exactly the window ago, error", 100 * testkit.Day, at(window), true, false, window, fails, summaryRecentlyUsed, "within the provider's revocation_warning_window (24h)"},
		{"used the window and a second ago, error", 100 * testkit.Day, at(window + time.Second), true, false, window, none, "", ""},
		{"made 3 hours ago, never used, warn", 3 * time.Hour, nil, false, false, window, warn, summaryNewNeverUsed, "The key was made 3 hours ago and never used: its consumer may not have started yet"},
		{"made 3 hours ago, never used, error", 3 * time.Hour, nil, true, false, window, fails, summaryNewNeverUsed, "made 3 hours ago and never used"},
		{"made 3 hours ago, never used, error, approved", 3 * time.Hour, nil, true, true, window, warn, summaryNewNeverUsed, "This revocation is approved"},
		{"made exactly the window ago, never used, error", window, nil, true, false, window, fails, summaryNewNeverUsed, "made 24 hours ago and never used"},
		{"made the window and a second ago, never used, error", window + time.Second, nil, true, false, window, none, "", ""},
		{"made 3 hours ago, used 2 hours ago: a use, not a new key", 3 * time.Hour, at(2 * time.Hour), false, false, window, warn, summaryRecentlyUsed, "last used at"},
		{"used 30 days ago, error", 100 * testkit.Day, at(30 * testkit.Day), true, false, window, none, "", ""},
		{"window 0s turns the review off, error", 3 * time.Hour, nil, true, false, 0, none, "", ""},
	} {
		key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: tc.name, Created: now.Add(-tc.age), LastUsed: tc.lastUsed})
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			review := func(errors bool) diag.Diagnostics {
				data := reviewData(t, env, loginCreds)
				data.revocationWarningWindow, data.revocationReviewErrors = tc.window, errors
				var diags diag.Diagnostics
				if found := data.reviewRevocation(context.Background(), client.Fingerprint(key.Value), "This plan destroys k",
					"remove it from the state", nil, tc.approved, &diags); !found {
					t.Error("the key was reported gone")
				}
				return diags
			}
			diags := review(tc.errors)
			if tc.want == none {
				if len(diags) != 0 {
					t.Errorf("got %q, want no diagnostic", diagStrings(diags))
				}
				return
			}
			if len(diags) != 1 || diags[0].Severity() != tc.want || diags[0].Summary() != tc.summary ||
				!strings.HasPrefix(diags[0].Detail(), "This plan destroys k. ") || !strings.Contains(diags[0].Detail(), tc.fragment) {
				t.Fatalf("got %q, want one %v %q with %q", diagStrings(diags), tc.want, tc.summary, tc.fragment)
			}
			if tc.want == fails {
				// The error is the review's text, then the ways on: approve this key, or keep it.
				warned := review(false)
				if len(warned) != 1 || !strings.HasPrefix(diags[0].Detail(), warned[0].Detail()+" ") {
					t.Errorf("the error %q does not start with the warning's text %q", diags[0].Detail(), diagStrings(warned))
				}
				for _, f := range []string{`set approve_revocation_of to "` + client.Fingerprint(key.Value) + `"`, "To keep the key, remove it from the state."} {
					if !strings.Contains(diags[0].Detail(), f) {
						t.Errorf("the error does not say %q: %s", f, diags[0].Detail())
					}
				}
			}
		})
	}
}

// With revocation_review = "error", a key whose use could not be checked (the list unreadable) is not
// let through unless approved.
func TestReviewRevocation_listUnreadableInErrorMode(t *testing.T) {
	t.Parallel()
	for _, approved := range []bool{false, true} {
		t.Run(fmt.Sprintf("approved=%v", approved), func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, testkit.WithClock(clock.New()))
			key := env.Mock.AddKey(testkit.User, env.Key("k", 100*testkit.Day, nil))
			env.Mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {http.StatusInternalServerError}}})
			data := reviewData(t, env, loginCreds)
			data.revocationReviewErrors = true
			var diags diag.Diagnostics
			data.reviewRevocation(context.Background(), client.Fingerprint(key.Value), "This plan destroys k", "remove it from the state", nil, approved, &diags)
			want := diag.SeverityError
			if approved {
				want = diag.SeverityWarning
			}
			if len(diags) != 1 || diags[0].Severity() != want || diags[0].Summary() != summaryUseNotChecked {
				t.Errorf("got %q, want one %v %q", diagStrings(diags), want, summaryUseNotChecked)
			}
		})
	}
}

func TestFormatAge(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                            "0 seconds",
		time.Second:                  "1 second",
		59 * time.Second:             "59 seconds",
		time.Minute:                  "1 minute",
		3*time.Hour + 59*time.Minute: "3 hours",
		47 * time.Hour:               "47 hours",
		48 * time.Hour:               "2 days",
		-time.Second:                 "0 seconds", // a clock skew between Circularo and the provider
	} {
		if got := formatAge(d); got != want {
			t.Errorf("formatAge(%v) = %q, want %q", d, got, want)
		}
	}
}

// A server that answers 404 to a DELETE without a session for a key it still has: on every revoking
// path the provider sees the key still listed, sends the DELETE again with the session's token, and
// the key is gone when Terraform reports it destroyed.
func TestRevocationProof_serverThatHidesKeys(t *testing.T) {
	t.Parallel()
	for _, name := range revokingPathNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, clock, path := newRevokingPathEnv(t, name, mockserver.Options{DeleteHidesKeysWithoutToken: true})
			var created mockserver.Key
			revoke := path.revoke(func() { clock.Advance(path.advance) })
			revoke.Check = func(*terraform.State) error {
				if env.Mock.KeyExists(created.Value) {
					return fmt.Errorf("the key %s was reported revoked and still exists", client.Fingerprint(created.Value))
				}
				if hidden, deletes := env.Mock.Count("delete_key_hidden"), env.Mock.Count("delete_key"); hidden != 1 || deletes != 2 {
					return fmt.Errorf("%d hidden and %d DELETEs, want the token-less one hidden, then one with the token", hidden, deletes)
				}
				return nil
			}
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{
					{Config: path.before, Check: func(*terraform.State) error { created = onlyKey(t, env); return nil }},
					revoke,
				},
			})
		})
	}
}

// A server that answers 200 to every DELETE and keeps the key: on every revoking path the apply
// fails with an error that names the key and says what was tried, the key stays in the state, and
// the next plan shows its revocation again.
func TestRevocationProof_serverThatKeepsKeys(t *testing.T) {
	t.Parallel()
	for _, name := range revokingPathNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, clock, path := newRevokingPathEnv(t, name, mockserver.Options{DeleteKeepsKeys: true})
			var created mockserver.Key
			// The key is created by the first step: its fingerprint is not known when the steps are built.
			notRevoked := func() *regexp.Regexp {
				return regexp.MustCompile(`(?s)` + wrapped(`Could not revoke the API key "ci"`) + `\s+\(sha256:[0-9a-f]{16}\)` +
					`.*` + wrapped(`is still listed by GET /api/key after DELETE /api/key/<key> without a session token `+
					`(answered with success), then with the session's token (answered with success): it was not revoked and still works`) +
					`.*` + wrapped("It stays in the state"))
			}
			first := path.revoke(func() { clock.Advance(path.advance) })
			first.ExpectError = notRevoked()
			// The key is still in the state and on the server: the next plan revokes it again.
			again := path.revoke(func() {
				if !env.Mock.KeyExists(created.Value) {
					t.Error("the key is gone from the server")
				}
			})
			again.ExpectError = notRevoked()
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{
					{Config: path.before, Check: func(*terraform.State) error { created = onlyKey(t, env); return nil }},
					first,
					again,
					{
						// Revoked by hand, as the error advises: the refresh drops it.
						PreConfig: func() { env.Mock.RevokeKey(created.Value) },
						Config:    env.ProviderBlock(),
					},
				},
			})
		})
	}
}

// newRevokingPathEnv starts a mock with opts and a clock of the test's own, and returns the path.
func newRevokingPathEnv(t *testing.T, name string, opts mockserver.Options) (*testEnv, *clock.Clock, revokingPath) {
	t.Helper()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock), testkit.WithMockOptions(opts))
	return env, clock, revokingPathFor(t, env, name)
}

var revokingPathNames = []string{"destroy", "removed block", "replacement", "rotation"}

// revokingPathFor returns the path of that name for env.
func revokingPathFor(t *testing.T, env *testEnv, name string) revokingPath {
	t.Helper()
	for _, p := range revokingPaths(env) {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no revoking path %q", name)
	return revokingPath{}
}

func revokingPaths(env *testEnv) []revokingPath {
	key := func(description, extra string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = %q
%s}
`, description, extra)
	}
	const rotation = "  rotate_after = \"30d\"\n"
	return []revokingPath{
		{name: "destroy", before: key("ci", ""), after: key("ci", ""), destroy: true,
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroy)},
		{name: "removed block", before: key("ci", ""), after: env.ProviderBlock(),
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroy)},
		{name: "replacement", before: key("ci", ""), after: key("ci renamed", ""),
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate)},
		{name: "rotation", before: key("ci", rotation), after: key("ci", rotation), advance: 31 * testkit.Day,
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate)},
	}
}

// revokingPath is one way a plan revokes the key circularo_api_key.test: from the configuration
// that created it (before), the configuration (after) whose apply revokes it.
type revokingPath struct {
	name    string
	before  string
	after   string
	destroy bool                // the after step is a plan -destroy
	advance time.Duration       // how far the clock moves before the after step
	action  plancheck.PlanCheck // what the after step's plan does to the key
}

// revoke is the step that plans the revocation of the key along the path; preConfig runs first.
func (p revokingPath) revoke(preConfig func()) resource.TestStep {
	return resource.TestStep{
		PreConfig:        preConfig,
		Config:           p.after,
		Destroy:          p.destroy,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{p.action}},
	}
}

// onlyKey returns the one key the test user has.
func onlyKey(t *testing.T, env *testEnv) mockserver.Key {
	t.Helper()
	keys := env.Mock.Keys(testkit.User)
	if len(keys) != 1 {
		t.Fatalf("the user has %d keys, want 1", len(keys))
	}
	return keys[0]
}
