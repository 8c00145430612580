package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// TestClient_errorShapes runs the failures that the provider explains (bad password, unknown
// tenant, locked session, gone key) against a mock of each error shape: the message is shown as
// text, and the sentinels match.
func TestClient_errorShapes(t *testing.T) {
	t.Parallel()
	titles := map[string]string{
		"login.invalidCredentials": "Unauthorized", "login.invalidTenant": "Unauthorized", "token.locked": "Forbidden",
		"apiKey.notFound": "Not Found", "server.injectedFault": "Internal Server Error",
	}
	for _, shape := range mockserver.ErrorShapes() {
		t.Run(string(shape), func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{ErrorShape: shape})
			c := newAPIClient(t, url)
			ctx := context.Background()
			// The string shape has no code: only the message is there to show and to match. JSON:API's
			// title (the status text) comes before its detail.
			withCode := func(message, code string) string {
				switch shape {
				case mockserver.ErrorShapeString:
					return message
				case mockserver.ErrorShapeJSONAPI:
					return titles[code] + ": " + message + " (" + code + ")"
				}
				return message + " (" + code + ")"
			}
			check := func(what string, err error, want string, sentinel error) {
				t.Helper()
				if !errors.Is(err, sentinel) {
					t.Errorf("%s: got %v, want %v", what, err, sentinel)
				}
				if err == nil {
					return
				}
				if !strings.HasSuffix(err.Error(), want) {
					t.Errorf("%s: error %q does not end in %q", what, err, want)
				}
				if strings.Contains(err.Error(), "body:") || strings.Contains(err.Error(), `\"`) {
					t.Errorf("%s: error %q shows the body instead of the message", what, err)
				}
			}

			_, err := c.Login(ctx, client.LoginRequest{Name: clientUser, Password: "wrong-password-42"})
			check("bad password", err, "HTTP 401 Unauthorized: "+withCode("Invalid name or password", "login.invalidCredentials"), client.ErrUnauthorized)
			if errors.Is(err, client.ErrUnknownTenant) || errors.Is(err, client.ErrLocked) {
				t.Errorf("bad password: %v matches the tenant or locked sentinel", err)
			}

			_, err = c.Login(ctx, client.LoginRequest{Name: clientUser, Password: clientPassword, Tenant: "globex"})
			check("unknown tenant", err, "HTTP 401 Unauthorized: "+withCode("Unknown tenant", "login.invalidTenant"), client.ErrUnknownTenant)

			locked, err := c.Login(ctx, client.LoginRequest{Name: clientMFAUser, Password: clientMFAPassword})
			if err != nil || locked.IsUnlocked {
				t.Fatalf("MFA login: %+v, %v; want a locked session", locked, err)
			}
			_, err = c.ListKeys(ctx, locked.Token)
			check("locked session", err, "HTTP 403 Forbidden: "+withCode("Access token is locked", "token.locked"), client.ErrLocked)

			err = c.DeleteKey(ctx, "", strings.Repeat("z", 64))
			check("gone key", err, "HTTP 404 Not Found: "+withCode("API key not found", "apiKey.notFound"), client.ErrNotFound)

			// Injected faults take the shape too.
			mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"login": {500}}})
			_, err = c.Login(ctx, client.LoginRequest{Name: clientUser, Password: clientPassword})
			if !strings.HasSuffix(err.Error(), "HTTP 500 Internal Server Error: "+withCode("Internal Server Error", "server.injectedFault")) {
				t.Errorf("injected 500: %v", err)
			}
		})
	}
}
