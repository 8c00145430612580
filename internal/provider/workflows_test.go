package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
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
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// The workflow examples are complete configurations: they run here as they are, from their
// directories, with the provider configured through the environment.
var (
	auditStaleKeysWorkflow = config.StaticDirectory("../../examples/workflows/audit-stale-keys")
	rotateKeysWorkflow     = config.StaticDirectory("../../examples/workflows/rotate-keys")
)

// useWorkflowEnvironment points the examples' empty provider block at the mock, and serves the
// in-process provider under the examples' source address circularo/circularo.
func (e *testEnv) useWorkflowEnvironment(t *testing.T) {
	t.Helper()
	t.Setenv(envURL, e.url)
	t.Setenv(envUsername, testUser)
	t.Setenv(envPassword, testPassword)
	t.Setenv(resource.EnvTfAccProviderNamespace, "circularo")
}

// workflowTest runs a test case of a workflow example. The examples configure the provider, which
// terraform-plugin-testing takes for step-level providers: the factories go on every step.
func (o *observer) workflowTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	factories := o.factories()
	for i := range tc.Steps {
		tc.Steps[i].ProtoV6ProviderFactories = factories
	}
	resource.UnitTest(t, tc)
}

func staleAddress(k mockserver.Key) string {
	return fmt.Sprintf("circularo_api_key.stale[%q]", client.Fingerprint(k.ID))
}

// expectChangesExactly fails unless the plan changes (or imports) exactly these resources, each with
// this action, and every destroyed key shows its description, created and last use as on the mock.
func expectChangesExactly(want map[string]plancheck.ResourceActionType, keys map[string]mockserver.Key) plancheck.PlanCheck {
	return planCheckFunc(func(plan *tfjson.Plan) error {
		var problems, changed []string
		for _, rc := range plan.ResourceChanges {
			if rc.Change.Actions.NoOp() && rc.Change.Importing == nil {
				continue
			}
			changed = append(changed, rc.Address)
			what := fmt.Sprint(rc.Change.Actions)
			if rc.Change.Importing != nil {
				what = "imported " + what
			}
			if action, ok := want[rc.Address]; !ok {
				problems = append(problems, fmt.Sprintf("%s is planned %s, want no change", rc.Address, what))
			} else if !hasAction(rc.Change.Actions, action) {
				problems = append(problems, fmt.Sprintf("%s is planned %s, want %s", rc.Address, what, action))
			}
			k, ok := keys[rc.Address]
			if !ok || !rc.Change.Actions.Delete() {
				continue
			}
			before, _ := rc.Change.Before.(map[string]any)
			wantBefore := map[string]any{
				"description": k.Description,
				"created":     k.Created.Format(time.RFC3339),
				"last_used":   nil,
			}
			if k.LastUsed != nil {
				wantBefore["last_used"] = k.LastUsed.Format(time.RFC3339)
			}
			for attr, v := range wantBefore {
				if before[attr] != v {
					problems = append(problems, fmt.Sprintf("%s shows %s = %v, want %v", rc.Address, attr, before[attr], v))
				}
			}
		}
		for address := range want {
			if !slices.Contains(changed, address) {
				problems = append(problems, address+" is not in the plan")
			}
		}
		sort.Strings(problems)
		if len(problems) > 0 {
			return fmt.Errorf("%s", strings.Join(problems, "\n"))
		}
		return nil
	})
}

func hasAction(actions tfjson.Actions, want plancheck.ResourceActionType) bool {
	switch want {
	case plancheck.ResourceActionNoop:
		return actions.NoOp()
	case plancheck.ResourceActionCreate:
		return actions.Create()
	case plancheck.ResourceActionUpdate:
		return actions.Update()
	case plancheck.ResourceActionDestroy:
		return actions.Delete()
	case plancheck.ResourceActionCreateBeforeDestroy:
		return actions.CreateBeforeDestroy()
	case plancheck.ResourceActionDestroyBeforeCreate:
		return actions.DestroyBeforeCreate()
	}
	return false
}

type stateCheckFunc func() error

func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

type planCheckFunc func(*tfjson.Plan) error

func (f planCheckFunc) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f(req.Plan)
}

