package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
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
	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
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
				Check: keepValue(keyAddress, &first),
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
				Check:  keepValue(keyAddress, &first),
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
				Check:  keepValue(keyAddress, &first),
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

// Create sets the identity to the key's fingerprint, never its token, and each kind of import
// (command with ID, block with ID, block with identity) adopts the key with that identity. The key
// keeps no value (store_token = false), as an import records it, so that each import is a no-op.
func TestAPIKeyResource_identity(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Identity),
		CheckDestroy:           env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: env.keyConfigWithoutToken("ci-pipeline"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(keyAddress, map[string]knownvalue.Check{
						"fingerprint": knownvalue.StringRegexp(fingerprintPattern),
					}),
					statecheck.ExpectIdentityValueMatchesStateAtPath(keyAddress, tfjsonpath.New("fingerprint"), tfjsonpath.New("id")),
				},
			},
			{
				// Refreshes keep the identity: Terraform fails a plan whose identity changes.
				Config: env.keyConfigWithoutToken("ci-pipeline"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName:    keyAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionNoop)},
				},
			},
			{
				ResourceName:      keyAddress,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: stateAttribute(keyAddress, "id"),
			},
			{
				ResourceName:      keyAddress,
				ImportState:       true,
				ImportStateIdFunc: stateAttribute(keyAddress, "id"),
				ImportStateVerify: true,
			},
		},
	})
}

// An import block with identity adopts the key: no create, no revoke, and an empty plan after. With
// store_token left at its default, the same apply reads the token into the state (an in-place update).
func TestAPIKeyResource_importBlockByIdentity(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	lastUsed := env.Now().Add(-48 * time.Hour)
	existing := env.Mock.AddKey(testkit.User, env.Key("made-by-hand", 200*testkit.Day, &lastUsed))
	fingerprint := client.Fingerprint(existing.Value)
	config := env.ProviderBlock() + fmt.Sprintf(`
import {
  to       = circularo_api_key.test
  identity = { fingerprint = %q }
}

resource "circularo_api_key" "test" {
  description = "made-by-hand"
}
`, fingerprint)
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Identity),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectFingerprintIdentity(keyAddress, fingerprint),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("id"), knownvalue.StringExact(fingerprint)),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), knownvalue.StringExact(existing.Value)),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("last_used"), knownvalue.StringExact(lastUsed.Format(time.RFC3339))),
					env.expectNoCreateOrRevoke(),
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{env.expectNoCreateOrRevoke()},
			},
		},
	})
}

// An identity that names none of the user's keys, or is no fingerprint at all, fails the plan with
// an error naming it, and creates nothing.
func TestAPIKeyResource_importByUnknownIdentity(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fingerprint string
		want        *regexp.Regexp
	}{
		"no such key": {"sha256:0000000000000000",
			regexp.MustCompile(`(?s)No API key to import.*fingerprint\s+sha256:0000000000000000\s+given\s+as\s+import\s+identity`)},
		"not a fingerprint": {"legacy-reporting",
			regexp.MustCompile(`(?s)Invalid API key identity.*"legacy-reporting"\s+is\s+not\s+a\s+fingerprint`)},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, testkit.WithClock(clock.New()))
			env.Mock.AddKey(testkit.User, env.Key("legacy-reporting", 10*testkit.Day, nil))
			env.unitTest(t, resource.TestCase{
				TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Identity),
				Steps: []resource.TestStep{{
					Config: env.ProviderBlock() + fmt.Sprintf(`
import {
  to       = circularo_api_key.test
  identity = { fingerprint = %q }
}

resource "circularo_api_key" "test" {
  description = "legacy-reporting"
}
`, tc.fingerprint),
					ExpectError: tc.want,
				}},
			})
			if n := env.Mock.Count("create_key"); n != 0 {
				t.Errorf("a failed import created %d keys", n)
			}
		})
	}
}

// A key in a state written before the provider had identities gets its identity on its next
// refresh, and that plan changes nothing.
func TestAPIKeyResource_identityAddedOnRefresh(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	// The first step's provider is a release without identities; from the second step on, this one.
	var current atomic.Bool
	env.wrapServer(func(server tfprotov6.ProviderServer) tfprotov6.ProviderServer {
		if current.Load() {
			return server
		}
		return noIdentityServer{server}
	})
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Identity),
		Steps: []resource.TestStep{
			{
				Config:            env.keyConfig("from-an-older-release"),
				ConfigStateChecks: []statecheck.StateCheck{expectNoIdentity(keyAddress)},
			},
			{
				PreConfig: func() { current.Store(true) },
				Config:    env.keyConfig("from-an-older-release"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesStateAtPath(keyAddress, tfjsonpath.New("fingerprint"), tfjsonpath.New("id")),
				},
			},
		},
	})
	if n := env.Mock.Count("create_key"); n != 1 {
		t.Errorf("%d keys were created, want the 1 of the first step", n)
	}
}

