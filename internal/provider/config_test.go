package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// Invalid settings are checked at the cheapest level that proves them: each table case sends the
// configuration to the provider's protocol server as Terraform does (microseconds), and one case per
// kind of error still runs `terraform plan` so that the path through the CLI stays proven.

// unknownValue stands for a value known only after apply in a protocol configuration.
type unknownValue struct{}

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

// diagnostic is one diagnostic as a test expects it; attribute is the top-level attribute it names
// ("" for none), as Terraform shows under the configuration line it points at.
type diagnostic struct {
	severity  tfprotov6.DiagnosticSeverity
	attribute string
	summary   string
	detail    string
}

func errorAt(attribute, summary, detail string) diagnostic {
	return diagnostic{severity: tfprotov6.DiagnosticSeverityError, attribute: attribute, summary: summary, detail: detail}
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

func hasErrorDiagnostic(diags []*tfprotov6.Diagnostic) bool {
	return slices.ContainsFunc(diags, func(d *tfprotov6.Diagnostic) bool { return d.Severity == tfprotov6.DiagnosticSeverityError })
}

func expectDiagnostics(t *testing.T, rpc string, got []*tfprotov6.Diagnostic, want []diagnostic) {
	t.Helper()
	if g := diagnosticsOf(got); !slices.Equal(g, want) {
		t.Errorf("%s diagnostics:\n%s\nwant:\n%s", rpc, formatDiagnostics(g), formatDiagnostics(want))
	}
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

// planProviderConfig sends a provider configuration as `terraform plan` does: ValidateProviderConfig,
// then, when that found no error, ConfigureProvider. It returns the RPC that reported the last
// diagnostics and every diagnostic so far. The provider sees env as its whole environment.
func planProviderConfig(t *testing.T, env map[string]string, values map[string]any) (string, []*tfprotov6.Diagnostic) {
	t.Helper()
	ctx := context.Background()
	lookupEnv := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	server, schemas := protocolSchemas(t, options{lookupEnv: lookupEnv})
	config := protocolConfig(t, schemas.Provider, values)
	validated, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	if hasErrorDiagnostic(validated.Diagnostics) {
		return "ValidateProviderConfig", validated.Diagnostics
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.15.0", Config: config})
	if err != nil {
		t.Fatal(err)
	}
	return "ConfigureProvider", append(validated.Diagnostics, configured.Diagnostics...)
}

// configCase is one invalid provider configuration and the diagnostics it must give.
type configCase struct {
	name   string
	config map[string]any    // the provider block's attributes
	env    map[string]string // the provider's environment: CIRCULARO_* variables
	rpc    string            // the RPC that must report the error
	want   []diagnostic
}

// runConfigCases checks each case through a protocol server of its own, in parallel: the provider
// reads the case's environment through options.lookupEnv, never the process's, so a developer's
// CIRCULARO_* variables cannot leak in.
func runConfigCases(t *testing.T, cases []configCase) {
	t.Parallel()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rpc, diags := planProviderConfig(t, tc.env, tc.config)
			if rpc != tc.rpc {
				t.Errorf("the error came from %s, want %s", rpc, tc.rpc)
			}
			expectDiagnostics(t, rpc, diags, tc.want)
		})
	}
}

// withLogin is the test user's login plus attrs; a nil value leaves that attribute null.
func withLogin(attrs map[string]any) map[string]any {
	out := map[string]any{"url": "https://example.circularo.com", "username": testkit.User, "password": testkit.Password}
	for name, v := range attrs {
		if v == nil {
			delete(out, name)
		} else {
			out[name] = v
		}
	}
	return out
}

const (
	validateProvider  = "ValidateProviderConfig"
	configureProvider = "ConfigureProvider"
)

