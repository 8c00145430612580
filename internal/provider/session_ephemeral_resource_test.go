package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// sessionRecorder passes requests to the mock and remembers every session token that a login
// returned: the mock forgets them at logout, and tests must look for them in plans, state and logs.
type sessionRecorder struct {
	next   http.Handler
	mu     sync.Mutex
	tokens []string
}

func (r *sessionRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/login") {
		r.next.ServeHTTP(w, req)
		return
	}
	rec := httptest.NewRecorder()
	r.next.ServeHTTP(rec, req)
	var answer struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &answer) == nil && answer.Token != "" {
		r.mu.Lock()
		r.tokens = append(r.tokens, answer.Token)
		r.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// Tokens returns the session tokens issued so far.
func (r *sessionRecorder) Tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.tokens)
}

// newRecordingTestEnv is newEnv with the mock behind a sessionRecorder.
func newRecordingTestEnv(t *testing.T, opts ...testkit.Option) (*testEnv, *sessionRecorder) {
	t.Helper()
	var recorder *sessionRecorder
	env := newEnv(t, append(opts, testkit.WithHandler(func(mock http.Handler) http.Handler {
		recorder = &sessionRecorder{next: mock}
		return recorder
	}))...)
	return env, recorder
}

// noSessionTokenInPlan fails when the plan holds any session token the mock issued.
type noSessionTokenInPlan struct{ recorder *sessionRecorder }

func (c noSessionTokenInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	raw, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	tokens := c.recorder.Tokens()
	if len(tokens) == 0 {
		resp.Error = fmt.Errorf("the plan opened no session")
		return
	}
	for _, token := range tokens {
		if strings.Contains(string(raw), token) {
			resp.Error = fmt.Errorf("the plan holds a session token")
			return
		}
	}
}

// sessionTokenOnlyIn fails unless the state holds an issued session token in the echo resource
// and nowhere else, and holds no circularo_session at all.
type sessionTokenOnlyIn struct {
	recorder *sessionRecorder
	address  string
}

func (c sessionTokenOnlyIn) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	tokens := c.recorder.Tokens()
	echoed := false
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Type == "circularo_session" {
			resp.Error = fmt.Errorf("the state holds %s", r.Address)
			return
		}
		raw, err := json.Marshal(r.AttributeValues)
		if err != nil {
			resp.Error = err
			return
		}
		for _, token := range tokens {
			if !strings.Contains(string(raw), token) {
				continue
			}
			if r.Address != c.address {
				resp.Error = fmt.Errorf("%s holds a session token", r.Address)
				return
			}
			echoed = true
		}
	}
	if !echoed {
		resp.Error = fmt.Errorf("%s does not hold a session token that the mock issued", c.address)
	}
}

func TestSessionEphemeralResource_sessionUsableOnlyDuringTheRun(t *testing.T) {
	t.Parallel()
	env, recorder := newRecordingTestEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "seen through the session"})
	env.serveBeside("echo", echoprovider.NewProviderServer())

	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.EphemeralResources),
		Steps: []resource.TestStep{{
			// A second provider configured with the session token proves, during the run, that the
			// token is a live session of the test user; echo hands the token to the state for checking.
			Config: env.ProviderBlock() + env.sessionTokenConfig() + `
provider "echo" {
  data = ephemeral.circularo_session.test.token
}

resource "echo" "test" {}
`,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("echo.test", tfjsonpath.New("data")),
					noSessionTokenInPlan{recorder},
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data"),
					knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9]{64}$`))),
				sessionTokenOnlyIn{recorder, "echo.test"},
				expectFingerprints(key),
			},
		}},
	})

	// Every session that Open logged in, Close logged out, and the echoed one no longer works.
	tokens := recorder.Tokens()
	if len(tokens) == 0 {
		t.Fatal("the ephemeral resource never logged in")
	}
	if got, want := env.Mock.Count("logout"), len(tokens); got != want {
		t.Errorf("%d logouts for %d logins", got, want)
	}
	if n := env.Mock.OpenSessions(); n != 0 {
		t.Errorf("%d sessions are still open", n)
	}
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, env.URL)})
	for _, token := range tokens {
		if _, err := client.NewSession(c, client.Credentials{Token: token}, nil).ListKeys(context.Background()); err == nil {
			t.Error("a session opened by circularo_session still works after the run")
		}
	}
	// The session token was used as a token, so the mock cannot have seen it logged out as an API key.
	if n := env.Mock.Count("logout_api_key"); n != 0 {
		t.Errorf("%d logouts with an API key", n)
	}
}

func TestSessionEphemeralResource_mfaAccount(t *testing.T) {
	t.Parallel()
	env, recorder := newRecordingTestEnv(t, testkit.WithUsers(mfaTestAccount()))
	env.serveBeside("echo", echoprovider.NewProviderServer())

	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.EphemeralResources),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "circularo" {
  url         = %q
  username    = %q
  password    = %q
  totp_secret = %q
}

ephemeral "circularo_session" "test" {}

provider "echo" {
  data = ephemeral.circularo_session.test.token
}

resource "echo" "test" {}
`, env.URL, mfaTestUser, mfaTestPassword, mfaTestSecret),
			ConfigStateChecks: []statecheck.StateCheck{sessionTokenOnlyIn{recorder, "echo.test"}},
		}},
	})
	if got, want := env.Mock.Count("unlock"), len(recorder.Tokens()); got != want || got == 0 {
		t.Errorf("%d unlocks for %d logins", got, want)
	}
	if n := env.Mock.OpenSessions(); n != 0 {
		t.Errorf("%d sessions are still open", n)
	}
}

func TestSessionEphemeralResource_tokenMode(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	key := env.Mock.AddKey(testkit.User, mockserver.Key{Description: "automation"})
	errorCheck := expectErrorWithout([]string{key.Value},
		words("Could not open a Circularo session"),
		words("circularo_session logs in with the provider's username and password"),
		words("configured with token (or CIRCULARO_TOKEN)"),
	)
	env.unitTest(t, resource.TestCase{
		TerraformVersionChecks: testkit.SkipUnlessCLI(testkit.EphemeralResources),
		ErrorCheck:             errorCheck.check,
		Steps: []resource.TestStep{{
			Config: env.TokenProviderBlock(key.Value) + `ephemeral "circularo_session" "test" {}`,
		}},
	})
	if !errorCheck.seen {
		t.Error("opening a session in token mode did not fail")
	}
	if n := env.Mock.Count("total"); n != 0 {
		t.Errorf("token mode made %d API calls for the session: %v", n, env.Mock.Counts())
	}
}

// sessionTokenConfig opens a circularo_session and reads the keys through a second provider
// configuration (alias "session") that authenticates with the session's token.
func (e *testEnv) sessionTokenConfig() string {
	return fmt.Sprintf(`
ephemeral "circularo_session" "test" {}

provider "circularo" {
  alias = "session"
  url   = %q
  token = ephemeral.circularo_session.test.token
}

data "circularo_api_keys" "test" {
  provider = circularo.session
}
`, e.URL)
}
