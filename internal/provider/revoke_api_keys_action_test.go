package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/terraformcli"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

const revokeAction = "action.circularo_revoke_api_keys.this"

// TestRevokeAPIKeysAction_validatesFingerprints validates configurations through the provider's
// protocol server, as Terraform's ValidateActionConfig does: every bad element is named, except one
// that looks like a token, which is a secret.
func TestRevokeAPIKeysAction_validatesFingerprints(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("aB3", 21) + "x" // 64 alphanumerics, as Circularo's token values
	cases := []struct {
		name      string
		elements  []tftypes.Value
		wantError string // "" for none
	}{
		{"valid", strs("sha256:0123456789abcdef", "sha256:fedcba9876543210"), ""},
		{"empty set revokes nothing", strs(), ""},
		{"unknown element is checked later", []tftypes.Value{tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}, ""},
		{"not a fingerprint", strs("sha256:0123456789abcdef", "stale-key"), `"stale-key", which is not a fingerprint`},
		{"too short", strs("sha256:0123"), `"sha256:0123", which is not a fingerprint`},
		{"upper case", strs("sha256:0123456789ABCDEF"), `"sha256:0123456789ABCDEF", which is not a fingerprint`},
		{"token value", strs(token), "looks like an API key's token"},
		{"null element", []tftypes.Value{tftypes.NewValue(tftypes.String, nil)}, "null element"},
	}
	protocolServer, schemas := protocolSchemas(t, options{})
	server, ok := protocolServer.(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the provider's server does not serve actions")
	}
	actionSchema := schemas.ActionSchemas["circularo_revoke_api_keys"].Schema
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Every other attribute null, as Terraform sends a configuration that sets fingerprints only.
			cfg := protocolConfig(t, actionSchema, map[string]any{"fingerprints": tc.elements})
			resp, err := server.ValidateActionConfig(context.Background(), &tfprotov6.ValidateActionConfigRequest{
				ActionType: "circularo_revoke_api_keys", Config: cfg,
			})
			if err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, d := range resp.Diagnostics {
				if strings.Contains(d.Detail, token) || strings.Contains(d.Summary, token) {
					t.Errorf("a diagnostic repeats the token value: %s: %s", d.Summary, d.Detail)
				}
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					errs = append(errs, d.Summary+": "+d.Detail)
				}
			}
			switch {
			case tc.wantError == "" && len(errs) > 0:
				t.Errorf("want no error, got %q", errs)
			case tc.wantError != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.wantError)):
				t.Errorf("want one error containing %q, got %q", tc.wantError, errs)
			}
		})
	}
}

func strs(values ...string) []tftypes.Value {
	out := make([]tftypes.Value, 0, len(values))
	for _, v := range values {
		out = append(out, tftypes.NewValue(tftypes.String, v))
	}
	return out
}

// actionCLI is what the action's CLI tests share: one provider build. terraform-plugin-testing cannot
// invoke actions (no -invoke, no action plan checks), so these tests drive the real CLI through
// internal/terraformcli, as users do, and gate with testkit.RequireCLI(t, testkit.Actions), not a
// TestCase's TerraformVersionChecks.
type actionCLI struct {
	ctx context.Context
}

// TestRevokeAPIKeysAction_planAndApplyInvoke runs the action with `terraform plan -invoke` and `terraform apply
// -invoke` against the mock. It needs Terraform 1.14 or later (the first with actions) and skips
// otherwise, and under OpenTofu, which has no actions (1.12.6 has no action block and no -invoke).
// The tfversion checks of terraform-plugin-testing need a resource.TestCase, which cannot run an
// action, so the gate asks the CLI for its version itself. The provider binary is built once per test binary (testkit.ProviderDir).
func TestRevokeAPIKeysAction_planAndApplyInvoke(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.Actions)
	cli := &actionCLI{ctx: ctx}
	testkit.ProviderDir(t) // build (once per test binary) before the subtests
	t.Run("plan reviews and apply revokes exactly the listed keys", cli.testReviewAndRevoke)
	t.Run("the provider's own token is never revoked", cli.testSelfRevocation)
	t.Run("a partial failure names the failed key and a rerun finishes", cli.testPartialFailureAndRerun)
	t.Run("invalid fingerprint", cli.testInvalidFingerprint)
	t.Run("later reads in the same apply see the revocations", cli.testSameRunView)
	t.Run("a server that hides keys from a DELETE without a session", cli.testServerThatHidesKeys)
	t.Run("a server that answers a DELETE and keeps the key", cli.testServerThatKeepsKeys)
	t.Run("a leaked key revoked by its value, which no file or log holds", cli.testRevokeLeakedKeyByValue)
	t.Run("a leaked value that is no key of this account fails the plan", cli.testLeakedValueOfAnotherAccount)
	t.Run("the provider's own token given by value is never revoked", cli.testLeakedValueIsTheProvidersToken)
}

