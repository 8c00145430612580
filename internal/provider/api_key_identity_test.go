package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
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

func expectFingerprintIdentity(address, fingerprint string) statecheck.StateCheck {
	return statecheck.ExpectIdentity(address, map[string]knownvalue.Check{"fingerprint": knownvalue.StringExact(fingerprint)})
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

func stateAttribute(address, attr string) resource.ImportStateIdFunc { //nolint:unparam // the acceptance tier's address happens to be the same
	return func(s *terraform.State) (string, error) {
		return s.RootModule().Resources[address].Primary.Attributes[attr], nil
	}
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

// expectNoCreateOrRevoke is a state check on the mock: so far, no key was created or revoked.
func (e *testEnv) expectNoCreateOrRevoke() statecheck.StateCheck {
	return testkit.ExpectSomeAPICalls(e.Mock, map[string]int{"create_key": 0, "delete_key": 0})
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