// The audit workflow: the first apply adopts exactly the stale keys and creates none; the destroy
// plan lists exactly those keys with description, created and last use; the destroy leaves exactly
// the fresh keys; and the plan after that is empty.
func TestWorkflow_auditStaleKeys(t *testing.T) {
	env := newTestEnv(t)
	env.useWorkflowEnvironment(t)
	obs := newObserver(env)
	now := time.Now().UTC().Truncate(time.Second)
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	stale := []mockserver.Key{
		env.mock.AddKey(testUser, mockKey("old-ci", 400*day, at(200*day))),
		env.mock.AddKey(testUser, mockKey("old-ci", 300*day, at(91*day))), // same description: keys are told apart by fingerprint
		env.mock.AddKey(testUser, mockKey("never-used-report", 120*day, nil)),
	}
	fresh := []mockserver.Key{
		env.mock.AddKey(testUser, mockKey("deploy-bot", 400*day, at(time.Hour))),
		env.mock.AddKey(testUser, mockKey("new-and-unused", 10*day, nil)),
		env.mock.AddKey(testUser, mockKey("used-last-month", 200*day, at(30*day))),
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
			statecheck.ExpectKnownValue(address, tfjsonpath.New("token"), knownvalue.StringExact(k.ID)),
			statecheck.ExpectKnownValue(address, tfjsonpath.New("description"), knownvalue.StringExact(k.Description)))
	}
	var actions []plancheck.PlanCheck
	for address := range revocation {
		actions = append(actions, plancheck.ExpectResourceAction(address, plancheck.ResourceActionDestroy))
	}

	obs.workflowTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_7_0)},
		Steps: []resource.TestStep{
			{
				ConfigDirectory: auditStaleKeysWorkflow,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectChangesExactly(adoption, nil)},
				},
				ConfigStateChecks: append(adoptedState, stateCheckFunc(func() error {
					if n := env.mock.Count("create_key"); n != 0 {
						return fmt.Errorf("the adoption created %d keys", n)
					}
					if n := len(env.mock.Keys(testUser)); n != len(stale)+len(fresh) {
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
					PreApply: append(actions, expectChangesExactly(revocation, staleByAddress)),
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
						expectChangesExactly(nil, nil),
						plancheck.ExpectKnownOutputValue("stale_keys", knownvalue.MapExact(map[string]knownvalue.Check{})),
					},
				},
			},
		},
	})
	// The destroy left exactly the fresh keys. (Not a CheckDestroy: its legacy state shim cannot
	// hold for_each instances.)
	left := env.mock.Keys(testUser)
	if len(left) != len(fresh) {
		t.Errorf("%d keys are left, want the %d fresh ones", len(left), len(fresh))
	}
	for _, k := range fresh {
		if !env.mock.KeyExists(k.ID) {
			t.Errorf("the fresh key %q was revoked", k.Description)
		}
	}
	if n := env.mock.Count("delete_key"); n != len(stale) {
		t.Errorf("%d keys were revoked, want the %d stale ones", n, len(stale))
	}
	if n := env.mock.Count("create_key"); n != 0 {
		t.Errorf("the workflow created %d keys", n)
	}
}

// A key used again after its adoption is no longer stale, but it is in the state: a plain plan
// revokes it because it left the configuration, and the review plan (terraform plan -destroy, which
// refreshes first) revokes it with the others and warns about it by name, because the workflow sets
// revocation_warning_window to unused_for.
func TestWorkflow_auditStaleKeysWarnsAboutKeyUsedSinceAdoption(t *testing.T) {
	env := newTestEnv(t)
	env.useWorkflowEnvironment(t)
	obs := newObserver(env)
	now := time.Now().UTC().Truncate(time.Second)
	oldUse := now.Add(-200 * day)
	revived := env.mock.AddKey(testUser, mockKey("revived", 400*day, &oldUse))
	stillStale := env.mock.AddKey(testUser, mockKey("still-stale", 400*day, &oldUse))
	usedAgain := now.Add(-10 * day)
	obs.workflowTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_7_0)},
		Steps: []resource.TestStep{
			{
				ConfigDirectory: auditStaleKeysWorkflow,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectChangesExactly(map[string]plancheck.ResourceActionType{
						staleAddress(revived):    plancheck.ResourceActionNoop,
						staleAddress(stillStale): plancheck.ResourceActionNoop,
					}, nil)},
				},
			},
			{
				// A plain plan revokes the key that left the data source (the guide warns about this).
				PreConfig:          func() { env.mock.SetKeyLastUsed(revived.ID, &usedAgain) },
				ConfigDirectory:    auditStaleKeysWorkflow,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						expectChangesExactly(map[string]plancheck.ResourceActionType{
							staleAddress(revived): plancheck.ResourceActionDestroy,
						}, nil),
					},
				},
			},
			{
				PreConfig:       obs.reset,
				ConfigDirectory: auditStaleKeysWorkflow,
				Destroy:         true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectChangesExactly(map[string]plancheck.ResourceActionType{
							staleAddress(revived):    plancheck.ResourceActionDestroy,
							staleAddress(stillStale): plancheck.ResourceActionDestroy,
						}, nil),
						obs.expectWarnings(recentUseWarning("revived", client.Fingerprint(revived.ID), usedAgain, "destroys")),
					},
				},
			},
		},
	})
}

// The rotation workflow: rotate_after replaces the deploy key when it turns 90 days old and not
// before, a new keepers generation replaces the reporting key, each with no gap, and neither
// rotation touches the other key.
func TestWorkflow_rotateKeys(t *testing.T) {
	clock := newTestClock()
	env := newClockedTestEnv(t, clock)
	env.useWorkflowEnvironment(t)
	obs := newObserver(env)
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
	obs.workflowTest(t, resource.TestCase{
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
				PreConfig:       func() { clock.Advance(90*day - time.Minute) },
				ConfigDirectory: rotateKeysWorkflow,
				ConfigVariables: generation(1),
				PlanOnly:        true,
			},
			{
				PreConfig: func() {
					clock.Advance(time.Minute)
					obs.reset()
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
				Check: func(*terraform.State) error { return obs.checkNoGap("deploy-bot") },
			},
			{
				PreConfig:       obs.reset,
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
					if n := len(env.mock.Keys(testUser)); n != 2 {
						return fmt.Errorf("the user has %d keys after two rotations, want 2", n)
					}
					return obs.checkNoGap("reporting")
				},
			},
		},
	})
	if n := env.mock.Count("create_key"); n != 4 {
		t.Errorf("the workflow created %d keys, want 4 (two keys, one rotation each)", n)
	}
}
