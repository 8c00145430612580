package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestProvider_planWithoutAPIDataMakesNoCalls(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			// Creating a key needs nothing from the API until apply; terraform_data needs no provider.
			Config: env.ProviderBlock() + `
resource "circularo_api_key" "test" {
  description = "planned only"
}

resource "terraform_data" "unrelated" {
  input = "anything"
}
`,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddress, plancheck.ResourceActionCreate),
					// No call at all: "total" named counts logout too.
					testkit.ExpectAPICalls(env.Mock, map[string]int{"total": 0}),
				},
			},
		}},
	})
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("plan, refresh and destroy without API data made %d API calls: %v", n, env.Mock.Counts())
	}
}

func TestProvider_tokenIsUsedAsIs(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	env.expectDataSourceLists(t, env.TokenProviderBlock(key.Value), key)
	if env.Mock.Count("list_keys") == 0 {
		t.Error("the data source never listed keys")
	}
	if err := testkit.CompareSomeCalls(env.Mock.Counts(), map[string]int{"login": 0, "unlock": 0, "logout": 0, "logout_api_key": 0}); err != nil {
		t.Errorf("token mode: %v", err)
	}
	if !env.Mock.KeyExists(key.Value) {
		t.Error("the token's key was revoked")
	}
}

func TestProvider_tokenFromEnvironment(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	env.Setenv(t, envToken, key.Value)
	env.expectDataSourceLists(t, env.urlOnlyProviderBlock(), key)
	if n := env.Mock.Count("login"); n != 0 {
		t.Errorf("token mode made %d login calls", n)
	}
}

func TestProvider_rejectedToken(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "revoked"})
	env.Mock.RevokeKey(key.Value)
	expectErrorWithout([]string{key.Value},
		words("HTTP 401 Unauthorized: Access token is invalid"),
		words("rejected the token set in token (or CIRCULARO_TOKEN)"),
	).run(t, env, env.TokenProviderBlock(key.Value)+`data "circularo_api_keys" "test" {}`)
	if n := env.Mock.Count("login"); n != 0 {
		t.Errorf("a rejected token led to %d login calls", n)
	}
}

func TestProvider_mfaWithTOTPSecret(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithUsers(mfaTestAccount()))
	key := env.Mock.AddKey(mfaTestUser, mockserver.Key{Description: "mfa user's key"})
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            env.mfaConfig(fmt.Sprintf("totp_secret = %q", mfaTestSecret)),
			ConfigStateChecks: []statecheck.StateCheck{expectFingerprints(key)},
		}},
	})
	if env.Mock.Count("unlock") == 0 {
		t.Error("the provider never unlocked the MFA session")
	}
}

func TestProvider_mfaWithoutTOTPSecret(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithUsers(mfaTestAccount()))
	expectErrorWithout([]string{mfaTestPassword},
		words("requires multi-factor authentication"),
		words("Set totp_secret (or CIRCULARO_TOTP_SECRET)"),
		words("API token instead (token or CIRCULARO_TOKEN)"),
	).run(t, env, env.mfaConfig())
	if n := env.Mock.OpenSessions(); n != 0 {
		t.Errorf("%d locked sessions were left open", n)
	}
}

func TestProvider_mfaWithWrongTOTPSecret(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithUsers(mfaTestAccount()))
	const wrongSecret = "GEZDGNBVGY3TQOJQ"
	expectErrorWithout([]string{mfaTestPassword, wrongSecret},
		words("HTTP 401 Unauthorized: Invalid verification code"),
		words("check that totp_secret (or CIRCULARO_TOTP_SECRET)"),
	).run(t, env, env.mfaConfig(fmt.Sprintf("totp_secret = %q", wrongSecret)))
}

func TestProvider_badPassword(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	const wrongPassword = "not-alice-password-9"
	expectErrorWithout([]string{wrongPassword, testkit.Password},
		words("HTTP 401 Unauthorized: Invalid name or password"),
		words("check username and password (or CIRCULARO_USERNAME and CIRCULARO_PASSWORD)"),
	).run(t, env, fmt.Sprintf(`
provider "circularo" {
  url      = %q
  username = %q
  password = %q
}

data "circularo_api_keys" "test" {}
`, env.URL, testkit.User, wrongPassword))
}