// The example import-by-identity.tf adopts the key it names, by identity, without creating or
// revoking one, and with no diff after.
func TestAPIKeyResource_importByIdentityExample(t *testing.T) {
	t.Parallel()
	const value = "OldZapierKeyForTheIdentityImportDocumentationExample000000000000"
	const address = "circularo_api_key.old_zapier"
	example := exampleFile(t, "resources/circularo_api_key/import-by-identity.tf")
	if !strings.Contains(example, fmt.Sprintf("fingerprint = %q", client.Fingerprint(value))) {
		t.Fatalf("import-by-identity.tf does not import the fingerprint %s of the test key", client.Fingerprint(value))
	}
	env := newEnv(t, testkit.WithClock(clock.New()))
	env.Mock.AddKey(testkit.User, mockserver.Key{Value: value, Description: "old-zapier", Created: env.Now().Add(-300 * testkit.Day)})
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.Identity),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderBlock() + example,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(address, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectFingerprintIdentity(address, client.Fingerprint(value)),
					// The example keeps store_token = false: the adopted key's value is not in the state.
					statecheck.ExpectKnownValue(address, tfjsonpath.New("token"), knownvalue.Null()),
					env.expectNoCreateOrRevoke(),
				},
			},
			{
				Config: env.ProviderBlock() + example,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func expectFingerprintIdentity(address, fingerprint string) statecheck.StateCheck {
	return statecheck.ExpectIdentity(address, map[string]knownvalue.Check{"fingerprint": knownvalue.StringExact(fingerprint)})
}

func stateAttribute(address, attr string) resource.ImportStateIdFunc { //nolint:unparam // the acceptance tier's address happens to be the same
	return func(s *terraform.State) (string, error) {
		return s.RootModule().Resources[address].Primary.Attributes[attr], nil
	}
}

// expectNoCreateOrRevoke is a state check on the mock: so far, no key was created or revoked.
func (e *testEnv) expectNoCreateOrRevoke() statecheck.StateCheck {
	return testkit.ExpectSomeAPICalls(e.Mock, map[string]int{"create_key": 0, "delete_key": 0})
}

// noIdentityServer is the provider as a release without resource identity served it.
type noIdentityServer struct{ tfprotov6.ProviderServer }

func (s noIdentityServer) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (s noIdentityServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.ProviderServer.ReadResource(ctx, req)
	if resp != nil {
		resp.NewIdentity = nil
	}
	return resp, err
}

func (s noIdentityServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		resp.PlannedIdentity = nil
	}
	return resp, err
}

func (s noIdentityServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		resp.NewIdentity = nil
	}
	return resp, err
}

// expectNoIdentity proves that the state holds no identity for address, so that a later identity
// can only come from a refresh.
func expectNoIdentity(address string) statecheck.StateCheck { return noIdentityCheck(address) }

type noIdentityCheck string

func (c noIdentityCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state to check")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == string(c) {
			if len(r.IdentityValues) != 0 {
				resp.Error = fmt.Errorf("%s has the identity %v, want none", c, r.IdentityValues)
			}
			return
		}
	}
	resp.Error = fmt.Errorf("%s is not in the state", c)
}

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
				Check:  keepValue(deployAddress, &first),
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
				Check: keepValue(address, &first),
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

