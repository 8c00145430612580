package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

const keyAddress = "circularo_api_key.test"

func (e *testEnv) keyConfig(description string) string {
	return e.providerBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = %q
}
`, description)
}

// keyConfigWithoutToken is keyConfig with store_token = false.
func (e *testEnv) keyConfigWithoutToken(description string) string {
	return e.providerBlock() + fmt.Sprintf(`
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
		for _, k := range e.mock.Keys(testUser) {
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
			env := newEnv(t)
			lastUsed := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
			existing := env.mock.AddKey(testUser, mockKey("made-by-hand", 200*24*time.Hour, &lastUsed))
			var action, token = plancheck.ResourceActionNoop, knownvalue.Check(knownvalue.Null())
			if storeToken {
				action, token = plancheck.ResourceActionUpdate, knownvalue.StringExact(existing.Value)
			}
			config := env.providerBlock() + fmt.Sprintf(`
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
						if env.mock.KeyExists(first) {
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
					if !env.mock.RevokeKey(first) {
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
				PreConfig: func() { env.mock.SetKeyDescription(first, "edited in the UI") },
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
	if n := env.mock.Count("create_key"); n != 0 {
		t.Errorf("invalid descriptions reached the server %d times", n)
	}
}
