package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

const rotatingAddress = "circularo_rotating_api_key.deploy"

// rotatingKey is a configuration of one rotating key, "deploy-bot", rotated every 30 days with a
// 7-day overlap, plus extra attributes.
func rotatingKey(env *testEnv, extra string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_rotating_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = "30d"
  overlap      = "7d"
  %s
}
`, extra)
}

// rotation is what a test knows of one rotation: the key before it and the time of its plan.
type rotation struct {
	env       *testEnv
	first     mockserver.Key // the key that the rotation makes the previous one
	plannedAt time.Time      // the refresh time of the rotation's plan
}

// recordFirst is a Check that records the one key the user has.
func (r *rotation) recordFirst(t *testing.T) func(*terraform.State) error {
	return func(*terraform.State) error {
		r.first = onlyKey(t, r.env)
		return nil
	}
}

// stateIs checks the resource's current and previous key against the mock: two keys are live while
// previous is true, and the state holds the current key's value.
func (r *rotation) stateIs(previous bool) testkit.Check {
	return func() error {
		keys := r.env.Mock.Keys(testkit.User)
		want := 1
		if previous {
			want = 2
		}
		if len(keys) != want {
			return fmt.Errorf("the user has %d keys, want %d", len(keys), want)
		}
		if previous != r.env.Mock.KeyExists(r.first.Value) {
			return fmt.Errorf("the previous key exists: %v, want %v", !previous, previous)
		}
		return nil
	}
}

// currentKey is the one key of the user other than the previous one.
func (r *rotation) currentKey() (mockserver.Key, error) {
	for _, k := range r.env.Mock.Keys(testkit.User) {
		if k.Value != r.first.Value {
			return k, nil
		}
	}
	return mockserver.Key{}, fmt.Errorf("the user has no key but the previous one")
}

// rotationChecks are the plan checks of the rotation: an update that plans a new current key, makes
// the current key the previous one and says when it is revoked, and warns once, naming the key.
func (r *rotation) rotationChecks(obs *testkit.Observer) []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(rotatingAddress, tfjsonpath.New("id")),
		plancheck.ExpectUnknownValue(rotatingAddress, tfjsonpath.New("token")),
		plancheck.ExpectUnknownValue(rotatingAddress, tfjsonpath.New("created")),
		testkit.LazyPlanCheck(func() plancheck.PlanCheck {
			return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"),
				knownvalue.StringExact(fingerprintOf(r.first)))
		}),
		testkit.LazyPlanCheck(func() plancheck.PlanCheck {
			return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_revoke_at"),
				knownvalue.StringExact(r.plannedAt.Add(7*testkit.Day).Format(time.RFC3339)))
		}),
		testkit.LazyPlanCheck(func() plancheck.PlanCheck {
			return obs.ExpectWarnings(testkit.Warning{Summary: summaryRotationWithOverlap, Fragments: []string{
				fmt.Sprintf("The API key %q (%s) was created at %s", "deploy-bot", fingerprintOf(r.first),
					r.first.Created.Format(time.RFC3339)),
				"valid as the previous key until " + r.plannedAt.Add(7*testkit.Day).Format(time.RFC3339),
			}})
		}),
	}
}

// A rotating key rotates in place once rotate_after has passed: the apply creates the new key, which
// the state holds as token, and both keys are live; within the overlap plans are empty; the first plan
// after it revokes the previous key, warning by name that a consumer still used it; the apply proves
// the revocation; destroy during the next overlap revokes both keys.
func TestRotatingAPIKeyResource_rotatesWithOverlap(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	r := &rotation{env: env}
	cfg := rotatingKey(env, "")
	var usedAt time.Time
	env.unitTest(t, resource.TestCase{
		CheckDestroy: func(s *terraform.State) error {
			// The counts were reset before the last rotation, which revoked nothing: destroy sent both DELETEs.
			if deletes := env.Mock.Count("delete_key"); deletes != 2 {
				return fmt.Errorf("destroy sent %d DELETEs, want 2 (the previous key and the current one)", deletes)
			}
			return env.checkNoKeysLeft(s)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_revoke_at"), knownvalue.Null()),
				},
				Check: r.recordFirst(t),
			},
			{
				// One second before it is due, nothing happens.
				PreConfig: func() { clock.Advance(30*testkit.Day - time.Second) },
				Config:    cfg,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					clock.Advance(time.Second)
					r.plannedAt = clock.Now()
					obs.Reset()
					env.Mock.ResetCounts()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: append(r.rotationChecks(obs), testkit.ExpectAPICalls(env.Mock, oneListCall)),
				},
				ConfigStateChecks: []statecheck.StateCheck{
					r.stateIs(true),
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("token"), knownvalue.StringFunc(func(v string) error {
						current, err := r.currentKey()
						if err != nil || v != current.Value {
							return fmt.Errorf("token is not the value of the new key (%v)", err)
						}
						return nil
					})),
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("id"), knownvalue.StringFunc(func(v string) error {
						if current, err := r.currentKey(); err != nil || v != fingerprintOf(current) {
							return fmt.Errorf("id = %s, not the new key's fingerprint (%v)", v, err)
						}
						return nil
					})),
					// The apply created the new key and revoked nothing (the list is the create's check for a
					// key that a failed create may have left).
					testkit.ExpectAPICalls(env.Mock, map[string]int{"login": 1, "list_keys": 1, "create_key": 1}),
				},
			},
			{
				// Six days into the overlap: nothing to do, nothing revoked.
				PreConfig: func() {
					clock.Advance(6 * testkit.Day)
					env.Mock.ResetCounts()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), testkit.ExpectAPICalls(env.Mock, oneListCall)},
				},
				ConfigStateChecks: []statecheck.StateCheck{r.stateIs(true)},
			},
			{
				// The overlap has passed, and a consumer used the previous key an hour ago.
				PreConfig: func() {
					clock.Advance(testkit.Day)
					usedAt = clock.Now().Add(-time.Hour)
					env.Mock.SetKeyLastUsed(r.first.Value, &usedAt)
					obs.Reset()
					env.Mock.ResetCounts()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.Null()),
						testkit.ExpectAPICalls(env.Mock, oneListCall),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return obs.ExpectWarnings(
								testkit.Warning{Summary: summaryRecentlyUsed, Fragments: []string{
									fmt.Sprintf("This plan revokes the previous key (%s) of the rotating API key %q", fingerprintOf(r.first), "deploy-bot"),
									"a consumer has not switched to the current key yet",
									"last used at " + usedAt.Format(time.RFC3339),
								}},
								testkit.Warning{Summary: summaryOverlapEnded, Fragments: []string{
									fmt.Sprintf("The overlap of the previous key %s of the API key %q ended at %s", fingerprintOf(r.first),
										"deploy-bot", r.plannedAt.Add(7*testkit.Day).Format(time.RFC3339)),
								}},
							)
						}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					// The DELETE, proven by a list that started after it.
					testkit.ExpectAPICalls(env.Mock, map[string]int{"login": 1, "list_keys": 2, "delete_key": 1}),
					r.stateIs(false),
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_revoke_at"), knownvalue.Null()),
				},
			},
			{
				// The next rotation: the test ends within its overlap, so destroy revokes both keys.
				PreConfig: func() {
					current, err := r.currentKey()
					if err != nil {
						t.Fatal(err)
					}
					r.first = current
					clock.Advance(30 * testkit.Day)
					env.Mock.ResetCounts()
				},
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{r.stateIs(true)},
			},
		},
	})
}

// A previous key that the server keeps after DELETE fails the apply that ends the overlap and stays in
// the state, so the next plan revokes it again; revoked out of band, it leaves the state quietly.
func TestRotatingAPIKeyResource_previousKeyThatSurvivesStays(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock), testkit.WithMockOptions(mockserver.Options{DeleteKeepsKeys: true}))
	obs := env.observe()
	r := &rotation{env: env}
	cfg := rotatingKey(env, "")
	notRevoked := regexp.MustCompile(`(?s)` + wrapped(`Could not revoke the previous API key "deploy-bot"`) +
		`\s+\(sha256:[0-9a-f]{16}\).*` + wrapped("it was not revoked and still works") + `.*` + wrapped("It stays in the state"))
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: cfg, Check: r.recordFirst(t)},
			{PreConfig: func() { clock.Advance(31 * testkit.Day) }, Config: cfg, ConfigStateChecks: []statecheck.StateCheck{r.stateIs(true)}},
			{PreConfig: func() { clock.Advance(8 * testkit.Day) }, Config: cfg, ExpectError: notRevoked},
			{
				// Still in the state: the next plan revokes it again, and fails again.
				PreConfig: func() {
					if !env.Mock.KeyExists(r.first.Value) {
						t.Error("the previous key is gone from the server")
					}
				},
				Config:      cfg,
				ExpectError: notRevoked,
			},
			{
				// Revoked by hand: the refresh drops it without a warning, and nothing is left to do.
				PreConfig: func() {
					env.Mock.RevokeKey(r.first.Value)
					obs.Reset()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), obs.ExpectWarnings()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.Null()),
				},
			},
			{
				// The server keeps keys: revoke the current one by hand too, so that the test leaves none.
				PreConfig: func() {
					current, err := r.currentKey()
					if err != nil {
						t.Fatal(err)
					}
					env.Mock.RevokeKey(current.Value)
				},
				Config: env.ProviderBlock(),
			},
		},
	})
}

// A current key revoked out of band during the overlap: the refresh keeps the previous key in the
// state, the next apply creates a new current key and keeps the previous one to its revocation time.
func TestRotatingAPIKeyResource_currentKeyRevokedOutOfBand(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	r := &rotation{env: env}
	cfg := rotatingKey(env, "")
	var revokeAt string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: cfg, Check: r.recordFirst(t)},
			{
				PreConfig: func() { clock.Advance(31 * testkit.Day) },
				Config:    cfg,
				Check: func(s *terraform.State) error {
					revokeAt = s.RootModule().Resources[rotatingAddress].Primary.Attributes["previous_revoke_at"]
					return nil
				},
			},
			{
				PreConfig: func() {
					current, err := r.currentKey()
					if err != nil {
						t.Fatal(err)
					}
					env.Mock.RevokeKey(current.Value)
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(rotatingAddress, tfjsonpath.New("id")),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"),
								knownvalue.StringExact(fingerprintOf(r.first)))
						}),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_revoke_at"),
								knownvalue.StringExact(revokeAt))
						}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{r.stateIs(true)},
			},
		},
	})
}

// Adoption: existing keys become current keys by fingerprint (store_token = false: no value in the
// state) and by value (store_token = true: the value is read), creating and revoking nothing.
func TestRotatingAPIKeyResource_adoptsExistingKeys(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	byFingerprint := env.Mock.AddKey(testkit.User, env.Key("by fingerprint", 2*testkit.Day, nil))
	byValue := env.Mock.AddKey(testkit.User, env.Key("by value", 2*testkit.Day, nil))
	cfg := env.ProviderBlock() + fmt.Sprintf(`
