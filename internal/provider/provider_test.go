package provider

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// testEnv is the test's mock environment: a testkit.Env (the mock server and its URL, the clock, the
// environment the provider reads instead of the process's, ProviderBlock, Setenv), and the provider
// that unitTest hands to Terraform against it. Every test builds it with newEnv; what a test varies in
// its provider (retry waits, a session registry, a server wrapper, other providers beside it) it sets
// on the env before unitTest.
type testEnv struct {
	*testkit.Env
	// provider is the provider's options: the env's clock, environment lookup and directory of TOTP
	// step records, and what the test sets (fastRetries, closeSessions, or a field itself).
	provider options
	// wraps wrap every provider server that Terraform starts, in order (observe, wrapServer).
	wraps []func(tfprotov6.ProviderServer) tfprotov6.ProviderServer
	// also are the local names under which the provider is served again, each its own server (see
	// secondProvider), and others the other providers the configurations use (echo).
	also   []string
	others map[string]func() (tfprotov6.ProviderServer, error)
}

// newEnv starts the test's mock environment (see testkit.New for the options). The provider sees
// only the environment given through Setenv or testkit.WithProviderEnv, so the test may run in
// parallel with others.
func newEnv(t *testing.T, opts ...testkit.Option) *testEnv {
	t.Helper()
	kit := testkit.New(t, opts...)
	return &testEnv{Env: kit, provider: options{now: kit.Now, lookupEnv: kit.LookupEnv, totpStepDir: kit.TOTPStepDir}}
}

// fastRetries makes the provider's backoff wait milliseconds, not seconds; Retry-After headers are
// still honoured as the mock sends them.
func (e *testEnv) fastRetries() {
	e.provider.retryWaitMin, e.provider.retryWaitMax = time.Millisecond, 20*time.Millisecond
}

// closeSessions gives the provider a session registry of the test's own, whose sessions are logged
// out when the test ends, as Serve logs out a process's sessions at exit.
func (e *testEnv) closeSessions(t *testing.T) { e.provider = closingSessions(t, e.provider) }

// observe serves the provider through an observer of the env's mock (see testkit.Observer), and
// returns it.
func (e *testEnv) observe() *testkit.Observer {
	obs := testkit.NewObserver(e.Mock)
	e.wrapServer(obs.Wrap)
	return obs
}

// wrapServer serves the provider through wrap, which may watch or alter its answers.
func (e *testEnv) wrapServer(wrap func(tfprotov6.ProviderServer) tfprotov6.ProviderServer) {
	e.wraps = append(e.wraps, wrap)
}

// serveAgainAs serves the provider a second time under name, with a server of its own.
func (e *testEnv) serveAgainAs(name string) { e.also = append(e.also, name) }

// serveBeside serves another provider under name beside this one.
func (e *testEnv) serveBeside(name string, server func() (tfprotov6.ProviderServer, error)) {
	if e.others == nil {
		e.others = map[string]func() (tfprotov6.ProviderServer, error){}
	}
	e.others[name] = server
}

// server serves the provider with the env's options through its wraps: one provider, and a server
// of the framework for each start, as Terraform starts a process per command. The protocol-level
// tests call it themselves.
func (e *testEnv) server() func() (tfprotov6.ProviderServer, error) {
	serve, wraps := serverFactory(e.provider), slices.Clone(e.wraps)
	return func() (tfprotov6.ProviderServer, error) {
		server, err := serve()
		if err != nil {
			return nil, err
		}
		for _, wrap := range wraps {
			server = wrap(server)
		}
		return server, nil
	}
}

// unitTest runs a test case with the env's provider (and the others it serves). resource.UnitTest
// runs without TF_ACC: the terraform CLI is real, the Circularo API is the mock. A step whose
// configuration is a directory or file (an example) configures the provider itself, and a step with
// ExternalProviders takes a release from a registry: terraform-plugin-testing takes both for
// providers given by the step, and then wants the providers on each step, none on the test case. The
// env's providers then go to every step that names no ExternalProviders.
func (e *testEnv) unitTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	factories := map[string]func() (tfprotov6.ProviderServer, error){"circularo": e.server()}
	for _, name := range e.also {
		factories[name] = e.server()
	}
	maps.Copy(factories, e.others)
	if tc.ProtoV6ProviderFactories != nil || slices.ContainsFunc(tc.Steps, func(s resource.TestStep) bool { return s.ProtoV6ProviderFactories != nil }) {
		t.Fatal("the test sets its providers itself: set what it varies on the env (testEnv) instead")
	}
	if slices.ContainsFunc(tc.Steps, func(s resource.TestStep) bool {
		return s.ConfigDirectory != nil || s.ConfigFile != nil || len(s.ExternalProviders) > 0
	}) {
		for i := range tc.Steps {
			if len(tc.Steps[i].ExternalProviders) == 0 {
				tc.Steps[i].ProtoV6ProviderFactories = factories
			}
		}
	} else {
		tc.ProtoV6ProviderFactories = factories
	}
	resource.UnitTest(t, tc)
}

// serverFactory is the tests' one constructor, in the spirit of terraform-provider-time's
// NewTestProvider beside New: it serves a provider built with opts (the test's clock, environment,
// HTTP client, retry waits, TOTP step records) through the same server as Serve, so that tests need
// not change the process's.
func serverFactory(opts options) func() (tfprotov6.ProviderServer, error) {
	server := newServer(newWithOptions("test", opts)())
	return func() (tfprotov6.ProviderServer, error) { return server(), nil }
}

// closingSessions is opts with a session registry of the test's own, whose sessions are logged out
// when the test ends, as Serve logs out a process's sessions at exit.
func closingSessions(t *testing.T, opts options) options {
	t.Helper()
	opts.sessions = &sessionRegistry{}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		opts.sessions.closeAll(ctx)
	})
	return opts
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

// mustParseBaseURL is client.ParseBaseURL for a URL the test knows to be good.
func mustParseBaseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := client.ParseBaseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
