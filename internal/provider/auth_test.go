package provider

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// The MFA user of these tests. mfaTestSecret is the base32 secret of its authenticator.
const (
	mfaTestUser     = "mallory"
	mfaTestPassword = "mallory-password-1"
	mfaTestSecret   = "JBSWY3DPEHPK3PXP"
)

func mfaTestAccount() mockserver.User {
	return mockserver.User{Name: mfaTestUser, Password: mfaTestPassword, TOTPSecret: mfaTestSecret}
}

// words turns a phrase into a pattern that matches it however the CLI wraps its lines.
func words(phrase string) string {
	fields := strings.Fields(phrase)
	for i, f := range fields {
		fields[i] = regexp.QuoteMeta(f)
	}
	return strings.Join(fields, `\s+`)
}

// secretFreeError is an ErrorCheck: the step must fail with an error that matches every pattern and
// holds none of the secrets. ExpectError cannot check what an error must not say, hence this.
type secretFreeError struct {
	patterns []string
	secrets  []string
	seen     bool
}

func expectErrorWithout(secrets []string, patterns ...string) *secretFreeError {
	return &secretFreeError{patterns: patterns, secrets: secrets}
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
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            env.TokenProviderBlock(key.Value) + `data "circularo_api_keys" "test" {}`,
			ConfigStateChecks: []statecheck.StateCheck{expectFingerprints(key)},
		}},
	})
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
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            env.urlOnlyProviderBlock() + "\ndata \"circularo_api_keys\" \"test\" {}\n",
			ConfigStateChecks: []statecheck.StateCheck{expectFingerprints(key)},
		}},
	})
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
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            env.TokenProviderBlock(key.Value) + `data "circularo_api_keys" "test" {}`,
			ConfigStateChecks: []statecheck.StateCheck{expectFingerprints(key)},
		}},
	})
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
	env.unitTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:            env.dataSourceConfig(),
			ConfigStateChecks: []statecheck.StateCheck{expectFingerprints()},
		}},
	})
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
