package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// recentUseWarning is the warning of a plan that revokes a key used recently.
func recentUseWarning(description, fingerprint string, lastUsed time.Time, verb string) testkit.Warning {
	return testkit.Warning{Summary: "Revoking a recently used API key", Fragments: []string{
		fmt.Sprintf("This plan %s the API key %q (%s)", verb, description, fingerprint),
		"last used at " + lastUsed.UTC().Format(time.RFC3339),
	}}
}

// rotationWarning is the warning of a plan that finds a key due for rotation.
func rotationWarning(description, fingerprint string, dueAt time.Time) testkit.Warning {
	return testkit.Warning{Summary: "API key due for rotation", Fragments: []string{
		fmt.Sprintf("The API key %q (%s)", description, fingerprint),
		"due for rotation at " + dueAt.UTC().Format(time.RFC3339),
	}}
}

// exampleFile reads a file of the examples directory, which the documentation shows.
func exampleFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const deployAddress = "circularo_api_key.deploy"

// rotate_after replaces the key once created + rotate_after has passed, not a second earlier, with
// create_before_destroy (the example rotation.tf, as the documentation shows it), and the new key
// is then judged by its own age: no perpetual diff.
func TestAPIKeyResource_rotateAfterReplacesOnTime(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	cfg := env.ProviderBlock() + exampleFile(t, "resources/circularo_api_key/rotation.tf")
	tokenDiffers := statecheck.CompareValue(compare.ValuesDiffer())
	var created, first string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					tokenDiffers.AddStateValue(deployAddress, tfjsonpath.New("token")),
					statecheck.ExpectKnownValue(deployAddress, tfjsonpath.New("rotate_after"), knownvalue.StringExact("90d")),
				},
				Check: func(s *terraform.State) (err error) {
					created = s.RootModule().Resources[deployAddress].Primary.Attributes["created"]
					first, err = keyValue(s, deployAddress)
					return err
				},
			},
			{
				// One second before it is due, nothing happens.
				PreConfig: func() { clock.Advance(90*testkit.Day - time.Second) },
				Config:    cfg,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					clock.Advance(time.Second)
					obs.Reset()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(deployAddress, plancheck.ResourceActionCreateBeforeDestroy),
						plancheck.ExpectUnknownValue(deployAddress, tfjsonpath.New("created")),
						plancheck.ExpectUnknownValue(deployAddress, tfjsonpath.New("token")),
						testkit.Check(func() error {
							createdAt, _ := time.Parse(time.RFC3339, created)
							want := rotationWarning("deploy-bot", client.Fingerprint(first), createdAt.Add(90*testkit.Day))
							got := obs.Warnings()
							if len(got) != 1 || !want.Matches(got[0]) {
								return fmt.Errorf("the rotation plan warned %q, want one warning %q with %q", got, want.Summary, want.Fragments)
							}
							return nil
						}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					tokenDiffers.AddStateValue(deployAddress, tfjsonpath.New("token")),
					statecheck.ExpectKnownValue(deployAddress, tfjsonpath.New("created"), knownvalue.StringFunc(func(v string) error {
						if want := clock.Now().Format(time.RFC3339); v != want {
							return fmt.Errorf("created = %s, want the rotation time %s", v, want)
						}
						return nil
					})),
				},
				Check: func(*terraform.State) error {
					if env.Mock.KeyExists(first) {
						return fmt.Errorf("the rotated key was not revoked")
					}
					return obs.CheckNoGap("deploy-bot")
				},
			},
			{
				// The new key is 89 days old: not due.
				PreConfig: func() { clock.Advance(89 * testkit.Day) },
				Config:    cfg,
				PlanOnly:  true,
			},
		},
	})
	if n := env.Mock.Count("create_key"); n != 2 {
		t.Errorf("the test created %d keys, want 2 (the first and its rotation)", n)
	}
}

