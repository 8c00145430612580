package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	testresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// traceLog sends Terraform's and the provider's logs, at TRACE, to a file of the test's own. The
// test framework writes both the CLI's log and the in-process provider's tflog output there.
// terraform-plugin-testing and the CLI read TF_LOG and TF_ACC_LOG_PATH from the process's
// environment only, so the tests that call it use t.Setenv and stay serial.
func traceLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "terraform-trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", path)
	return path
}

// urlOnlyProviderBlock configures the provider with the mock's URL only: the tests pass secrets in
// CIRCULARO_* variables, because the test framework itself logs the configuration it runs.
func (e *testEnv) urlOnlyProviderBlock() string {
	return fmt.Sprintf("provider \"circularo\" {\n  url = %q\n}\n", e.URL)
}

// secretSet collects the secrets a test must never find outside the state.
type secretSet struct {
	mu     sync.Mutex
	values map[string]string // value -> what it is
}

func (s *secretSet) add(what string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]string{}
	}
	for _, v := range values {
		if v != "" {
			s.values[v] = what
		}
	}
}

// addKeys records the value of every key the mock holds now, so that keys revoked later still count.
func (s *secretSet) addKeys(mock *mockserver.Server) {
	for _, k := range mock.Keys(testkit.User) {
		s.add("the value of key "+k.Description, k.Value)
	}
}

func (s *secretSet) recordKeys(mock *mockserver.Server) testresource.TestCheckFunc {
	return func(*terraform.State) error {
		s.addKeys(mock)
		return nil
	}
}

// findIn returns what secret text holds, or "".
func (s *secretSet) findIn(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for v, what := range s.values {
		if strings.Contains(text, v) {
			return what
		}
	}
	return ""
}

func (s *secretSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for v := range s.values {
		out = append(out, v)
	}
	return out
}

// checkTraceLog fails unless the log holds the provider's own request log lines, so that it cannot
// pass by being empty, and no secret at all.
func checkTraceLog(t *testing.T, path string, secrets *secretSet, wantLines ...string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the trace log: %v", err)
	}
	text := string(raw)
	for _, want := range append([]string{"Circularo API request", "Circularo API response", "token=REDACTED"}, wantLines...) {
		if !strings.Contains(text, want) {
			t.Errorf("the trace log (%d bytes) has no line with %q: it does not cover the provider's calls", len(raw), want)
		}
	}
	if len(secrets.list()) == 0 {
		t.Fatal("no secrets to look for")
	}
	for i, line := range strings.Split(text, "\n") {
		if what := secrets.findIn(line); what != "" {
			t.Errorf("line %d of the trace log shows %s: %.300s", i+1, what, line)
		}
	}
}

// Creating, importing, reading and destroying keys, logged in with a password: neither the password,
// nor the session tokens, nor any key value appears in the TRACE log.
//
// Serial: traceLog sets TF_LOG and TF_ACC_LOG_PATH in the process's environment.
func TestSecrets_traceLogWithPasswordLogin(t *testing.T) {
	logPath := traceLog(t)
	env, recorder := newRecordingTestEnv(t)
	existing := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "made by hand"})
	env.Setenv(t, envUsername, testkit.User)
	env.Setenv(t, envPassword, testkit.Password)
	var secrets secretSet
	secrets.add("the password", testkit.Password)
	secrets.addKeys(env.Mock)

	config := env.urlOnlyProviderBlock() + fmt.Sprintf(`
resource "circularo_api_key" "test" {
  description = "traced"
}

import {
  to = circularo_api_key.adopted
  id = %q
}

resource "circularo_api_key" "adopted" {
  description = "made by hand"
}

data "circularo_api_keys" "test" {
  depends_on = [circularo_api_key.test]
}
`, client.Fingerprint(existing.Value))
	env.unitTest(t, testresource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []testresource.TestStep{
			{
				Config: config,
				Check: testresource.ComposeAggregateTestCheckFunc(
					secrets.recordKeys(env.Mock),
					env.checkNoKeyValueInDataSource(),
				),
			},
			{
				// By fingerprint: Terraform itself logs import IDs, so a key value given as one
				// would be in its log whatever the provider does.
				ResourceName:            keyAddress,
				ImportState:             true,
				ImportStateIdFunc:       func(s *terraform.State) (string, error) { return s.RootModule().Resources[keyAddress].Primary.ID, nil },
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token", "store_token"}, // an import never stores the value
			},
		},
	})
	secrets.add("a session token", recorder.Tokens()...)
	if len(recorder.Tokens()) == 0 {
		t.Fatal("the provider never logged in")
	}
	checkTraceLog(t, logPath, &secrets, "method=POST", "/api/key/REDACTED")
}

