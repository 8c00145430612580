package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
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

const keyAddress = "circularo_api_key.test"

func (e *testEnv) keyConfig(description string) string {
	return e.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = %q
}
`, description)
}

// keyConfigWithoutToken is keyConfig with store_token = false.
func (e *testEnv) keyConfigWithoutToken(description string) string {
	return e.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = %q
  store_token = false
}
`, description)
}

// checkKeyOnServer proves that the key in the state exists on the server with this description.
func (e *testEnv) checkKeyOnServer(description string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		value, err := keyValue(s, keyAddress)
		if err != nil {
			return err
		}
		for _, k := range e.Mock.Keys(testkit.User) {
			if k.Value == value {
				if k.Description != description {
					return fmt.Errorf("the key on the server is described %q, want %q", k.Description, description)
				}
				return nil
			}
		}
		return fmt.Errorf("the key in the state does not exist on the server")
	}
}

func TestAPIKeyResource_lifecycle(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	byAttribute := func(attr string) resource.ImportStateIdFunc {
		return func(s *terraform.State) (string, error) {
			return s.RootModule().Resources[keyAddress].Primary.Attributes[attr], nil
		}
	}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: env.keyConfig("ci-pipeline"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("id"), knownvalue.StringRegexp(fingerprintPattern)),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("description"), knownvalue.StringExact("ci-pipeline")),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9]{64}$`))),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("created"), knownvalue.StringFunc(isRecentTimestamp)),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("last_used"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("api_key_type"), knownvalue.StringExact("generic")),
					statecheck.ExpectSensitiveValue(keyAddress, tfjsonpath.New("token")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkKeyOnServer("ci-pipeline"),
					checkIDIsFingerprintOfToken,
				),
			},
			{
				// A second plan with the same configuration changes nothing.
				Config: env.keyConfig("ci-pipeline"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			// An import never stores the value (store_token = false): the rest must be what create stored.
			{
				ResourceName:            keyAddress,
				ImportState:             true,
				ImportStateIdFunc:       byAttribute("id"),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token", "store_token"},
			},
			{
				ResourceName:            keyAddress,
				ImportState:             true,
				ImportStateIdFunc:       byAttribute("token"),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token", "store_token"},
			},
		},
	})
}

func isRecentTimestamp(v string) error {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return err
	}
	if time.Since(t) > 10*time.Minute || time.Until(t) > time.Minute {
		return fmt.Errorf("timestamp %s is not recent", v)
	}
	return nil
}

func checkIDIsFingerprintOfToken(s *terraform.State) error {
	attrs := s.RootModule().Resources[keyAddress].Primary.Attributes
	if want := client.Fingerprint(attrs["token"]); attrs["id"] != want {
		return fmt.Errorf("id = %q, want the fingerprint of the token %q", attrs["id"], want)
	}
	return nil
}

// An import block by fingerprint adopts an existing key and creates none. With store_token = false
// the import is all there is; with the default, the same apply reads the value into the state (an
// in-place update). Either way the next plan is empty.
func TestAPIKeyResource_importBlockByFingerprint(t *testing.T) {
	t.Parallel()
	for _, storeToken := range []bool{false, true} {
		t.Run(fmt.Sprintf("store_token=%t", storeToken), func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, testkit.WithClock(clock.New()))
			lastUsed := env.Now().Add(-48 * time.Hour)
			existing := env.Mock.AddKey(testkit.User, env.Key("made-by-hand", 200*testkit.Day, &lastUsed))
			var action, token = plancheck.ResourceActionNoop, knownvalue.Check(knownvalue.Null())
			if storeToken {
				action, token = plancheck.ResourceActionUpdate, knownvalue.StringExact(existing.Value)
			}
			config := env.ProviderBlock() + fmt.Sprintf(`
import {
  to = circularo_api_key.test
  id = %q
}