// Rotation is decided in the plan and holds in the apply, however late the apply runs. Here the plan
// updates rotate_after in place while the key is not due yet, and the clock passes the new deadline
// before the apply: the apply still only updates (a provider deciding again at apply time would fail
// with "inconsistent final plan"), and the next refreshed plan rotates.
func TestAPIKeyResource_rotationDecidedAtPlanHoldsInApply(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	cfg := func(rotateAfter string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = %q

  lifecycle {
    create_before_destroy = true
  }
}
`, rotateAfter)
	}
	var first string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg("90d"),
				Check: func(s *terraform.State) (err error) {
					first, err = keyValue(s, deployAddress)
					return err
				},
			},
			{
				PreConfig: func() {
					clock.Advance(80 * testkit.Day)
					obs.SetJumpAtApply(func() { clock.Advance(10 * testkit.Day) }) // due at 85 days: passed by apply time
				},
				Config: cfg("85d"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deployAddress, plancheck.ResourceActionUpdate)},
					// The plan right after the apply does not refresh: it judges by the plan's refresh.
					PostApplyPreRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					// A refreshed plan sees the key at 90 days, past 85.
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(deployAddress, plancheck.ResourceActionCreateBeforeDestroy),
					},
				},
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deployAddress, tfjsonpath.New("rotate_after"), knownvalue.StringExact("85d")),
				},
				Check: func(s *terraform.State) error {
					if !obs.Jumped() {
						return fmt.Errorf("the clock did not move between plan and apply: the test proves nothing")
					}
					if v, _ := keyValue(s, deployAddress); v != first {
						return fmt.Errorf("the in-place update of rotate_after replaced the key")
					}
					if n := env.Mock.Count("create_key"); n != 1 {
						return fmt.Errorf("%d keys were created, want 1", n)
					}
					return nil
				},
			},
			{
				Config: cfg("85d"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(deployAddress, plancheck.ResourceActionCreateBeforeDestroy),
					},
				},
				Check: func(*terraform.State) error {
					if env.Mock.KeyExists(first) {
						return fmt.Errorf("the rotated key was not revoked")
					}
					return nil
				},
			},
		},
	})
}

// Without create_before_destroy, a rotation revokes the old key before creating the new one: the gap
// that checkNoGap must catch (so that the tests which rely on it can fail).
func TestAPIKeyResource_rotationWithoutCreateBeforeDestroyLeavesAGap(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	obs := env.observe()
	cfg := env.ProviderBlock() + `
resource "circularo_api_key" "deploy" {
  description  = "deploy-bot"
  rotate_after = "30d"
}
`
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					clock.Advance(31 * testkit.Day)
					obs.Reset()
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(deployAddress, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				Check: func(*terraform.State) error {
					err := obs.CheckNoGap("deploy-bot")
					if err == nil || !strings.Contains(err.Error(), "without a key") {
						return fmt.Errorf("checkNoGap = %v, want it to report the gap", err)
					}
					return nil
				},
			},
		},
	})
}

func TestAPIKeyResource_rotateAfterInvalid(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	for value, want := range map[string]string{
		"0s":   `(?s)rotate_after.*"0s" would rotate the key on every plan`,
		"soon": `(?s)Invalid duration.*rotate_after.*"soon" is not a duration`,
		"-90d": `(?s)rotate_after.*"-90d" is negative`,
	} {
		t.Run(value, func(t *testing.T) {
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config: env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description  = "x"
  rotate_after = %q
}
`, value),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(want),
				}},
			})
		})
	}
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("invalid rotate_after values reached the server %d times", n)
	}
}

// A changed keepers value replaces the key, with no gap (the example keepers.tf).
func TestAPIKeyResource_keepersChangeReplaces(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	obs := env.observe()
	const address = "circularo_api_key.reporting"
	cfg := env.ProviderBlock() + exampleFile(t, "resources/circularo_api_key/keepers.tf")
	generation := func(n int) config.Variables {
		return config.Variables{"reporting_key_generation": config.IntegerVariable(n)}
	}
	tokenDiffers := statecheck.CompareValue(compare.ValuesDiffer())
	var first string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config:          cfg,
				ConfigVariables: generation(1),
				ConfigStateChecks: []statecheck.StateCheck{
					tokenDiffers.AddStateValue(address, tfjsonpath.New("token")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("keepers"),
						knownvalue.MapExact(map[string]knownvalue.Check{"generation": knownvalue.StringExact("1")})),
				},
				Check: func(s *terraform.State) (err error) {
					first, err = keyValue(s, address)
					return err
				},
			},
			{
				PreConfig:       obs.Reset,
				Config:          cfg,
				ConfigVariables: generation(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(address, plancheck.ResourceActionCreateBeforeDestroy),
						// Made by the first step and never used: the review says its consumer may not have started.
						testkit.LazyPlanCheck(func() plancheck.PlanCheck {
							return obs.ExpectWarnings(newKeyWarning("reporting", client.Fingerprint(first), "replaces"))
						}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					tokenDiffers.AddStateValue(address, tfjsonpath.New("token")),
					statecheck.ExpectKnownValue(address, tfjsonpath.New("keepers"),
						knownvalue.MapExact(map[string]knownvalue.Check{"generation": knownvalue.StringExact("2")})),
				},
				Check: func(*terraform.State) error {
					if env.Mock.KeyExists(first) {
						return fmt.Errorf("the replaced key was not revoked")
					}
					return obs.CheckNoGap("reporting")
				},
			},
		},
	})
}