// With a token (an API key) instead of a password, and with a session opened by circularo_session
// and handed to a second provider, no token appears in the TRACE log.
//
// Serial: traceLog sets TF_LOG and TF_ACC_LOG_PATH in the process's environment.
func TestSecrets_traceLogWithTokens(t *testing.T) {
	logPath := traceLog(t)
	env, recorder := newRecordingTestEnv(t)
	automation := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	var secrets secretSet
	secrets.add("the password", testkit.Password)
	secrets.addKeys(env.Mock)

	env.Setenv(t, envToken, automation.Value)
	env.unitTest(t, testresource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			if left := env.Mock.Keys(testkit.User); len(left) != 1 || left[0].Value != automation.Value {
				return fmt.Errorf("after destroy the server holds %d keys, want only the automation key", len(left))
			}
			return nil
		},
		Steps: []testresource.TestStep{{
			Config: env.urlOnlyProviderBlock() + `
resource "circularo_api_key" "test" {
  description = "made with a token"
}

data "circularo_api_keys" "test" {
  depends_on = [circularo_api_key.test]
}
`,
			Check: testresource.ComposeAggregateTestCheckFunc(
				secrets.recordKeys(env.Mock),
				env.checkNoKeyValueInDataSource(),
			),
		}},
	})
	if n := env.Mock.Count("login"); n != 0 {
		t.Fatalf("token mode logged in %d times", n)
	}

	env.Setenv(t, envToken, "")
	env.Setenv(t, envUsername, testkit.User)
	env.Setenv(t, envPassword, testkit.Password)
	env.unitTest(t, testresource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.EphemeralResources),
		Steps: []testresource.TestStep{{
			Config: env.urlOnlyProviderBlock() + env.sessionTokenConfig(),
			Check:  env.checkNoKeyValueInDataSource(),
		}},
	})
	secrets.add("a session token", recorder.Tokens()...)
	if len(recorder.Tokens()) == 0 {
		t.Fatal("circularo_session never logged in")
	}
	checkTraceLog(t, logPath, &secrets, "method=DELETE")
}

