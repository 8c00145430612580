package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/testkit"
)

// TestHint_eachBranch builds the client's error values directly, one per branch of hint, and checks
// that each gets its own advice. error_shapes_test.go gets the same kinds from the mock server.
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