func TestProvider_badPasswordFromEnvironment(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	const wrongPassword = "not-alice-password-9"
	env.Setenv(t, envUsername, testkit.User)
	env.Setenv(t, envPassword, wrongPassword)
	expectErrorWithout([]string{wrongPassword},
		words("HTTP 401 Unauthorized"),
		words("CIRCULARO_PASSWORD"),
	).run(t, env, env.urlOnlyProviderBlock()+"\ndata \"circularo_api_keys\" \"test\" {}\n")
}

func TestProvider_lockedAccount(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	// The real API's answer for a locked account is not documented: a 403 with a message is likely.
	env.Mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{
		"login": {Status: http.StatusForbidden, ContentType: "application/json",
			Body: `{"code":"login.accountLocked","message":"Account is locked"}`},
	}})
	expectErrorWithout([]string{testkit.Password},
		words("HTTP 403 Forbidden: Account is locked"),
		words("may be locked or disabled. Check username (or CIRCULARO_USERNAME)"),
	).run(t, env, env.dataSourceConfig())
}

func TestProvider_wrongTenant(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	expectErrorWithout([]string{testkit.Password},
		words("HTTP 401 Unauthorized: Unknown tenant"),
		words("check tenant (or CIRCULARO_TENANT)"),
	).run(t, env, env.ProviderBlock(`tenant = "globex"`)+"\ndata \"circularo_api_keys\" \"test\" {}\n")
}

func TestProvider_unreachableURL(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	// A port that was just free and is now closed: connecting is refused at once.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + l.Addr().String()
	l.Close()
	expectErrorWithout([]string{testkit.Password},
		words("POST "+closedURL+"/api/v1/login"),
		`connection\s+refused`,
		words("Check that url (CIRCULARO_URL) names your Circularo host"),
	).run(t, env, fmt.Sprintf(`
provider "circularo" {
  url             = %q
  username        = %q
  password        = %q
  max_retries     = 0
  request_timeout = "5s"
}

data "circularo_api_keys" "test" {}
`, closedURL, testkit.User, testkit.Password))
}

// A way to authenticate set in the provider block wins over the other way in the environment: a
// block fed by circularo_session must work where CIRCULARO_USERNAME and CIRCULARO_PASSWORD are set.
func TestProvider_tokenInBlockWinsOverLoginInEnvironment(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	env.Setenv(t, envUsername, testkit.User)
	env.Setenv(t, envPassword, testkit.Password)
	env.expectDataSourceLists(t, env.TokenProviderBlock(key.Value), key)
	if n := env.Mock.Count("login"); n != 0 {
		t.Errorf("a provider block with token logged in %d times", n)
	}
}

func TestProvider_loginInBlockWinsOverTokenInEnvironment(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	env.Mock.RevokeKey(key.Value) // were the token used, listing would fail
	env.Setenv(t, envToken, key.Value)
	env.expectDataSourceLists(t, env.ProviderBlock())
	if env.Mock.Count("login") == 0 {
		t.Error("a provider block with username and password did not log in")
	}
}

func TestProvider_tokenAndLoginInEnvironmentConflict(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	env.Setenv(t, envToken, key.Value)
	env.Setenv(t, envUsername, testkit.User)
	env.Setenv(t, envPassword, testkit.Password)
	expectErrorWithout([]string{key.Value, testkit.Password},
		words("Conflicting authentication settings"),
		words("token (or CIRCULARO_TOKEN) is set together with username"),
	).run(t, env, env.urlOnlyProviderBlock()+"\ndata \"circularo_api_keys\" \"test\" {}\n")
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("conflicting settings still made %d API calls", n)
	}
}

func TestProvider_sessionExpiredDuringApplyIsRenewed(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithHandler(expireSessionsBeforeCreates(1)))
	env.unitTest(t, resource.TestCase{
		CheckDestroy: env.checkNoKeysLeft,
		Steps: []resource.TestStep{{
			Config: env.keyConfig("outlives a session"),
			Check:  env.checkKeyOnServer("outlives a session"),
		}},
	})
	if n := env.Mock.Count("create_key"); n != 2 {
		t.Errorf("%d create calls, want 2: the one rejected with the expired session and its retry", n)
	}
}

func TestProvider_sessionRejectedAfterRenewalIsAnError(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithHandler(expireSessionsBeforeCreates(2)))
	expectErrorWithout([]string{testkit.Password},
		words("Could not create the API key"),
		words("HTTP 401 Unauthorized: Access token has expired"),
		words("rejects this call with the session it gives"),
	).run(t, env, env.keyConfig("never made"))
	if n := env.Mock.Count("create_key"); n != 2 {
		t.Errorf("%d create calls, want 2: the first one and a single retry", n)
	}
	if n := len(env.Mock.Keys(testkit.User)); n != 0 {
		t.Errorf("%d keys were created", n)
	}
}