// Failing configurations and broken answers give diagnostics without the secrets at hand, and log
// none either.
//
// Serial: traceLog sets TF_LOG and TF_ACC_LOG_PATH in the process's environment.
func TestSecrets_errorsAndTheirLogs(t *testing.T) {
	logPath := traceLog(t)
	env := newEnv(t)
	revoked := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "revoked"})
	env.Mock.RevokeKey(revoked.Value)
	kept := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "kept"})
	const wrongPassword = "wrong-password-of-alice"
	var secrets secretSet
	secrets.add("the password", testkit.Password)
	secrets.add("a wrong password", wrongPassword)
	secrets.add("the revoked key used as token", revoked.Value)
	secrets.add("the value of key kept", kept.Value)
	all := secrets.list()

	dataSource := env.urlOnlyProviderBlock() + "\ndata \"circularo_api_keys\" \"test\" {}\n"
	t.Run("wrong password", func(t *testing.T) {
		env.Setenv(t, envUsername, testkit.User)
		env.Setenv(t, envPassword, wrongPassword)
		expectErrorWithout(all, words("HTTP 401 Unauthorized"), words("check username and password")).run(t, env, dataSource)
	})
	t.Run("revoked token", func(t *testing.T) {
		env.Setenv(t, envToken, revoked.Value)
		expectErrorWithout(all, words("HTTP 401 Unauthorized"), words("The server rejected the token")).run(t, env, dataSource)
	})
	env.Setenv(t, envUsername, testkit.User)
	env.Setenv(t, envPassword, testkit.Password)
	t.Run("error page quoting a key", func(t *testing.T) {
		env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {
			Status: 500, ContentType: "text/html", Body: "<html><pre>panic: key " + kept.Value + " broke</pre></html>",
		}}})
		t.Cleanup(func() { env.Mock.SetFaults(mockserver.Faults{}) })
		expectErrorWithout(all, words("HTTP 500 Internal Server Error"), `\[REDACTED\]`).run(t, env, dataSource)
	})
	t.Run("truncated list quoting a key", func(t *testing.T) {
		env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {
			ContentType: "application/json", Body: `{"results":[{"id":"` + kept.Value,
		}}})
		t.Cleanup(func() { env.Mock.SetFaults(mockserver.Faults{}) })
		expectErrorWithout(all, words("unexpected end of JSON input"), `\[REDACTED\]`).run(t, env, dataSource)
	})
	t.Run("malformed timestamp quoting a key", func(t *testing.T) {
		env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {
			ContentType: "application/json", Body: `{"results":[{"id":"x","created":"` + kept.Value + `"}]}`,
		}}})
		t.Cleanup(func() { env.Mock.SetFaults(mockserver.Faults{}) })
		expectErrorWithout(all, words("not an RFC 3339 timestamp"), `\[REDACTED\]`).run(t, env, dataSource)
	})
	checkTraceLog(t, logPath, &secrets, "status=401", "status=500")
}

// Every attribute that holds a secret is marked sensitive, so Terraform hides it in plans and output.
func TestSchemas_secretsAreSensitive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newWithOptions("test", options{})()
	type attr struct {
		name      string
		sensitive bool
	}
	var attrs []attr
	var ps provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &ps)
	for name, a := range ps.Schema.Attributes {
		attrs = append(attrs, attr{"provider." + name, a.IsSensitive()})
	}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "circularo"}, &meta)
		var rs resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &rs)
		for name, a := range rs.Schema.Attributes {
			attrs = append(attrs, attr{meta.TypeName + "." + name, a.IsSensitive()})
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "circularo"}, &meta)
		var ds datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &ds)
		for name, a := range ds.Schema.Attributes {
			attrs = append(attrs, attr{"data." + meta.TypeName + "." + name, a.IsSensitive()})
		}
	}
	if pe, ok := p.(provider.ProviderWithEphemeralResources); ok {
		for _, newEphemeral := range pe.EphemeralResources(ctx) {
			e := newEphemeral()
			var meta ephemeral.MetadataResponse
			e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "circularo"}, &meta)
			var es ephemeral.SchemaResponse
			e.Schema(ctx, ephemeral.SchemaRequest{}, &es)
			for name, a := range es.Schema.Attributes {
				attrs = append(attrs, attr{"ephemeral." + meta.TypeName + "." + name, a.IsSensitive()})
			}
		}
	}

	mustBeSensitive := []string{
		"provider.password", "provider.token", "provider.totp_secret",
		"circularo_api_key.token", "ephemeral.circularo_session.token",
	}
	secretName := regexp.MustCompile(`\.(token|password|\w*secret\w*)$`)
	for _, a := range attrs {
		if (slices.Contains(mustBeSensitive, a.name) || secretName.MatchString(a.name)) && !a.sensitive {
			t.Errorf("%s holds a secret but is not sensitive", a.name)
		}
	}
	for _, name := range mustBeSensitive {
		if !slices.ContainsFunc(attrs, func(a attr) bool { return a.name == name }) {
			t.Errorf("%s is not in the schemas", name)
		}
	}
}