// The provider's own settings, wrong one at a time.
func TestProviderConfig_badInput(t *testing.T) {
	const (
		invalidURL      = "Invalid URL (absolute http:// or https://)"
		invalidDuration = "Invalid duration (such as 90d, 36h30m or 30s)"
	)
	runConfigCases(t, []configCase{
		{
			name:   "url without scheme",
			config: withLogin(map[string]any{"url": "example.circularo.com"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("url", invalidURL, `url: "example.circularo.com" is not an absolute http:// or https:// URL.`)},
		},
		{
			name:   "url with a query",
			config: withLogin(map[string]any{"url": "https://example.circularo.com/?tenant=x"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("url", invalidURL, `url: "https://example.circularo.com/" must not have a query or fragment.`)},
		},
		{
			name:   "url with credentials",
			config: withLogin(map[string]any{"url": "https://alice:hunter2@example.circularo.com"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("url", invalidURL, `url: the URL must not contain credentials: use username and password, or token.`)},
		},
		{
			name:   "url from CIRCULARO_URL",
			config: withLogin(map[string]any{"url": nil}),
			env:    map[string]string{envURL: "ftp://example.circularo.com"},
			rpc:    configureProvider,
			want: []diagnostic{errorAt("url", "Invalid Circularo URL",
				`url (or CIRCULARO_URL): "ftp://example.circularo.com" is not an absolute http:// or https:// URL.`)},
		},
		{
			name:   "api_path without leading slash",
			config: withLogin(map[string]any{"api_path": "api/v1"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("api_path", "Invalid API path (starting with a slash)", `api_path: "api/v1" must start with a slash, like /api/v1.`)},
		},
		{
			name:   "api_path from CIRCULARO_API_PATH",
			config: withLogin(nil),
			env:    map[string]string{envAPIPath: "api/v1"},
			rpc:    configureProvider,
			want: []diagnostic{errorAt("api_path", "Invalid API path",
				`api_path (or CIRCULARO_API_PATH): "api/v1" must start with a slash, like /api/v1.`)},
		},
		{
			name:   "url and api_path from the environment: both reported",
			config: withLogin(map[string]any{"url": nil}),
			env:    map[string]string{envURL: "example.circularo.com", envAPIPath: "/api/v1#x"},
			rpc:    configureProvider,
			want: []diagnostic{
				errorAt("url", "Invalid Circularo URL", `url (or CIRCULARO_URL): "example.circularo.com" is not an absolute http:// or https:// URL.`),
				errorAt("api_path", "Invalid API path", `api_path (or CIRCULARO_API_PATH): "/api/v1#x" must be a plain path, without query or fragment.`),
			},
		},
		{
			name:   "request_timeout without unit",
			config: withLogin(map[string]any{"request_timeout": "30"}),
			rpc:    validateProvider,
			want: []diagnostic{errorAt("request_timeout", invalidDuration,
				`request_timeout: "30" is not a duration: use a number and a unit, such as 90d, 36h or 30m.`)},
		},
		{
			name:   "request_timeout negative",
			config: withLogin(map[string]any{"request_timeout": "-5s"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("request_timeout", invalidDuration, `request_timeout: "-5s" is negative: durations here are spans of time.`)},
		},
		{
			name:   "request_timeout zero",
			config: withLogin(map[string]any{"request_timeout": "0s"}),
			rpc:    configureProvider,
			want:   []diagnostic{errorAt("request_timeout", "Invalid request timeout", "request_timeout must be longer than zero, such as 30s.")},
		},
		{
			name:   "revocation_warning_window unknown unit",
			config: withLogin(map[string]any{"revocation_warning_window": "1 day"}),
			rpc:    validateProvider,
			want: []diagnostic{errorAt("revocation_warning_window", invalidDuration,
				`revocation_warning_window: "1 day" is not a duration: unknown unit " day" (use w, d, h, m, s, ms, us or ns).`)},
		},
		{
			name:   "max_retries too high",
			config: withLogin(map[string]any{"max_retries": int64(11)}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("max_retries", "Invalid Attribute Value", "Attribute max_retries value must be between 0 and 10, got: 11")},
		},
		{
			name:   "max_retries negative",
			config: withLogin(map[string]any{"max_retries": int64(-1)}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("max_retries", "Invalid Attribute Value", "Attribute max_retries value must be between 0 and 10, got: -1")},
		},
	})
}

// Ways to authenticate that are missing a part or conflict.
func TestProviderConfig_badAuthentication(t *testing.T) {
	const (
		combination = "Invalid Attribute Combination"
		noPassword  = "username is set but password is not: set password or the CIRCULARO_PASSWORD environment variable."
		noUsername  = "password is set but username is not: set username or the CIRCULARO_USERNAME environment variable."
	)
	url := func(attrs map[string]any) map[string]any {
		attrs["url"] = "https://example.circularo.com"
		return attrs
	}
	runConfigCases(t, []configCase{
		{
			name:   "token and username",
			config: url(map[string]any{"token": "abc", "username": "alice"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("token", combination, `Attribute "username" cannot be specified when "token" is specified`)},
		},
		{
			name:   "token and password",
			config: url(map[string]any{"token": "abc", "password": "secret-1"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("token", combination, `Attribute "password" cannot be specified when "token" is specified`)},
		},
		{
			name:   "token and totp_secret",
			config: url(map[string]any{"token": "abc", "totp_secret": "JBSWY3DPEHPK3PXP"}),
			rpc:    validateProvider,
			want:   []diagnostic{errorAt("token", combination, `Attribute "totp_secret" cannot be specified when "token" is specified`)},
		},
		{
			// A login set in the block wins over CIRCULARO_TOKEN, so the half login is what is wrong.
			name:   "CIRCULARO_TOKEN and username",
			config: url(map[string]any{"username": "alice"}),
			env:    map[string]string{envToken: "abc"},
			rpc:    configureProvider,
			want:   []diagnostic{errorAt("password", "Missing password", noPassword)},
		},
		{
			name:   "CIRCULARO_TOKEN and CIRCULARO_USERNAME",
			config: url(map[string]any{}),
			env:    map[string]string{envToken: "abc", envUsername: "alice"},
			rpc:    configureProvider,
			want: []diagnostic{errorAt("token", "Conflicting authentication settings", "token (or CIRCULARO_TOKEN) is set "+
				"together with username, password or totp_secret (or their CIRCULARO_* environment variables). Set either "+
				"token (or CIRCULARO_TOKEN), or username and password (or CIRCULARO_USERNAME and CIRCULARO_PASSWORD).")},
		},
		{
			name:   "no credentials at all",
			config: url(map[string]any{}),
			rpc:    configureProvider,
			want: []diagnostic{errorAt("", "Missing Circularo credentials", "The provider has no way to authenticate. Set either "+
				"token (or CIRCULARO_TOKEN), or username and password (or CIRCULARO_USERNAME and CIRCULARO_PASSWORD).")},
		},
		{
			name:   "username without password",
			config: url(map[string]any{"username": "alice"}),
			rpc:    configureProvider,
			want:   []diagnostic{errorAt("password", "Missing password", noPassword)},
		},
		{
			name:   "password without username",
			config: url(map[string]any{"password": "secret-1"}),
			rpc:    configureProvider,
			want:   []diagnostic{errorAt("username", "Missing username", noUsername)},
		},
		{
			name:   "CIRCULARO_PASSWORD without username",
			config: url(map[string]any{}),
			env:    map[string]string{envPassword: "secret-1"},
			rpc:    configureProvider,
			want:   []diagnostic{errorAt("username", "Missing username", noUsername)},
		},
	})
}

// The filters of the data source and of the list resource, wrong one at a time: both share one set
// of attributes, so each bad value is sent to both.
func TestAPIKeysDataSource_badFilters(t *testing.T) {
	t.Parallel()
	const invalidDuration = "Invalid duration (such as 90d, 36h30m or 30s)"
	for _, tc := range []struct {
		name   string
		config map[string]any
		want   diagnostic
	}{
		{
			name:   "invalid description_regex",
			config: map[string]any{"description_regex": "ci-("},
			want:   errorAt("description_regex", "Invalid regular expression (RE2 syntax)", "description_regex: error parsing regexp: missing closing ): `ci-(`."),
		},
		{
			name:   "unused_for in words",
			config: map[string]any{"unused_for": "90 days"},
			want:   errorAt("unused_for", invalidDuration, `unused_for: "90 days" is not a duration: unknown unit " days" (use w, d, h, m, s, ms, us or ns).`),
		},
		{
			name:   "unused_for negative",
			config: map[string]any{"unused_for": "-90d"},
			want:   errorAt("unused_for", invalidDuration, `unused_for: "-90d" is negative: durations here are spans of time.`),
		},
		{
			name:   "older_than without unit",
			config: map[string]any{"older_than": "365"},
			want:   errorAt("older_than", invalidDuration, `older_than: "365" is not a duration: use a number and a unit, such as 90d, 36h or 30m.`),
		},
		{
			name:   "older_than too long",
			config: map[string]any{"older_than": "1000000d"},
			want:   errorAt("older_than", invalidDuration, `older_than: "1000000d" is not a duration: 1000000d is too long.`),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			server, schemas := protocolSchemas(t, options{})
			dataSource, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{
				TypeName: "circularo_api_keys",
				Config:   protocolConfig(t, schemas.DataSourceSchemas["circularo_api_keys"], tc.config),
			})
			if err != nil {
				t.Fatal(err)
			}
			expectDiagnostics(t, "ValidateDataResourceConfig", dataSource.Diagnostics, []diagnostic{tc.want})
			lister, ok := server.(tfprotov6.ListResourceServer)
			if !ok {
				t.Fatal("the provider server does not serve list resources")
			}
			list, err := lister.ValidateListResourceConfig(ctx, &tfprotov6.ValidateListResourceConfigRequest{
				TypeName: "circularo_api_key",
				Config:   protocolConfig(t, schemas.ListResourceSchemas["circularo_api_key"], tc.config),
			})
			if err != nil {
				t.Fatal(err)
			}
			expectDiagnostics(t, "ValidateListResourceConfig", list.Diagnostics, []diagnostic{tc.want})
		})
	}
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

// One case per kind of provider configuration error through `terraform plan`: the tables above check
// every case through the protocol server (attribute paths included); these prove that the CLI runs
// both RPCs and shows what they report, a validator's error under the configuration line it points at.
func TestProviderConfig_errorsThroughTheCLI(t *testing.T) {
	t.Parallel()
	provider := func(attrs string) func(e *testEnv) string {
		return func(e *testEnv) string {
			return fmt.Sprintf("provider \"circularo\" {\n%s}\n\ndata \"circularo_api_keys\" \"test\" {}\n",
				strings.ReplaceAll(attrs, "MOCK_URL", fmt.Sprintf("%q", e.URL)))
		}
	}
	for _, tc := range []badInput{
		{
			// A validator's error, shown under the line that sets the value.
			name:   "bad attribute value",
			config: provider("  url = \"example.circularo.com\"\n  username = \"alice\"\n  password = \"secret-1\"\n"),
			want:   []string{words(`url = "example.circularo.com"`), words(`url: "example.circularo.com" is not an absolute http:// or https:// URL.`)},
		},
		{
			// Configure's error for a value that skipped the validators.
			name:   "bad environment value",
			config: provider("  username = \"alice\"\n  password = \"secret-1\"\n"),
			env:    map[string]string{envURL: "ftp://example.circularo.com"},
			want:   []string{words("Invalid Circularo URL"), words(`url (or CIRCULARO_URL): "ftp://example.circularo.com" is not an absolute http:// or https:// URL.`)},
		},
		{
			name:   "authentication conflict",
			config: provider("  url = MOCK_URL\n  token = \"abc\"\n  username = \"alice\"\n"),
			want:   []string{words("Invalid Attribute Combination"), words(`Attribute "username" cannot be specified when "token" is specified`)},
		},
		{
			// Configure's authentication check, which no validator can make (the environment counts).
			name:   "missing credentials",
			config: provider("  url = MOCK_URL\n"),
			want:   []string{words("Missing Circularo credentials"), words("Set either token (or CIRCULARO_TOKEN), or username and password (or CIRCULARO_USERNAME and CIRCULARO_PASSWORD).")},
		},
	} {
		t.Run(tc.name, tc.run)
	}
}

// One bad filter through `terraform plan`; TestAPIKeysDataSource_badFilters checks every filter
// through the protocol server.
func TestAPIKeysDataSource_badFiltersThroughTheCLI(t *testing.T) {
	t.Parallel()
	badInput{
		config: func(e *testEnv) string { return e.dataSourceConfig(`description_regex = "ci-("`) },
		want:   []string{words(`description_regex = "ci-("`), words("description_regex: error parsing regexp: missing closing ): `ci-(`.")},
	}.run(t)
}

// Answers that are not the Circularo API's (a web page, a cut-off body, another JSON shape) give
// an error that points at url and api_path, never a panic or an empty list.
func TestProvider_answersThatAreNotTheAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer mockserver.Response
		want   string
	}{
		{"HTML", mockserver.Response{ContentType: "text/html; charset=utf-8", Body: "<!DOCTYPE html><html><body>Sign in</body></html>"},
			words("expected JSON, got text/html; charset=utf-8")},
		{"truncated JSON", mockserver.Response{ContentType: "application/json", Body: `{"results":[{"id":"abc","descr`},
			words("invalid JSON: unexpected end of JSON input")},
		{"no results", mockserver.Response{ContentType: "application/json", Body: `{"items":[]}`},
			words(`the answer has no "results" list of keys`)},
		{"results of the wrong type", mockserver.Response{ContentType: "application/json", Body: `{"results":"none"}`},
			words("invalid JSON: json: cannot unmarshal string")},
		{"a key of the wrong shape", mockserver.Response{ContentType: "application/json", Body: `{"results":[{"id":42}]}`},
			words("invalid JSON: json: cannot unmarshal number")},
		{"a key without id", mockserver.Response{ContentType: "application/json", Body: `{"results":[{"description":"x","created":"2024-01-01T00:00:00Z"}]}`},
			words("results[0]: key without id")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": tc.answer}})
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config: env.dataSourceConfig(),
					ExpectError: regexp.MustCompile(`(?s)` + words("Could not list API keys") + `.*` +
						words("GET "+env.URL+"/api/v1/api/key") + `(\?token=REDACTED)?:\s+` + words("unreadable answer (HTTP 200):") + `\s+` + tc.want + `.*` +
						words("check that url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH) point to the API")),
				}},
			})
		})
	}
}