func mfaTestAccount() mockserver.User {
	return mockserver.User{Name: mfaTestUser, Password: mfaTestPassword, TOTPSecret: mfaTestSecret}
}

func expectErrorWithout(secrets []string, patterns ...string) *secretFreeError {
	return &secretFreeError{patterns: patterns, secrets: secrets}
}

// secretFreeError is an ErrorCheck: the step must fail with an error that matches every pattern and
// holds none of the secrets. ExpectError cannot check what an error must not say, hence this.
type secretFreeError struct {
	patterns []string
	secrets  []string
	seen     bool
}

func (c *secretFreeError) check(err error) error {
	c.seen = true
	text := err.Error()
	for _, p := range c.patterns {
		if !regexp.MustCompile(`(?s)` + p).MatchString(text) {
			return fmt.Errorf("the error does not match %q:\n%w", p, err)
		}
	}
	for _, s := range c.secrets {
		if s != "" && strings.Contains(text, s) {
			return errors.New("the error shows a secret: " + strings.ReplaceAll(text, s, "<SECRET>"))
		}
	}
	return nil
}

// run runs a one-step test whose step must fail as checked.
func (c *secretFreeError) run(t *testing.T, env *testEnv, config string) {
	t.Helper()
	env.unitTest(t, resource.TestCase{
		ErrorCheck: c.check,
		Steps:      []resource.TestStep{{Config: config}},
	})
	if !c.seen {
		t.Error("the step did not fail")
	}
}

func (e *testEnv) mfaConfig(extra ...string) string {
	return fmt.Sprintf(`
provider "circularo" {
  url      = %q
  username = %q
  password = %q
  %s
}

data "circularo_api_keys" "test" {}
`, e.URL, mfaTestUser, mfaTestPassword, strings.Join(extra, "\n  "))
}

// The MFA user of these tests. mfaTestSecret is the base32 secret of its authenticator.
const (
	mfaTestUser     = "mallory"
	mfaTestPassword = "mallory-password-1"
	mfaTestSecret   = "JBSWY3DPEHPK3PXP"
)

