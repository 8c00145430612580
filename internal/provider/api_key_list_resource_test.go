package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

func fingerprintIdentity(k mockserver.Key) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"fingerprint": knownvalue.StringExact(client.Fingerprint(k.Value))}
}

func displayNameOf(k mockserver.Key) string {
	used := "never used"
	if k.LastUsed != nil {
		used = "last used " + k.LastUsed.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s (%s, %s)", k.Description, client.Fingerprint(k.Value), used)
}

// expectListed: the list block found exactly these keys, in this order (oldest first).
func expectListed(address string, keys ...mockserver.Key) []querycheck.QueryResultCheck {
	checks := []querycheck.QueryResultCheck{querycheck.ExpectLength(address, len(keys))}
	want := make([]string, 0, len(keys))
	for _, k := range keys {
		checks = append(checks, querycheck.ExpectIdentity(address, fingerprintIdentity(k)))
		want = append(want, client.Fingerprint(k.Value))
	}
	return append(checks, queryCheck(func(req querycheck.CheckQueryRequest) error {
		var got []string
		for _, r := range req.Query {
			if strings.TrimPrefix(r.Address, "list.") == address {
				got = append(got, fmt.Sprint(r.Identity["fingerprint"]))
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			return fmt.Errorf("%s found %v, want %v", address, got, want)
		}
		return nil
	}))
}

// queryCheck is a query check written as a function of the whole query output.
type queryCheck func(querycheck.CheckQueryRequest) error

func (c queryCheck) CheckQuery(_ context.Context, req querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	resp.Error = c(req)
}

// expectNoKeyValueInQuery proves that no key value of the user reached any result: identity, display
// name, resource object or generated configuration.
func (e *testEnv) expectNoKeyValueInQuery() querycheck.QueryResultCheck {
	return queryCheck(func(req querycheck.CheckQueryRequest) error {
		if len(req.Query) == 0 {
			return fmt.Errorf("the query found nothing, so it proves nothing about key values")
		}
		b, err := json.Marshal(req.Query)
		if err != nil {
			return err
		}
		for _, k := range e.Mock.Keys(testkit.User) {
			if strings.Contains(string(b), k.Value) {
				return fmt.Errorf("the query output holds the value of key %q", k.Description)
			}
		}
		return nil
	})
}

// Every result of a query names the key by its fingerprint identity and a readable display name; the
// filters mean what the data source's mean; limit is honoured; include_resource gives every attribute
// but the token; and one GET /api/key serves every list block of the query.
func TestAPIKeyListResource_query(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	k := seedDataSourceKeys(env)
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ListResources),
		Steps: []resource.TestStep{
			{
				// A query step needs a configuration with the provider; this one manages nothing.
				Config: env.ProviderBlock(),
			},
			{
				// The query's calls are counted from here.
				PreConfig: env.Mock.ResetCounts,
				Query:     true,
				Config: `
list "circularo_api_key" "all" {
  provider         = circularo
  include_resource = true
}

list "circularo_api_key" "stale" {
  provider = circularo
  config {
    unused_for = "90d"
    older_than = "30d"
  }
}

list "circularo_api_key" "ci" {
  provider = circularo
  config {
    description_regex = "^(legacy|ci)-"
  }
}

list "circularo_api_key" "special" {
  provider = circularo
  config {
    api_key_type = "special"
  }
}

list "circularo_api_key" "recently_unused" {
  provider = circularo
  config {
    unused_for = "36h30m"
  }
}

list "circularo_api_key" "two_oldest" {
  provider = circularo
  limit    = 2
}
`,
				QueryResultChecks: concat(
					expectListed("circularo_api_key.all", k.legacyCI, k.zapier, k.billing, k.ciPipeline, k.fresh),
					expectListed("circularo_api_key.stale", k.legacyCI, k.zapier),
					expectListed("circularo_api_key.ci", k.legacyCI, k.ciPipeline),
					expectListed("circularo_api_key.special", k.billing),
					expectListed("circularo_api_key.recently_unused", k.legacyCI, k.zapier, k.billing, k.fresh),
					expectListed("circularo_api_key.two_oldest", k.legacyCI, k.zapier),
					[]querycheck.QueryResultCheck{
						querycheck.ExpectResourceDisplayName("circularo_api_key.all", queryfilter.ByResourceIdentity(fingerprintIdentity(k.legacyCI)),
							knownvalue.StringExact(displayNameOf(k.legacyCI))),
						querycheck.ExpectResourceDisplayName("circularo_api_key.all", queryfilter.ByResourceIdentity(fingerprintIdentity(k.zapier)),
							knownvalue.StringExact(displayNameOf(k.zapier))),
						querycheck.ExpectResourceKnownValues("circularo_api_key.all", queryfilter.ByResourceIdentity(fingerprintIdentity(k.legacyCI)),
							[]querycheck.KnownValueCheck{
								{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(client.Fingerprint(k.legacyCI.Value))},
								{Path: tfjsonpath.New("token"), KnownValue: knownvalue.Null()},
								{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("legacy-ci")},
								{Path: tfjsonpath.New("created"), KnownValue: knownvalue.StringExact(k.legacyCI.Created.Format(time.RFC3339))},
								{Path: tfjsonpath.New("last_used"), KnownValue: knownvalue.StringExact(k.legacyCI.LastUsed.Format(time.RFC3339))},
								{Path: tfjsonpath.New("api_key_type"), KnownValue: knownvalue.StringExact("generic")},
								{Path: tfjsonpath.New("rotate_after"), KnownValue: knownvalue.Null()},
								{Path: tfjsonpath.New("keepers"), KnownValue: knownvalue.Null()},
							}),
						env.expectNoKeyValueInQuery(),
						testkit.ExpectSomeAPICalls(env.Mock, map[string]int{"list_keys": 1, "create_key": 0, "delete_key": 0}),
					},
				),
			},
		},
	})
}