import {
  to = circularo_rotating_api_key.fingerprint
  id = %[1]q
}

resource "circularo_rotating_api_key" "fingerprint" {
  description  = "by fingerprint"
  rotate_after = "30d"
  overlap      = "7d"
  store_token  = false
}

import {
  to = circularo_rotating_api_key.value
  id = %[2]q
}

resource "circularo_rotating_api_key" "value" {
  description  = "by value"
  rotate_after = "30d"
  overlap      = "7d"
}
`, fingerprintOf(byFingerprint), byValue.Value)
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("circularo_rotating_api_key.fingerprint", tfjsonpath.New("id"),
						knownvalue.StringExact(fingerprintOf(byFingerprint))),
					statecheck.ExpectKnownValue("circularo_rotating_api_key.fingerprint", tfjsonpath.New("token"), knownvalue.Null()),
					statecheck.ExpectKnownValue("circularo_rotating_api_key.value", tfjsonpath.New("id"),
						knownvalue.StringExact(fingerprintOf(byValue))),
					statecheck.ExpectKnownValue("circularo_rotating_api_key.value", tfjsonpath.New("token"),
						knownvalue.StringExact(byValue.Value)),
					// Adoption creates and revokes nothing.
					testkit.ExpectSomeAPICalls(env.Mock, map[string]int{"create_key": 0, "delete_key": 0}),
				},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// An overlap as long as the rotation period is refused before anything is planned.
func TestRotatingAPIKeyResource_overlapShorterThanPeriod(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + `
resource "circularo_rotating_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = "7d"
  overlap      = "1w"
}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Overlap not shorter than the rotation period.*` + wrapped(`overlap (1w) must be shorter than rotate_after (7d)`)),
		}},
	})
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("the refused configuration made %d API calls, want none", n)
	}
}

// With store_token = false, the ephemeral circularo_api_key hands the new key on in the apply that
// rotates it (its fingerprint, the rotating key's id, is unknown until then), while neither key's
// value is in the state.
func TestRotatingAPIKeyResource_handsNewKeyToEphemeralConsumer(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	r := &rotation{env: env}
	env.serveBeside("echo", echoprovider.NewProviderServer())
	cfg := rotatingKey(env, "store_token = false") + `