// expireSessionsBeforeCreates ends every open session just before the first times creates of a key
// reach the mock, as a 30-minute session would end during a long apply.
func expireSessionsBeforeCreates(times int) func(http.Handler) http.Handler {
	var mu sync.Mutex
	return func(next http.Handler) http.Handler {
		mock, ok := next.(*mockserver.Server)
		if !ok {
			panic("expireSessionsBeforeCreates wraps the mock server only")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/key") {
				mu.Lock()
				if times > 0 {
					times--
					mock.ExpireSessions()
				}
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Invalid settings are checked at the cheapest level that proves them: each table case sends the
// configuration to the provider's protocol server as Terraform does (microseconds), and one case per
// kind of error still runs `terraform plan` so that the path through the CLI stays proven.
//
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

func hasErrorDiagnostic(diags []*tfprotov6.Diagnostic) bool {
	return slices.ContainsFunc(diags, func(d *tfprotov6.Diagnostic) bool { return d.Severity == tfprotov6.DiagnosticSeverityError })
}

// configCase is one invalid provider configuration and the diagnostics it must give.
type configCase struct {
	name   string
	config map[string]any    // the provider block's attributes
	env    map[string]string // the provider's environment: CIRCULARO_* variables
	rpc    string            // the RPC that must report the error
	want   []diagnostic
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

// The tests of MFA against a server that refuses a reused TOTP code (RFC 6238 section 5.2). The
// provider runs in-process on the test's fake clock, which a wait for a time step moves instead of
// sleeping; the measurement with real processes and the real clock is scripts/mfa-timing.sh.
func TestProvider_mfaTwoConfigurationsOfOneUserAgainstAServerRefusingReusedCodes(t *testing.T) {
	t.Parallel()
	clock := clock.New()
	env := newEnv(t, testkit.WithClock(clock), testkit.WithUsers(mfaTestAccount()),
		testkit.WithMockOptions(mockserver.Options{RejectReusedTOTP: true}))
	start := clock.Now()

	// The config step runs plan -out, then apply of that saved plan (and the plans after it); the
	// test ends with destroy. Each command's provider logs in and unlocks, within one time step of
	// the fake clock unless a login waits.
	env.serveMFAProviders(t, clock)
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: env.twoConfigurationsOfOneUser(),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("circularo_api_key.first", tfjsonpath.New("description"), knownvalue.StringExact("first configuration")),
				statecheck.ExpectKnownValue("circularo_api_key.second", tfjsonpath.New("description"), knownvalue.StringExact("second configuration")),
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			if keys := env.Mock.Keys(mfaTestUser); len(keys) != 0 {
				return fmt.Errorf("%d keys of the MFA user are left after destroy", len(keys))
			}
			return nil
		},
	})

	unlocks, reused := env.Mock.Count("unlock"), env.Mock.Count("unlock_reused")
	steps := int(clock.Now().Unix()/30 - start.Unix()/30) // time steps that the fake clock went through
	t.Logf("%d logins, %d unlocks (%d codes refused as reused), %d time steps of the fake clock", env.Mock.Count("login"), unlocks, reused, steps)
	// plan -out, the apply of that plan and destroy, each with both configurations' own logins.
	if unlocks < 6 {
		t.Errorf("%d unlocks: the test did not log in once per command and configuration", unlocks)
	}
	// The first refusal teaches the machine's record that the server refuses reused codes; after it,
	// every login waits for a step that no other login took, instead of having its code refused.
	if reused > 1 {
		t.Errorf("%d codes were refused as reused, want at most 1: the step record did not keep the logins apart", reused)
	}
	if unlocked := unlocks - reused; steps < unlocked-1 {
		t.Errorf("%d unlocks succeeded within %d time steps: a server refusing reused codes cannot allow that", unlocked, steps)
	}
}

func TestProvider_mfaAccountLockedSaysSo(t *testing.T) {
	t.Parallel()
	env := newEnv(t, testkit.WithUsers(mfaTestAccount()), testkit.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/login/unlock") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusLocked)
				_, _ = w.Write([]byte(`{"code":"account.locked","message":"Account locked after too many failed attempts"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}))
	expectErrorWithout([]string{mfaTestPassword, mfaTestSecret},
		words("the server refuses to unlock the account"),
		words("Account locked after too many failed attempts"),
		words("Ask your Circularo administrator to unlock the account"),
	).run(t, env, env.mfaConfig(fmt.Sprintf("totp_secret = %q", mfaTestSecret)))
}

// serveMFAProviders serves the provider twice (circularo and secondProvider, each its own server) with
// TOTP step waits that move clock, with the environment's step record (not the user's cache
// directory), and logs out its sessions when the test ends.
func (e *testEnv) serveMFAProviders(t *testing.T, clock *clock.Clock) {
	t.Helper()
	e.provider.waitUntil = newStepWaits(clock).waitUntil
	e.closeSessions(t)
	e.serveAgainAs(secondProvider)
}

func newStepWaits(c *clock.Clock) *stepWaits {
	w := &stepWaits{clock: c}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// stepWaits moves a fake clock for logins that wait for TOTP steps side by side, in the order real
// time would: only the login that waits for the earliest time moves the clock, and only after a pause
// of real time (stepPause) in which a login released before it sends its code. A clock that jumps for
// whoever asks first lets a later step's code be accepted before an earlier step's code is sent,
// which a server that refuses reused steps then refuses; in real time the later login sleeps through
// the whole step. The provider's processes cannot be counted from here (Terraform starts them), so the
// pause, not a count of logins, keeps the order.
type stepWaits struct {
	clock   *clock.Clock
	mu      sync.Mutex
	cond    *sync.Cond
	waiting []time.Time
}

func (w *stepWaits) waitUntil(ctx context.Context, t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting = append(w.waiting, t)
	defer func() {
		w.waiting = slices.Delete(w.waiting, slices.Index(w.waiting, t), slices.Index(w.waiting, t)+1)
		w.cond.Broadcast()
	}()
	for w.clock.Now().Before(t) && ctx.Err() == nil {
		if !t.Equal(slices.MinFunc(w.waiting, time.Time.Compare)) {
			w.cond.Wait()
			continue
		}
		w.mu.Unlock()
		time.Sleep(stepPause)
		w.mu.Lock()
		if d := t.Sub(w.clock.Now()); d > 0 && t.Equal(slices.MinFunc(w.waiting, time.Time.Compare)) {
			w.clock.Advance(d) // else a login that waits for an earlier time came meanwhile: it goes first
		}
	}
	return ctx.Err()
}

// stepPause is long against a local unlock call (milliseconds) and short against the test (a few
// steps).
const stepPause = 150 * time.Millisecond

// twoConfigurationsOfOneUser configures the MFA user twice (circularo and secondProvider, each served
// by its own server as two provider configurations are by two processes), each owning a key, as a
// configuration that manages two environments with one user would.
func (e *testEnv) twoConfigurationsOfOneUser() string {
	var b strings.Builder
	for _, name := range []string{"circularo", secondProvider} {
		fmt.Fprintf(&b, `
provider %q {
  url         = %q
  username    = %q
  password    = %q
  totp_secret = %q
}
`, name, e.URL, mfaTestUser, mfaTestPassword, mfaTestSecret)
	}
	b.WriteString(`
resource "circularo_api_key" "first" {
  description = "first configuration"
}

resource "circularo_api_key" "second" {
  provider    = circularo-second
  description = "second configuration"
}
`)
	return b.String()
}

// secondProvider is the local name under which the tests serve the provider a second time: Terraform
// runs one provider process per provider configuration, but the test framework serves every
// configuration of one provider name (an alias too) from one in-process server, whose Configure calls
// would then share one framework server (and race on it). Under a name of its own, the second
// configuration has its own server, and so its own session and logins, as it has its own process in
// real use. Its resources name it with `provider = circularo-second`, as google-beta's do.
const secondProvider = "circularo-second"

// A provider block fed by the ephemeral circularo_api_key of a key created in the same configuration:
//   - the first plan fails with one error, on what uses the block, that names token; not with a
//     second one about missing credentials (CIRCULARO_USERNAME and CIRCULARO_PASSWORD are set);
//   - once the key exists (apply -target first) the block works;
//   - a destroy plan that sees the key as gone configures the block with an unknown token and needs
//     no credentials from it. That is what made TestSecrets_traceLogWithStoreTokenFalse flaky: in a
//     destroy plan Terraform (1.11 to 1.16) orders the ephemeral resource after nothing but its
//     provider, so when the key's own destroy is planned first, the ephemeral resource reads the key
//     as unknown. `terraform state rm` of the key makes that order certain, with -refresh=false so
//     that no refresh reads the data source (a read needs the credentials, and fails as it should).
func TestProviderConfig_tokenOfAKeyCreatedInTheSameConfiguration(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	testkit.RequireCLI(t, testkit.EphemeralResources)
	env := newEnv(t)
	wd := testkit.Workdir(t)
	wd.Env = append(wd.Env, envUsername+"="+testkit.User, envPassword+"="+testkit.Password)
	config := testkit.TerraformBlock() + env.urlOnlyProviderBlock() + `
resource "circularo_api_key" "integration" {
  description = "integration"
  store_token = false
}
` + integrationConsumer(env.URL)
	if err := wd.WriteConfig(config); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		t.Helper()
		return wd.Run(ctx, append(args, "-no-color", "-input=false")...)
	}
	mustRun := func(args ...string) {
		t.Helper()
		if out, err := run(args...); err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	out, err := run("plan")
	if err == nil {
		t.Fatalf("the first plan succeeded:\n%s", out)
	}
	if n := strings.Count(out, "Error: "); n != 1 || !strings.Contains(out, "Error: "+summaryUnknownProviderConfig) {
		t.Errorf("the first plan gave %d errors, want only %q:\n%s", n, summaryUnknownProviderConfig, out)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "sets token from a value known only after apply") { // the CLI wraps lines
		t.Errorf("the error does not name token:\n%s", out)
	}

	mustRun("apply", "-auto-approve", "-target=circularo_api_key.integration")
	mustRun("apply", "-auto-approve")
	integration := keyByDescription(t, env.Mock, "integration")
	if integration.LastUsed == nil {
		t.Error("the integration key was never used: the aliased provider did not authenticate with it")
	}

	if out, err := wd.Run(ctx, "state", "rm", "circularo_api_key.integration"); err != nil {
		t.Fatalf("terraform state rm: %v\n%s", err, out)
	}
	mustRun("destroy", "-auto-approve", "-refresh=false")
	if out, err := wd.Run(ctx, "state", "list"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("the destroy left %q in the state (err %v)", out, err)
	}
}

func keyByDescription(t *testing.T, mock *mockserver.Server, description string) mockserver.Key {
	t.Helper()
	for _, k := range mock.Keys(testkit.User) {
		if k.Description == description {
			return k
		}
	}
	t.Fatalf("no key %q", description)
	return mockserver.Key{}
}