// What users see: `terraform plan -destroy` prints the warning about a recently used key (and none
// about a dormant one), and fails with the self-revocation error for the provider's own token. The
// real CLI runs the built provider, whose clock is the real one.
func TestAPIKeyResource_destroyPlanOutput(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	// The environment's clock is the real one, which the built provider shares.
	recentUse, oldUse := env.Ago(time.Hour), env.Ago(200*testkit.Day)
	recent := env.Mock.AddKey(testkit.User, env.Key("recent-key", 300*testkit.Day, recentUse))
	dormant := env.Mock.AddKey(testkit.User, env.Key("dormant-key", 300*testkit.Day, oldUse))
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

// resourceBlockOf keeps the resource block of an example, without its import block, for the CLI
// import, which needs the resource in the configuration but no import block.
func resourceBlockOf(example string) string {
	i := strings.Index(example, `resource "circularo_api_key"`)
	if i < 0 {
		return ""
	}
	return example[i:]
}

// Switching store_token either way is an in-place update: no key is created or revoked, false
// drops the value from the state, and true reads the same key's value back from the list.
func TestAPIKeyResource_storeTokenSwitch(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	sameKey := statecheck.CompareValue(compare.ValuesSame())
	noCreateOrRevoke := func(creates int) statecheck.StateCheck {
		return testkit.Check(func() error {
			if c, d := env.Mock.Count("create_key"), env.Mock.Count("delete_key"); c != creates || d != 0 {
				return fmt.Errorf("%d creates and %d DELETEs, want %d and none", c, d, creates)
			}
			return nil
		})
	}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				Config: env.keyConfig("ci"),
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(keyAddress, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("store_token"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9]{64}$`))),
				},
				Check: env.checkKeyOnServer("ci"),
			},
			{
				Config: env.keyConfigWithoutToken("ci"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(keyAddress, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), knownvalue.Null()),
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("store_token"), knownvalue.Bool(false)),
					noCreateOrRevoke(1),
				},
			},
			{
				// Refreshes keep the value out, and the plan stays empty.
				Config: env.keyConfigWithoutToken("ci"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(keyAddress, tfjsonpath.New("token"), knownvalue.Null()),
				},
			},
			{
				Config: env.keyConfig("ci"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(keyAddress, tfjsonpath.New("token")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameKey.AddStateValue(keyAddress, tfjsonpath.New("id")),
					noCreateOrRevoke(1),
				},
				Check: resource.ComposeAggregateTestCheckFunc(env.checkKeyOnServer("ci"), checkIDIsFingerprintOfToken),
			},
		},
	})
}

// With store_token = false, the key's value is nowhere Terraform writes: not in the raw state file,
// not in a saved plan file (a create and an import alike), not in the CLI's output. The ephemeral
// circularo_api_key reads it at run time and configures an aliased provider, which lists the keys
// with it.
func TestAPIKeyResource_storeTokenFalseKeepsTheValueOutOfFiles(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.EphemeralResources)
	env := newEnv(t)
	adopted := env.Mock.AddKey(testkit.User, env.Key("old-report", 400*testkit.Day, nil))
	wd := testkit.Workdir(t)
	keys := testkit.TerraformBlock() + env.ProviderBlock() + integrationKeys(adopted)
	// A provider cannot be configured with a value known only after apply: the key must exist before
	// its value can configure one, so the consumer comes in a second apply.
	consumer := integrationConsumer(env.URL) + `
output "keys_seen_by_the_integration_key" {
  value = length(data.circularo_api_keys.as_integration.api_keys)
}
`
	write := func(hcl string) {
		t.Helper()
		if err := wd.WriteConfig(hcl); err != nil {
			t.Fatal(err)
		}
	}
	values := func() []string {
		var out []string
		for _, k := range env.Mock.Keys(testkit.User) {
			out = append(out, k.Value)
		}
		return append(out, adopted.Value)
	}
	checkNoValue := func(what string, data []byte) {
		t.Helper()
		for _, v := range values() {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%s holds a key value", what)
			}
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := wd.Run(ctx, append(args, "-no-color")...)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		checkNoValue("the output of terraform "+args[0], []byte(out))
		return out
	}

	write(keys)
	run("plan", "-out=create.tfplan", "-input=false")
	checkNoValue("the saved plan of a create and an import", planFileContents(t, filepath.Join(wd.Dir, "create.tfplan")))
	out := run("apply", "-input=false", "create.tfplan")
	if !strings.Contains(out, "1 imported, 1 added, 0 changed, 0 destroyed") {
		t.Errorf("the apply did not import one key and create one:\n%s", out)
	}

	write(keys + consumer)
	run("plan", "-out=consume.tfplan", "-input=false")
	checkNoValue("the saved plan of the ephemeral value's consumer", planFileContents(t, filepath.Join(wd.Dir, "consume.tfplan")))
	out = run("apply", "-input=false", "consume.tfplan")
	if !strings.Contains(out, "keys_seen_by_the_integration_key = 2") {
		t.Errorf("the provider configured with the ephemeral token did not list the 2 keys:\n%s", out)
	}
	integration := keyByDescription(t, env.Mock, "integration")
	if integration.LastUsed == nil {
		t.Error("the integration key was never used: the aliased provider did not authenticate with it")
	}
	state, err := os.ReadFile(filepath.Join(wd.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	checkNoValue("the state file", state)
	if !bytes.Contains(state, []byte(client.Fingerprint(integration.Value))) || !bytes.Contains(state, []byte(client.Fingerprint(adopted.Value))) {
		t.Error("the state file does not hold both keys: the check above proves nothing")
	}

	run("plan", "-destroy", "-out=destroy.tfplan", "-input=false")
	checkNoValue("the saved destroy plan", planFileContents(t, filepath.Join(wd.Dir, "destroy.tfplan")))
	run("apply", "-input=false", "destroy.tfplan")
	if n := len(env.Mock.Keys(testkit.User)); n != 0 {
		t.Errorf("%d keys left after the destroy", n)
	}
}

// planFileContents returns every file of a saved plan (a zip archive) one after the other, so that
// a search sees the values and not their compressed form.
func planFileContents(t *testing.T, path string) []byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var all bytes.Buffer
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(&all, rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if all.Len() == 0 {
		t.Fatalf("the plan file %s holds nothing", path)
	}
	return all.Bytes()
}

// A refresh that gets an answer of the wrong shape fails: it must not read as "every key was
// revoked", which would drop the keys from the state and plan new ones.
func TestAPIKeyResource_wrongShapedListIsNotRevocation(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	setAnswer := func(body string) func() {
		return func() {
			env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {ContentType: "application/json", Body: body}}})
		}
	}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: env.keyConfig("kept")},
			{
				PreConfig:   setAnswer(`{}`),
				Config:      env.keyConfig("kept"),
				ExpectError: regexp.MustCompile(`(?s)` + words("Could not read the API key") + `.*` + words(`the answer has no "results" list of keys`)),
			},
			{
				PreConfig: func() { env.Mock.SetFaults(mockserver.Faults{}) },
				Config:    env.keyConfig("kept"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	if n := env.Mock.Count("create_key"); n != 1 {
		t.Errorf("%d keys were created, want 1", n)
	}
}

// A server that refuses the documented token-less DELETE still gets its keys revoked by
// terraform apply, and an apply that revokes N keys in parallel pays N+1 DELETEs, not 2N: the
// provider's resources share what the first refusal taught.
func TestAPIKeyResource_revokesWhereDeleteNeedsASession(t *testing.T) {
	t.Parallel()
	const n = 4
	env := newEnv(t, testkit.WithMockOptions(mockserver.Options{DeleteRequiresToken: true}))
	config := func(count int) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  count       = %d
  description = "pipeline-${count.index}"
}
`, count)
	}
	destroys := make([]plancheck.PlanCheck, n)
	for i := range destroys {
		destroys[i] = plancheck.ExpectResourceAction(fmt.Sprintf("circularo_api_key.test[%d]", i), plancheck.ResourceActionDestroy)
	}
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{Config: config(n)},
			{
				PreConfig:        env.Mock.ResetCounts,
				Config:           config(0),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: destroys},
				ConfigStateChecks: []statecheck.StateCheck{
					// delete_key counts every DELETE, those without token included.
					testkit.ExpectSomeAPICalls(env.Mock, map[string]int{"delete_key": n + 1, "delete_key_without_token": 1}),
				},
			},
		},
		CheckDestroy: env.checkNoKeysLeft,
	})
}