resource "circularo_api_key" "test" {
  description = "made-by-hand"
  store_token = %t
}
`, client.Fingerprint(existing.Value), storeToken)
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, action)},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("id"), knownvalue.StringExact(client.Fingerprint(existing.Value))),
							statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("last_used"), knownvalue.StringExact(lastUsed.Format(time.RFC3339))),
							statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), token),
							env.expectNoCreateOrRevoke(),
						},
					},
					{
						Config:   config,
						PlanOnly: true, // no diff after the import
					},
				},
			})
		})
	}
}

func TestAPIKeyResource_importUnknownKey(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: env.keyConfig("x"),
			},
			{
				ResourceName:  keyAddress,
				ImportState:   true,
				ImportStateId: "sha256:0000000000000000",
				ExpectError:   regexp.MustCompile(`(?s)No API key to import.*fingerprint\s+sha256:0000000000000000`),
			},
		},
	})
}

func TestAPIKeyResource_descriptionChangeReplaces(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	differs := statecheck.CompareValue(compare.ValuesDiffer())
	var first string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: env.keyConfig("before"),
				ConfigStateChecks: []statecheck.StateCheck{
					differs.AddStateValue(keyAddress, tfjsonpath.New("token")),
				},
				Check: func(s *terraform.State) (err error) {
					first, err = keyValue(s, keyAddress)
					return err
				},
			},
			{
				Config: env.keyConfig("after"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					differs.AddStateValue(keyAddress, tfjsonpath.New("token")),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("description"), knownvalue.StringExact("after")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkKeyOnServer("after"),
					func(*terraform.State) error {
						if env.Mock.KeyExists(first) {
							return fmt.Errorf("the replaced key was not revoked")
						}
						return nil
					},
				),
			},
		},
	})
}

// A key revoked outside Terraform leaves the state on refresh, and the next apply creates a new one.
func TestAPIKeyResource_revokedOutsideTerraform(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	var first string
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: env.keyConfig("drifting"),
				Check: func(s *terraform.State) (err error) {
					first, err = keyValue(s, keyAddress)
					return err
				},
			},
			{
				PreConfig: func() {
					if !env.Mock.RevokeKey(first) {
						t.Fatal("the mock did not know the key")
					}
				},
				Config: env.keyConfig("drifting"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkKeyOnServer("drifting"),
					func(s *terraform.State) error {
						if v, _ := keyValue(s, keyAddress); v == first {
							return fmt.Errorf("the state still holds the revoked key")
						}
						return nil
					},
				),
			},
		},
	})
}

// A description edited on the server shows as a change that forces replacement.
func TestAPIKeyResource_descriptionEditedOutsideTerraform(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	var first string
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: env.keyConfig("original"),
				Check: func(s *terraform.State) (err error) {
					first, err = keyValue(s, keyAddress)
					return err
				},
			},
			{
				PreConfig: func() { env.Mock.SetKeyDescription(first, "edited in the UI") },
				Config:    env.keyConfig("original"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				Check: env.checkKeyOnServer("original"),
			},
		},
	})
}

func TestAPIKeyResource_invalidDescription(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	for name, tc := range map[string]struct {
		description string
		want        string
	}{
		"empty":     {"", `(?s)description.*character count must be between 1 and 255`},
		"too long":  {strings.Repeat("a", 256), `(?s)description.*character count must be between 1 and 255`},
		"multibyte": {strings.Repeat("é", 256), `(?s)description.*character count must be between 1 and 255`},
	} {
		t.Run(name, func(t *testing.T) {
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config:      env.keyConfig(tc.description),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := env.Mock.Count("create_key"); n != 0 {
		t.Errorf("invalid descriptions reached the server %d times", n)
	}
}

// What Terraform 1.16 (and OpenTofu 1.12, where it has the same) changes for the resource, each tried
// with the real CLI: lifecycle { destroy = false } forgets keys instead of revoking them, and import
// blocks work inside modules. Each test gates on the CLI it needs.

// expectActions is a plan check: the resource's change is exactly these actions, in any order
// (plancheck has no action type for "forget").
func expectActions(address string, want ...tfjson.Action) plancheck.PlanCheck {
	return testkit.PlanCheckFunc(func(plan *tfjson.Plan) error {
		for _, rc := range plan.ResourceChanges {
			if rc.Address == address {
				if got := slices.Sorted(slices.Values(rc.Change.Actions)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
					return fmt.Errorf("%s: the plan's actions are %v, want %v", address, rc.Change.Actions, want)
				}
				return nil
			}
		}
		return fmt.Errorf("%s is not in the plan", address)
	})
}

// keyAuthenticates reports whether a key's token still authenticates an API call (GET /api/key):
// whether the key is a live credential. The token goes to the mock only, never into a message.
func (e *testEnv) keyAuthenticates(ctx context.Context, token string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+e.Mock.APIPath()+"/api/key?token="+url.QueryEscape(token), nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, fmt.Errorf("GET /api/key with the key's token failed") // the error names the URL, and so the token
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// captureToken is a state check that keeps the token of address in *tokens, for checks after the
// key left the state. It never prints the value.
type captureToken struct {
	address string
	tokens  *[]string
}

func (c captureToken) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == c.address {
			if token, ok := r.AttributeValues["token"].(string); ok && token != "" {
				*c.tokens = append(*c.tokens, token)
				return
			}
		}
	}
	resp.Error = fmt.Errorf("%s has no token in the state", c.address)
}

// lifecycle { destroy = false } (Terraform 1.16, OpenTofu 1.12) makes Terraform forget the key where
// it would revoke it: on destroy, and on replacement, which creates the new key and forgets the old
// one. No DELETE is sent, and every forgotten key still authenticates: Circularo keys are valid for 10
// years by default, so each is a live credential that nothing manages any more. The resource's
// documentation and the rotation guide say so.
func TestAPIKeyResource_destroyFalseForgetsWithoutRevoking(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	unrelated := env.Mock.AddKey(testkit.User, env.Key("unrelated", 10*testkit.Day, nil))
	var tokens []string // the keys' values, as the state held them
	keyConfig := func(description string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = %q
  lifecycle {
    destroy = false
  }
}
`, description)
	}
	var forgetError *regexp.Regexp
	if testkit.IsOpenTofu(t) {
		forgetError = regexp.MustCompile(`Destroy was successful but left behind forgotten instances`)
	}
	noDelete := testkit.Check(func() error {
		if n := env.Mock.Count("delete_key"); n != 0 {
			return fmt.Errorf("%d DELETE /api/key calls, want none: destroy = false must never revoke", n)
		}
		return nil
	})
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.DestroyFalse),
		Steps: []resource.TestStep{
			{
				Config: keyConfig("ci-deploy"),
				ConfigStateChecks: []statecheck.StateCheck{
					captureToken{address: keyAddress, tokens: &tokens},
				},
			},
			{
				// A replacement (here a new description; rotate_after and keepers alike) creates the new
				// key and forgets the old one, which stays valid.
				Config: keyConfig("ci-deploy-v2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectActions(keyAddress, tfjson.ActionCreate, tfjson.ActionForget)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					captureToken{address: keyAddress, tokens: &tokens},
					noDelete,
				},
			},
			{
				// A destroy forgets the key too: Terraform's plan says "will no longer be managed by
				// Terraform, but will not be destroyed" and the destroy succeeds; OpenTofu's destroy
				// forgets it as well but then fails, "Destroy was successful but left behind forgotten
				// instances" (unless -suppress-forget-errors).
				Config:      keyConfig("ci-deploy-v2"),
				Destroy:     true,
				ExpectError: forgetError,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectActions(keyAddress, tfjson.ActionForget)},
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if err := noDelete(); err != nil {
				return err
			}
			if len(tokens) != 2 || tokens[0] == tokens[1] {
				return fmt.Errorf("want two different keys captured from the state, got %d", len(tokens))
			}
			if !env.Mock.KeyExists(unrelated.Value) {
				return fmt.Errorf("the unrelated key is gone")
			}
			for i, token := range tokens {
				if !env.Mock.KeyExists(token) {
					return fmt.Errorf("forgotten key %d of 2 no longer exists on the server", i+1)
				}
				ok, err := env.keyAuthenticates(context.Background(), token)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("forgotten key %d of 2 no longer authenticates", i+1)
				}
			}
			return nil
		},
	})
}