func concat[T any](slices ...[]T) []T {
	var out []T
	for _, s := range slices {
		out = append(out, s...)
	}
	return out
}

// A list of keys that cannot be read reaches the query as an error, never as "no keys", and a bad
// filter is an error that names its attribute.
func TestAPIKeyListResource_errors(t *testing.T) {
	t.Parallel()
	webPage := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/api/key") {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<html><body>Maintenance</body></html>")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	for name, tc := range map[string]struct {
		wrap   func(http.Handler) http.Handler
		config string
		want   *regexp.Regexp
	}{
		"unreadable list": {
			wrap:   webPage,
			config: "list \"circularo_api_key\" \"all\" {\n  provider = circularo\n}\n",
			want:   regexp.MustCompile(`(?s)Could not list API keys.*api_path`),
		},
		"bad filter": {
			wrap:   func(h http.Handler) http.Handler { return h },
			config: "list \"circularo_api_key\" \"all\" {\n  provider = circularo\n  config {\n    unused_for = \"soon\"\n  }\n}\n",
			want:   regexp.MustCompile(`(?s)Invalid duration.*unused_for`),
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, testkit.WithClock(clock.New()), testkit.WithHandler(tc.wrap))
			env.Mock.AddKey(testkit.User, env.Key("there", 10*testkit.Day, nil))
			env.unitTest(t, resource.TestCase{
				TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.ListResources),
				Steps: []resource.TestStep{
					{Config: env.ProviderBlock()},
					{Query: true, Config: tc.config, ExpectError: tc.want},
				},
			})
		})
	}
}