// With a third of the calls throttled and a fifth failing with 503, applying and destroying many
// keys still succeeds, and the server ends with exactly the declared keys.
func TestAPIKeyResource_survivesThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	const count = 15
	env := newEnv(t)
	unmanaged := []mockserver.Key{
		env.Mock.AddKey(testkit.User, mockserver.Key{Description: "unmanaged-1"}),
		env.Mock.AddKey(testkit.User, mockserver.Key{Description: "fault-key-0"}), // same description as a managed key
	}
	env.Mock.SetFaults(mockserver.Faults{
		ThrottleRate:      0.3,
		ServerErrorRate:   0.2,
		ServerErrorStatus: 503,
		RetryAfterSeconds: 1,
		Seed:              1,
	})
	env.fastRetries()
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkOnlyKeysLeft(unmanaged...),
		Steps: []resource.TestStep{
			{
				Config: env.faultKeysConfig(count),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkExactlyDeclaredKeys(count, unmanaged...),
					env.checkFaultsHappened,
				),
			},
			{
				// Refreshing under the same faults finds every key: nothing to change.
				Config: env.faultKeysConfig(count),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	t.Logf("mock counters: %v", env.Mock.Counts())
}

// Create calls whose answers are lost after the key was made are recovered by adopting the key:
// the server ends with exactly the declared keys, and the state holds them.
func TestAPIKeyResource_lostCreateAnswersAreAdopted(t *testing.T) {
	t.Parallel()
	const count = 3
	env := newEnv(t)
	env.Mock.SetFaults(mockserver.Faults{DropCreateResponses: 2})
	env.fastRetries()
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkOnlyKeysLeft(),
		Steps: []resource.TestStep{
			{
				Config: env.faultKeysConfig(count),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkExactlyDeclaredKeys(count),
					func(*terraform.State) error {
						if n := env.Mock.Count("create_key"); n != count {
							return fmt.Errorf("%d create calls for %d keys: a lost answer was sent again", n, count)
						}
						return nil
					},
				),
			},
			{
				Config:   env.faultKeysConfig(count),
				PlanOnly: true, // the adopted keys are in the state as they are on the server
			},
		},
	})
}

// faultKeysConfig declares count keys described fault-key-<index>, with retries enough to ride out
// the mock's faults.
func (e *testEnv) faultKeysConfig(count int) string {
	return e.ProviderBlock(`max_retries = 10`, `request_timeout = "5m"`) + fmt.Sprintf(`
resource "circularo_api_key" "fault" {
  count       = %d
  description = "fault-key-${count.index}"
}
`, count)
}

// checkExactlyDeclaredKeys proves that the server holds the unmanaged keys plus exactly one key per
// declared resource, the one in its state.
func (e *testEnv) checkExactlyDeclaredKeys(count int, unmanaged ...mockserver.Key) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		onServer := e.Mock.Keys(testkit.User)
		if len(onServer) != count+len(unmanaged) {
			return fmt.Errorf("the server holds %d keys, want %d declared and %d unmanaged", len(onServer), count, len(unmanaged))
		}
		for _, u := range unmanaged {
			if !e.Mock.KeyExists(u.Value) {
				return fmt.Errorf("the unmanaged key %q is gone", u.Description)
			}
		}
		for i := range count {
			address := fmt.Sprintf("circularo_api_key.fault.%d", i)
			value, err := keyValue(s, address)
			if err != nil {
				return err
			}
			var managed []string
			for _, k := range onServer {
				if k.Description == fmt.Sprintf("fault-key-%d", i) && !slices.ContainsFunc(unmanaged, func(u mockserver.Key) bool { return u.Value == k.Value }) {
					managed = append(managed, k.Value)
				}
			}
			if len(managed) != 1 || managed[0] != value {
				return fmt.Errorf("the server holds %d managed keys described fault-key-%d, want exactly the one in %s", len(managed), i, address)
			}
		}
		return nil
	}
}

