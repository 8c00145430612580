package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

func TestSession_logsInLazily(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	wantRouteCount(t, mock, "total", 0)

	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "login", 1)
	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "login", 1)
	wantRouteCount(t, mock, "whoami", 2)
}

func TestSession_closeWithoutUseCallsNothing(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "total", 0)
}

func TestSession_oneLoginForConcurrentCallers(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	mock.AddKey(clientUser, mockserver.Key{Description: "ci"})
	// Latency keeps the first login in flight while the other callers arrive.
	mock.SetFaults(mockserver.Faults{Latency: 50 * time.Millisecond})
	s := newSession(t, url, password())

	const callers = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*callers)
	for range callers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			keys, err := s.ListKeys(context.Background())
			if err == nil && len(keys) != 1 {
				err = errors.New("ListKeys did not return the one key")
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.WhoAmI(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	wantRouteCount(t, mock, "login", 1)
	wantRouteCount(t, mock, "whoami", callers)
	wantRouteCount(t, mock, "list_keys", 1) // concurrent lists share one call
	wantClosed(t, s, mock)
	wantRouteCount(t, mock, "logout", 1)
}

func TestSession_givenTokenNeverLogsInOrOut(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	key := mock.AddKey(clientUser, mockserver.Key{Description: "automation"})
	s := newSession(t, url, client.Credentials{Token: key.Value})
	if !s.UsesGivenToken() {
		t.Error("UsesGivenToken is false for a session with a token")
	}
	if got, want := s.AuthFingerprint(), client.Fingerprint(key.Value); got != want {
		t.Errorf("AuthFingerprint = %q, want %q", got, want)
	}

	keys, err := s.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Value != key.Value {
		t.Errorf("ListKeys with the given token returned %d keys, want the one key", len(keys))
	}
	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "login", 0)
	wantRouteCount(t, mock, "logout", 0)
	wantRouteCount(t, mock, "logout_api_key", 0)
	if !mock.KeyExists(key.Value) {
		t.Error("the given key no longer exists")
	}
}

func TestSession_rejectedGivenTokenIsNotRenewed(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	key := mock.AddKey(clientUser, mockserver.Key{Description: "revoked soon"})
	mock.RevokeKey(key.Value)
	s := newSession(t, url, client.Credentials{Token: key.Value})

	_, err := s.ListKeys(context.Background())
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("ListKeys with a revoked token: %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), key.Value) {
		t.Errorf("the error shows the token: %v", err)
	}
	if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Access token is invalid") {
		t.Errorf("the error does not give the server's status and message: %v", err)
	}
	wantRouteCount(t, mock, "login", 0)
	wantRouteCount(t, mock, "list_keys", 1)
}

func TestSession_MFAWithSecretUnlocks(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	mock.AddKey(clientMFAUser, mockserver.Key{Description: "mfa key"})
	s := newSession(t, url, client.Credentials{Username: clientMFAUser, Password: clientMFAPassword, TOTPSecret: clientMFASecret})

	keys, err := s.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Errorf("got %d keys, want 1", len(keys))
	}
	wantRouteCount(t, mock, "login", 1)
	wantRouteCount(t, mock, "unlock", 1)
	wantClosed(t, s, mock)
}

func TestSession_MFAWithoutSecretFailsAndLogsOutTheLockedSession(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, client.Credentials{Username: clientMFAUser, Password: clientMFAPassword})

	_, err := s.ListKeys(context.Background())
	if !errors.Is(err, client.ErrMFARequired) {
		t.Fatalf("ListKeys for an MFA account without secret: %v, want ErrMFARequired", err)
	}
	var authErr *client.AuthError
	if !errors.As(err, &authErr) {
		t.Errorf("the error is not an AuthError: %v", err)
	}
	wantRouteCount(t, mock, "unlock", 0)
	wantRouteCount(t, mock, "list_keys", 0)
	wantRouteCount(t, mock, "logout", 1)
	if n := mock.OpenSessions(); n != 0 {
		t.Errorf("the locked session is still open on the server (%d open)", n)
	}
	if n := s.OpenSessions(); n != 0 {
		t.Errorf("the Session still tracks %d sessions", n)
	}
}

func TestSession_MFAWithBadSecretFailsAndLogsOut(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		secret      string
		wantMessage string // in the error, besides ErrUnlockFailed
		wantUnlocks int
	}{
		"wrong secret":   {secret: "GEZDGNBVGY3TQOJQ", wantUnlocks: 2}, // the codes of two time steps
		"invalid base32": {secret: "not base32!", wantMessage: "not valid base32", wantUnlocks: 0},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{})
			s := newSession(t, url, client.Credentials{Username: clientMFAUser, Password: clientMFAPassword, TOTPSecret: tc.secret})
			// The wait for the second code's step returns at once (the mock's skew accepts that step).
			s.SetTOTPOptions(client.TOTPOptions{WaitUntil: func(context.Context, time.Time) error { return nil }})

			_, err := s.WhoAmI(context.Background())
			if !errors.Is(err, client.ErrUnlockFailed) || !strings.Contains(err.Error(), tc.wantMessage) {
				t.Fatalf("WhoAmI: %v, want ErrUnlockFailed saying %q", err, tc.wantMessage)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error shows the TOTP secret: %v", err)
			}
			wantRouteCount(t, mock, "unlock", tc.wantUnlocks)
			if n := mock.OpenSessions(); n != 0 {
				t.Errorf("the locked session is still open on the server (%d open)", n)
			}
		})
	}
}

func TestSession_expiredSessionIsRenewedOnce(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock.ExpireSessions()

	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatalf("WhoAmI after the session expired: %v", err)
	}
	wantRouteCount(t, mock, "login", 2)
	wantRouteCount(t, mock, "whoami", 3) // first call, the rejected one, the retry

	wantClosed(t, s, mock)
}

