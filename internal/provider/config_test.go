package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// badInput is one invalid setting: the configuration and environment that carry it, and what the
// error must say. Every pattern is matched however the CLI wraps lines.
type badInput struct {
	name   string
	config string            // the provider block's attributes, or a whole data source block
	env    map[string]string // CIRCULARO_* variables to set
	want   []string          // patterns; attribute names come first
}

// run plans the input and expects it to fail before any API call.
func (b badInput) run(t *testing.T, env *testEnv, config string) {
	t.Helper()
	for name, value := range b.env {
		t.Setenv(name, value)
	}
	patterns := make([]string, len(b.want))
	for i, w := range b.want {
		patterns[i] = `(?s)` + w
	}
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      config,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(strings.Join(patterns, `.*`)),
		}},
	})
}

// The provider's own settings, wrong one at a time.
func TestProviderConfig_badInput(t *testing.T) {
	for _, tc := range []badInput{
		{
			name:   "url without scheme",
			config: `url = "example.circularo.com"`,
			want:   []string{words(`url = "example.circularo.com"`), words(`url: "example.circularo.com" is not an absolute http:// or https:// URL.`)},
		},
		{
			name:   "url with a query",
			config: `url = "https://example.circularo.com/?tenant=x"`,
			want:   []string{words(`url: "https://example.circularo.com/" must not have a query or fragment.`)},
		},
		{
			name:   "url with credentials",
			config: `url = "https://alice:hunter2@example.circularo.com"`,
			want:   []string{words(`url: the URL must not contain credentials`)},
		},
		{
			name: "url from CIRCULARO_URL",
			env:  map[string]string{envURL: "ftp://example.circularo.com"},
			want: []string{words("Invalid Circularo URL"), words(`url (or CIRCULARO_URL): "ftp://example.circularo.com" is not an absolute http:// or https:// URL.`)},
		},
		{
			name:   "api_path without leading slash",
			config: `api_path = "api/v1"`,
			want:   []string{words(`api_path = "api/v1"`), words(`api_path: "api/v1" must start with a slash, like /api/v1.`)},
		},
		{
			name: "api_path from CIRCULARO_API_PATH",
			env:  map[string]string{envAPIPath: "api/v1"},
			want: []string{words("Invalid API path"), words(`api_path (or CIRCULARO_API_PATH): "api/v1" must start with a slash`)},
		},
		{
			name:   "request_timeout without unit",
			config: `request_timeout = "30"`,
			want:   []string{words(`request_timeout = "30"`), words(`request_timeout: "30" is not a duration: use a number and a unit`)},
		},
		{
			name:   "request_timeout negative",
			config: `request_timeout = "-5s"`,
			want:   []string{words(`request_timeout: "-5s" is negative`)},
		},
		{
			name:   "request_timeout zero",
			config: `request_timeout = "0s"`,
			want:   []string{words(`request_timeout = "0s"`), words("request_timeout must be longer than zero, such as 30s.")},
		},
		{
			name:   "revocation_warning_window unknown unit",
			config: `revocation_warning_window = "1 day"`,
			want:   []string{words(`revocation_warning_window = "1 day"`), words(`revocation_warning_window: "1 day" is not a duration: unknown unit " day"`)},
		},
		{
			name:   "max_retries too high",
			config: `max_retries = 11`,
			want:   []string{words(`max_retries = 11`), words("max_retries value must be between 0 and 10, got: 11")},
		},
		{
			name:   "max_retries negative",
			config: `max_retries = -1`,
			want:   []string{words(`max_retries = -1`), words("max_retries value must be between 0 and 10, got: -1")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t)
			url := fmt.Sprintf("url = %q", env.url)
			if strings.HasPrefix(tc.config, "url") || tc.env[envURL] != "" {
				url = ""
			}
			tc.run(t, env, fmt.Sprintf("provider \"circularo\" {\n  %s\n  username = %q\n  password = %q\n  %s\n}\n\ndata \"circularo_api_keys\" \"test\" {}\n",
				url, testUser, testPassword, tc.config))
			if n := env.mock.Count("total"); n != 0 {
				t.Errorf("the bad input still made %d API calls", n)
			}
		})
	}
}