// A login answered by a web page, as when api_path points at the web application.
func TestProvider_loginAnsweredByAWebPage(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"login": {
		ContentType: "text/html", Body: "<html><body>Circularo</body></html>",
	}}})
	expectErrorWithout([]string{testkit.Password},
		words("POST "+env.URL+"/api/v1/login: unreadable answer (HTTP 200): expected JSON, got text/html"),
		words("check that url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH) point to the API"),
	).run(t, env, env.dataSourceConfig())
}

// An api_path that is not the API's: the login is not found.
func TestProvider_wrongAPIPath(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	expectErrorWithout([]string{testkit.Password},
		words("POST "+env.URL+"/rest/login: HTTP 404 Not Found"),
		words("The login endpoint was not found: check url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH)."),
	).run(t, env, env.ProviderBlock(`api_path = "/rest"`)+"\ndata \"circularo_api_keys\" \"test\" {}\n")
}

// A refresh that gets an answer of the wrong shape fails: it must not read as "every key was
// revoked", which would drop the keys from the state and plan new ones.
func TestAPIKeyResource_wrongShapedListIsNotRevocation(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	setAnswer := func(body string) func() {
		return func() {
			env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {ContentType: "application/json", Body: body}}})
		}
	}
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{
			{Config: env.keyConfig("kept")},
			{
				PreConfig:   setAnswer(`{}`),
				Config:      env.keyConfig("kept"),
				ExpectError: regexp.MustCompile(`(?s)` + words("Could not read the API key") + `.*` + words(`the answer has no "results" list of keys`)),
			},
			{
				PreConfig: func() { env.Mock.SetFaults(mockserver.Faults{}) },
				Config:    env.keyConfig("kept"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	if n := env.Mock.Count("create_key"); n != 1 {
		t.Errorf("%d keys were created, want 1", n)
	}
}

// userAgentRecorder remembers the User-Agent of every request.
type userAgentRecorder struct {
	mu     sync.Mutex
	agents []string
}

func (r *userAgentRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.agents = append(r.agents, req.Method+" "+req.URL.Path+" "+req.UserAgent())
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

func TestProvider_userAgent(t *testing.T) {
	t.Parallel()
	var recorder userAgentRecorder
	env := newEnv(t, testkit.WithHandler(recorder.wrap))
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{{
			Config: env.keyConfig("ua") + "\ndata \"circularo_api_keys\" \"test\" {\n  depends_on = [circularo_api_key.test]\n}\n",
		}},
	})
	recorder.mu.Lock()
	agents := slices.Clone(recorder.agents)
	recorder.mu.Unlock()
	want := regexp.MustCompile(` terraform-provider-circularo/test terraform/1\.\d+\.\d+\S*$`)
	methods := map[string]bool{}
	for _, a := range agents {
		if !want.MatchString(a) {
			t.Errorf("request %q does not carry the provider's User-Agent", a)
		}
		methods[strings.Fields(a)[0]] = true
	}
	for _, m := range []string{"GET", "POST", "DELETE"} {
		if !methods[m] {
			t.Errorf("no %s request was seen: %v", m, agents)
		}
	}
}

// A provider block with a setting known only after apply is configured without an error (Terraform
// configures every block in every plan, destroy plans included, where the block may serve nothing
// that calls Circularo), and the first operation that needs the API fails with one error that names
// the settings: not a second one about missing credentials.
func TestProviderConfig_unknownValuesFailOnlyWhatUsesTheProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		config map[string]any
		env    map[string]string
		want   []string
	}{
		{
			// An ephemeral circularo_api_key of a key created in the same run, with a login in the
			// environment for the default provider block.
			name:   "token",
			config: map[string]any{"url": "https://example.circularo.com", "token": unknownValue{}},
			env:    map[string]string{envUsername: testkit.User, envPassword: testkit.Password},
			want:   []string{"token"},
		},
		{name: "url", config: withLogin(map[string]any{"url": unknownValue{}}), want: []string{"url"}},
		{
			name:   "durations and retries",
			config: withLogin(map[string]any{"request_timeout": unknownValue{}, "max_retries": unknownValue{}, "revocation_warning_window": unknownValue{}}),
			want:   []string{"max_retries", "request_timeout", "revocation_warning_window"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rpc, diags := planProviderConfig(t, tc.env, tc.config)
			expectDiagnostics(t, rpc, diags, nil)

			lookupEnv := func(name string) (string, bool) { v, ok := tc.env[name]; return v, ok }
			server, schemas := protocolSchemas(t, options{lookupEnv: lookupEnv})
			configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
				TerraformVersion: "1.11.4", Config: protocolConfig(t, schemas.Provider, tc.config)})
			if err != nil {
				t.Fatal(err)
			}
			expectDiagnostics(t, "ConfigureProvider", configured.Diagnostics, nil)
			read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
				TypeName: "circularo_api_keys",
				Config:   protocolConfig(t, schemas.DataSourceSchemas["circularo_api_keys"], nil),
			})
			if err != nil {
				t.Fatal(err)
			}
			expectDiagnostics(t, "ReadDataSource", read.Diagnostics,
				[]diagnostic{errorAt("", summaryUnknownProviderConfig, unknownProviderConfigDetail(tc.want))})
			if !strings.Contains(read.Diagnostics[0].Detail, "sets "+strings.Join(tc.want, ", ")+" from a value known only after apply") {
				t.Errorf("the error does not name %v: %s", tc.want, read.Diagnostics[0].Detail)
			}
		})
	}
}