// actionRun is one test's mock, working directory and the secrets its output must never show.
type actionRun struct {
	t        *testing.T
	cli      *actionCLI
	env      *testEnv
	recorder *sessionRecorder
	wd       *terraformcli.Workdir
	secrets  map[string]bool
}

func (c *actionCLI) newRun(t *testing.T, opts ...testkit.Option) *actionRun {
	t.Helper()
	env, recorder := newRecordingTestEnv(t, opts...)
	wd := testkit.Workdir(t)
	return &actionRun{t: t, cli: c, env: env, recorder: recorder, wd: wd, secrets: map[string]bool{testkit.Password: true}}
}

// addKey adds a key to the mock and remembers its value as a secret.
func (r *actionRun) addKey(k mockserver.Key) mockserver.Key {
	k = r.env.Mock.AddKey(testkit.User, k)
	r.secrets[k.Value] = true
	return k
}

func (r *actionRun) writeConfig(providerBlock, body string) {
	r.t.Helper()
	hcl := testkit.TerraformBlock() + providerBlock + body
	if err := r.wd.WriteConfig(hcl); err != nil {
		r.t.Fatal(err)
	}
}

// commandResult is what one CLI command did: its output and the mock's calls during it.
type commandResult struct {
	out     string
	err     error
	calls   map[string]int
	command string
}