ephemeral "circularo_api_key" "deploy" {
  fingerprint = circularo_rotating_api_key.deploy.id
}

provider "echo" {
  data = ephemeral.circularo_api_key.deploy.token
}

# echo takes its data when it is created: replace it whenever the key rotates, as a consumer that
# follows the key would be updated.
resource "echo" "consumer" {
  lifecycle {
    replace_triggered_by = [circularo_rotating_api_key.deploy.id]
  }
}
`
	consumerHolds := func(current func() (mockserver.Key, error)) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("echo.consumer", tfjsonpath.New("data"), knownvalue.StringFunc(func(v string) error {
			k, err := current()
			if err != nil || v != k.Value {
				return fmt.Errorf("the consumer does not hold the current key's value (%v)", err)
			}
			return nil
		}))
	}
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.EphemeralResources),
		CheckDestroy:           env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				Check:             r.recordFirst(t),
				ConfigStateChecks: []statecheck.StateCheck{consumerHolds(func() (mockserver.Key, error) { return onlyKey(t, env), nil })},
			},
			{
				PreConfig: func() { clock.Advance(31 * testkit.Day) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("token"), knownvalue.Null()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					r.stateIs(true),
					consumerHolds(r.currentKey),
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("token"), knownvalue.Null()),
				},
			},
		},
	})
}

// A new description during the overlap rotates the key at once (Circularo cannot change a key) and
// revokes the previous key in the same apply, reviewed, so that no more than two keys are valid.
func TestRotatingAPIKeyResource_newDescriptionInOverlapRevokesPreviousEarly(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	r := &rotation{env: env}
	renamed := strings.Replace(rotatingKey(env, ""), `"deploy-bot"`, `"deploy-bot v2"`, 1)
	var second mockserver.Key
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: rotatingKey(env, ""), Check: r.recordFirst(t)},
			{
				PreConfig: func() { clock.Advance(31 * testkit.Day) },
				Config:    rotatingKey(env, ""),
				Check: func(*terraform.State) (err error) {
					second, err = r.currentKey()
					return err
				},
			},
			{
				// Planned without a refresh (the step's first plan), the overlap of the previous key is unknown
				// until the apply creates the new key: the refresh time of the rotation's plan is not reused.
				PreConfig: func() { clock.Advance(testkit.Day) },
				Config:    renamed,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(rotatingAddress, tfjsonpath.New("previous_revoke_at")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_revoke_at"),
								knownvalue.StringExact(clock.Now().Add(7*testkit.Day).Format(time.RFC3339)))
						}),
					},
				},
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() { obs.Reset() },
				Config:    renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(rotatingAddress, tfjsonpath.New("id")),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"),
								knownvalue.StringExact(fingerprintOf(second)))
						}),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return obs.ExpectWarnings(testkit.Warning{Summary: summaryRotationWithOverlap, Fragments: []string{
								fmt.Sprintf("The API key %q (%s) has a new description or keepers", "deploy-bot", fingerprintOf(second)),
								fmt.Sprintf("the previous key %s, whose overlap lasts until", fingerprintOf(r.first)),
								"is revoked now",
							}})
						}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("description"), knownvalue.StringExact("deploy-bot v2")),
					testkit.Check(func() error {
						keys := env.Mock.Keys(testkit.User)
						if len(keys) != 2 || env.Mock.KeyExists(r.first.Value) || !env.Mock.KeyExists(second.Value) {
							return fmt.Errorf("%d keys, the first exists: %v, the second: %v; want 2, the first revoked and the second kept",
								len(keys), env.Mock.KeyExists(r.first.Value), env.Mock.KeyExists(second.Value))
						}
						return nil
					}),
				},
			},
		},
	})
}

// The end of the overlap is decided in the plan: a plan made inside the overlap that updates the key
// in place, applied after previous_revoke_at, still only updates (deciding again at apply time would
// fail with "inconsistent final plan"), and the next refreshed plan revokes the previous key.
func TestRotatingAPIKeyResource_overlapEndDecidedAtPlanHoldsInApply(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	r := &rotation{env: env}
	shorter := strings.Replace(rotatingKey(env, ""), `"30d"`, `"29d"`, 1)
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: rotatingKey(env, ""), Check: r.recordFirst(t)},
			{PreConfig: func() { clock.Advance(31 * testkit.Day) }, Config: rotatingKey(env, "")},
			{
				PreConfig: func() {
					clock.Advance(5 * testkit.Day)
					obs.SetJumpAtApply(func() { clock.Advance(5 * testkit.Day) }) // the overlap ends 7 days after the rotation
				},
				Config: shorter,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"),
								knownvalue.StringExact(fingerprintOf(r.first)))
						}),
					},
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(rotatingAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.Null()),
					},
				},
				ExpectNonEmptyPlan: true,
				Check: func(*terraform.State) error {
					if !obs.Jumped() {
						return fmt.Errorf("the clock did not move between plan and apply: the test proves nothing")
					}
					return r.stateIs(true)()
				},
			},
			{Config: shorter, ConfigStateChecks: []statecheck.StateCheck{r.stateIs(false)}},
		},
	})
}

// With revocation_review = "error", the end of an overlap is a revocation like any other: a previous
// key used within the window fails the plan, naming it, and nothing is revoked; approve_revocation_of
// naming that key lets exactly its revocation through, with a warning that says it is approved.
func TestRotatingAPIKeyResource_overlapEndFollowsRevocationReview(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	adopted := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "deploy-bot", Created: clock.Now().Add(-testkit.Day)})
	fp := fingerprintOf(adopted)
	cfg := func(approval string) string {
		return env.ProviderBlock(`revocation_review = "error"`) + fmt.Sprintf(`