// Neither url nor CIRCULARO_URL: the provider uses the public sandbox, and says so, since the
// credentials then go to a host that the configuration does not name. Either one silences it.
func TestProviderConfig_urlNotSetWarnsOfTheSandbox(t *testing.T) {
	t.Parallel()
	rpc, diags := planProviderConfig(t, nil, withLogin(map[string]any{"url": nil}))
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityWarning || diags[0].Summary != summaryURLNotSet ||
		!strings.Contains(diags[0].Detail, "https://sandbox.circularo.com") {
		t.Errorf("%s diagnostics:\n%s\nwant one warning %q that names the sandbox", rpc, formatDiagnostics(diagnosticsOf(diags)), summaryURLNotSet)
	}
	for name, tc := range map[string]struct {
		env    map[string]string
		config map[string]any
	}{
		"url set":           {config: withLogin(map[string]any{"url": "https://sandbox.circularo.com"})},
		"CIRCULARO_URL set": {env: map[string]string{envURL: "https://example.circularo.com"}, config: withLogin(map[string]any{"url": nil})},
	} {
		rpc, diags := planProviderConfig(t, tc.env, tc.config)
		if len(diags) != 0 {
			t.Errorf("%s: %s diagnostics:\n%s\nwant none", name, rpc, formatDiagnostics(diagnosticsOf(diags)))
		}
	}
}