// run runs the CLI and checks what every command must do: no secret in the output, each provider
// process one login and one list at most (the review and the invocation share the session's list).
func (r *actionRun) run(args ...string) commandResult {
	r.t.Helper()
	before := r.env.Mock.Counts()
	var res commandResult
	if len(args) >= 2 && (args[0] == "plan" || args[0] == "apply") && strings.HasPrefix(args[1], "action.") {
		res.out, res.err = r.wd.Invoke(r.cli.ctx, args[0], args[1], args[2:]...)
		res.command = "terraform " + args[0] + " -invoke=" + args[1] + " " + strings.Join(args[2:], " ")
	} else {
		res.out, res.err = r.wd.Run(r.cli.ctx, append(args, "-no-color")...)
		res.command = "terraform " + strings.Join(args, " ")
	}
	after := r.env.Mock.Counts()
	res.calls = map[string]int{}
	for route, n := range after {
		if d := n - before[route]; d != 0 {
			res.calls[route] = d
		}
	}
	r.t.Logf("%s made the API calls %v:\n%s", res.command, res.calls, res.out)
	for _, s := range append(r.recorder.Tokens(), slices.Collect(mapKeys(r.secrets))...) {
		if strings.Contains(res.out, s) {
			r.t.Errorf("the output of %s shows a secret (%d characters)", res.command, len(s))
		}
	}
	// With username and password, every provider process logs in once: logins count the processes.
	// Each process lists once, and each revocation adds at most one list that proves it.
	if logins := res.calls["login"]; logins > 0 && res.calls["list_keys"] > logins+res.calls["delete_key"] {
		r.t.Errorf("%s listed the keys %d times in %d provider processes for %d DELETEs, want at most one list per "+
			"process and one per revocation", res.command, res.calls["list_keys"], logins, res.calls["delete_key"])
	}
	return res
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (r *actionRun) mustSucceed(res commandResult) commandResult {
	r.t.Helper()
	if res.err != nil {
		r.t.Fatalf("%s failed: %v", res.command, res.err)
	}
	return res
}

func (r *actionRun) mustFail(res commandResult) commandResult {
	r.t.Helper()
	if res.err == nil {
		r.t.Fatalf("%s succeeded, want it to fail; output:\n%s", res.command, res.out)
	}
	return res
}

// wantInOutput checks that the output holds each text (the CLI wraps long lines: spaces and line
// breaks are compared alike, and the diagnostic boxes' "│" borders are dropped).
func wantInOutput(t *testing.T, res commandResult, texts ...string) {
	t.Helper()
	flat := flatten(res.out)
	for _, text := range texts {
		if !strings.Contains(flat, flatten(text)) {
			t.Errorf("the output of %s lacks %q; output:\n%s", res.command, text, res.out)
		}
	}
}

func wantNotInOutput(t *testing.T, res commandResult, texts ...string) {
	t.Helper()
	flat := flatten(res.out)
	for _, text := range texts {
		if strings.Contains(flat, flatten(text)) {
			t.Errorf("the output of %s holds %q; output:\n%s", res.command, text, res.out)
		}
	}
}

func flatten(s string) string {
	s = strings.ReplaceAll(s, "│", " ")
	return strings.Join(strings.Fields(s), " ")
}

func (r *actionRun) remaining() []string {
	var out []string
	for _, k := range r.env.Mock.Keys(testkit.User) {
		out = append(out, k.Description)
	}
	slices.Sort(out)
	return out
}

func (r *actionRun) wantRemaining(want ...string) {
	r.t.Helper()
	slices.Sort(want)
	if got := r.remaining(); !slices.Equal(got, want) {
		r.t.Errorf("the user's keys are %q, want %q", got, want)
	}
}

func fingerprintOf(k mockserver.Key) string { return client.Fingerprint(k.Value) }

func (c *actionCLI) testReviewAndRevoke(t *testing.T) {
	r := c.newRun(t)
	staleUsed := r.addKey(r.env.Key("stale, used long ago", 200*testkit.Day, r.env.Ago(100*testkit.Day)))
	staleNever := r.addKey(r.env.Key("stale, never used", 200*testkit.Day, nil))
	recent := r.addKey(r.env.Key("recently used", 200*testkit.Day, r.env.Ago(time.Hour)))
	r.addKey(r.env.Key("in use, not listed", 200*testkit.Day, r.env.Ago(2*time.Hour)))
	const unknownFP = "sha256:0000000000000000"
	r.writeConfig(r.env.ProviderBlock(), fmt.Sprintf(`
data "circularo_api_keys" "stale" {
  unused_for = "90d"
}

action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = setunion(data.circularo_api_keys.stale.fingerprints, [%q, %q])
  }
}
`, fingerprintOf(recent), unknownFP))

	plan := r.mustSucceed(r.run("plan", revokeAction))
	wantInOutput(t, plan,
		"Warning: "+summaryRecentlyUsed,
		fmt.Sprintf(`revokes the API key "recently used" (%s). The key was last used at %s`, fingerprintOf(recent), recent.LastUsed.Format(time.RFC3339)),
		"Warning: "+summaryNoSuchKey,
		"No API key of the authenticated user has the fingerprint "+unknownFP)
	// Only the recent key warns for its use.
	wantNotInOutput(t, plan, `"stale, used long ago" (`+fingerprintOf(staleUsed)+`). The key was last used`)
	if n := plan.calls["delete_key"]; n != 0 {
		t.Errorf("the plan made %d DELETE calls", n)
	}
	if n := plan.calls["list_keys"]; n != 1 {
		t.Errorf("the plan listed the keys %d times, want once (the data source and the review share one list)", n)
	}
	r.wantRemaining("stale, used long ago", "stale, never used", "recently used", "in use, not listed")

	apply := r.mustSucceed(r.run("apply", revokeAction))
	var progress []string
	for _, k := range []mockserver.Key{staleUsed, staleNever, recent} {
		progress = append(progress, fmt.Sprintf("Revoked the API key %q (%s)", k.Description, fingerprintOf(k)))
	}
	wantInOutput(t, apply, progress...)
	wantInOutput(t, apply, "No API key has the fingerprint "+unknownFP+": it is already gone")
	if n := apply.calls["delete_key"]; n != 3 {
		t.Errorf("the apply made %d DELETE calls, want 3, one per listed key", n)
	}
	// Two provider processes (plan, then apply), each logging in once and listing once; the apply
	// lists again to prove the revocations: once for the first, which finds the DELETE's form alone,
	// and once or twice for the other two, which run side by side.
	if err := testkit.CompareSomeCalls(apply.calls, map[string]int{"login": 2}); err != nil {
		t.Errorf("%s: %v", apply.command, err)
	}
	if n := apply.calls["list_keys"]; n < 2+2 || n > 2+3 {
		t.Errorf("the apply listed the keys %d times, want 2 and 2 or 3 proofs of the 3 revocations", n)
	}
	r.wantRemaining("in use, not listed")
	if n := r.env.Mock.OpenSessions(); n != 0 {
		t.Errorf("%d sessions are open after the apply", n)
	}
}

func (c *actionCLI) testSelfRevocation(t *testing.T) {
	r := c.newRun(t)
	own := r.addKey(r.env.Key("the provider's own key", 200*testkit.Day, nil))
	other := r.addKey(r.env.Key("stale", 200*testkit.Day, nil))
	// The token comes from the environment: not even the config holds it.
	r.wd.Env = append(r.wd.Env, "CIRCULARO_TOKEN="+own.Value)
	r.writeConfig(r.env.urlOnlyProviderBlock(), fmt.Sprintf(`
action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = [%q, %q]
  }
}
`, fingerprintOf(own), fingerprintOf(other)))

	plan := r.mustFail(r.run("plan", revokeAction))
	wantInOutput(t, plan, "Error: "+summarySelfRevocation,
		fmt.Sprintf(`revokes the API key "the provider's own key" (%s). That key is the token the circularo provider authenticates with`, fingerprintOf(own)))
	apply := r.mustFail(r.run("apply", revokeAction))
	wantInOutput(t, apply, "Error: "+summarySelfRevocation)
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Errorf("%d DELETE calls, want none: the review must stop the whole invocation", n)
	}
	r.wantRemaining("the provider's own key", "stale")
}

