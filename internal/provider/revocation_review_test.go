package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
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

// Every plan that revokes a key reviews it by the key's use as Circularo reports it when the plan is
// made. What Terraform hands ModifyPlan differs by plan and CLI (measured with Terraform 1.11.4 and
// 1.15.0 and OpenTofu 1.12.6):
//
//   - plan -refresh=false: the prior state is the stored state in every kind of plan, as old as the
//     last apply or refresh;
//   - a resource block removed from the configuration, with refresh: Config and ProposedNewState are
//     null; Terraform 1.11.4 plans the orphan's destroy before it refreshes it, so the prior state is
//     the stored one, while Terraform 1.15.0 and OpenTofu 1.12.6 refresh it first;
//   - plan -destroy, a replacement and a rotation, with refresh: the prior state is refreshed.
//
// So each test below makes the key used after the last apply and checks both the plan without
// refresh and the plan with it: with the state's last_used alone, the plans without refresh (and, on
// Terraform 1.11.4, the removal with refresh) showed no warning.

// oneListCall is what a plan that revokes keys may cost: one login and one shared list, however many
// keys it revokes (the refresh, when there is one, makes that same list).
var oneListCall = map[string]int{"login": 1, "list_keys": 1}

// twoKeys is a configuration of two keys, "used-key" and "idle-key" (plus suffix), with extra
// attributes in each resource block.
func twoKeys(env *testEnv, suffix, extra string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "used" {
  description = "used-key%[1]s"
  %[2]s
}

resource "circularo_api_key" "idle" {
  description = "idle-key%[1]s"
  %[2]s
}
`, suffix, extra)
}

// usedKey is the key that a test uses after the last apply, found on the mock by its description.
type usedKey struct {
	env         *testEnv
	description string
	key         mockserver.Key
}

func (u *usedKey) find(t *testing.T) {
	t.Helper()
	for _, k := range u.env.Mock.Keys(testkit.User) {
		if k.Description == u.description {
			u.key = k
			return
		}
	}
	t.Fatalf("no key %q on the mock", u.description)
}

// setLastUsed records a use at the given time on the mock (Circularo's lastUsed), after the last apply.
func (u *usedKey) setLastUsed(t *testing.T, at time.Time) {
	t.Helper()
	u.find(t)
	if !u.env.Mock.SetKeyLastUsed(u.key.Value, &at) {
		t.Fatalf("the key %q is gone", u.description)
	}
	u.find(t)
}

// useAsToken makes a call with the key as the token, as an integration does: Circularo stamps its
// lastUsed.
func (u *usedKey) useAsToken(t *testing.T) {
	t.Helper()
	u.find(t)
	resp, err := http.Get(u.env.URL + u.env.Mock.APIPath() + "/login?returnToken=true&token=" + url.QueryEscape(u.key.Value))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("using the key %q as a token: status %d", u.description, resp.StatusCode)
	}
	u.find(t)
	if u.key.LastUsed == nil {
		t.Fatalf("the mock did not stamp the use of %q", u.description)
	}
}

// warning is the recent-use warning about this key, built when the check runs (after the use).
func (u *usedKey) warning(verb string) testkit.Warning {
	return recentUseWarning(u.description, client.Fingerprint(u.key.Value), *u.key.LastUsed, verb)
}

// newKeyWarning is the warning of a plan that revokes a key made within revocation_warning_window and
// never used.
func newKeyWarning(description, fingerprint, verb string) testkit.Warning {
	return testkit.Warning{Summary: summaryNewNeverUsed, Fragments: []string{
		fmt.Sprintf("This plan %s the API key %q (%s)", verb, description, fingerprint),
		"never used: its consumer may not have started yet",
	}}
}

// fingerprintOfDescribed is the fingerprint of the test user's key described so on the mock ("" if none).
func fingerprintOfDescribed(env *testEnv, description string) string {
	for _, k := range env.Mock.Keys(testkit.User) {
		if k.Description == description {
			return client.Fingerprint(k.Value)
		}
	}
	return ""
}

// reviewedPlan is the checks of one plan that revokes both keys: the actions, the warning about the
// used key (by its fresh use) and the one about the idle key (made by the test's first apply and never
// used), and the API calls of the whole plan.
func reviewedPlan(env *testEnv, obs *testkit.Observer, used *usedKey, action plancheck.ResourceActionType, verb string, calls map[string]int) []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("circularo_api_key.used", action),
		plancheck.ExpectResourceAction("circularo_api_key.idle", action),
		testkit.LazyPlanCheck(func() plancheck.PlanCheck {
			return obs.ExpectWarnings(used.warning(verb), newKeyWarning("idle-key", fingerprintOfDescribed(env, "idle-key"), verb))
		}),
		testkit.ExpectAPICalls(env.Mock, calls),
	}
}

// Removing the resource blocks, the commonest way to revoke keys, warns about the key that an
// integration used after the last apply, with and without refresh, and about the key just made and
// never used; a plan that revokes nothing still calls no API.
func TestAPIKeyResource_removalReviewsCurrentUse(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	obs := env.observe()
	used := &usedKey{env: env, description: "used-key"}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: twoKeys(env, "", "")},
			{
				// Planning without refresh what revokes nothing calls nothing, as the benchmark README states.
				PreConfig: env.Mock.ResetCounts,
				Config:    twoKeys(env, "", ""),
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, map[string]int{})},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneListCall)},
				},
			},
			{
				PreConfig: func() {
					used.useAsToken(t)
					obs.Reset()
					env.Mock.ResetCounts()
				},
				Config:             env.ProviderBlock(), // both resource blocks removed
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  reviewedPlan(env, obs, used, plancheck.ResourceActionDestroy, "destroys", oneListCall),
					PostApplyPostRefresh: reviewedPlan(env, obs, used, plancheck.ResourceActionDestroy, "destroys", oneListCall),
				},
			},
		},
	})
}

// plan -destroy warns about the key used after the last apply, with and without refresh.
func TestAPIKeyResource_destroyReviewsCurrentUse(t *testing.T) {
	t.Parallel()
	// With refresh, plan -destroy is two walks, each with its own configured provider (own session):
	// a refresh-only walk, then the destroy plan. Each lists once.
	testReviewsCurrentUse(t, "", true, plancheck.ResourceActionDestroy, "destroys", map[string]int{"login": 2, "list_keys": 2})
}

// A new description replaces both keys: the plan warns about the one used after the last apply.
func TestAPIKeyResource_replacementReviewsCurrentUse(t *testing.T) {
	t.Parallel()
	testReviewsCurrentUse(t, " renamed", false, plancheck.ResourceActionDestroyBeforeCreate, "replaces", oneListCall)
}

// testReviewsCurrentUse applies twoKeys, has the used key used a minute later, then plans twoKeys
// with suffix (a destroy plan when destroy is set) without and with refresh: each plan must take
// action on both keys and warn about the used one, at the cost of oneListCall without refresh and
// refreshedCalls with it.
func testReviewsCurrentUse(t *testing.T, suffix string, destroy bool, action plancheck.ResourceActionType, verb string, refreshedCalls map[string]int) {
	t.Helper()
	env := newEnv(t, testkit.WithClock(clock.New()))
	obs := env.observe()
	used := &usedKey{env: env, description: "used-key"}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: twoKeys(env, "", "")},
			{
				PreConfig: func() {
					used.setLastUsed(t, env.Now().Add(-time.Minute))
					obs.Reset()
					env.Mock.ResetCounts()
				},
				Config:             twoKeys(env, suffix, ""),
				Destroy:            destroy,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  reviewedPlan(env, obs, used, action, verb, oneListCall),
					PostApplyPostRefresh: reviewedPlan(env, obs, used, action, verb, refreshedCalls),
				},
			},
		},
	})
}

// A rotation that falls due warns about the key used after the last refresh. Rotation is decided by
// the time of the last refresh that the state records, so a plan without refresh rotates too once a
// refresh after the due date has been stored.
func TestAPIKeyResource_rotationReviewsCurrentUse(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	used := &usedKey{env: env, description: "used-key"}
	created := clock.Now()
	dueAt := created.Add(30 * testkit.Day)
	var idleFingerprint string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: twoKeys(env, "", `rotate_after = "30d"`)},
			{
				// 31 days later, a refresh records that both keys are due (a refresh-only apply, which
				// rotates nothing), as the refresh of any apply does.
				PreConfig:          func() { clock.Advance(31 * testkit.Day) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The used key was used an hour ago, after that refresh.
				PreConfig: func() {
					used.setLastUsed(t, clock.Now().Add(-time.Hour))
					idle := &usedKey{env: env, description: "idle-key"}
					idle.find(t)
					idleFingerprint = client.Fingerprint(idle.key.Value)
					obs.Reset()
					env.Mock.ResetCounts()
				},
				Config:             twoKeys(env, "", `rotate_after = "30d"`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  rotationPlan(env, obs, used, &idleFingerprint, dueAt),
					PostApplyPostRefresh: rotationPlan(env, obs, used, &idleFingerprint, dueAt),
				},
			},
		},
	})
}

func rotationPlan(env *testEnv, obs *testkit.Observer, used *usedKey, idleFingerprint *string, dueAt time.Time) []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("circularo_api_key.used", plancheck.ResourceActionDestroyBeforeCreate),
		plancheck.ExpectResourceAction("circularo_api_key.idle", plancheck.ResourceActionDestroyBeforeCreate),
		testkit.LazyPlanCheck(func() plancheck.PlanCheck {
			return obs.ExpectWarnings(
				used.warning("replaces"),
				rotationWarning(used.description, client.Fingerprint(used.key.Value), dueAt),
				rotationWarning("idle-key", *idleFingerprint, dueAt),
			)
		}),
		testkit.ExpectAPICalls(env.Mock, oneListCall),
	}
}

// Removing the block of the key the provider authenticates with fails the plan, even without a
// refresh and without a list call: the guard needs only the configured token.
func TestAPIKeyResource_removalOfOwnKeyFailsWithoutListCall(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	self := env.Mock.AddKey(testkit.User, env.Key("terraform-auth", 10*testkit.Day, nil))
	fingerprint := client.Fingerprint(self.Value)
	adopt := fmt.Sprintf(`
import {
  to = circularo_api_key.self
  id = %q
}

resource "circularo_api_key" "self" {
  description = "terraform-auth"
}
`, fingerprint)
	tokenProvider := env.TokenProviderBlock(self.Value)
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: tokenProvider + adopt},
			{
				PreConfig: func() {
					now := env.Now()
					env.Mock.SetKeyLastUsed(self.Value, &now)
					env.Mock.ResetCounts()
				},
				Config:   tokenProvider, // the block removed
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Error: Plan revokes the provider's own API key.*This plan destroys` +
					`\s+the\s+API\s+key\s+"terraform-auth"\s+\(` + regexp.QuoteMeta(fingerprint) + `\)`),
			},
			{
				// The failed plan (plan -refresh=false, the step's first command) called nothing; a
				// provider that logs in may revoke the key (CheckDestroy).
				PreConfig: func() {
					if got := env.Mock.Counts(); got["total"] != 0 {
						t.Errorf("the self-revocation plan called the API: %v", got)
					}
					if !env.Mock.KeyExists(self.Value) {
						t.Error("a failed plan revoked the provider's own key")
					}
				},
				Config:   env.ProviderBlock() + adopt,
				PlanOnly: true,
			},
		},
	})
}

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