// `terraform query -generate-config-out` with the documentation's example writes import and
// resource blocks that adopt exactly the keys it lists: the apply creates and revokes nothing, the
// next plan is empty, and no key value appears in the query's output or the generated file.
func TestAPIKeyListResource_generatedConfigAdopts(t *testing.T) {
	t.Parallel()
	testkit.RequireCLI(t, testkit.ListResources)
	env := newEnv(t)
	k := seedDataSourceKeys(env)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	wd := testkit.Workdir(t) // the provider binary is built once per test binary
	if err := wd.WriteConfig(testkit.TerraformBlock() + env.ProviderBlock()); err != nil {
		t.Fatal(err)
	}
	if _, err := wd.WriteFile("list-resource.tfquery.hcl", exampleFile(t, "list-resources/circularo_api_key/list-resource.tfquery.hcl")); err != nil {
		t.Fatal(err)
	}
	keyValues := func() []string {
		var out []string
		for _, key := range env.Mock.Keys(testkit.User) {
			out = append(out, key.Value)
		}
		return out
	}
	checkNoKeyValue := func(what, text string) {
		t.Helper()
		for _, v := range keyValues() {
			if strings.Contains(text, v) {
				t.Errorf("%s holds a key value", what)
			}
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := wd.Run(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	out := run("query", "-no-color", "-generate-config-out=generated.tf")
	checkNoKeyValue("the output of terraform query", out)
	for _, key := range []mockserver.Key{k.legacyCI, k.zapier} {
		if !strings.Contains(out, displayNameOf(key)) {
			t.Errorf("the output of terraform query does not show %q:\n%s", displayNameOf(key), out)
		}
	}
	generated, err := wd.ReadFile("generated.tf")
	if err != nil {
		t.Fatal(err)
	}
	checkNoKeyValue("the generated configuration", generated)
	for _, key := range []mockserver.Key{k.legacyCI, k.zapier} {
		if !strings.Contains(generated, client.Fingerprint(key.Value)) {
			t.Errorf("the generated configuration does not import %s (%s):\n%s", key.Description, client.Fingerprint(key.Value), generated)
		}
	}
	if n := strings.Count(generated, "import {"); n != 2 {
		t.Errorf("the generated configuration has %d import blocks, want the 2 stale keys:\n%s", n, generated)
	}

	env.Mock.ResetCounts()
	run("apply", "-auto-approve", "-input=false", "-no-color")
	if err := testkit.CompareSomeCalls(env.Mock.Counts(), map[string]int{"create_key": 0, "delete_key": 0}); err != nil {
		t.Errorf("applying the generated configuration: %v", err)
	}
	if n := len(env.Mock.Keys(testkit.User)); n != 5 {
		t.Errorf("after the adoption the user has %d keys, want the 5 seeded", n)
	}
	state := run("state", "list")
	if got := strings.Fields(state); len(got) != 2 {
		t.Errorf("the state holds %v, want the 2 stale keys", got)
	}
	// The generated configuration says store_token = false, as the import records it: the adopted keys'
	// values are nowhere in the state.
	if !strings.Contains(generated, "store_token") {
		t.Errorf("the generated configuration does not say store_token:\n%s", generated)
	}
	shown := run("show", "-json")
	checkNoKeyValue("the state", shown)
	if n := strings.Count(shown, `"store_token":false`); n != 2 {
		t.Errorf("the state records store_token = false %d times, want 2:\n%s", n, shown)
	}

	// -detailed-exitcode: 0 is an empty plan, 2 a plan with changes.
	if out, err := wd.Run(ctx, "plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after the adoption is not empty: %v", err)
	} else {
		checkNoKeyValue("the output of terraform plan", out)
	}
}

// The provider itself stops at limit: Terraform also stops reading the results there, so a query
// could not tell, but a provider that ignored limit would build every result of a long list for
// nothing. This test speaks the plugin protocol directly.
func TestAPIKeyListResource_limitHonouredByProvider(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithClock(clock.New()))
	k := seedDataSourceKeys(env)
	ctx := context.Background()
	server, err := env.server()()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	providerConfig := dynamicValue(t, schemas.Provider, map[string]string{"url": env.URL, "username": testkit.User, "password": testkit.Password})
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: &providerConfig})
	if err != nil || len(configured.Diagnostics) != 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}
	listConfig := dynamicValue(t, schemas.ListResourceSchemas["circularo_api_key"], nil)
	lister, ok := server.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("the provider server does not serve list resources")
	}
	stream, err := lister.ListResource(ctx, &tfprotov6.ListResourceRequest{
		TypeName: "circularo_api_key", Config: &listConfig, IncludeResource: true, Limit: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for result := range stream.Results {
		if len(result.Diagnostics) != 0 {
			t.Fatalf("result with diagnostics: %v", result.Diagnostics[0])
		}
		got = append(got, result.DisplayName)
	}
	if want := []string{displayNameOf(k.legacyCI), displayNameOf(k.zapier)}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("with limit 2 the provider listed\n%s\nwant the 2 oldest keys\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// dynamicValue is a configuration of schema with the given string attributes set and all others null.
func dynamicValue(t *testing.T, schema *tfprotov6.Schema, values map[string]string) tfprotov6.DynamicValue {
	t.Helper()
	typ, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %v is not an object", schema.ValueType())
	}
	attrs := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(attrType, nil)
		if v, ok := values[name]; ok {
			attrs[name] = tftypes.NewValue(attrType, v)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
	if err != nil {
		t.Fatal(err)
	}
	return dv
}