func (c *actionCLI) testPartialFailureAndRerun(t *testing.T) {
	r := c.newRun(t)
	var keys []mockserver.Key
	var fps []string
	for i := range 3 {
		k := r.addKey(r.env.Key(fmt.Sprintf("stale %d", i), 200*testkit.Day, nil))
		keys = append(keys, k)
		fps = append(fps, fingerprintOf(k))
	}
	r.addKey(r.env.Key("kept", 200*testkit.Day, r.env.Ago(time.Hour)))
	// Literal fingerprints, so that the rerun names keys that are gone by then.
	list, err := json.Marshal(fps)
	if err != nil {
		t.Fatal(err)
	}
	r.writeConfig(r.env.ProviderBlock(), fmt.Sprintf(`
action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = %s
  }
}
`, list))
	r.env.Mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {http.StatusInternalServerError}}})

	first := r.mustFail(r.run("apply", revokeAction))
	// The revocations run side by side: the 500 meets whichever DELETE comes first, and that key stays.
	var failing mockserver.Key
	for _, k := range keys {
		if r.env.Mock.KeyExists(k.Value) {
			failing = k
		}
	}
	// What the provider says, not how the CLI wraps it: Terraform 1.14 and 1.15 print "Error: Error
	// when invoking action", then "<summary>: <detail>"; 1.16 prints "Action failed: <address> -
	// <summary>: <detail>", then "Error: <summary>" and the detail. Both hold an error line, the
	// summary and the detail.
	wantInOutput(t, first, "Error: ", summaryRevokeFailed,
		"1 of the 3 API keys could not be revoked; the other revocations went ahead (2 revoked now)",
		fmt.Sprintf("- %q (%s): ", failing.Description, fingerprintOf(failing)))
	if n := first.calls["delete_key"]; n != 3 {
		t.Errorf("the failed apply made %d DELETE calls, want 3: a failure must not stop the others", n)
	}
	r.wantRemaining(failing.Description, "kept")

	rerun := r.mustSucceed(r.run("apply", revokeAction))
	if n := rerun.calls["delete_key"]; n != 1 {
		t.Errorf("the rerun made %d DELETE calls, want 1: only the key left", n)
	}
	wantInOutput(t, rerun, fmt.Sprintf("Revoked the API key %q (%s)", failing.Description, fingerprintOf(failing)))
	for _, k := range keys {
		if k.Value != failing.Value {
			wantInOutput(t, rerun, "No API key has the fingerprint "+fingerprintOf(k)+": it is already gone, which counts as revoked")
		}
	}
	r.wantRemaining("kept")
}

func (c *actionCLI) testInvalidFingerprint(t *testing.T) {
	r := c.newRun(t)
	r.writeConfig(r.env.ProviderBlock(), `
action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = ["sha256:0123456789abcdef", "stale-key"]
  }
}
`)
	res := r.mustFail(r.run("validate"))
	wantInOutput(t, res, "Error: "+summaryInvalidFPrint, `fingerprints holds "stale-key", which is not a fingerprint`)
	if n := r.env.Mock.Count("total"); n != 0 {
		t.Errorf("terraform validate made %d API calls", n)
	}
}

// testSameRunView: an action triggered before a resource's create, in a normal apply, revokes keys;
// the key created after it and a data source read after it see the session's list as the revocations
// left it, without another list call.
func (c *actionCLI) testSameRunView(t *testing.T) {
	r := c.newRun(t)
	r.addKey(r.env.Key("stale a", 200*testkit.Day, nil))
	r.addKey(r.env.Key("stale b", 200*testkit.Day, r.env.Ago(120*testkit.Day)))
	r.addKey(r.env.Key("in use", 200*testkit.Day, r.env.Ago(time.Hour)))
	r.writeConfig(r.env.ProviderBlock(), `
data "circularo_api_keys" "stale" {
  unused_for = "90d"
}

action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = data.circularo_api_keys.stale.fingerprints
  }
}

resource "circularo_api_key" "replacement" {
  description = "replacement"
  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.circularo_revoke_api_keys.this]
    }
  }
}

# Read during the apply, after the replacement's create and so after the action.
data "circularo_api_keys" "after" {
  depends_on = [circularo_api_key.replacement]
}

output "after" {
  value = sort(data.circularo_api_keys.after.api_keys[*].description)
}
`)
	apply := r.mustSucceed(r.run("apply", "-auto-approve", "-input=false"))
	wantInOutput(t, apply, `Revoked the API key "stale a"`, `Revoked the API key "stale b"`)
	// The apply's process lists once for the action, and once more to prove each revocation (the first
	// one finds the DELETE's form alone, so the two proofs are not shared); the create and the data
	// source read after it use the last list as the revocations and the create left it.
	if err := testkit.CompareSomeCalls(apply.calls, map[string]int{"login": 2, "list_keys": 4, "delete_key": 2, "create_key": 1}); err != nil {
		t.Errorf("%s: %v", apply.command, err)
	}
	r.wantRemaining("in use", "replacement")
	out := r.mustSucceed(r.run("output", "-json", "after"))
	var after []string
	if err := json.Unmarshal([]byte(out.out), &after); err != nil {
		t.Fatalf("terraform output -json after: %v\n%s", err, out.out)
	}
	if want := []string{"in use", "replacement"}; !slices.Equal(after, want) {
		t.Errorf("the data source read after the action in the same apply lists %q, want %q", after, want)
	}
	// The next plan refreshes the new key from a fresh list and finds nothing to do.
	plan := r.mustSucceed(r.run("plan", "-input=false", "-detailed-exitcode"))
	wantInOutput(t, plan, "No changes.")
}