func TestSession_secondUnauthorizedIsAnError(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"whoami": {http.StatusUnauthorized, http.StatusUnauthorized}}})

	_, err := s.WhoAmI(context.Background())
	if !errors.Is(err, client.ErrUnauthorized) || !errors.Is(err, client.ErrSessionRejected) {
		t.Fatalf("WhoAmI rejected twice: %v, want ErrSessionRejected and ErrUnauthorized", err)
	}
	wantRouteCount(t, mock, "login", 2)
	wantRouteCount(t, mock, "whoami", 2)

	// Both sessions were opened by this Session: Close logs out both, even the one the server rejected.
	wantClosed(t, s, mock)
}

func TestSession_renewalThatFailsIsReported(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	if _, err := s.WhoAmI(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock.ExpireSessions()
	mock.AddUser(mockserver.User{Name: clientUser, Password: "changed-meanwhile"})

	_, err := s.WhoAmI(context.Background())
	if err == nil || !strings.Contains(err.Error(), "logging in again failed") {
		t.Fatalf("WhoAmI whose renewal fails: %v, want an error that says logging in again failed", err)
	}
	var authErr *client.AuthError
	if !errors.As(err, &authErr) {
		t.Errorf("the error is not an AuthError: %v", err)
	}
	wantRouteCount(t, mock, "login", 2)
}

func TestSession_closeLogsOutEverySessionItOpened(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	ctx := context.Background()
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err)
	}
	first := openSession(t, s)
	second := openSession(t, s)
	if first == second {
		t.Fatal("OpenSession returned the same token twice")
	}
	if n := mock.OpenSessions(); n != 3 {
		t.Fatalf("%d sessions are open, want 3", n)
	}
	if n := s.OpenSessions(); n != 3 {
		t.Fatalf("the Session tracks %d sessions, want 3", n)
	}

	wantClosed(t, s, mock)
	wantRouteCount(t, mock, "logout", 3)
}

func TestSession_openAndCloseSession(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	ctx := context.Background()

	token := openSession(t, s)
	// The opened session is a working session of its own.
	c := newAPIClient(t, url)
	if _, err := c.ListKeys(ctx, token); err != nil {
		t.Fatalf("the opened session cannot list keys: %v", err)
	}

	if err := s.CloseSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if n := mock.OpenSessions(); n != 0 {
		t.Errorf("%d sessions are open after CloseSession", n)
	}
	if _, err := c.ListKeys(ctx, token); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("the closed session still works: %v", err)
	}
	// Close does not log it out a second time.
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "logout", 1)
}

func TestSession_failedCloseSessionIsRetriedByClose(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	ctx := context.Background()
	token := openSession(t, s)
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"logout": {http.StatusInternalServerError}}})
	if err := s.CloseSession(ctx, token); err == nil {
		t.Fatal("CloseSession hid a failed logout")
	}
	wantClosed(t, s, mock)
	wantRouteCount(t, mock, "logout", 2)
}

func TestSession_openSessionNeedsPassword(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	key := mock.AddKey(clientUser, mockserver.Key{Description: "automation"})
	s := newSession(t, url, client.Credentials{Token: key.Value})

	_, err := s.OpenSession(context.Background())
	if !errors.Is(err, client.ErrGivenToken) {
		t.Fatalf("OpenSession with a given token: %v, want ErrGivenToken", err)
	}
	wantRouteCount(t, mock, "total", 0)
}

func TestSession_tenant(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	ctx := context.Background()

	// Unset, the tenant is left to the host: the MFA user's tenant "acme" need not be named.
	s := newSession(t, url, client.Credentials{Username: clientMFAUser, Password: clientMFAPassword, TOTPSecret: clientMFASecret})
	if _, err := s.WhoAmI(ctx); err != nil {
		t.Fatalf("login without tenant: %v", err)
	}
	s = newSession(t, url, client.Credentials{Username: clientMFAUser, Password: clientMFAPassword, TOTPSecret: clientMFASecret, Tenant: clientMFATenant})
	if _, err := s.WhoAmI(ctx); err != nil {
		t.Fatalf("login with the right tenant: %v", err)
	}

	s = newSession(t, url, client.Credentials{Username: clientMFAUser, Password: clientMFAPassword, TOTPSecret: clientMFASecret, Tenant: "globex"})
	_, err := s.WhoAmI(ctx)
	var authErr *client.AuthError
	var apiErr *client.APIError
	if !errors.As(err, &authErr) || !errors.As(err, &apiErr) {
		t.Fatalf("login with a wrong tenant: %v, want an AuthError from the API", err)
	}
	if apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code != "login.invalidTenant" {
		t.Errorf("login with a wrong tenant: HTTP %d %q, want 401 login.invalidTenant", apiErr.StatusCode, apiErr.Code)
	}
	if strings.Contains(err.Error(), clientMFAPassword) {
		t.Errorf("the error shows the password: %v", err)
	}
	wantRouteCount(t, mock, "login", 3)
}

func TestSession_badPassword(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, client.Credentials{Username: clientUser, Password: "wrong-password-7"})

	_, err := s.ListKeys(context.Background())
	var authErr *client.AuthError
	if !errors.As(err, &authErr) || !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("login with a wrong password: %v, want an AuthError with 401", err)
	}
	if strings.Contains(err.Error(), "wrong-password-7") {
		t.Errorf("the error shows the password: %v", err)
	}
	wantRouteCount(t, mock, "login", 1) // a rejected login is not "renewed"
	wantRouteCount(t, mock, "list_keys", 0)
}
