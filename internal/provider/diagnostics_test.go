package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// TestHint_eachBranch builds the client's error values directly, one per branch of hint, and checks
// that each gets its own advice. TestHint_everyErrorShape gets the same kinds from the mock server.
func TestHint_eachBranch(t *testing.T) {
	t.Parallel()
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, "https://example.circularo.com")}) // never called: no network
	withToken := &providerData{session: client.NewSession(c, client.Credentials{Token: "given-token"}, nil)}
	withLogin := &providerData{session: client.NewSession(c, client.Credentials{Username: testkit.User, Password: testkit.Password}, nil)}
	status := func(code int) *client.APIError {
		return &client.APIError{Method: "GET", URL: "https://example.circularo.com/api/v1/api/key", StatusCode: code}
	}
	login := func(err error) error { return &client.AuthError{Username: testkit.User, Err: err} }
	withMessage := func(e *client.APIError, code, message string) *client.APIError {
		e.Code, e.Message = code, message
		return e
	}
	const fallback = "If the problem persists, run Terraform with TF_LOG=DEBUG"
	cases := []struct {
		name   string
		data   *providerData
		err    error
		phrase string // what only this branch says
	}{
		{"key still listed after its revocation", withLogin, &client.RevocationError{Fingerprint: "sha256:0123456789abcdef",
			Tried: []string{"with the session's token (answered with success)"}, Kind: client.ErrNotRevoked}, "was not revoked and still works"},
		{"revocation unproven", nil, &client.RevocationError{Fingerprint: "sha256:0123456789abcdef", Kind: client.ErrRevocationUnconfirmed,
			Cause: status(500)}, "the list of keys that proves a revocation could not be read"},
		{"MFA required", nil, login(client.ErrMFARequired), "The account enforces multi-factor authentication"},
		{"session asked of a given token", withToken, client.ErrGivenToken, "circularo_session logs in with the provider's username"},
		{"second factor failed", nil, login(fmt.Errorf("%w: %w", client.ErrUnlockFailed, status(401))), "The login worked but the second factor did not"},
		{"login to an unknown tenant", nil, login(withMessage(status(401), "", "Unknown tenant")), "The server does not know the tenant"},
		{"login forbidden", nil, login(status(403)), "it may be locked or disabled"},
		{"login rejected", nil, login(status(401)), "The server rejected the login: check username and password"},
		{"login endpoint missing", nil, login(status(404)), "The login endpoint was not found"},
		{"session rejected after a new login", withLogin, fmt.Errorf("list keys: %w", client.ErrSessionRejected), "rejects this call with the session it gives"},
		{"given token rejected", withToken, status(401), "The server rejected the token set in token"},
		{"locked session", nil, withMessage(status(403), "token.locked", ""), "The session is locked until a second factor is given"},
		{"call forbidden", withLogin, status(403), "The server refused this call for the user"},
		{"unreachable", nil, &client.TransportError{Method: "GET", URL: "https://example.circularo.com/api/v1/api/key", Err: errors.New("connection refused")},
			"can be reached from here"},
		{"unreadable answer", nil, &client.APIError{Method: "GET", StatusCode: 200, Cause: errors.New("expected JSON, got text/html")},
			"The answer is not what the Circularo API returns"},
		{"throttled", nil, status(429), "The API kept throttling the provider"},
		{"gateway error", nil, status(503), "still was after the provider retried up to max_retries times"},
		{"server error", nil, status(500), "The provider does not retry such errors"},
		{"anything else", nil, errors.New("something unexpected"), fallback},
	}
	// The guards: the same kinds outside a login, or with a login rather than a given token, fall
	// through to the later branches.
	guards := []struct {
		name   string
		data   *providerData
		err    error
		phrase string
	}{
		{"unknown tenant outside a login", nil, withMessage(status(401), "", "Unknown tenant"), fallback},
		{"401 outside a login, no provider data", nil, status(401), fallback},
		{"401 with a login session", withLogin, status(401), fallback},
		{"404 outside a login", nil, status(404), fallback},
		{"locked session during a login", nil, login(withMessage(status(403), "token.locked", "")), "it may be locked or disabled"},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		got := hint(tc.data, tc.err)
		if !strings.Contains(got, tc.phrase) {
			t.Errorf("%s: hint(%v) = %q, want one with %q", tc.name, tc.err, got, tc.phrase)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%s gets the same hint as %s: %q", tc.name, other, got)
		}
		seen[got] = tc.name
	}
	for _, tc := range guards {
		if got := hint(tc.data, tc.err); !strings.Contains(got, tc.phrase) {
			t.Errorf("%s: hint(%v) = %q, want one with %q", tc.name, tc.err, got, tc.phrase)
		}
	}
}

// TestAddClientError: the diagnostic carries the summary, the error as the client worded it, and the hint.
func TestAddClientError(t *testing.T) {
	t.Parallel()
	err := &client.APIError{Method: "GET", URL: "https://example.circularo.com/api/v1/api/key", StatusCode: 429}
	var diags diag.Diagnostics
	addClientError(&diags, nil, "Could not list API keys", err)
	want := diag.Diagnostics{diag.NewErrorDiagnostic("Could not list API keys",
		"GET https://example.circularo.com/api/v1/api/key: HTTP 429 Too Many Requests\n\n"+hint(nil, err))}
	if !diags.Equal(want) {
		t.Errorf("diagnostics %v, want %v", diags, want)
	}
}