// An invocation refuses to revoke the token the provider authenticates with, before it lists or
// revokes anything: a saved plan applied with other credentials was never reviewed against them. The
// CLI cannot reach this check (the plan refuses first), so the test calls Invoke itself.
func TestRevokeAPIKeysAction_invokeRefusesTheProvidersOwnToken(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	own := env.Mock.AddKey(testkit.User, env.Key("terraform", testkit.Day, nil))
	other := env.Mock.AddKey(testkit.User, env.Key("other", testkit.Day, nil))
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, env.URL)})
	a := &revokeAPIKeysAction{data: &providerData{
		session: client.NewSession(c, client.Credentials{Token: own.Value}, env.Now), now: env.Now,
	}}
	ctx := context.Background()
	var schemaResp action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &schemaResp)
	typ, ok := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the action's schema is not an object")
	}
	set := tftypes.Set{ElementType: tftypes.String}
	raw := tftypes.NewValue(typ, map[string]tftypes.Value{
		"fingerprints": tftypes.NewValue(set, []tftypes.Value{
			tftypes.NewValue(tftypes.String, client.Fingerprint(other.Value)),
			tftypes.NewValue(tftypes.String, client.Fingerprint(own.Value)),
		}),
		approveAttribute:   tftypes.NewValue(set, nil),
		"require_existing": tftypes.NewValue(tftypes.Bool, nil),
	})
	resp := action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) {
		t.Errorf("progress before the refusal: %s", e.Message)
	}}
	a.Invoke(ctx, action.InvokeRequest{Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: raw}}, &resp)

	if !resp.Diagnostics.HasError() {
		t.Fatal("the invocation did not fail")
	}
	d := resp.Diagnostics.Errors()[0]
	for _, want := range []string{client.Fingerprint(own.Value), "lock itself out", "No key was revoked"} {
		if !strings.Contains(d.Detail(), want) {
			t.Errorf("the error does not say %q: %s: %s", want, d.Summary(), d.Detail())
		}
	}
	if d.Summary() != summarySelfRevocation || strings.Contains(d.Detail(), own.Value) {
		t.Errorf("want %q without the token's value, got %q: %s", summarySelfRevocation, d.Summary(), d.Detail())
	}
	if calls := env.Mock.Count("total"); calls != 0 {
		t.Errorf("the refused invocation made %d API calls, want none", calls)
	}
	if !env.Mock.KeyExists(own.Value) || !env.Mock.KeyExists(other.Value) {
		t.Error("a key was revoked")
	}
}

