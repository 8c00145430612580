package provider

import (
	"fmt"
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

// The workflow examples are complete configurations: they run here as they are, from their
// directories, with the provider configured through the environment.
var (
	auditStaleKeysWorkflow = config.StaticDirectory("../../examples/workflows/audit-stale-keys")
	rotateKeysWorkflow     = config.StaticDirectory("../../examples/workflows/rotate-keys")
)

// useWorkflowEnvironment points the examples' empty provider block at the mock through the
// provider's environment, and serves the in-process provider under the examples' source address
// circularo/circularo. terraform-plugin-testing reads TF_ACC_PROVIDER_NAMESPACE from the process's
// environment only, so these tests set it with t.Setenv and stay serial.
func (e *testEnv) useWorkflowEnvironment(t *testing.T) {
	t.Helper()
	e.LoginEnv(envURL, envUsername, envPassword)
	t.Setenv(resource.EnvTfAccProviderNamespace, "circularo")
}

func staleAddress(k mockserver.Key) string {
	return fmt.Sprintf("circularo_api_key.stale[%q]", client.Fingerprint(k.Value))
}

// The audit workflow: the first apply adopts exactly the stale keys and creates none; the destroy
// plan lists exactly those keys with description, created and last use; the destroy leaves exactly
// the fresh keys; and the plan after that is empty.
//
// Serial: useWorkflowEnvironment sets TF_ACC_PROVIDER_NAMESPACE in the process's environment.
func TestWorkflow_auditStaleKeys(t *testing.T) {
	env := newEnv(t, testkit.WithClock(clock.New()))
	env.useWorkflowEnvironment(t)
	now := env.Now()
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	stale := []mockserver.Key{
		env.Mock.AddKey(testkit.User, env.Key("old-ci", 400*testkit.Day, at(200*testkit.Day))),
		env.Mock.AddKey(testkit.User, env.Key("old-ci", 300*testkit.Day, at(91*testkit.Day))), // same description: keys are told apart by fingerprint
		env.Mock.AddKey(testkit.User, env.Key("never-used-report", 120*testkit.Day, nil)),
	}
	fresh := []mockserver.Key{
		env.Mock.AddKey(testkit.User, env.Key("deploy-bot", 400*testkit.Day, at(time.Hour))),
		env.Mock.AddKey(testkit.User, env.Key("new-and-unused", 10*testkit.Day, nil)),
		env.Mock.AddKey(testkit.User, env.Key("used-last-month", 200*testkit.Day, at(30*testkit.Day))),
	}
	adoption := map[string]plancheck.ResourceActionType{}
	revocation := map[string]plancheck.ResourceActionType{}
	staleByAddress := map[string]mockserver.Key{}
	var adoptedState []statecheck.StateCheck
	for _, k := range stale {
		address := staleAddress(k)
		adoption[address] = plancheck.ResourceActionNoop
		revocation[address] = plancheck.ResourceActionDestroy
		staleByAddress[address] = k
		adoptedState = append(adoptedState,
			// store_token = false: an adopted stale key's value is not in the state.
			statecheck.ExpectKnownValue(address, tfjsonpath.New("token"), knownvalue.Null()),
			statecheck.ExpectKnownValue(address, tfjsonpath.New("description"), knownvalue.StringExact(k.Description)))
	}
	var actions []plancheck.PlanCheck
	for address := range revocation {
		actions = append(actions, plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroy))
	}

	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ImportForEach),
		Steps: []resource.TestStep{
			{
				ConfigDirectory: auditStaleKeysWorkflow,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{testkit.ExpectChangesExactly(adoption, nil)},
				},
				ConfigStateChecks: append(adoptedState, testkit.Check(func() error {
					if n := env.Mock.Count("create_key"); n != 0 {
						return fmt.Errorf("the adoption created %d keys", n)
					}
					if n := len(env.Mock.Keys(testkit.User)); n != len(stale)+len(fresh) {
						return fmt.Errorf("the user has %d keys after the adoption, want %d", n, len(stale)+len(fresh))
					}
					return nil
				})),
			},
			{
				// The review: terraform plan -destroy, then the revocation.
				ConfigDirectory: auditStaleKeysWorkflow,
				Destroy:         true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: append(actions, testkit.ExpectChangesExactly(revocation, staleByAddress)),
				},
			},
			{
				// The revoked keys are gone from the server and the state: nothing to adopt or revoke
				// (only the stale_keys output, which the destroy removed, comes back, empty).
				ConfigDirectory:    auditStaleKeysWorkflow,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						testkit.ExpectChangesExactly(nil, nil),
						plancheck.ExpectKnownOutputValue("stale_keys", knownvalue.MapExact(map[string]knownvalue.Check{})),
					},
				},
			},
		},
	})
	// The destroy left exactly the fresh keys. (Not a CheckDestroy: its legacy state shim cannot
	// hold for_each instances.)
	left := env.Mock.Keys(testkit.User)
	if len(left) != len(fresh) {
		t.Errorf("%d keys are left, want the %d fresh ones", len(left), len(fresh))
	}
	for _, k := range fresh {
		if !env.Mock.KeyExists(k.Value) {
			t.Errorf("the fresh key %q was revoked", k.Description)
		}
	}
	if n := env.Mock.Count("delete_key"); n != len(stale) {
		t.Errorf("%d keys were revoked, want the %d stale ones", n, len(stale))
	}
	if n := env.Mock.Count("create_key"); n != 0 {
		t.Errorf("the workflow created %d keys", n)
	}
}

