package provider

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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

// keepValue is a check that keeps the token that address holds in the state in *value, for a later
// step to use.
func keepValue(address string, value *string) resource.TestCheckFunc {
	return func(s *terraform.State) (err error) {
		*value, err = keyValue(s, address)
		return err
	}
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

// wrapped is a pattern for text that the CLI may wrap at any space.
func wrapped(text string) string {
	return strings.Join(strings.Fields(regexp.QuoteMeta(text)), `\s+`)
}

// protocolConfig is a configuration of schema as Terraform sends it: the given attributes set (Go
// strings, int64s, or unknownValue{}), every other attribute null.
func protocolConfig(t *testing.T, schema *tfprotov6.Schema, values map[string]any) *tfprotov6.DynamicValue {
	t.Helper()
	typ, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %v is not an object", schema.ValueType())
	}
	attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, attrType := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(attrType, nil)
	}
	for name, v := range values {
		attrType, ok := typ.AttributeTypes[name]
		if !ok {
			t.Fatalf("the schema has no attribute %q", name)
		}
		if _, ok := v.(unknownValue); ok {
			v = tftypes.UnknownValue
		}
		attrs[name] = tftypes.NewValue(attrType, v)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// unknownValue stands for a value known only after apply in a protocol configuration.
type unknownValue struct{}

// protocolSchemas is a protocol server of the provider built with opts, as Serve serves it, and
// its GetProviderSchema answer.
func protocolSchemas(t *testing.T, opts options) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	server, err := serverFactory(opts)()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(schemas.Diagnostics) != 0 {
		t.Fatalf("GetProviderSchema: %v", diagnosticsOf(schemas.Diagnostics))
	}
	return server, schemas
}

func errorAt(attribute, summary, detail string) diagnostic {
	return diagnostic{severity: tfprotov6.DiagnosticSeverityError, attribute: attribute, summary: summary, detail: detail}
}

func expectDiagnostics(t *testing.T, rpc string, got []*tfprotov6.Diagnostic, want []diagnostic) {
	t.Helper()
	if g := diagnosticsOf(got); !slices.Equal(g, want) {
		t.Errorf("%s diagnostics:\n%s\nwant:\n%s", rpc, formatDiagnostics(g), formatDiagnostics(want))
	}
}

func diagnosticsOf(diags []*tfprotov6.Diagnostic) []diagnostic {
	out := make([]diagnostic, 0, len(diags))
	for _, d := range diags {
		got := diagnostic{severity: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Attribute != nil {
			got.attribute = d.Attribute.String()
			if steps := d.Attribute.Steps(); len(steps) == 1 {
				if name, ok := steps[0].(tftypes.AttributeName); ok {
					got.attribute = string(name)
				}
			}
		}
		out = append(out, got)
	}
	return out
}

func formatDiagnostics(diags []diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "  %v at %q: %q: %q\n", d.severity, d.attribute, d.summary, d.detail)
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

// diagnostic is one diagnostic as a test expects it; attribute is the top-level attribute it names
// ("" for none), as Terraform shows under the configuration line it points at.
type diagnostic struct {
	severity  tfprotov6.DiagnosticSeverity
	attribute string
	summary   string
	detail    string
}

// badInput is one invalid setting planned through the terraform CLI: the configuration and
// environment that carry it, and what the error must say. Every pattern is matched however the CLI
// wraps lines.
type badInput struct {
	name   string
	config func(e *testEnv) string // the whole configuration
	env    map[string]string       // CIRCULARO_* variables of the provider's environment
	want   []string                // patterns, in the order the CLI shows them
}

// run plans the input against a mock and expects it to fail before any API call.
func (b badInput) run(t *testing.T) {
	t.Helper()
	env := newEnv(t, testkit.WithProviderEnv(b.env))
	patterns := make([]string, len(b.want))
	for i, w := range b.want {
		patterns[i] = `(?s)` + w
	}
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      b.config(env),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(strings.Join(patterns, `.*`)),
		}},
	})
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("the bad input still made %d API calls", n)
	}
}

// words turns a phrase into a pattern that matches it however the CLI wraps its lines.
func words(phrase string) string {
	fields := strings.Fields(phrase)
	for i, f := range fields {
		fields[i] = regexp.QuoteMeta(f)
	}
	return strings.Join(fields, `\s+`)
}