// The action with Terraform 1.16: before_destroy triggers with the caller symbol revoke an
// integration's keys when the integration goes, and -invoke with -target revokes one caller's keys.

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
	env := newEnv(t, testkit.WithClock(clock.New()))
	env.useWorkflowEnvironment(t)
	zapierA := env.Mock.AddKey(testkit.User, env.Key("zapier-a", 300*testkit.Day, nil))
	zapierB := env.Mock.AddKey(testkit.User, env.Key("zapier-b", 300*testkit.Day, nil))
	reporting := env.Mock.AddKey(testkit.User, env.Key("reporting", 300*testkit.Day, nil))
	billing := env.Mock.AddKey(testkit.User, env.Key("billing", 300*testkit.Day, nil))
	unrelated := env.Mock.AddKey(testkit.User, env.Key("ci-pipeline", 10*testkit.Day, nil))
	both := integrations(map[string][]mockserver.Key{"zapier": {zapierA, zapierB}, "reporting": {reporting}})
	reportingOnly := integrations(map[string][]mockserver.Key{"reporting": {reporting}})
	none := config.Variables{"integrations": config.MapVariable(map[string]config.Variable{})}
	billingOnly := integrations(map[string][]mockserver.Key{"billing": {billing}})
	failNextDelete := func() {
		env.Mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {http.StatusInternalServerError}}})
	}
	keys := func(deletes int, left ...mockserver.Key) []statecheck.StateCheck {
		return []statecheck.StateCheck{testkit.Check(func() error { return env.expectKeys(deletes, left...) })}
	}
	step := func(vars config.Variables) resource.TestStep {
		return resource.TestStep{ConfigDirectory: decommissionExample, ConfigVariables: vars}
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

	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ActionDestroyTriggers),
		Steps:                  steps,
		// After that destroy the billing integration is gone from the state and its key still valid.
		CheckDestroy: func(*terraform.State) error {
			return env.expectKeys(5, billing, unrelated)
		},
	})
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
	testkit.RequireCLI(t, testkit.InvokeWithTarget)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := newEnv(t)
	zapier := env.Mock.AddKey(testkit.User, env.Key("zapier", 300*testkit.Day, nil))
	reporting := env.Mock.AddKey(testkit.User, env.Key("reporting", 300*testkit.Day, nil))
	unrelated := env.Mock.AddKey(testkit.User, env.Key("ci-pipeline", 10*testkit.Day, nil))
	wd := testkit.Workdir(t)
	wd.Env = append(wd.Env, envURL+"="+env.URL, envUsername+"="+testkit.User, envPassword+"="+testkit.Password)
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

// With revocation_review = "error", `terraform plan -invoke` and `apply -invoke` of the revoke action
// fail for a key used within the window and for one made within it and never used, and revoke
// nothing; approve_revocation_of lets exactly the keys it names through. Needs Terraform 1.14+ (actions).
func TestRevokeAPIKeysAction_errorModeNeedsApproval(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.Actions)
	r := (&actionCLI{ctx: ctx}).newRun(t)
	recent := r.addKey(r.env.Key("recently used", 200*testkit.Day, r.env.Ago(time.Hour)))
	fresh := r.addKey(r.env.Key("handed out today", 3*time.Hour, nil))
	stale := r.addKey(r.env.Key("stale", 200*testkit.Day, r.env.Ago(100*testkit.Day)))
	write := func(approved ...mockserver.Key) {
		approvals := make([]string, 0, len(approved))
		for _, k := range approved {
			approvals = append(approvals, fmt.Sprintf("%q", fingerprintOf(k)))
		}
		r.writeConfig(r.env.ProviderBlock(`revocation_review = "error"`), fmt.Sprintf(`
action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints          = [%q, %q, %q]
    approve_revocation_of = [%s]
  }
}
`, fingerprintOf(recent), fingerprintOf(fresh), fingerprintOf(stale), strings.Join(approvals, ", ")))
	}
	recentError := []string{"Error: " + summaryRecentlyUsed,
		fmt.Sprintf(`revokes the API key "recently used" (%s). The key was last used at %s`, fingerprintOf(recent), recent.LastUsed.Format(time.RFC3339))}
	freshError := []string{"Error: " + summaryNewNeverUsed,
		fmt.Sprintf(`revokes the API key "handed out today" (%s). The key was made 3 hours ago and never used: its consumer may not have started yet.`, fingerprintOf(fresh))}

	write()
	plan := r.mustFail(r.run("plan", revokeAction))
	wantInOutput(t, plan, append(recentError, freshError...)...)
	wantInOutput(t, plan, `The provider's revocation_review is "error", so this plan fails.`,
		fmt.Sprintf(`add %q to approve_revocation_of of the circularo_revoke_api_keys action`, fingerprintOf(fresh)))
	wantNotInOutput(t, plan, fmt.Sprintf(`"stale" (%s). The key`, fingerprintOf(stale)))
	r.mustFail(r.run("apply", revokeAction))
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Fatalf("%d DELETE calls, want none: the review must stop the whole invocation", n)
	}
	r.wantRemaining("recently used", "handed out today", "stale")

	// One approval lets that one key through: the plan still fails, for the other key only.
	write(recent)
	plan = r.mustFail(r.run("plan", revokeAction))
	wantInOutput(t, plan, freshError...)
	wantInOutput(t, plan, "Warning: "+summaryRecentlyUsed, "This revocation is approved: approve_revocation_of names "+fingerprintOf(recent))
	wantNotInOutput(t, plan, "Error: "+summaryRecentlyUsed)
	r.mustFail(r.run("apply", revokeAction))
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Fatalf("%d DELETE calls, want none", n)
	}

	write(recent, fresh)
	apply := r.mustSucceed(r.run("apply", revokeAction))
	wantInOutput(t, apply, "This revocation is approved: approve_revocation_of names "+fingerprintOf(fresh))
	if err := testkit.CompareSomeCalls(apply.calls, map[string]int{"delete_key": 3}); err != nil {
		t.Errorf("%s: %v", apply.command, err)
	}
	r.wantRemaining()
}