// Ways to authenticate that are missing a part or conflict.
func TestProviderConfig_badAuthentication(t *testing.T) {
	for _, tc := range []badInput{
		{
			name:   "token and username",
			config: `token = "abc" username = "alice"`,
			want:   []string{words("Invalid Attribute Combination"), words(`Attribute "username" cannot be specified when "token" is specified`)},
		},
		{
			name:   "token and password",
			config: `token = "abc" password = "secret-1"`,
			want:   []string{words(`Attribute "password" cannot be specified when "token" is specified`)},
		},
		{
			name:   "token and totp_secret",
			config: `token = "abc" totp_secret = "JBSWY3DPEHPK3PXP"`,
			want:   []string{words(`Attribute "totp_secret" cannot be specified when "token" is specified`)},
		},
		{
			// A login set in the block wins over CIRCULARO_TOKEN, so the half login is what is wrong.
			name:   "CIRCULARO_TOKEN and username",
			config: `username = "alice"`,
			env:    map[string]string{envToken: "abc"},
			want:   []string{words("Missing password"), words("username is set but password is not: set password or the CIRCULARO_PASSWORD environment variable.")},
		},
		{
			name: "no credentials at all",
			want: []string{words("Missing Circularo credentials"), words("Set either token (or CIRCULARO_TOKEN), or username and password (or CIRCULARO_USERNAME and CIRCULARO_PASSWORD).")},
		},
		{
			name:   "username without password",
			config: `username = "alice"`,
			want:   []string{words("Missing password"), words("username is set but password is not")},
		},
		{
			name:   "password without username",
			config: `password = "secret-1"`,
			want:   []string{words("Missing username"), words("password is set but username is not: set username or the CIRCULARO_USERNAME environment variable.")},
		},
		{
			name: "CIRCULARO_PASSWORD without username",
			env:  map[string]string{envPassword: "secret-1"},
			want: []string{words("Missing username")},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t)
			config := fmt.Sprintf("provider \"circularo\" {\n  url = %q\n  %s\n}\n\ndata \"circularo_api_keys\" \"test\" {}\n",
				env.url, strings.ReplaceAll(tc.config, `" `, "\"\n  "))
			tc.run(t, env, config)
			if n := env.mock.Count("total"); n != 0 {
				t.Errorf("the bad input still made %d API calls", n)
			}
		})
	}
}

// The data source's filters, wrong one at a time.
func TestAPIKeysDataSource_badFilters(t *testing.T) {
	for _, tc := range []badInput{
		{
			name:   "invalid description_regex",
			config: `description_regex = "ci-("`,
			want:   []string{words(`description_regex = "ci-("`), words("description_regex: error parsing regexp: missing closing ): `ci-(`.")},
		},
		{
			name:   "unused_for in words",
			config: `unused_for = "90 days"`,
			want:   []string{words(`unused_for = "90 days"`), words(`unused_for: "90 days" is not a duration: unknown unit " days"`)},
		},
		{
			name:   "unused_for negative",
			config: `unused_for = "-90d"`,
			want:   []string{words(`unused_for: "-90d" is negative`)},
		},
		{
			name:   "older_than without unit",
			config: `older_than = "365"`,
			want:   []string{words(`older_than = "365"`), words(`older_than: "365" is not a duration`)},
		},
		{
			name:   "older_than too long",
			config: `older_than = "1000000d"`,
			want:   []string{words(`older_than: "1000000d" is not a duration: 1000000d is too long.`)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t)
			tc.run(t, env, env.dataSourceConfig(tc.config))
			if n := env.mock.Count("total"); n != 0 {
				t.Errorf("the bad input still made %d API calls", n)
			}
		})
	}
}

// Answers that are not the Circularo API's (a web page, a cut-off body, another JSON shape) give
// an error that points at url and api_path, never a panic or an empty list.
func TestProvider_answersThatAreNotTheAPI(t *testing.T) {
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
			env := newTestEnv(t)
			env.mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": tc.answer}})
			env.unitTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config: env.dataSourceConfig(),
					ExpectError: regexp.MustCompile(`(?s)` + words("Could not list API keys") + `.*` +
						words("GET "+env.url+"/api/v1/api/key") + `(\?token=REDACTED)?:\s+` + words("unreadable answer (HTTP 200):") + `\s+` + tc.want + `.*` +
						words("check that url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH) point to the API")),
				}},
			})
		})
	}
}

// A login answered by a web page, as when api_path points at the web application.
func TestProvider_loginAnsweredByAWebPage(t *testing.T) {
	env := newTestEnv(t)
	env.mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"login": {
		ContentType: "text/html", Body: "<html><body>Circularo</body></html>",
	}}})
	expectErrorWithout([]string{testPassword},
		words("POST "+env.url+"/api/v1/login: unreadable answer (HTTP 200): expected JSON, got text/html"),
		words("check that url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH) point to the API"),
	).run(t, env, env.dataSourceConfig())
}

// An api_path that is not the API's: the login is not found.
func TestProvider_wrongAPIPath(t *testing.T) {
	env := newTestEnv(t)
	expectErrorWithout([]string{testPassword},
		words("POST "+env.url+"/rest/login: HTTP 404 Not Found"),
		words("The login endpoint was not found: check url (CIRCULARO_URL) and api_path (CIRCULARO_API_PATH)."),
	).run(t, env, env.providerBlock(`api_path = "/rest"`)+"\ndata \"circularo_api_keys\" \"test\" {}\n")
}

// A refresh that gets an answer of the wrong shape fails: it must not read as "every key was
// revoked", which would drop the keys from the state and plan new ones.
func TestAPIKeyResource_wrongShapedListIsNotRevocation(t *testing.T) {
	env := newTestEnv(t)
	setAnswer := func(body string) func() {
		return func() {
			env.mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {ContentType: "application/json", Body: body}}})
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
				PreConfig: func() { env.mock.SetFaults(mockserver.Faults{}) },
				Config:    env.keyConfig("kept"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	if n := env.mock.Count("create_key"); n != 1 {
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
	var recorder userAgentRecorder
	env := newWrappedTestEnv(t, recorder.wrap)
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