// checkOnlyKeysLeft is a CheckDestroy: after destroy only the unmanaged keys remain.
func (e *testEnv) checkOnlyKeysLeft(unmanaged ...mockserver.Key) func(*terraform.State) error {
	return func(*terraform.State) error {
		left := e.Mock.Keys(testkit.User)
		if len(left) != len(unmanaged) {
			return fmt.Errorf("%d keys are left after destroy, want the %d unmanaged ones", len(left), len(unmanaged))
		}
		for _, u := range unmanaged {
			if !e.Mock.KeyExists(u.Value) {
				return fmt.Errorf("destroy revoked the unmanaged key %q", u.Description)
			}
		}
		return nil
	}
}

// checkFaultsHappened makes sure that the mock did misbehave, so the test cannot pass vacuously.
func (e *testEnv) checkFaultsHappened(*terraform.State) error {
	if e.Mock.Count("throttled") == 0 || e.Mock.Count("server_error") == 0 {
		return fmt.Errorf("the mock injected no faults: %v", e.Mock.Counts())
	}
	return nil
}

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

// oneListCall is what a plan that revokes keys may cost: one login and one shared list, however many
// keys it revokes (the refresh, when there is one, makes that same list).
var oneListCall = map[string]int{"login": 1, "list_keys": 1}

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

func newRuleKeys(env *testEnv, clock *clock.Clock, usedAge, idleAge time.Duration) *ruleKeys {
	now := clock.Now()
	return &ruleKeys{
		env:  env,
		used: env.Mock.AddKey(testkit.User, mockserver.Key{Description: "used-key", Created: now.Add(-usedAge)}),
		idle: env.Mock.AddKey(testkit.User, mockserver.Key{Description: "idle-key", Created: now.Add(-idleAge)}),
	}
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

// ruleKeys are the two keys of the revocation_review = "error" tests, seeded on the mock so that their
// fingerprints are known when the steps are written: "used-key", which the test uses after adopting it,
// and "idle-key", made created ago and never used (a finding when created is within the window).
type ruleKeys struct {
	env        *testEnv
	used, idle mockserver.Key
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

// TestAPIKeyResource_refreshListsKeysOncePerProcess refreshes 25 keys, alone and with the data
// source, and counts the list calls of every terraform command: one per provider process that
// needs the API, never one per key, and none for planning without a refresh.
func TestAPIKeyResource_refreshListsKeysOncePerProcess(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	oneList := map[string]int{"login": 1, "list_keys": 1}
	noCalls := map[string]int{}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				// The plan needs nothing from the API; the apply lists once (the creates' check for
				// keys left by a failed create) and creates every key.
				Config:    env.manyKeysConfig(scaleKeyCount, false),
				PreConfig: env.Mock.ResetCounts,
				ConfigStateChecks: []statecheck.StateCheck{
					testkit.ExpectAPICalls(env.Mock, map[string]int{"login": 1, "list_keys": 1, "create_key": scaleKeyCount}),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, noCalls)},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
			{
				// A plan-only step runs `plan -refresh=false` and then `plan`.
				Config:    env.manyKeysConfig(scaleKeyCount, false),
				PreConfig: env.Mock.ResetCounts,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Planning 25 unchanged keys (plan modifiers included) calls nothing.
					PostApplyPreRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, noCalls)},
					// Refreshing 25 keys lists once.
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
			{
				// The data source is read even without a refresh; with one, the 25 refreshes share
				// its list.
				Config:    env.manyKeysConfig(scaleKeyCount, true),
				PreConfig: env.Mock.ResetCounts,
				PlanOnly:  true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
			{
				// Five more keys: the plan refreshes the 25 with one list, and the apply's creates
				// share one list, which the creates keep correct without listing again.
				Config:    env.manyKeysConfig(scaleKeyCount+5, true),
				PreConfig: env.Mock.ResetCounts,
				ConfigStateChecks: []statecheck.StateCheck{
					testkit.ExpectAPICalls(env.Mock, map[string]int{"login": 2, "list_keys": 2, "create_key": 5}),
					testkit.Check(func() error {
						if n := len(env.Mock.Keys(testkit.User)); n != scaleKeyCount+5 {
							return fmt.Errorf("the server holds %d keys, want %d", n, scaleKeyCount+5)
						}
						return nil
					}),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh:  []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
					PostApplyPostRefresh: []plancheck.PlanCheck{testkit.ExpectAPICalls(env.Mock, oneList)},
				},
			},
		},
	})
}

// scaleKeyCount is enough keys for Terraform to refresh them concurrently (its parallelism is 10),
// and few enough for a quick test.
const scaleKeyCount = 25