// Setting keepers on an adopted key, or removing them, updates the state only: bookkeeping never
// revokes a key. A rotate_after that the key is already past rotates it in the same plan.
func TestAPIKeyResource_keepersOnAdoptedKeyDoNotReplace(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	existing := env.Mock.AddKey(testkit.User, env.Key("adopted", 10*testkit.Day, nil))
	cfg := func(attributes string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
import {
  to = circularo_api_key.test
  id = %q
}

resource "circularo_api_key" "test" {
  description = "adopted"
  %s
}
`, client.Fingerprint(existing.Value), attributes)
	}
	tokenIs := func(value string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), knownvalue.StringExact(value))
	}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg(`keepers = { owner = "team-a" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					tokenIs(existing.Value),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("keepers"),
						knownvalue.MapExact(map[string]knownvalue.Check{"owner": knownvalue.StringExact("team-a")})),
				},
			},
			{
				Config: cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					tokenIs(existing.Value),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("keepers"), knownvalue.Null()),
				},
			},
			{
				// Ten days old, rotate after a week: this plan rotates it.
				Config: cfg(`rotate_after = "7d"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: func(*terraform.State) error {
					if env.Mock.KeyExists(existing.Value) {
						return fmt.Errorf("the key past rotate_after was not rotated")
					}
					return nil
				},
			},
		},
	})
	if n := env.Mock.Count("create_key"); n != 1 {
		t.Errorf("%d keys were created, want 1 (the rotation)", n)
	}
}

// A plan that destroys or replaces a key used within revocation_warning_window warns, naming it; a
// key used before the window, or a window of 0s, does not.
func TestAPIKeyResource_revocationWarning(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	obs := env.observe()
	now := env.Now()
	recentUse, oldUse := now.Add(-time.Hour), now.Add(-30*testkit.Day)
	recent := env.Mock.AddKey(testkit.User, env.Key("recent-key", 100*testkit.Day, &recentUse))
	dormant := env.Mock.AddKey(testkit.User, env.Key("dormant-key", 100*testkit.Day, &oldUse))
	cfg := func(suffix string, providerAttributes ...string) string {
		return env.ProviderBlock(providerAttributes...) + fmt.Sprintf(`
import {
  to = circularo_api_key.recent
  id = %[1]q
}

import {
  to = circularo_api_key.dormant
  id = %[2]q
}

resource "circularo_api_key" "recent" {
  description = "recent-key%[3]s"
}

resource "circularo_api_key" "dormant" {
  description = "dormant-key%[3]s"
}
`, client.Fingerprint(recent.Value), client.Fingerprint(dormant.Value), suffix)
	}
	recentWarning := func(verb string) testkit.Warning {
		return recentUseWarning("recent-key", client.Fingerprint(recent.Value), recentUse, verb)
	}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{obs.ExpectWarnings()}, // adoption revokes nothing
				},
			},
			{
				PreConfig:          obs.Reset,
				Config:             cfg(" renamed"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("circularo_api_key.recent", plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction("circularo_api_key.dormant", plancheck.ResourceActionDestroyBeforeCreate),
						obs.ExpectWarnings(recentWarning("replaces")),
					},
				},
			},
			{
				PreConfig:          obs.Reset,
				Config:             cfg(" renamed", `revocation_warning_window = "0s"`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{obs.ExpectWarnings()},
				},
			},
			{
				PreConfig: obs.Reset,
				Config:    cfg(""),
				Destroy:   true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("circularo_api_key.recent", plancheck.ResourceActionDestroy),
						plancheck.ExpectResourceAction("circularo_api_key.dormant", plancheck.ResourceActionDestroy),
						obs.ExpectWarnings(recentWarning("destroys")),
					},
				},
			},
		},
	})
}

// A plan that would revoke the key the provider authenticates with fails, whether it destroys or
// replaces it; the key survives, and a provider that logs in instead may revoke it.
func TestAPIKeyResource_selfRevocationFails(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	self := env.Mock.AddKey(testkit.User, env.Key("terraform-auth", 10*testkit.Day, nil))
	fingerprint := client.Fingerprint(self.Value)
	resources := func(description string) string {
		return fmt.Sprintf(`
import {
  to = circularo_api_key.test
  id = %q
}

resource "circularo_api_key" "test" {
  description = %q
  store_token = false
}
`, fingerprint, description)
	}
	tokenProvider := env.TokenProviderBlock(self.Value)
	selfRevocation := regexp.MustCompile(`(?s)Error: Plan revokes the provider's own API key.*` +
		regexp.QuoteMeta(fingerprint) + `.*the token the circularo provider authenticates\s+with`)
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: tokenProvider + resources("terraform-auth"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionNoop)},
				},
			},
			{
				Config:      tokenProvider + resources("terraform-auth"),
				Destroy:     true,
				ExpectError: selfRevocation,
			},
			{
				Config:      tokenProvider + resources("terraform-auth renamed"),
				ExpectError: selfRevocation,
			},
			{
				// The key survived both plans; logging in instead, the provider may revoke it (CheckDestroy).
				PreConfig: func() {
					if !env.Mock.KeyExists(self.Value) || env.Mock.Count("delete_key") != 0 {
						t.Error("a failed plan revoked the provider's own key")
					}
				},
				Config: env.ProviderBlock() + resources("terraform-auth"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The examples import.sh and import-by-string-id.tf adopt the key they name, by fingerprint, without
// creating one and with no diff after.
func TestAPIKeyResource_importExamples(t *testing.T) {
	t.Parallel()
	const legacyValue = "LegacyReportingKeyForTheDocumentationExample00000000000000000000"
	const address = "circularo_api_key.legacy_reporting"
	importBlock := exampleFile(t, "resources/circularo_api_key/import-by-string-id.tf")
	command := regexp.MustCompile(`(?m)^terraform import (\S+) (\S+)$`).FindStringSubmatch(
		exampleFile(t, "resources/circularo_api_key/import.sh"))
	if command == nil || command[1] != address || command[2] != client.Fingerprint(legacyValue) {
		t.Fatalf("import.sh imports %q, want %s by the fingerprint of the test key %s", command, address, client.Fingerprint(legacyValue))
	}
	if !strings.Contains(importBlock, fmt.Sprintf("id = %q", client.Fingerprint(legacyValue))) {
		t.Fatalf("import-by-string-id.tf does not import the fingerprint %s of the test key", client.Fingerprint(legacyValue))
	}
	lastUsed := clock.Start().Add(-400 * testkit.Day)
	legacyKey := mockserver.Key{Value: legacyValue, Description: "legacy-reporting", Created: clock.Start().Add(-800 * testkit.Day), LastUsed: &lastUsed}
	resourceOnly := resourceBlockOf(importBlock)

	t.Run("import block", func(t *testing.T) {
		env := newEnv(t, testkit.WithClock(clock.New()))
		env.Mock.AddKey(testkit.User, legacyKey)
		env.unitTest(t, resource.TestCase{
			Steps: []resource.TestStep{
				{
					Config: env.ProviderBlock() + importBlock,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionNoop)},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(address, tfjsonpath.New("id"), knownvalue.StringExact(command[2])),
						statecheck.ExpectKnownValue(address, tfjsonpath.New("last_used"), knownvalue.StringExact(lastUsed.Format(time.RFC3339))),
						statecheck.ExpectKnownValue(address, tfjsonpath.New("token"), knownvalue.Null()),
					},
				},
			},
		})
		if n := env.Mock.Count("create_key"); n != 0 {
			t.Errorf("the adoption created %d keys", n)
		}
	})
	t.Run("import command", func(t *testing.T) {
		env := newEnv(t, testkit.WithClock(clock.New()))
		env.Mock.AddKey(testkit.User, legacyKey)
		env.unitTest(t, resource.TestCase{
			Steps: []resource.TestStep{
				{
					Config:             env.ProviderBlock() + resourceOnly,
					ResourceName:       command[1],
					ImportState:        true,
					ImportStateId:      command[2],
					ImportStatePersist: true,
				},
				{
					Config: env.ProviderBlock() + resourceOnly,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						// The example keeps store_token = false: the adopted key's value is not in the state.
						statecheck.ExpectKnownValue(address, tfjsonpath.New("token"), knownvalue.Null()),
						statecheck.ExpectKnownValue(address, tfjsonpath.New("store_token"), knownvalue.Bool(false)),
					},
				},
			},
		})
		if n := env.Mock.Count("create_key"); n != 0 {
			t.Errorf("the import created %d keys", n)
		}
	})
}

