package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
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
	return env.providerBlock() + fmt.Sprintf(`
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
	for _, k := range u.env.mock.Keys(testUser) {
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
	if !u.env.mock.SetKeyLastUsed(u.key.ID, &at) {
		t.Fatalf("the key %q is gone", u.description)
	}
	u.find(t)
}

// useAsToken makes a call with the key as the token, as an integration does: Circularo stamps its
// lastUsed.
func (u *usedKey) useAsToken(t *testing.T) {
	t.Helper()
	u.find(t)
	resp, err := http.Get(u.env.url + u.env.mock.APIPath() + "/login?returnToken=true&token=" + url.QueryEscape(u.key.ID))
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
	return recentUseWarning(u.description, client.Fingerprint(u.key.ID), *u.key.LastUsed, verb)
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
	for _, k := range env.mock.Keys(testUser) {
		if k.Description == description {
			return client.Fingerprint(k.ID)
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
		testkit.ExpectAPICalls(env.mock, calls),
	}
}

// Removing the resource blocks, the commonest way to revoke keys, warns about the key that an
// integration used after the last apply, with and without refresh, and about the key just made and
// never used; a plan that revokes nothing still calls no API.
func TestAPIKeyResource_removalReviewsCurrentUse(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	obs := newObserver(env)
	used := &usedKey{env: env, description: "used-key"}
	obs.UnitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: twoKeys(env, "", "")},
			{
				// Planning without refresh what revokes nothing calls nothing, as the benchmark README states.
				PreConfig: resetCounts(env.mock),
				Config:    twoKeys(env, "", ""),
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.mock, map[string]int{})},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.mock, oneListCall)},
				},
			},
			{
				PreConfig: func() {
					used.useAsToken(t)
					obs.Reset()
					env.mock.ResetCounts()
				},
				Config:             env.providerBlock(), // both resource blocks removed
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
	env := newEnv(t)
	obs := newObserver(env)
	used := &usedKey{env: env, description: "used-key"}
	obs.UnitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: twoKeys(env, "", "")},
			{
				PreConfig: func() {
					used.setLastUsed(t, time.Now().Add(-time.Minute))
					obs.Reset()
					env.mock.ResetCounts()
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
	clock := testkit.NewClock()
	env := newEnv(t, testkit.WithClock(clock))
	obs := newObserver(env)
	used := &usedKey{env: env, description: "used-key"}
	created := clock.Now()
	dueAt := created.Add(30 * day)
	var idleFingerprint string
	obs.UnitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: twoKeys(env, "", `rotate_after = "30d"`)},
			{
				// 31 days later, a refresh records that both keys are due (a refresh-only apply, which
				// rotates nothing), as the refresh of any apply does.
				PreConfig:          func() { clock.Advance(31 * day) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The used key was used an hour ago, after that refresh.
				PreConfig: func() {
					used.setLastUsed(t, clock.Now().Add(-time.Hour))
					idle := &usedKey{env: env, description: "idle-key"}
					idle.find(t)
					idleFingerprint = client.Fingerprint(idle.key.ID)
					obs.Reset()
					env.mock.ResetCounts()
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
				rotationWarning(used.description, client.Fingerprint(used.key.ID), dueAt),
				rotationWarning("idle-key", *idleFingerprint, dueAt),
			)
		}),
		testkit.ExpectAPICalls(env.mock, oneListCall),
	}
}

// Removing the block of the key the provider authenticates with fails the plan, even without a
// refresh and without a list call: the guard needs only the configured token.
func TestAPIKeyResource_removalOfOwnKeyFailsWithoutListCall(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	self := env.mock.AddKey(testUser, mockKey("terraform-auth", 10*day, nil))
	fingerprint := client.Fingerprint(self.ID)
	adopt := fmt.Sprintf(`
import {
  to = circularo_api_key.self
  id = %q
}

resource "circularo_api_key" "self" {
  description = "terraform-auth"
}
`, fingerprint)
	tokenProvider := env.tokenProviderBlock(self.ID)
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: tokenProvider + adopt},
			{
				PreConfig: func() {
					now := time.Now()
					env.mock.SetKeyLastUsed(self.ID, &now)
					env.mock.ResetCounts()
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
					if got := env.mock.Counts(); got["total"] != 0 {
						t.Errorf("the self-revocation plan called the API: %v", got)
					}
					if !env.mock.KeyExists(self.ID) {
						t.Error("a failed plan revoked the provider's own key")
					}
				},
				Config:   env.providerBlock() + adopt,
				PlanOnly: true,
			},
		},
	})
}

// reviewData is a providerData against the mock, as Configure makes it, without retries.
func reviewData(t *testing.T, env *testEnv, creds client.Credentials) *providerData {
	t.Helper()
	c, err := client.New(client.Config{URL: env.url, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	session := client.NewSession(c, creds, env.kit.Now)
	t.Cleanup(func() { _ = session.Close(context.Background()) })
	return &providerData{session: session, revocationWarningWindow: defaultRevocationWarningWindow, now: env.kit.Now}
}

var loginCreds = client.Credentials{Username: testUser, Password: testPassword}

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
	env := newEnv(t)
	now := time.Now().UTC().Truncate(time.Second)
	recentUse, oldUse := now.Add(-time.Hour), now.Add(-30*day)
	recent := env.mock.AddKey(testUser, mockKey("recent", 100*day, &recentUse))
	dormant := env.mock.AddKey(testUser, mockKey("dormant", 100*day, &oldUse))
	data := reviewData(t, env, loginCreds)
	env.mock.ResetCounts()

	var diags diag.Diagnostics
	// The state knows of no use: the review must not rely on it.
	// The warning names Circularo's last use of the key (the state passes none).
	if found := data.reviewRevocation(context.Background(), client.Fingerprint(recent.ID), "This plan destroys recent", "remove it from the state", nil, false, &diags); !found {
		t.Error("review of recent: the key was reported gone")
	}
	want := "This plan destroys recent. The key was last used at " + recentUse.Format(time.RFC3339) + ", within the provider's revocation_warning_window (24h)"
	if len(diags) != 1 || diags[0].Summary() != summaryRecentlyUsed || !strings.HasPrefix(diags[0].Detail(), want) {
		t.Errorf("review of recent: %q, want one warning starting %q", diagStrings(diags), want)
	}

	diags = nil
	if found := data.reviewRevocation(context.Background(), client.Fingerprint(dormant.ID), "This plan destroys dormant", "remove it from the state", &recentUse, false, &diags); !found || len(diags) != 0 {
		t.Errorf("review of dormant: found %v, %q; want found and no diagnostic (Circularo's use, not the state's)", found, diagStrings(diags))
	}
	diags = nil
	if found := data.reviewRevocation(context.Background(), client.Fingerprint("revoked-already"), "This plan destroys gone", "remove it from the state", &recentUse, false, &diags); found || len(diags) != 0 {
		t.Errorf("review of a key no longer there: found %v, %q; want not found and no diagnostic", found, diagStrings(diags))
	}
	if got := env.mock.Counts(); got["list_keys"] != 1 || got["login"] != 1 {
		t.Errorf("three reviews made %v calls, want one login and one list", got)
	}
}

// When the list cannot be read, the review falls back to the state's last use and says so; it
// warns even when the state shows no recent use, so that silence never stands for a checked key.
func TestReviewRevocation_listUnreadable(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	recentUse, oldUse := now.Add(-time.Hour), now.Add(-30*day)
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
			env := newEnv(t)
			key := env.mock.AddKey(testUser, mockKey("k", 100*day, &recentUse))
			env.mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {http.StatusInternalServerError}}})
			data := reviewData(t, env, loginCreds)
			data.revocationWarningWindow = tc.window
			var diags diag.Diagnostics
			found := data.reviewRevocation(context.Background(), client.Fingerprint(key.ID), "This plan destroys k", "remove it from the state", tc.stateLastUsed, false, &diags)
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
	env := newEnv(t)
	self := env.mock.AddKey(testUser, mockKey("self", 10*day, nil))
	data := reviewData(t, env, client.Credentials{Token: self.ID})
	var diags diag.Diagnostics
	data.reviewRevocation(context.Background(), client.Fingerprint(self.ID), "This plan destroys self", "remove it from the state", nil, false, &diags)
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != summarySelfRevocation {
		t.Errorf("got %q, want the self-revocation error", diagStrings(diags))
	}
	if n := env.mock.Count("total"); n != 0 {
		t.Errorf("the guard made %d API calls, want none", n)
	}
}