func (e *testEnv) manyKeysConfig(count int, withDataSource bool) string {
	config := e.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "many" {
  count       = %d
  description = "scale-${count.index}"
}
`, count)
	if withDataSource {
		config += `
data "circularo_api_keys" "all" {}
`
	}
	return config
}

// A state written by the previous build (upgradeFromCommit) plans clean with the current build, as a
// user upgrades: both builds sit in one filesystem mirror (no registry, no dev_overrides), the
// previous one applies, then the configuration asks for the current one and `terraform init
// -upgrade` installs it in the same working directory. Every way a key comes under management is in
// the state: created (store_token true and false), adopted by an import block with a fingerprint,
// with a token value, and, on CLIs with resource identity (Terraform and OpenTofu 1.12+), with an
// identity. The current build must then plan no change, with and without a refresh, create and
// revoke nothing, and keep each resource's identity.
func TestAPIKeyResource_upgradeFromPreviousBuild(t *testing.T) {
	t.Parallel()
	previous := testkit.PreviousProvider(t, upgradeFromCommit, upgradeFromVersion)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// "" on a CLI with resource identity; Terraform 1.11 has none: no import by identity, nothing to compare.
	noIdentity := testkit.CLILacks(t, testkit.Identity)

	env := newEnv(t)
	byFingerprint := env.Mock.AddKey(testkit.User, env.Key("adopted-by-fingerprint", 90*testkit.Day, nil))
	byValue := env.Mock.AddKey(testkit.User, env.Key("adopted-by-value", 30*testkit.Day, nil))
	byIdentity := env.Mock.AddKey(testkit.User, env.Key("adopted-by-identity", 10*testkit.Day, nil))

	wd := testkit.Workdir(t)
	mirror := filepath.Join(wd.Dir, "mirror")
	installInMirror(t, mirror, upgradeFromVersion, previous)
	installInMirror(t, mirror, upgradeToVersion, filepath.Join(testkit.ProviderDir(t), "terraform-provider-circularo"))
	// Only the mirror: an install that looked anywhere else (a registry, dev_overrides) would fail.
	wd.CLIConfig = filepath.Join(wd.Dir, "mirror.tfrc")
	if err := os.WriteFile(wd.CLIConfig, []byte(fmt.Sprintf(
		"provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n}\n",
		mirror, terraformcli.ProviderSource())), 0o600); err != nil {
		t.Fatal(err)
	}

	resources := []string{"created", "created_without_token", "by_fingerprint", "by_value"}
	adoptions := fmt.Sprintf(`
resource "circularo_api_key" "created" {
  description = "created"
}

resource "circularo_api_key" "created_without_token" {
  description = "created-without-token"
  store_token = false
}

import {
  to = circularo_api_key.by_fingerprint
  id = %q
}

resource "circularo_api_key" "by_fingerprint" {
  description = "adopted-by-fingerprint"
}

import {
  to = circularo_api_key.by_value
  id = %q
}

resource "circularo_api_key" "by_value" {
  description = "adopted-by-value"
  store_token = false
}
`, client.Fingerprint(byFingerprint.Value), byValue.Value)
	if noIdentity == "" {
		resources = append(resources, "by_identity")
		adoptions += fmt.Sprintf(`
import {
  to       = circularo_api_key.by_identity
  identity = { fingerprint = %q }
}

resource "circularo_api_key" "by_identity" {
  description = "adopted-by-identity"
}
`, client.Fingerprint(byIdentity.Value))
	}
	config := func(version string) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    circularo = {
      source  = %q
      version = "= %s"
    }
  }
}
`, terraformcli.ProviderSource(), version) + env.ProviderBlock() + adoptions
	}
	write := func(hcl string) {
		t.Helper()
		if err := wd.WriteConfig(hcl); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := wd.Run(ctx, append(args, "-no-color")...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// planExitCode runs `plan -detailed-exitcode`: 0 is an empty plan, 2 a plan with changes.
	planExitCode := func(what string, args ...string) {
		t.Helper()
		cmd := wd.Command(ctx, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, args...)...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit) && exit.ExitCode() == 2:
			t.Errorf("%s: the plan has changes (plan -detailed-exitcode exited 2):\n%s", what, out)
		default:
			t.Fatalf("%s: plan failed: %v\n%s", what, err, out)
		}
	}
	noCreateOrRevokeSince := func(what string, creates int) {
		t.Helper()
		if c, d := env.Mock.Count("create_key"), env.Mock.Count("delete_key"); c != creates || d != 0 {
			t.Errorf("%s: %d keys were created and %d revoked, want %d and none", what, c, d, creates)
		}
	}

	// The previous build creates and adopts the keys.
	write(config(upgradeFromVersion))
	run("init", "-input=false")
	installed(t, wd.Dir, upgradeFromVersion)
	run("apply", "-auto-approve", "-input=false")
	noCreateOrRevokeSince("the previous build's apply", 2)
	planExitCode("the previous build on its own state") // the premise: a clean state to upgrade
	before := stateIdentities(ctx, t, wd, resources)

	// The same working directory moves to the current build, as an upgrade does.
	write(config(upgradeToVersion))
	run("init", "-upgrade", "-input=false")
	installed(t, wd.Dir, upgradeToVersion)
	planExitCode("the current build on the previous build's state")
	planExitCode("the current build on the previous build's state, -refresh=false", "-refresh=false")
	// An apply stores what the current build read, identity included; it must change nothing.
	run("apply", "-auto-approve", "-input=false")
	planExitCode("the current build after its own apply")
	noCreateOrRevokeSince("after the upgrade", 2)
	after := stateIdentities(ctx, t, wd, resources)

	if noIdentity != "" {
		t.Logf("identity not compared: %s", noIdentity)
		return
	}
	for _, name := range resources {
		address := "circularo_api_key." + name
		b, a := before[address], after[address]
		switch {
		case b.fingerprint == "":
			t.Errorf("%s has no identity in the previous build's state", address)
		case b.fingerprint != b.id:
			t.Errorf("%s: the previous build's identity %q is not its id %q", address, b.fingerprint, b.id)
		case a != b:
			t.Errorf("%s: the identity changed with the upgrade: %+v before, %+v after", address, b, a)
		}
	}
	t.Logf("identities of %d resources compared across the upgrade", len(resources))
}

// upgradeFromCommit is the earlier build whose state the current build must take over without a
// change: the last commit on main before the schema grew approve_revocation_of and the rotating key.
// Until 0.1.0 is on the registry, there is no release to upgrade from; DESIGN.md ("Upgrade tests")
// says how this test moves to the registry release once there is.
const upgradeFromCommit = "abed4c72be1ebb9b45b773164d27a9c02910da91"

// The versions under which the two builds sit in the test's filesystem mirror: labels for `terraform
// init`, not releases.
const (
	upgradeFromVersion = "0.0.1"
	upgradeToVersion   = "0.0.2"
)