// The self-revocation guard errors without any API call: the configured token is known.
func TestReviewRevocation_selfRevocationWithoutCall(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	self := env.Mock.AddKey(testkit.User, env.Key("self", 10*testkit.Day, nil))
	data := reviewData(t, env, client.Credentials{Token: self.Value})
	var diags diag.Diagnostics
	data.reviewRevocation(context.Background(), client.Fingerprint(self.Value), "This plan destroys self", "remove it from the state", nil, false, &diags)
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != summarySelfRevocation {
		t.Errorf("got %q, want the self-revocation error", diagStrings(diags))
	}
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("the guard made %d API calls, want none", n)
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

// An approval never lets the provider revoke its own token.
func TestReviewRevocation_selfRevocationCannotBeApproved(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	self := env.Mock.AddKey(testkit.User, env.Key("self", 10*testkit.Day, nil))
	data := reviewData(t, env, client.Credentials{Token: self.Value})
	var diags diag.Diagnostics
	data.reviewRevocation(context.Background(), client.Fingerprint(self.Value), "This plan destroys self", "remove it from the state", nil, true, &diags)
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != summarySelfRevocation {
		t.Errorf("got %q, want the self-revocation error", diagStrings(diags))
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

// ruleKeys are the two keys of the revocation_review = "error" tests, seeded on the mock so that their
// fingerprints are known when the steps are written: "used-key", which the test uses after adopting it,
// and "idle-key", made created ago and never used (a finding when created is within the window).
type ruleKeys struct {
	env        *testEnv
	used, idle mockserver.Key
}

func newRuleKeys(env *testEnv, clock *clock.Clock, usedAge, idleAge time.Duration) *ruleKeys {
	now := clock.Now()
	return &ruleKeys{
		env:  env,
		used: env.Mock.AddKey(testkit.User, mockserver.Key{Description: "used-key", Created: now.Add(-usedAge)}),
		idle: env.Mock.AddKey(testkit.User, mockserver.Key{Description: "idle-key", Created: now.Add(-idleAge)}),
	}
}

// config adopts both keys (import blocks by fingerprint, store_token = false) with the provider's
// revocation_review = mode ("" for the default), a description suffix, extra attributes in each block,
// and approve_revocation_of naming its own key's fingerprint in the blocks of the keys in approve.
func (k *ruleKeys) config(mode, suffix, extra string, approve ...mockserver.Key) string {
	var providerExtra []string
	if mode != "" {
		providerExtra = append(providerExtra, fmt.Sprintf("revocation_review = %q", mode))
	}
	block := func(name string, key mockserver.Key) string {
		approval := ""
		if slices.ContainsFunc(approve, func(a mockserver.Key) bool { return a.Value == key.Value }) {
			approval = fmt.Sprintf("approve_revocation_of = %q", client.Fingerprint(key.Value))
		}
		return fmt.Sprintf(`
import {
  to = circularo_api_key.%[1]s
  id = %[2]q
}

resource "circularo_api_key" "%[1]s" {
  description = "%[3]s%[4]s"
  store_token = false
  %[5]s
  %[6]s
}
`, name, client.Fingerprint(key.Value), key.Description, suffix, extra, approval)
	}
	return k.env.ProviderBlock(providerExtra...) + block("used", k.used) + block("idle", k.idle)
}

// findingError matches the plan's error about key (the summary, then the key's fingerprint and the
// error mode's sentence in the detail, which the CLI wraps).
func findingError(summary string, key mockserver.Key) string {
	return regexp.QuoteMeta("Error: "+summary) + `.*` + regexp.QuoteMeta(client.Fingerprint(key.Value)) + `.*revocation_review\s+is\s+"error"`
}

// bothFindingsError matches a plan that fails for both keys, in either order.
func bothFindingsError(used, idle string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)(` + used + `.*` + idle + `|` + idle + `.*` + used + `)`)
}

// approvedWarning is the warning that replaces the error of an approved revocation.
func approvedWarning(summary string, key mockserver.Key) testkit.Warning {
	return testkit.Warning{Summary: summary, Fragments: []string{
		fmt.Sprintf("the API key %q (%s)", key.Description, client.Fingerprint(key.Value)),
		"This revocation is approved: approve_revocation_of names " + client.Fingerprint(key.Value),
	}}
}

// staleApproval is the warning of a plan whose approve_revocation_of names key, which is no longer the
// resource's key (a replacement made a new one).
func staleApproval(key mockserver.Key) testkit.Warning {
	return testkit.Warning{Summary: "Approval of another API key's revocation", Fragments: []string{
		fmt.Sprintf("names %s, which is not this key: it approves nothing", client.Fingerprint(key.Value)),
	}}
}

// expectNothingRevoked checks, after a failed plan, that both keys are still there and that no
// DELETE was sent; and that the plan saw the warnings in want (the approved revocations) among its
// diagnostics.
func (k *ruleKeys) expectNothingRevoked(t *testing.T, obs *testkit.Observer, want ...testkit.Warning) {
	t.Helper()
	if !k.env.Mock.KeyExists(k.used.Value) || !k.env.Mock.KeyExists(k.idle.Value) {
		t.Error("a plan that failed the review revoked a key")
	}
	if n := k.env.Mock.Count("delete_key"); n != 0 {
		t.Errorf("%d DELETE calls, want none", n)
	}
	got := obs.Warnings()
	for _, w := range want {
		if !slices.ContainsFunc(got, w.Matches) {
			t.Errorf("no warning %q with %q among:\n%s", w.Summary, w.Fragments, strings.Join(got, "\n"))
		}
	}
	obs.Reset()
}

// With revocation_review = "error", destroying the resources (plan -destroy) or removing their blocks
// fails the plan for a key used within the window and for one made within it and never used, and
// revokes nothing. approve_revocation_of, applied to the state first (these plans have no
// configuration for the resource), lets exactly the key it names through: with the used key approved,
// the plan still fails for the idle one; with both approved, it revokes both, with warnings that say so.
func TestAPIKeyResource_errorModeDestroyNeedsApproval(t *testing.T) {
	t.Parallel()
	testErrorModeApprovalFromState(t, true)
}

func TestAPIKeyResource_errorModeRemovalNeedsApproval(t *testing.T) {
	t.Parallel()
	testErrorModeApprovalFromState(t, false)
}

func testErrorModeApprovalFromState(t *testing.T, destroy bool) {
	t.Helper()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	k := newRuleKeys(env, clock, 100*testkit.Day, 3*time.Hour)
	const mode = revocationReviewError
	// The revoking plan: plan -destroy of cfg, or cfg without the resource blocks.
	revoking := func(cfg string) resource.TestStep {
		if destroy {
			return resource.TestStep{Config: cfg, Destroy: true}
		}
		return resource.TestStep{Config: env.ProviderBlock(fmt.Sprintf("revocation_review = %q", mode))}
	}
	failing := func(cfg string, pre func(), want *regexp.Regexp) resource.TestStep {
		s := revoking(cfg)
		s.PreConfig, s.PlanOnly, s.ExpectError = pre, true, want
		return s
	}
	usedError := findingError(summaryRecentlyUsed, k.used)
	idleError := findingError(summaryNewNeverUsed, k.idle)
	final := revoking(k.config(mode, "", "", k.used, k.idle))
	final.PreConfig = func() { k.expectNothingRevoked(t, obs) }
	final.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("circularo_api_key.used", plancheck.ResourceActionDestroy),
		plancheck.ExpectResourceAction("circularo_api_key.idle", plancheck.ResourceActionDestroy),
		obs.ExpectWarnings(approvedWarning(summaryRecentlyUsed, k.used), approvedWarning(summaryNewNeverUsed, k.idle)),
	}}
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: k.config(mode, "", "")}, // adoption revokes nothing
			failing(k.config(mode, "", ""), func() {
				clock.Advance(time.Hour) // the idle key is now 4 hours old
				used := &usedKey{env: env, description: "used-key"}
				used.setLastUsed(t, clock.Now().Add(-time.Hour))
				obs.Reset()
				env.Mock.ResetCounts()
			}, bothFindingsError(usedError, idleError)),
			{
				// The approval of the used key goes into the state: an in-place update that calls no API
				// but the refresh's list.
				PreConfig: func() { k.expectNothingRevoked(t, obs) },
				Config:    k.config(mode, "", "", k.used),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("circularo_api_key.used", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("circularo_api_key.idle", plancheck.ResourceActionNoop),
				}},
			},
			failing(k.config(mode, "", "", k.used), func() { k.expectNothingRevoked(t, obs) },
				regexp.MustCompile(`(?s)`+idleError)),
			{
				PreConfig: func() { k.expectNothingRevoked(t, obs, approvedWarning(summaryRecentlyUsed, k.used)) },
				Config:    k.config(mode, "", "", k.used, k.idle),
			},
			final,
		},
		CheckDestroy: func(*terraform.State) error {
			if keys := env.Mock.Keys(testkit.User); len(keys) != 0 {
				return fmt.Errorf("%d keys left, want both revoked", len(keys))
			}
			return nil
		},
	})
}

// With revocation_review = "error", a replacement (a new description) and a rotation that falls due
// fail the plan for the keys used within the window, and revoke nothing. The approval is read from the
// configuration in the same plan: approving the used key leaves the plan failing for the other one;
// approving both replaces both. In "warn" mode (the last step, and the destroy at the end), the same
// findings are warnings.
func TestAPIKeyResource_errorModeReplacementNeedsApproval(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	k := newRuleKeys(env, clock, 100*testkit.Day, 3*time.Hour)
	testErrorModeApprovalFromConfig(t, env, obs, k, nil, " renamed", "", func() {
		used := &usedKey{env: env, description: "used-key"}
		used.setLastUsed(t, clock.Now().Add(-time.Hour))
	}, findingError(summaryNewNeverUsed, k.idle), approvedWarning(summaryNewNeverUsed, k.idle), nil)
}

func TestAPIKeyResource_errorModeRotationNeedsApproval(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	// Both keys are 29 days old: rotate_after = "30d" is due after two more days.
	k := newRuleKeys(env, clock, 29*testkit.Day, 29*testkit.Day)
	const rotate = `rotate_after = "30d"`
	adoptAndFallDue := []resource.TestStep{
		{Config: k.config(revocationReviewError, "", rotate)},
		{
			// Two days later, a refresh records that both keys are due (a refresh-only apply).
			PreConfig:          func() { clock.Advance(2 * testkit.Day) },
			RefreshState:       true,
			ExpectNonEmptyPlan: true,
		},
	}
	testErrorModeApprovalFromConfig(t, env, obs, k, adoptAndFallDue, "", rotate, func() {
		for _, d := range []string{"used-key", "idle-key"} {
			key := &usedKey{env: env, description: d}
			key.setLastUsed(t, clock.Now().Add(-time.Hour))
		}
	}, findingError(summaryRecentlyUsed, k.idle), approvedWarning(summaryRecentlyUsed, k.idle),
		[]testkit.Warning{
			rotationWarning("used-key", client.Fingerprint(k.used.Value), k.used.Created.Add(30*testkit.Day)),
			rotationWarning("idle-key", client.Fingerprint(k.idle.Value), k.idle.Created.Add(30*testkit.Day)),
		})
}

// testErrorModeApprovalFromConfig runs the steps that adopt the keys (the first step adopts them when
// adopt is nil), makes both keys findings (use), then plans with suffix and extra in error mode: without
// approval, with the used key approved, and with both approved (applied). idleError and idleApproved
// are the idle key's error and approved warning; also are the plan's other warnings (a rotation's).
func testErrorModeApprovalFromConfig(t *testing.T, env *testEnv, obs *testkit.Observer, k *ruleKeys, adopt []resource.TestStep,
	suffix, extra string, use func(), idleError string, idleApproved testkit.Warning, also []testkit.Warning) {
	t.Helper()
	const mode = revocationReviewError
	if adopt == nil {
		adopt = []resource.TestStep{{Config: k.config(mode, "", extra)}}
	}
	usedError := findingError(summaryRecentlyUsed, k.used)
	usedApproved := approvedWarning(summaryRecentlyUsed, k.used)
	steps := append(adopt,
		resource.TestStep{
			PreConfig: func() {
				use()
				obs.Reset()
				env.Mock.ResetCounts()
			},
			Config:      k.config(mode, suffix, extra),
			PlanOnly:    true,
			ExpectError: bothFindingsError(usedError, idleError),
		},
		resource.TestStep{
			PreConfig:   func() { k.expectNothingRevoked(t, obs) },
			Config:      k.config(mode, suffix, extra, k.used),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)` + idleError),
		},
		resource.TestStep{
			PreConfig: func() { k.expectNothingRevoked(t, obs, usedApproved) },
			Config:    k.config(mode, suffix, extra, k.used, k.idle),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("circularo_api_key.used", plancheck.ResourceActionDestroyBeforeCreate),
				plancheck.ExpectResourceAction("circularo_api_key.idle", plancheck.ResourceActionDestroyBeforeCreate),
				obs.ExpectWarnings(append([]testkit.Warning{usedApproved, idleApproved}, also...)...),
			}},
			Check: func(*terraform.State) error {
				if env.Mock.KeyExists(k.used.Value) || env.Mock.KeyExists(k.idle.Value) {
					return fmt.Errorf("the approved revocations did not happen")
				}
				return nil
			},
		},
		// The new keys are made now and never used: in "warn" mode their destroy at the end of the test
		// warns and goes ahead (in "error" mode it would need approvals of their own). Their blocks still
		// approve the old keys, which approves nothing: each plan says so.
		resource.TestStep{
			PreConfig: obs.Reset,
			Config:    k.config("", suffix, extra, k.used, k.idle),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				obs.ExpectWarnings(staleApproval(k.used), staleApproval(k.idle)),
			}},
		},
	)
	env.unitTest(t, resource.TestCase{Steps: steps, CheckDestroy: env.checkNoKeysLeft})
}

