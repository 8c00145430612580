package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// revokingPath is one way a plan revokes the key circularo_api_key.test: from the configuration
// that created it (before), the configuration (after) whose apply revokes it.
type revokingPath struct {
	name    string
	before  string
	after   string
	destroy bool                // the after step is a plan -destroy
	advance time.Duration       // how far the clock moves before the after step
	action  plancheck.PlanCheck // what the after step's plan does to the key
}

// revoke is the step that plans the revocation of the key along the path; preConfig runs first.
func (p revokingPath) revoke(preConfig func()) resource.TestStep {
	return resource.TestStep{
		PreConfig:        preConfig,
		Config:           p.after,
		Destroy:          p.destroy,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{p.action}},
	}
}

// newRevokingPathEnv starts a mock with opts and a clock of the test's own, and returns the path.
func newRevokingPathEnv(t *testing.T, name string, opts mockserver.Options) (*testEnv, *clock.Clock, revokingPath) {
	t.Helper()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock), testkit.WithMockOptions(opts))
	return env, clock, revokingPathFor(t, env, name)
}

var revokingPathNames = []string{"destroy", "removed block", "replacement", "rotation"}

// revokingPathFor returns the path of that name for env.
func revokingPathFor(t *testing.T, env *testEnv, name string) revokingPath {
	t.Helper()
	for _, p := range revokingPaths(env) {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no revoking path %q", name)
	return revokingPath{}
}

func revokingPaths(env *testEnv) []revokingPath {
	key := func(description, extra string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = %q
%s}
`, description, extra)
	}
	const rotation = "  rotate_after = \"30d\"\n"
	return []revokingPath{
		{name: "destroy", before: key("ci", ""), after: key("ci", ""), destroy: true,
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroy)},
		{name: "removed block", before: key("ci", ""), after: env.ProviderBlock(),
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroy)},
		{name: "replacement", before: key("ci", ""), after: key("ci renamed", ""),
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate)},
		{name: "rotation", before: key("ci", rotation), after: key("ci", rotation), advance: 31 * testkit.Day,
			action: plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionDestroyBeforeCreate)},
	}
}

// A server that answers 404 to a DELETE without a session for a key it still has: on every revoking
// path the provider sees the key still listed, sends the DELETE again with the session's token, and
// the key is gone when Terraform reports it destroyed.
func TestRevocationProof_serverThatHidesKeys(t *testing.T) {
	t.Parallel()
	for _, name := range revokingPathNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, clock, path := newRevokingPathEnv(t, name, mockserver.Options{DeleteHidesKeysWithoutToken: true})
			var created mockserver.Key
			revoke := path.revoke(func() { clock.Advance(path.advance) })
			revoke.Check = func(*terraform.State) error {
				if env.Mock.KeyExists(created.Value) {
					return fmt.Errorf("the key %s was reported revoked and still exists", client.Fingerprint(created.Value))
				}
				if hidden, deletes := env.Mock.Count("delete_key_hidden"), env.Mock.Count("delete_key"); hidden != 1 || deletes != 2 {
					return fmt.Errorf("%d hidden and %d DELETEs, want the token-less one hidden, then one with the token", hidden, deletes)
				}
				return nil
			}
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{
					{Config: path.before, Check: func(*terraform.State) error { created = onlyKey(t, env); return nil }},
					revoke,
				},
			})
		})
	}
}

// A server that answers 200 to every DELETE and keeps the key: on every revoking path the apply
// fails with an error that names the key and says what was tried, the key stays in the state, and
// the next plan shows its revocation again.
func TestRevocationProof_serverThatKeepsKeys(t *testing.T) {
	t.Parallel()
	for _, name := range revokingPathNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, clock, path := newRevokingPathEnv(t, name, mockserver.Options{DeleteKeepsKeys: true})
			var created mockserver.Key
			// The key is created by the first step: its fingerprint is not known when the steps are built.
			notRevoked := func() *regexp.Regexp {
				return regexp.MustCompile(`(?s)` + wrapped(`Could not revoke the API key "ci"`) + `\s+\(sha256:[0-9a-f]{16}\)` +
					`.*` + wrapped(`is still listed by GET /api/key after DELETE /api/key/<key> without a session token `+
					`(answered with success), then with the session's token (answered with success): it was not revoked and still works`) +
					`.*` + wrapped("It stays in the state"))
			}
			first := path.revoke(func() { clock.Advance(path.advance) })
			first.ExpectError = notRevoked()
			// The key is still in the state and on the server: the next plan revokes it again.
			again := path.revoke(func() {
				if !env.Mock.KeyExists(created.Value) {
					t.Error("the key is gone from the server")
				}
			})
			again.ExpectError = notRevoked()
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{
					{Config: path.before, Check: func(*terraform.State) error { created = onlyKey(t, env); return nil }},
					first,
					again,
					{
						// Revoked by hand, as the error advises: the refresh drops it.
						PreConfig: func() { env.Mock.RevokeKey(created.Value) },
						Config:    env.ProviderBlock(),
					},
				},
			})
		})
	}
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

// onlyKey returns the one key the test user has.
func onlyKey(t *testing.T, env *testEnv) mockserver.Key {
	t.Helper()
	keys := env.Mock.Keys(testkit.User)
	if len(keys) != 1 {
		t.Fatalf("the user has %d keys, want 1", len(keys))
	}
	return keys[0]
}

// wrapped is a pattern for text that the CLI may wrap at any space.
func wrapped(text string) string {
	return strings.Join(strings.Fields(regexp.QuoteMeta(text)), `\s+`)
}