// installInMirror puts the provider binary bin into mirror, a filesystem mirror in the unpacked layout
// (<host>/circularo/circularo/<version>/<os>_<arch>/terraform-provider-circularo_v<version>), as the
// registry's release would unpack.
func installInMirror(t *testing.T, mirror, version, bin string) {
	t.Helper()
	dir := filepath.Join(mirror, filepath.FromSlash(terraformcli.ProviderSource()), version, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "terraform-provider-circularo_v"+version), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// installed fails t unless `terraform init` in dir installed the provider at version: the plans that
// follow must run the build they are meant to.
func installed(t *testing.T, dir, version string) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lock), fmt.Sprintf("version     = %q", version)) {
		t.Fatalf("the lock file does not select version %s:\n%s", version, lock)
	}
}

// stateIdentities reads each resource's id and identity (fingerprint) from `terraform show -json`,
// failing t when one of the resources is missing from the state.
func stateIdentities(ctx context.Context, t *testing.T, wd *terraformcli.Workdir, names []string) map[string]keyIdentity {
	t.Helper()
	cmd := wd.Command(ctx, "show", "-json", "-no-color")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("show -json: %v", err)
	}
	var state tfjson.State
	if err := json.Unmarshal(out, &state); err != nil {
		t.Fatalf("show -json: %v", err)
	}
	got := map[string]keyIdentity{}
	if state.Values != nil && state.Values.RootModule != nil {
		for _, r := range state.Values.RootModule.Resources {
			id, _ := r.AttributeValues["id"].(string)
			fingerprint, _ := r.IdentityValues["fingerprint"].(string)
			got[r.Address] = keyIdentity{id: id, fingerprint: fingerprint}
		}
	}
	for _, name := range names {
		if _, ok := got["circularo_api_key."+name]; !ok {
			t.Fatalf("circularo_api_key.%s is not in the state", name)
		}
	}
	return got
}

// keyIdentity is a resource's id and identity in the state.
type keyIdentity struct{ id, fingerprint string }