// resourceBlockOf keeps the resource block of an example, without its import block, for the CLI
// import, which needs the resource in the configuration but no import block.
func resourceBlockOf(example string) string {
	i := strings.Index(example, `resource "circularo_api_key"`)
	if i < 0 {
		return ""
	}
	return example[i:]
}

// What users see: `terraform plan -destroy` prints the warning about a recently used key (and none
// about a dormant one), and fails with the self-revocation error for the provider's own token. The
// real CLI runs the built provider, whose clock is the real one.
func TestAPIKeyResource_destroyPlanOutput(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	now := time.Now().UTC().Truncate(time.Second) // the built provider's clock, in the API's form
	recentUse, oldUse := now.Add(-time.Hour), now.Add(-200*testkit.Day)
	recent := env.Mock.AddKey(testkit.User, env.Key("recent-key", 300*testkit.Day, &recentUse))
	dormant := env.Mock.AddKey(testkit.User, env.Key("dormant-key", 300*testkit.Day, &oldUse))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	wd := testkit.Workdir(t) // the provider binary is built once per test binary
	write := func(providerBlock string) {
		t.Helper()
		err := wd.WriteConfig(testkit.TerraformBlock() + providerBlock + fmt.Sprintf(`
import {
  to = circularo_api_key.recent
  id = %q
}

import {
  to = circularo_api_key.dormant
  id = %q
}

resource "circularo_api_key" "recent" {
  description = "recent-key"
  store_token = false
}

resource "circularo_api_key" "dormant" {
  description = "dormant-key"
  store_token = false
}
`, client.Fingerprint(recent.Value), client.Fingerprint(dormant.Value)))
		if err != nil {
			t.Fatal(err)
		}
	}
	checkNoSecret := func(out string) {
		t.Helper()
		for _, s := range []string{testkit.Password, recent.Value, dormant.Value} {
			if strings.Contains(out, s) {
				t.Errorf("the output shows a secret (%d characters)", len(s))
			}
		}
	}

	write(env.ProviderBlock())
	if out, err := wd.Run(ctx, "apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(out, "2 imported, 0 added, 0 changed, 0 destroyed") {
		t.Fatalf("the adoption did not import exactly the two keys:\n%s", out)
	}

	out, err := wd.Run(ctx, "plan", "-destroy", "-no-color")
	if err != nil {
		t.Fatal(err)
	}
	checkNoSecret(out)
	wantWarning := regexp.MustCompile(`(?s)Warning: Revoking a recently used API key\s+.*?\s+This plan destroys the API key\s+"recent-key"\s+\(` +
		regexp.QuoteMeta(client.Fingerprint(recent.Value)) + `\),\s+which\s+revokes\s+it\.\s+The\s+key\s+was\s+last\s+used\s+at\s+` +
		regexp.QuoteMeta(recentUse.Format(time.RFC3339)))
	if !wantWarning.MatchString(out) {
		t.Errorf("plan -destroy shows no warning about recent-key:\n%s", out)
	}
	if n := strings.Count(out, "Warning: Revoking a recently used API key"); n != 1 {
		t.Errorf("plan -destroy shows %d revocation warnings, want 1 (none for dormant-key):\n%s", n, out)
	}
	// The plan names each key with its description, created and last use.
	for _, want := range []string{
		`circularo_api_key.recent will be destroyed`,
		`circularo_api_key.dormant will be destroyed`,
		`description\s+=\s+"dormant-key"\s+->\s+null`,
		`created\s+=\s+"` + dormant.Created.Format(time.RFC3339) + `"\s+->\s+null`,
		`last_used\s+=\s+"` + oldUse.Format(time.RFC3339) + `"\s+->\s+null`,
		`Plan: 0 to add, 0 to change, 2 to destroy\.`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("plan -destroy does not show %s:\n%s", want, out)
		}
	}

	write(env.TokenProviderBlock(recent.Value))
	out, err = wd.Run(ctx, "plan", "-destroy", "-no-color")
	if err == nil {
		t.Fatalf("plan -destroy of the provider's own key succeeded:\n%s", out)
	}
	checkNoSecret(err.Error())
	wantError := regexp.MustCompile(`(?s)Error: Plan revokes the provider's own API key\s+.*?\s+This plan destroys the API key\s+"recent-key"\s+\(` +
		regexp.QuoteMeta(client.Fingerprint(recent.Value)) + `\)`)
	if !wantError.MatchString(err.Error()) {
		t.Errorf("plan -destroy does not fail with the self-revocation error:\n%s", err)
	}

	write(env.ProviderBlock())
	if _, err := wd.Run(ctx, "destroy", "-auto-approve", "-no-color"); err != nil {
		t.Fatal(err)
	}
	if n := len(env.Mock.Keys(testkit.User)); n != 0 {
		t.Errorf("%d keys are left after destroy", n)
	}
}