// TestHint_everyErrorShape: the advice for a failed login depends on the kind of failure, never on
// the shape in which the server words it.
func TestHint_everyErrorShape(t *testing.T) {
	t.Parallel()
	for _, shape := range mockserver.ErrorShapes() {
		t.Run(string(shape), func(t *testing.T) {
			_, c := shapedMock(t, shape)
			for _, tt := range []struct {
				name       string
				creds      client.Credentials
				message    string
				hintPhrase string
			}{
				{"unknown tenant", client.Credentials{Username: testkit.User, Password: testkit.Password, Tenant: "globex"},
					"HTTP 401 Unauthorized: Unknown tenant", "check tenant (or CIRCULARO_TENANT)"},
				{"bad password", client.Credentials{Username: testkit.User, Password: "not-alice-password-9"},
					"HTTP 401 Unauthorized: Invalid name or password", "check username and password"},
			} {
				_, err := client.NewSession(c, tt.creds, nil).ListKeys(context.Background())
				if err == nil {
					t.Fatalf("%s: the login worked", tt.name)
				}
				message := tt.message
				if shape == mockserver.ErrorShapeJSONAPI { // the title, then the detail
					message = strings.Replace(message, ": ", ": Unauthorized: ", 1)
				}
				if !strings.Contains(err.Error(), message) || strings.Contains(err.Error(), "body:") {
					t.Errorf("%s: error %q does not show %q as text", tt.name, err, message)
				}
				if got := hint(nil, err); !strings.Contains(got, tt.hintPhrase) {
					t.Errorf("%s: hint %q lacks %q", tt.name, got, tt.hintPhrase)
				}
			}
		})
	}
}

// TestHint_everyErrorKind: each kind of failure that the client names gets its own advice, whatever
// shape the server words it in, and the advice for a 500 (which is not retried) never says that
// the provider retried.
func TestHint_everyErrorKind(t *testing.T) {
	t.Parallel()
	fail := func(route string, status int) mockserver.Faults {
		return mockserver.Faults{FailNext: map[string][]int{route: {status}}}
	}
	const retried, notRetried = "retried up to max_retries times", "The provider does not retry such errors"
	for _, shape := range mockserver.ErrorShapes() {
		t.Run(string(shape), func(t *testing.T) {
			env, c := shapedMock(t, shape)
			for _, tt := range []struct {
				name       string
				faults     mockserver.Faults
				hintPhrase string
				notInHint  string
			}{
				{"login forbidden", fail("login", 403), "it may be locked or disabled", ""},
				{"login endpoint missing", fail("login", 404), "The login endpoint was not found", ""},
				{"list forbidden", fail("list_keys", 403), "check that the user may manage API keys", ""},
				{"throttled", fail("list_keys", 429), "kept throttling the provider", ""},
				{"bad gateway", fail("list_keys", 502), retried, notRetried},
				{"unavailable", fail("list_keys", 503), retried, notRetried},
				{"gateway timeout", fail("list_keys", 504), retried, notRetried},
				{"internal server error", fail("list_keys", 500), notRetried, "retried"},
				{"not implemented", fail("list_keys", 501), notRetried, "retried"},
				{"a web page", mockserver.Faults{Override: map[string]mockserver.Response{
					"list_keys": {ContentType: "text/html", Body: "<html>Sign in</html>"},
				}}, "The answer is not what the Circularo API returns", ""},
			} {
				env.Mock.SetFaults(tt.faults)
				session := client.NewSession(c, client.Credentials{Username: testkit.User, Password: testkit.Password}, nil)
				_, err := session.ListKeys(context.Background())
				env.Mock.SetFaults(mockserver.Faults{})
				_ = session.Close(context.Background())
				if err == nil {
					t.Fatalf("%s: the call worked", tt.name)
				}
				got := hint(nil, err)
				if !strings.Contains(got, tt.hintPhrase) {
					t.Errorf("%s: hint %q lacks %q (error: %v)", tt.name, got, tt.hintPhrase, err)
				}
				if tt.notInHint != "" && strings.Contains(got, tt.notInHint) {
					t.Errorf("%s: hint %q says %q", tt.name, got, tt.notInHint)
				}
			}
		})
	}
}

// shapedMock is a mock that words its errors in shape, and a client for it that does not retry.
func shapedMock(t *testing.T, shape mockserver.ErrorShape) (*testEnv, *client.Client) {
	t.Helper()
	env := newEnv(t, testkit.WithMockOptions(mockserver.Options{ErrorShape: shape}))
	c := client.New(client.Config{BaseURL: mustParseBaseURL(t, env.URL), MaxRetries: -1})
	return env, c
}

// Each kind of failed unlock has a hint of its own that says what to do; only a wrong code blames the
// secret or the clock.
func TestHint_unlockFailures(t *testing.T) {
	t.Parallel()
	for kind, want := range map[error][]string{
		client.ErrTOTPCodeReused:   {"one login per 30 seconds per account", "API token (token or CIRCULARO_TOKEN)"},
		client.ErrTOTPCodeRejected: {"check that totp_secret (or CIRCULARO_TOTP_SECRET)", "clock is correct"},
		client.ErrAccountLocked:    {"Ask your Circularo administrator", "stopped trying"},
	} {
		got := hint(nil, &client.AuthError{Username: mfaTestUser, Err: &client.UnlockError{Kind: kind, Codes: 2}})
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("the hint for %v does not say %q: %s", kind, w, got)
			}
		}
		if blamesSecret := strings.Contains(got, "clock is correct"); blamesSecret != (kind == client.ErrTOTPCodeRejected) {
			t.Errorf("the hint for %v blames the secret or clock: %t, want %t: %s", kind, blamesSecret, kind == client.ErrTOTPCodeRejected, got)
		}
	}
}