// A key used again after its adoption is no longer stale, but it is in the state: a plain plan
// revokes it because it left the configuration, and the review plan (terraform plan -destroy, which
// refreshes first) revokes it with the others and warns about it by name, because the workflow sets
// revocation_warning_window to unused_for.
//
// Serial: useWorkflowEnvironment sets TF_ACC_PROVIDER_NAMESPACE in the process's environment.
func TestWorkflow_auditStaleKeysWarnsAboutKeyUsedSinceAdoption(t *testing.T) {
	env := newEnv(t, testkit.WithClock(clock.New()))
	env.useWorkflowEnvironment(t)
	obs := env.observe()
	now := env.Now()
	oldUse := now.Add(-200 * testkit.Day)
	revived := env.Mock.AddKey(testkit.User, env.Key("revived", 400*testkit.Day, &oldUse))
	stillStale := env.Mock.AddKey(testkit.User, env.Key("still-stale", 400*testkit.Day, &oldUse))
	usedAgain := now.Add(-10 * testkit.Day)
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ImportForEach),
		Steps: []resource.TestStep{
			{
				ConfigDirectory: auditStaleKeysWorkflow,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{testkit.ExpectChangesExactly(map[string]plancheck.ResourceActionType{
						staleAddress(revived):    plancheck.ResourceActionNoop,
						staleAddress(stillStale): plancheck.ResourceActionNoop,
					}, nil)},
				},
			},
			{
				// A plain plan revokes the key that left the data source (the guide warns about this).
				PreConfig:          func() { env.Mock.SetKeyLastUsed(revived.Value, &usedAgain) },
				ConfigDirectory:    auditStaleKeysWorkflow,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						testkit.ExpectChangesExactly(map[string]plancheck.ResourceActionType{
							staleAddress(revived): plancheck.ResourceActionDestroy,
						}, nil),
					},
				},
			},
			{
				PreConfig:       obs.Reset,
				ConfigDirectory: auditStaleKeysWorkflow,
				Destroy:         true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						testkit.ExpectChangesExactly(map[string]plancheck.ResourceActionType{
							staleAddress(revived):    plancheck.ResourceActionDestroy,
							staleAddress(stillStale): plancheck.ResourceActionDestroy,
						}, nil),
						obs.ExpectWarnings(recentUseWarning("revived", client.Fingerprint(revived.Value), usedAgain, "destroys")),
					},
				},
			},
		},
	})
}