// TestRotationDue: a key is due when created + rotate_after is at or before the refresh time that
// Read recorded; without a readable record it is never due, so that no replacement comes from a
// plan that did not refresh.
func TestRotationDue(t *testing.T) {
	t.Parallel()
	createdAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	dueAt := createdAt.Add(30 * testkit.Day)
	created, thirtyDays := timetypes.NewRFC3339TimeValue(createdAt), types.StringValue("30d")
	refreshedAt := func(at time.Time) *fakePrivateState {
		p := &fakePrivateState{}
		if diags := setRefreshedAt(context.Background(), p, at); diags.HasError() { // the record as Read writes it
			t.Fatal(diags)
		}
		return p
	}
	record := func(raw string) *fakePrivateState {
		return &fakePrivateState{entries: map[string][]byte{refreshedAtKey: []byte(raw)}}
	}
	for _, tc := range []struct {
		name        string
		created     timetypes.RFC3339
		rotateAfter types.String
		private     *fakePrivateState
		due         bool
		dueAt       time.Time // zero when rotationDue cannot tell
		diagnostic  string    // the summary of the error passed on, if any
	}{
		{"refreshed a second before it is due", created, thirtyDays, refreshedAt(dueAt.Add(-time.Second)), false, dueAt, ""},
		{"refreshed at the moment it is due", created, thirtyDays, refreshedAt(dueAt), true, dueAt, ""},
		{"refreshed after it is due", created, thirtyDays, refreshedAt(dueAt.Add(time.Hour)), true, dueAt, ""},
		{"rotate_after in hours", created, types.StringValue("720h"), refreshedAt(dueAt), true, dueAt, ""},
		{"refresh recorded in another zone", created, thirtyDays, record(`"2025-01-31T00:59:59+01:00"`), false, dueAt, ""},
		{"no refresh record", created, thirtyDays, &fakePrivateState{}, false, time.Time{}, ""},
		{"record that is not JSON", created, thirtyDays, record(`2025-03-01T00:00:00Z`), false, time.Time{}, ""},
		{"record that is not a time", created, thirtyDays, record(`"yesterday"`), false, time.Time{}, ""},
		{"record that is not a string", created, thirtyDays, record(`1735689600`), false, time.Time{}, ""},
		{"private state unreadable", created, thirtyDays, &fakePrivateState{readErr: "Broken private state"}, false, time.Time{}, "Broken private state"},
		{"rotate_after null", created, types.StringNull(), refreshedAt(dueAt), false, time.Time{}, ""},
		{"rotate_after unknown", created, types.StringUnknown(), refreshedAt(dueAt), false, time.Time{}, ""},
		{"rotate_after zero", created, types.StringValue("0s"), refreshedAt(dueAt), false, time.Time{}, ""},
		{"rotate_after unparsable", created, types.StringValue("soon"), refreshedAt(dueAt), false, time.Time{}, ""},
		{"created null", timetypes.NewRFC3339Null(), thirtyDays, refreshedAt(dueAt), false, time.Time{}, ""},
		{"created unknown", timetypes.NewRFC3339Unknown(), thirtyDays, refreshedAt(dueAt), false, time.Time{}, ""},
		{"created unreadable", timetypes.RFC3339{StringValue: basetypes.NewStringValue("1 January 2025")}, thirtyDays,
			refreshedAt(dueAt), false, time.Time{}, "RFC3339 ValueRFC3339Time Error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			due, gotDueAt, diags := rotationDue(context.Background(), apiKeyResourceModel{Created: tc.created}, tc.rotateAfter, tc.private)
			if due != tc.due || !gotDueAt.Equal(tc.dueAt) {
				t.Errorf("rotationDue = %v, due at %v; want %v, due at %v", due, gotDueAt, tc.due, tc.dueAt)
			}
			switch {
			case tc.diagnostic == "" && len(diags) != 0:
				t.Errorf("diagnostics %v, want none", diags)
			case tc.diagnostic != "" && (len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != tc.diagnostic):
				t.Errorf("diagnostics %v, want one error %q", diags, tc.diagnostic)
			}
		})
	}
}

// TestKeepersForceReplacement: a change of keepers replaces the key; setting keepers where there
// were none (adopting a key) or removing them does not.
func TestKeepersForceReplacement(t *testing.T) {
	t.Parallel()
	keepers := func(kv ...string) types.Map {
		elems := map[string]attr.Value{}
		for i := 0; i < len(kv); i += 2 {
			elems[kv[i]] = types.StringValue(kv[i+1])
		}
		return types.MapValueMust(types.StringType, elems)
	}
	null, unknown := types.MapNull(types.StringType), types.MapUnknown(types.StringType)
	for _, tc := range []struct {
		name        string
		state, plan types.Map
		replace     bool
	}{
		{"null to null", null, null, false},
		{"null to set: adopting a key", null, keepers("rotation", "1"), false},
		{"set to null: removing keepers", keepers("rotation", "1"), null, false},
		{"equal", keepers("rotation", "1", "owner", "ci"), keepers("owner", "ci", "rotation", "1"), false},
		{"a value changed", keepers("rotation", "1"), keepers("rotation", "2"), true},
		{"a keeper added", keepers("rotation", "1"), keepers("rotation", "1", "owner", "ci"), true},
		{"a keeper removed", keepers("rotation", "1", "owner", "ci"), keepers("rotation", "1"), true},
		{"set to empty", keepers("rotation", "1"), keepers(), true},
		// A keeper from a resource that is itself replaced is unknown until apply.
		{"set to unknown", keepers("rotation", "1"), unknown, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := keepersForceReplacement(tc.state, tc.plan); got != tc.replace {
				t.Errorf("keepersForceReplacement(%v, %v) = %v, want %v", tc.state, tc.plan, got, tc.replace)
			}
		})
	}
}

// TestFormatDuration: durations in warnings read as users write them.
func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		7 * testkit.Day:                 "7d",
		48 * time.Hour:                  "2d",
		testkit.Day:                     "24h", // one day reads as the default revocation_warning_window: 24h
		36 * time.Hour:                  "36h",
		time.Hour:                       "1h",
		90 * time.Minute:                "90m",
		30 * time.Minute:                "30m",
		90 * time.Second:                "1m30s",
		1500 * time.Millisecond:         "1.5s",
		2*testkit.Day + 30*time.Second:  "48h0m30s",
		365*testkit.Day + 1*time.Minute: "525601m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// fakePrivateState is a resource's private state: entries by key, or an error for every read.
type fakePrivateState struct {
	entries map[string][]byte
	readErr string // the summary of the error every GetKey returns; "" for none
}

func (p *fakePrivateState) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	if p.readErr != "" {
		return nil, diag.Diagnostics{diag.NewErrorDiagnostic(p.readErr, "the private state cannot be read")}
	}
	return p.entries[key], nil
}

func (p *fakePrivateState) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if p.entries == nil {
		p.entries = map[string][]byte{}
	}
	p.entries[key] = value
	return nil
}
