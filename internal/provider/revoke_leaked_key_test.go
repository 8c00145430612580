package provider

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

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
	leaked := r.addKey(r.env.Key("leaked-ci", 200*testkit.Day, ago(2*time.Hour)))
	r.addKey(r.env.Key("other", 200*testkit.Day, ago(2*time.Hour)))
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