// The rotation workflow: rotate_after replaces the deploy key when it turns 90 days old and not
// before, a new keepers generation replaces the reporting key, each with no gap, and neither
// rotation touches the other key.
//
// Serial: useWorkflowEnvironment sets TF_ACC_PROVIDER_NAMESPACE in the process's environment.
func TestWorkflow_rotateKeys(t *testing.T) {
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock))
	env.useWorkflowEnvironment(t)
	obs := env.observe()
	const (
		deploy    = "circularo_api_key.deploy"
		reporting = "circularo_api_key.reporting"
	)
	generation := func(n int) config.Variables {
		return config.Variables{"reporting_key_generation": config.IntegerVariable(n)}
	}
	deployToken := statecheck.CompareValue(compare.ValuesDiffer())
	reportingToken := statecheck.CompareValue(compare.ValuesDiffer())
	reportingKept := statecheck.CompareValue(compare.ValuesSame())
	deployKept := statecheck.CompareValue(compare.ValuesSame())
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{
				ConfigDirectory: rotateKeysWorkflow,
				ConfigVariables: generation(1),
				ConfigStateChecks: []statecheck.StateCheck{
					deployToken.AddStateValue(deploy, tfjsonpath.New("token")),
					reportingKept.AddStateValue(reporting, tfjsonpath.New("token")),
					reportingToken.AddStateValue(reporting, tfjsonpath.New("token")),
					statecheck.CompareValuePairs(deploy, tfjsonpath.New("id"),
						"terraform_data.deploy_integration", tfjsonpath.New("triggers_replace"), compare.ValuesSame()),
				},
			},
			{
				PreConfig:       func() { clock.Advance(90*testkit.Day - time.Minute) },
				ConfigDirectory: rotateKeysWorkflow,
				ConfigVariables: generation(1),
				PlanOnly:        true,
			},
			{
				PreConfig: func() {
					clock.Advance(time.Minute)
					obs.Reset()
				},
				ConfigDirectory: rotateKeysWorkflow,
				ConfigVariables: generation(1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(deploy, plancheck.ResourceActionCreateBeforeDestroy),
						plancheck.ExpectResourceAction(reporting, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("terraform_data.deploy_integration", plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					deployToken.AddStateValue(deploy, tfjsonpath.New("token")),
					reportingKept.AddStateValue(reporting, tfjsonpath.New("token")),
					deployKept.AddStateValue(deploy, tfjsonpath.New("token")),
					// The integration holds the new key.
					statecheck.CompareValuePairs(deploy, tfjsonpath.New("id"),
						"terraform_data.deploy_integration", tfjsonpath.New("triggers_replace"), compare.ValuesSame()),
				},
				Check: func(*terraform.State) error { return obs.CheckNoGap("deploy-bot") },
			},
			{
				PreConfig:       obs.Reset,
				ConfigDirectory: rotateKeysWorkflow,
				ConfigVariables: generation(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(reporting, plancheck.ResourceActionCreateBeforeDestroy),
						plancheck.ExpectResourceAction(deploy, plancheck.ResourceActionNoop),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					reportingToken.AddStateValue(reporting, tfjsonpath.New("token")),
					deployKept.AddStateValue(deploy, tfjsonpath.New("token")),
				},
				Check: func(*terraform.State) error {
					if n := len(env.Mock.Keys(testkit.User)); n != 2 {
						return fmt.Errorf("the user has %d keys after two rotations, want 2", n)
					}
					return obs.CheckNoGap("reporting")
				},
			},
		},
	})
	if n := env.Mock.Count("create_key"); n != 4 {
		t.Errorf("the workflow created %d keys, want 4 (two keys, one rotation each)", n)
	}
}