import {
  to = %[1]s
  id = %[2]q
}

resource "circularo_rotating_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = "30d"
  overlap      = "7d"
  store_token  = false
  %[3]s
}
`, rotatingAddress, fp, approval)
	}
	approved := cfg(fmt.Sprintf("approve_revocation_of = %q", fp))
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: cfg("")},
			{
				// The rotation revokes nothing: the adopted key becomes the previous one.
				PreConfig: func() { clock.Advance(30 * testkit.Day) },
				Config:    cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.StringExact(fp)),
				},
			},
			{
				// After the overlap a consumer still used the previous key an hour ago: the plan fails.
				PreConfig: func() {
					clock.Advance(8 * testkit.Day)
					usedAt := clock.Now().Add(-time.Hour)
					env.Mock.SetKeyLastUsed(adopted.Value, &usedAt)
					env.Mock.ResetCounts()
				},
				Config: cfg(""),
				ExpectError: regexp.MustCompile(`(?s)` + regexp.QuoteMeta("Error: "+summaryRecentlyUsed) + `.*` +
					regexp.QuoteMeta(fp) + `.*revocation_review\s+is\s+"error"`),
			},
			{
				PreConfig: func() {
					if !env.Mock.KeyExists(adopted.Value) || env.Mock.Count("delete_key") != 0 {
						t.Error("the plan that failed the review revoked the previous key")
					}
					obs.Reset()
				},
				Config: approved,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(rotatingAddress, tfjsonpath.New("previous_id"), knownvalue.Null()),
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return obs.ExpectWarnings(
								testkit.Warning{Summary: summaryRecentlyUsed, Fragments: []string{
									"This revocation is approved: approve_revocation_of names " + fp,
								}},
								testkit.Warning{Summary: summaryOverlapEnded, Fragments: []string{fp}},
							)
						}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					testkit.Check(func() error {
						if env.Mock.KeyExists(adopted.Value) {
							return fmt.Errorf("the approved revocation left the previous key")
						}
						return nil
					}),
				},
			},
		},
	})
}