// The revoke-leaked-key workflow (guide "Revoking a leaked API key"): the action revokes a key named
// by its value, read from a file outside the configuration, through provider::circularo::fingerprint.
// These are subtests of TestRevokeAPIKeysAction_planAndApplyInvoke, which gates them on a CLI with
// actions (Terraform 1.14+).
const leakedAction = "action.circularo_revoke_api_keys.leaked"

// useLeakedKeyWorkflow writes the example as it is, and the value into a file of the test's own,
// outside the working directory, as the guide tells the responder to.
func (r *actionRun) useLeakedKeyWorkflow(value string, providerEnv ...string) {
	r.t.Helper()
	if err := r.wd.WriteConfig(exampleFile(r.t, "workflows/revoke-leaked-key/main.tf")); err != nil {
		r.t.Fatal(err)
	}
	file := filepath.Join(r.t.TempDir(), "leaked-key.txt")
	if err := os.WriteFile(file, []byte(value), 0o600); err != nil {
		r.t.Fatal(err)
	}
	if len(providerEnv) == 0 {
		providerEnv = []string{envUsername + "=" + testkit.User, envPassword + "=" + testkit.Password}
	}
	r.wd.Env = append(r.wd.Env, append(providerEnv, envURL+"="+r.env.URL, "TF_VAR_leaked_key_file="+file)...)
}

// The whole workflow on a recently used key, with a TRACE log: the first plan shows the key's last
// use, the review warns for it, the saved plan is applied and revokes exactly that key (proven by a
// fresh list), and the check passes afterwards. Neither the CLI's output, nor the saved plan file,
// nor `terraform show -json` of it, nor the state, nor the TRACE log of every command holds the value.
func (c *actionCLI) testRevokeLeakedKeyByValue(t *testing.T) {
	r := c.newRun(t)
	leaked := r.addKey(r.env.Key("leaked-ci", 200*testkit.Day, r.env.Ago(2*time.Hour)))
	r.addKey(r.env.Key("other", 200*testkit.Day, r.env.Ago(2*time.Hour)))
	fp := fingerprintOf(leaked)
	r.useLeakedKeyWorkflow(leaked.Value + "\n") // as pasted, with its newline
	logPath := filepath.Join(t.TempDir(), "trace.log")
	r.wd.Env = append(r.wd.Env, "TF_LOG=trace", "TF_LOG_PATH="+logPath)

	before := r.mustSucceed(r.run("plan", "-input=false"))
	wantInOutput(t, before, `description = "leaked-ci"`, `fingerprint = "`+fp+`"`,
		`last_used = "`+leaked.LastUsed.Format(time.RFC3339)+`"`, "The leaked key "+fp+" is still valid")

	review := r.mustSucceed(r.run("plan", leakedAction, "-out=leak.tfplan"))
	wantInOutput(t, review, "Warning: "+summaryRecentlyUsed,
		`revokes the API key "leaked-ci" (`+fp+`). The key was last used at `+leaked.LastUsed.Format(time.RFC3339))
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Fatalf("the review made %d DELETE calls", n)
	}
	planFile := planFileContents(t, filepath.Join(r.wd.Dir, "leak.tfplan"))
	if bytes.Contains(planFile, []byte(leaked.Value)) {
		t.Error("the saved plan file holds the leaked value")
	}
	if !bytes.Contains(planFile, []byte(fp)) {
		t.Error("the saved plan file does not hold the fingerprint: the check above proves nothing")
	}
	planJSON := r.mustSucceed(r.run("show", "-json", "leak.tfplan")) // run fails the test if it shows a value
	wantInOutput(t, planJSON, `"fingerprints":["`+fp+`"],"require_existing":true}`)

	apply := r.mustSucceed(r.run("apply", "-input=false", "leak.tfplan"))
	wantInOutput(t, apply, `Revoked the API key "leaked-ci" (`+fp+`)`)
	if err := testkit.CompareSomeCalls(apply.calls, map[string]int{"delete_key": 1}); err != nil {
		t.Errorf("%s: %v", apply.command, err)
	}
	r.wantRemaining("other")

	after := r.mustSucceed(r.run("plan", "-input=false"))
	wantNotInOutput(t, after, "is still valid", "leaked-ci") // the check passes, and the output is null

	state, err := os.ReadFile(filepath.Join(r.wd.Dir, "terraform.tfstate"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if bytes.Contains(state, []byte(leaked.Value)) {
		t.Error("the state holds the leaked value")
	}
	secrets := &secretSet{}
	secrets.addKeys(r.env.Mock)
	secrets.add("the leaked key's value", leaked.Value)
	secrets.add("the password", testkit.Password)
	checkTraceLog(t, logPath, secrets, "CallFunction", fp)
}

// A value that is no key of the authenticated user (here another user's key) fails the review,
// saying that it may be another account's, without showing it; nothing is revoked.
func (c *actionCLI) testLeakedValueOfAnotherAccount(t *testing.T) {
	r := c.newRun(t)
	r.addKey(r.env.Key("mine", 200*testkit.Day, nil))
	theirs := r.env.Mock.AddKey("someone-else", r.env.Key("theirs", 200*testkit.Day, nil))
	r.secrets[theirs.Value] = true
	r.useLeakedKeyWorkflow(theirs.Value)

	for _, command := range []string{"plan", "apply"} {
		res := r.mustFail(r.run(command, leakedAction))
		wantInOutput(t, res, "Error: "+summaryNotThisAccount,
			"No API key of the authenticated user has the fingerprint "+fingerprintOf(theirs), "may belong to another account")
	}
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Errorf("%d DELETE calls, want none", n)
	}
	if !r.env.Mock.KeyExists(theirs.Value) {
		t.Error("the other user's key was revoked")
	}
	r.wantRemaining("mine")
}

