package provider

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// testEnv is the test's mock environment: a testkit.Env (the mock server and its URL, the clock, the
// environment the provider reads instead of the process's, ProviderBlock, Setenv), with the helpers
// that serve and configure this package's provider against it. Every test builds it with newEnv.
type testEnv struct {
	*testkit.Env
}

// newEnv starts the test's mock environment (see testkit.New for the options). The provider sees
// only the environment given through Setenv or testkit.WithProviderEnv, so the test may run in
// parallel with others.
func newEnv(t *testing.T, opts ...testkit.Option) *testEnv {
	t.Helper()
	return &testEnv{testkit.New(t, opts...)}
}

// options are the provider options of the environment: its clock, its environment lookup and its
// directory of TOTP step records.
func (e *testEnv) options() options {
	return options{now: e.Now, lookupEnv: e.LookupEnv, totpStepDir: e.TOTPStepDir}
}

// server serves the provider with the environment's options, as Serve serves it.
func (e *testEnv) server() testkit.ServerFactory { return serverFactory(e.options()) }

// factories serves the provider in-process to the terraform CLI that the test framework runs.
func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){"circularo": e.server()}
}

// newObserver observes the providers of env's tests (see testkit.Observer).
func newObserver(env *testEnv) *testkit.Observer { return testkit.NewObserver(env.Mock, env.server()) }

// serverFactory is the tests' one constructor, in the spirit of terraform-provider-time's
// NewTestProvider beside New: it serves a provider built with opts (the test's clock, environment,
// HTTP client, retry waits, TOTP step records) through the same server as Serve, so that tests need
// not change the process's.
func serverFactory(opts options) func() (tfprotov6.ProviderServer, error) {
	server := newServer(newWithOptions("test", opts)())
	return func() (tfprotov6.ProviderServer, error) { return server(), nil }
}

// keyValue returns the token value that a resource holds in the state.
func keyValue(s *terraform.State, address string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s is not in the state", address)
	}
	return rs.Primary.Attributes["token"], nil
}

// checkNoKeysLeft is a CheckDestroy: after destroy, the test user has no keys on the server.
func (e *testEnv) checkNoKeysLeft(s *terraform.State) error {
	if keys := e.Mock.Keys(testkit.User); len(keys) != 0 {
		return fmt.Errorf("%d keys are left on the server after destroy", len(keys))
	}
	if e.Mock.Count("delete_key") == 0 {
		return fmt.Errorf("destroy made no DELETE /api/key call")
	}
	return nil
}

var fingerprintPattern = regexp.MustCompile(`^sha256:[0-9a-f]{16}$`)

// unitTest runs a test case with the mock's provider. resource.UnitTest runs without TF_ACC: the
// terraform CLI is real, the Circularo API is the mock.
func (e *testEnv) unitTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	tc.ProtoV6ProviderFactories = e.factories()
	resource.UnitTest(t, tc)
}

// serverFactoryClosingSessions is serverFactory with a session registry of the test's own, whose
// sessions are logged out when the test ends, as Serve logs out a process's sessions at exit.
func serverFactoryClosingSessions(t *testing.T, opts options) func() (tfprotov6.ProviderServer, error) {
	t.Helper()
	opts.sessions = &sessionRegistry{}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		opts.sessions.closeAll(ctx)
	})
	return serverFactory(opts)
}

// mustParseBaseURL is client.ParseBaseURL for a URL the test knows to be good.
func mustParseBaseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := client.ParseBaseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
