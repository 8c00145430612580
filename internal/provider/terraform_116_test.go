package provider

// What Terraform 1.16 (and OpenTofu 1.12, where it has the same) changes for this provider's users,
// each tried with the real CLI: lifecycle { destroy = false } forgets keys instead of revoking them,
// before_destroy action triggers with the caller symbol revoke an integration's keys when the
// integration goes, and import blocks work inside modules.

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
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+e.mock.APIPath()+"/api/key?token="+url.QueryEscape(token), nil)
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
// one. No DELETE is sent, and every forgotten key still authenticates: Circularo keys never expire,
// so each is a live credential that nothing manages any more. The resource's documentation and the
// rotation guide say so.
func TestAPIKeyResource_destroyFalseForgetsWithoutRevoking(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	unrelated := env.mock.AddKey(testUser, mockKey("unrelated", 10*day, nil))
	var tokens []string // the keys' values, as the state held them
	keyConfig := func(description string) string {
		return env.providerBlock() + fmt.Sprintf(`
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
		if n := env.mock.Count("delete_key"); n != 0 {
			return fmt.Errorf("%d DELETE /api/key calls, want none: destroy = false must never revoke", n)
		}
		return nil
	})
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			testkit.SkipUnlessCLI("lifecycle { destroy = false }", "1.16.0", "1.12.0"),
		},
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
			if !env.mock.KeyExists(unrelated.Value) {
				return fmt.Errorf("the unrelated key is gone")
			}
			for i, token := range tokens {
				if !env.mock.KeyExists(token) {
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
	for _, k := range e.mock.Keys(testUser) {
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
	if n := e.mock.Count("delete_key"); n != deletes {
		return fmt.Errorf("%d DELETE /api/key calls in all, want %d", n, deletes)
	}
	return nil
}

// A before_destroy action trigger (Terraform 1.16) revokes the keys of an integration when its
// resource is destroyed, here by removing it from for_each: the decommission-integration example,
// as the guide shows it. `caller` gives the action the destroyed object's fingerprints, with no data
// source to read during a destroy.
//
// How a failed revocation ends depends on the command, and the guide says so:
//   - in an apply (the integration removed from the configuration), on_failure = halt, the default,
//     stops the apply with the provider's error; the integration stays in the state and the next
//     apply revokes what is left: nothing is lost track of;
//   - in terraform destroy, Terraform 1.16 turns the action's errors into warnings ("a full destroy
//     walk must never be blocked"): the destroy completes, the integration leaves the state, and the
//     key that could not be revoked stays valid.
//
// OpenTofu 1.12 has no actions, and Terraform before 1.16 no destroy events: the test skips there.
// Serial: useWorkflowEnvironment sets TF_ACC_PROVIDER_NAMESPACE in the process's environment.
func TestRevokeAPIKeysAction_beforeDestroyRevokesAnIntegrationsKeys(t *testing.T) {
	env := newEnv(t)
	env.useWorkflowEnvironment(t)
	zapierA := env.mock.AddKey(testUser, mockKey("zapier-a", 300*day, nil))
	zapierB := env.mock.AddKey(testUser, mockKey("zapier-b", 300*day, nil))
	reporting := env.mock.AddKey(testUser, mockKey("reporting", 300*day, nil))
	billing := env.mock.AddKey(testUser, mockKey("billing", 300*day, nil))
	unrelated := env.mock.AddKey(testUser, mockKey("ci-pipeline", 10*day, nil))
	both := integrations(map[string][]mockserver.Key{"zapier": {zapierA, zapierB}, "reporting": {reporting}})
	reportingOnly := integrations(map[string][]mockserver.Key{"reporting": {reporting}})
	none := config.Variables{"integrations": config.MapVariable(map[string]config.Variable{})}
	billingOnly := integrations(map[string][]mockserver.Key{"billing": {billing}})
	failNextDelete := func() {
		env.mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {http.StatusInternalServerError}}})
	}
	keys := func(deletes int, left ...mockserver.Key) []statecheck.StateCheck {
		return []statecheck.StateCheck{testkit.Check(func() error { return env.expectKeys(deletes, left...) })}
	}
	factories := env.factories()
	step := func(vars config.Variables) resource.TestStep {
		return resource.TestStep{ConfigDirectory: decommissionExample, ConfigVariables: vars, ProtoV6ProviderFactories: factories}
	}
	steps := []resource.TestStep{step(both), step(reportingOnly), step(none), step(none), step(billingOnly), step(billingOnly)}

	steps[0].ConfigStateChecks = keys(0, zapierA, zapierB, reporting, billing, unrelated)
	// Zapier is decommissioned: its keys are revoked, and only its keys.
	steps[1].ConfigPlanChecks.PreApply = []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(`terraform_data.integration["zapier"]`, plancheck.ResourceActionDestroy),
		testkit.Check(func() error { return env.expectKeys(0, zapierA, zapierB, reporting, billing, unrelated) }),
	}
	steps[1].ConfigStateChecks = keys(2, reporting, billing, unrelated)
	// Reporting goes, and its revocation fails: the apply halts with the provider's error.
	steps[2].PreConfig = failNextDelete
	steps[2].ExpectError = regexp.MustCompile(regexp.QuoteMeta(summaryRevokeFailed))
	// The integration stayed in the state: the rerun revokes its key.
	steps[3].ConfigPlanChecks.PreApply = []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(`terraform_data.integration["reporting"]`, plancheck.ResourceActionDestroy),
	}
	steps[3].ConfigStateChecks = keys(4, billing, unrelated)
	steps[4].ConfigStateChecks = keys(4, billing, unrelated)
	// terraform destroy with a failing revocation: only a warning, and the destroy completes.
	steps[5].PreConfig = failNextDelete
	steps[5].Destroy = true

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			testkit.SkipUnlessCLI("before_destroy action triggers", "1.16.0", ""),
		},
		Steps: steps,
		// After that destroy the billing integration is gone from the state and its key still valid.
		CheckDestroy: func(*terraform.State) error {
			return env.expectKeys(5, billing, unrelated)
		},
	})
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
	if testing.Short() {
		t.Skip("builds the provider and runs terraform several times")
	}
	testkit.RequireCLI(t, "import blocks inside modules", "1.16.0", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := newEnv(t)
	zapier := env.mock.AddKey(testUser, mockKey("old-zapier", 300*day, nil))
	reporting := env.mock.AddKey(testUser, mockKey("legacy-reporting", 300*day, nil))
	unrelated := env.mock.AddKey(testUser, mockKey("ci-pipeline", 10*day, nil))

	const example = "workflows/adopt-keys-in-module"
	wd := testkit.Workdir(t)
	wd.Env = append(wd.Env, envURL+"="+env.url, envUsername+"="+testUser, envPassword+"="+testPassword)
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
	if n := env.mock.Count("create_key"); n != 0 {
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

// `-invoke` with `-target` (Terraform 1.16) runs an action for one of the resources that trigger it:
// with the decommission-integration example's before_destroy trigger, `terraform apply
// -invoke=action.circularo_revoke_api_keys.integration -target='terraform_data.integration["zapier"]'`
// revokes Zapier's keys now (a leaked key, say) and nothing else, with `caller` naming them, while
// every integration stays declared and in the state. Without -target, the plan invokes the action
// once per calling resource, that is for every integration's keys.
//
// terraform-plugin-testing cannot invoke actions, so the test drives the CLI, as the action's
// other CLI tests do.
func TestRevokeAPIKeysAction_invokeWithTargetRevokesOneCallersKeys(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the provider and runs terraform several times")
	}
	testkit.RequireCLI(t, "-invoke with -target", "1.16.0", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := newEnv(t)
	zapier := env.mock.AddKey(testUser, mockKey("zapier", 300*day, nil))
	reporting := env.mock.AddKey(testUser, mockKey("reporting", 300*day, nil))
	unrelated := env.mock.AddKey(testUser, mockKey("ci-pipeline", 10*day, nil))
	wd := testkit.Workdir(t)
	wd.Env = append(wd.Env, envURL+"="+env.url, envUsername+"="+testUser, envPassword+"="+testPassword)
	if err := wd.WriteConfig(exampleFile(t, "workflows/decommission-integration/main.tf")); err != nil {
		t.Fatal(err)
	}
	vars := fmt.Sprintf(`{"integrations": {"zapier": [%q], "reporting": [%q]}}`, client.Fingerprint(zapier.Value), client.Fingerprint(reporting.Value))
	if _, err := wd.WriteFile("terraform.tfvars.json", vars); err != nil {
		t.Fatal(err)
	}
	if out, err := wd.Run(ctx, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// Without -target: one invocation per integration, each with its own keys.
	plan, err := wd.Invoke(ctx, "plan", "action.circularo_revoke_api_keys.integration")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`will be invoked (called from terraform_data.integration["zapier"])`,
		`will be invoked (called from terraform_data.integration["reporting"])`,
		client.Fingerprint(zapier.Value), client.Fingerprint(reporting.Value),
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan -invoke output lacks %q:\n%s", want, plan)
		}
	}

	apply, err := wd.Invoke(ctx, "apply", "action.circularo_revoke_api_keys.integration", `-target=terraform_data.integration["zapier"]`)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Revoked the API key %q (%s)", zapier.Description, client.Fingerprint(zapier.Value))
	if !strings.Contains(apply, want) {
		t.Errorf("the apply -invoke -target output lacks %q:\n%s", want, apply)
	}
	if strings.Contains(apply, client.Fingerprint(reporting.Value)) {
		t.Errorf("the apply -invoke -target for Zapier names the reporting key:\n%s", apply)
	}
	if err := env.expectKeys(1, reporting, unrelated); err != nil {
		t.Error(err)
	}
	// Nothing was destroyed: both integrations are still in the state.
	list, err := wd.Run(ctx, "state", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, address := range []string{`terraform_data.integration["zapier"]`, `terraform_data.integration["reporting"]`} {
		if !strings.Contains(list, address) {
			t.Errorf("%s left the state:\n%s", address, list)
		}
	}
	for _, k := range []mockserver.Key{zapier, reporting, unrelated} {
		if strings.Contains(plan+apply, k.Value) {
			t.Fatal("the CLI's output shows a key's token")
		}
	}
}