// decommissionExample is the example of a before_destroy trigger that revokes an integration's keys.
var decommissionExample = config.StaticDirectory("../../examples/workflows/decommission-integration")

// integrations is the example's integrations variable: each integration's keys by fingerprint.
func integrations(keys map[string][]mockserver.Key) config.Variables {
	m := map[string]config.Variable{}
	for name, ks := range keys {
		var fps []config.Variable
		for _, k := range ks {
			fps = append(fps, config.StringVariable(client.Fingerprint(k.Value)))
		}
		m[name] = config.SetVariable(fps...)
	}
	return config.Variables{"integrations": config.MapVariable(m)}
}

// expectKeys is a state check on the mock: exactly these keys are left, and so many DELETE calls
// were made in all.
func (e *testEnv) expectKeys(deletes int, left ...mockserver.Key) error {
	var got, want []string
	for _, k := range e.Mock.Keys(testkit.User) {
		got = append(got, k.Description)
	}
	for _, k := range left {
		want = append(want, k.Description)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("the user's keys are %q, want %q", got, want)
	}
	if n := e.Mock.Count("delete_key"); n != deletes {
		return fmt.Errorf("%d DELETE /api/key calls in all, want %d", n, deletes)
	}
	return nil
}

// Import blocks inside modules (Terraform 1.16): the adopt-keys-in-module example, run as users run
// it (its fingerprints swapped for the mock's keys), adopts one key by identity and one by
// fingerprint as import ID from inside its module, as the resource's import examples do in the root
// module: the apply imports both and creates and revokes nothing, the next plan is empty, and the
// destroy revokes exactly those two keys.
//
// terraform-plugin-testing reads no state with modules in it ("Modules are not supported"), so the
// test drives the CLI itself, with the provider built once (testkit.ProviderDir).
func TestAPIKeyResource_importBlocksInModule(t *testing.T) {
	t.Parallel()
	testkit.RequireCLI(t, testkit.ImportInModules)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := newEnv(t)
	zapier := env.Mock.AddKey(testkit.User, env.Key("old-zapier", 300*testkit.Day, nil))
	reporting := env.Mock.AddKey(testkit.User, env.Key("legacy-reporting", 300*testkit.Day, nil))
	unrelated := env.Mock.AddKey(testkit.User, env.Key("ci-pipeline", 10*testkit.Day, nil))

	const example = "workflows/adopt-keys-in-module"
	wd := testkit.Workdir(t)
	wd.Env = append(wd.Env, envURL+"="+env.URL, envUsername+"="+testkit.User, envPassword+"="+testkit.Password)
	// The example names the documentation's fingerprints; the mock's keys have others.
	root := strings.NewReplacer(
		"sha256:246b2ab95b93dfde", client.Fingerprint(zapier.Value),
		"sha256:718518ad8d06ff47", client.Fingerprint(reporting.Value),
	).Replace(exampleFile(t, example+"/main.tf"))
	if !strings.Contains(root, client.Fingerprint(zapier.Value)) || !strings.Contains(root, client.Fingerprint(reporting.Value)) {
		t.Fatalf("examples/%s/main.tf no longer names the fingerprints this test swaps", example)
	}
	if err := wd.WriteConfig(root); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(wd.Dir, "modules", "adopted-keys")
	if err := os.MkdirAll(module, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(module, "main.tf"), []byte(exampleFile(t, example+"/modules/adopted-keys/main.tf")), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := wd.Run(ctx, append(args, "-no-color")...)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []mockserver.Key{zapier, reporting, unrelated} {
			if strings.Contains(out, k.Value) {
				t.Fatalf("terraform %s shows a key's token", args[0])
			}
		}
		return out
	}

	run("init", "-input=false")
	apply := run("apply", "-auto-approve", "-input=false")
	for _, want := range []string{
		fmt.Sprintf("module.zapier.circularo_api_key.adopted[%q]: Import complete [identity=fingerprint=%s]", client.Fingerprint(zapier.Value), client.Fingerprint(zapier.Value)),
		fmt.Sprintf("module.reporting.circularo_api_key.adopted[%q]: Import complete [id=%s]", client.Fingerprint(reporting.Value), client.Fingerprint(reporting.Value)),
		"Resources: 2 imported, 0 added, 0 changed, 0 destroyed.",
	} {
		if !strings.Contains(apply, want) {
			t.Errorf("the apply's output lacks %q:\n%s", want, apply)
		}
	}
	if err := env.expectKeys(0, zapier, reporting, unrelated); err != nil {
		t.Error(err)
	}
	if n := env.Mock.Count("create_key"); n != 0 {
		t.Errorf("the apply created %d keys, want none", n)
	}
	if _, err := wd.Run(ctx, "plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after the import is not empty: %v", err)
	}
	run("destroy", "-auto-approve", "-input=false")
	if err := env.expectKeys(2, unrelated); err != nil {
		t.Error(err)
	}
}