// With store_token = false and the value read by the ephemeral circularo_api_key for an aliased
// provider, no key value and no password appear in the TRACE log of Terraform and the provider.
//
// It runs the provider as Terraform runs it for a user, one process per provider block
// (testkit.Workdir), not in-process: the test framework serves every provider block of a name from
// one in-process server, so that the aliased block's Configure replaced the default block's settings,
// and the closing destroy failed now and then, depending on which came first. One failure was
// "Plan revokes the provider's own API key" (the default block reviewing with the aliased block's
// token); the other, "Unknown value for token", was the destroy plan's race that
// TestProviderConfig_tokenOfAKeyCreatedInTheSameConfiguration makes certain.
func TestSecrets_traceLogWithStoreTokenFalse(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.EphemeralResources)
	logPath := filepath.Join(t.TempDir(), "terraform-trace.log")
	env := newEnv(t)
	adopted := env.Mock.AddKey(testkit.User, env.Key("old-report", 400*testkit.Day, nil))
	wd := testkit.Workdir(t)
	wd.Env = append(wd.Env, "TF_LOG=TRACE", "TF_LOG_PATH="+logPath, envUsername+"="+testkit.User, envPassword+"="+testkit.Password)
	var secrets secretSet
	secrets.add("the password", testkit.Password)
	secrets.addKeys(env.Mock)
	keys := testkit.TerraformBlock() + env.urlOnlyProviderBlock() + integrationKeys(adopted)
	consumer := integrationConsumer(env.URL) + `
output "keys_seen_by_the_integration_key" {
  value = length(data.circularo_api_keys.as_integration.api_keys)
}
`
	run := func(hcl string, args ...string) string {
		t.Helper()
		if hcl != "" {
			if err := wd.WriteConfig(hcl); err != nil {
				t.Fatal(err)
			}
		}
		out, err := wd.Run(ctx, append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	run(keys, "apply", "-auto-approve")
	secrets.addKeys(env.Mock)
	if out := run(keys+consumer, "apply", "-auto-approve"); !strings.Contains(out, "keys_seen_by_the_integration_key = 2") {
		t.Errorf("the provider configured with the ephemeral token did not list the 2 keys:\n%s", out)
	}
	run("", "destroy", "-auto-approve")
	if n := len(env.Mock.Keys(testkit.User)); n != 0 || env.Mock.Count("delete_key") == 0 {
		t.Errorf("%d keys left after the destroy, %d DELETEs", n, env.Mock.Count("delete_key"))
	}
	if n := len(secrets.list()); n != 3 {
		t.Fatalf("%d secrets to look for, want the password and the 2 keys' values", n)
	}
	checkTraceLog(t, logPath, &secrets, "/api/key/REDACTED")
}

// integrationKeys creates the integration's key and imports adopted (described old-report), both
// with store_token = false.
func integrationKeys(adopted mockserver.Key) string {
	return fmt.Sprintf(`
resource "circularo_api_key" "integration" {
  description = "integration"
  store_token = false
}

import {
  to = circularo_api_key.adopted
  id = %q
}

resource "circularo_api_key" "adopted" {
  description = "old-report"
  store_token = false
}
`, client.Fingerprint(adopted.Value))
}

// integrationConsumer configures an aliased provider with the integration key's value, read by the
// ephemeral circularo_api_key, and lists the keys with it. url is the mock's.
func integrationConsumer(url string) string {
	return fmt.Sprintf(`
ephemeral "circularo_api_key" "integration" {
  fingerprint = circularo_api_key.integration.id
}

provider "circularo" {
  alias = "as_integration"
  url   = %q
  token = ephemeral.circularo_api_key.integration.token
}

data "circularo_api_keys" "as_integration" {
  provider = circularo.as_integration
}
`, url)
}