// The value of the token the provider authenticates with fails the review as its fingerprint does,
// and the apply does not revoke it either.
func (c *actionCLI) testLeakedValueIsTheProvidersToken(t *testing.T) {
	r := c.newRun(t)
	own := r.addKey(r.env.Key("the provider's own key", 200*testkit.Day, nil))
	r.useLeakedKeyWorkflow(own.Value, envToken+"="+own.Value)

	plan := r.mustFail(r.run("plan", leakedAction))
	wantInOutput(t, plan, "Error: "+summarySelfRevocation,
		`revokes the API key "the provider's own key" (`+fingerprintOf(own)+`). That key is the token the circularo provider authenticates with`)
	apply := r.mustFail(r.run("apply", leakedAction))
	wantInOutput(t, apply, "Error: "+summarySelfRevocation)
	if n := r.env.Mock.Count("delete_key"); n != 0 {
		t.Errorf("%d DELETE calls, want none", n)
	}
	r.wantRemaining("the provider's own key")
}

// testServerThatHidesKeys: the action revokes every key from a server that hides keys from a DELETE
// without a session, the first DELETE repeated with the token and the others sent with it at once.
func (c *actionCLI) testServerThatHidesKeys(t *testing.T) {
	r, keys := c.threeStaleKeys(t, mockserver.Options{DeleteHidesKeysWithoutToken: true})
	apply := r.mustSucceed(r.run("apply", revokeAction))
	for _, k := range keys {
		wantInOutput(t, apply, fmt.Sprintf("Revoked the API key %q (%s)", k.Description, fingerprintOf(k)))
	}
	if err := testkit.CompareSomeCalls(apply.calls, map[string]int{"delete_key": 4, "delete_key_hidden": 1}); err != nil {
		t.Errorf("%s: %v", apply.command, err)
	}
	r.wantRemaining()
}

// testServerThatKeepsKeys: a server that answers 200 and keeps the keys gets every key reported
// among the failed ones, each named with what was tried; none is reported revoked.
func (c *actionCLI) testServerThatKeepsKeys(t *testing.T) {
	r, keys := c.threeStaleKeys(t, mockserver.Options{DeleteKeepsKeys: true})
	apply := r.mustFail(r.run("apply", revokeAction))
	wantInOutput(t, apply, summaryRevokeFailed, "3 of the 3 API keys could not be revoked")
	for _, k := range keys {
		wantInOutput(t, apply, fmt.Sprintf("Could not revoke the API key %q (%s)", k.Description, fingerprintOf(k)))
		wantNotInOutput(t, apply, fmt.Sprintf("Revoked the API key %q", k.Description))
	}
	if !regexp.MustCompile(wrapped("is still listed by GET /api/key after DELETE /api/key/<key> with the session's token")).MatchString(apply.out) {
		t.Errorf("the failure does not say what was tried:\n%s", apply.out)
	}
	r.wantRemaining("stale 1", "stale 2", "stale 3")
}

func (c *actionCLI) threeStaleKeys(t *testing.T, opts mockserver.Options) (*actionRun, []mockserver.Key) {
	r := c.newRun(t, testkit.WithMockOptions(opts))
	keys := []mockserver.Key{
		r.addKey(r.env.Key("stale 1", 200*testkit.Day, nil)),
		r.addKey(r.env.Key("stale 2", 200*testkit.Day, nil)),
		r.addKey(r.env.Key("stale 3", 200*testkit.Day, nil)),
	}
	r.writeConfig(r.env.ProviderBlock(), fmt.Sprintf(`
action "circularo_revoke_api_keys" "this" {
  config {
    fingerprints = [%q, %q, %q]
  }
}
`, fingerprintOf(keys[0]), fingerprintOf(keys[1]), fingerprintOf(keys[2])))
	return r, keys
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