// With revocation_review = "error", `terraform plan -invoke` and `apply -invoke` of the revoke action
// fail for a key used within the window and for one made within it and never used, and revoke
// nothing; approve_revocation_of lets exactly the keys it names through. Needs Terraform 1.14+ (actions).
func TestRevokeAPIKeysAction_errorModeNeedsApproval(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.Actions)
	r := (&actionCLI{ctx: ctx}).newRun(t)
	recent := r.addKey(r.env.Key("recently used", 200*testkit.Day, ago(time.Hour)))
	fresh := r.addKey(r.env.Key("handed out today", 3*time.Hour, nil))
	stale := r.addKey(r.env.Key("stale", 200*testkit.Day, ago(100*testkit.Day)))
	write := func(approved ...mockserver.Key) {
		approvals := make([]string, 0, len(approved))
		for _, k := range approved {
			approvals = append(approvals, fmt.Sprintf("%q", fingerprintOf(k)))
		}
		r.writeConfig(r.env.ProviderBlock(`revocation_review = "error"`), fmt.Sprintf(`
action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints          = [%q, %q, %q]
    approve_revocation_of = [%s]
  }
}
`, fingerprintOf(recent), fingerprintOf(fresh), fingerprintOf(stale), strings.Join(approvals, ", ")))
	}
	recentError := []string{"Error: " + summaryRecentlyUsed,
		fmt.Sprintf(`revokes the API key "recently used" (%s). The key was last used at %s`, fingerprintOf(recent), recent.LastUsed.Format(time.RFC3339))}
	freshError := []string{"Error: " + summaryNewNeverUsed,
		fmt.Sprintf(`revokes the API key "handed out today" (%s). The key was made 3 hours ago and never used: its consumer may not have started yet.`, fingerprintOf(fresh))}

	write()
	plan := r.mustFail(r.run("plan", revokeAction))
	wantInOutput(t, plan, append(recentError, freshError...)...)
	wantInOutput(t, plan, `The provider's revocation_review is "error", so this plan fails.`,
		fmt.Sprintf(`add %q to approve_revocation_of of the circularo_revoke_api_keys action`, fingerprintOf(fresh)))
	wantNotInOutput(t, plan, fmt.Sprintf(`"stale" (%s). The key`, fingerprintOf(stale)))
	r.mustFail(r.run("apply", revokeAction))
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Fatalf("%d DELETE calls, want none: the review must stop the whole invocation", n)
	}
	r.wantRemaining("recently used", "handed out today", "stale")

	// One approval lets that one key through: the plan still fails, for the other key only.
	write(recent)
	plan = r.mustFail(r.run("plan", revokeAction))
	wantInOutput(t, plan, freshError...)
	wantInOutput(t, plan, "Warning: "+summaryRecentlyUsed, "This revocation is approved: approve_revocation_of names "+fingerprintOf(recent))
	wantNotInOutput(t, plan, "Error: "+summaryRecentlyUsed)
	r.mustFail(r.run("apply", revokeAction))
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Fatalf("%d DELETE calls, want none", n)
	}

	write(recent, fresh)
	apply := r.mustSucceed(r.run("apply", revokeAction))
	wantInOutput(t, apply, "This revocation is approved: approve_revocation_of names "+fingerprintOf(fresh))
	if err := testkit.CompareSomeCalls(apply.calls, map[string]int{"delete_key": 3}); err != nil {
		t.Errorf("%s: %v", apply.command, err)
	}
	r.wantRemaining()
}
