package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"
)

// Credentials say how a Session authenticates: Token, or Username and Password.
type Credentials struct {
	Token      string // an existing API key or session token: used as is, never logged out
	Username   string
	Password   string
	Tenant     string // sent with the login only when set
	TOTPSecret string // base32 RFC 6238 secret, for accounts with MFA
}

// authenticator turns Credentials into a token for API calls: it logs in lazily, shares one login
// among concurrent callers, unlocks with a TOTP code, renews an expired session once, and logs out
// every session it opened. A given token is used as is and never logged out.
type authenticator struct {
	client *Client
	creds  Credentials
	now    func() time.Time // for TOTP codes

	mu     sync.Mutex
	token  string   // the token in use; empty until the first call needs one
	opened []string // sessions logged into and not logged out yet
}

func (a *authenticator) usesGivenToken() bool { return a.creds.Token != "" }

// givenTokenFingerprint names the given token without showing it; "" when the session logs in.
func (a *authenticator) givenTokenFingerprint() string {
	if a.creds.Token == "" {
		return ""
	}
	return Fingerprint(a.creds.Token)
}

// current returns the token for API calls, logging in (and unlocking) on the first call only.
func (a *authenticator) current(ctx context.Context) (string, error) {
	if a.creds.Token != "" {
		return a.creds.Token, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" {
		return a.token, nil
	}
	token, err := a.login(ctx)
	if err != nil {
		return "", err
	}
	a.token = token
	return token, nil
}

// openSession logs in once more, for a caller that needs a session of its own.
func (a *authenticator) openSession(ctx context.Context) (string, error) {
	if a.creds.Token != "" {
		return "", ErrGivenToken
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.login(ctx)
}

// closeSession logs out a session of openSession. When the logout fails, close tries again.
func (a *authenticator) closeSession(ctx context.Context, token string) error {
	err := a.client.logout(ctx, token)
	if err != nil && !errors.Is(err, ErrUnauthorized) {
		return err
	}
	a.mu.Lock()
	a.forget(token)
	a.mu.Unlock()
	return nil
}

// login must be called with mu held.
func (a *authenticator) login(ctx context.Context) (string, error) {
	token, err := a.loginAndUnlock(ctx)
	if err != nil {
		return "", &AuthError{Username: a.creds.Username, Err: err}
	}
	return token, nil
}

func (a *authenticator) loginAndUnlock(ctx context.Context) (string, error) {
	res, err := a.client.login(ctx, loginRequest{Name: a.creds.Username, Password: a.creds.Password, Tenant: a.creds.Tenant})
	if err != nil {
		return "", err
	}
	a.opened = append(a.opened, res.Token)
	if res.IsUnlocked {
		return res.Token, nil
	}
	if err := a.unlock(ctx, res.Token); err != nil {
		// A locked session is of no use: close it rather than leave it open on the server.
		a.forget(res.Token)
		_ = a.client.logout(context.WithoutCancel(ctx), res.Token)
		return "", err
	}
	return res.Token, nil
}

func (a *authenticator) unlock(ctx context.Context, token string) error {
	if a.creds.TOTPSecret == "" {
		return ErrMFARequired
	}
	code, err := totp.GenerateCode(a.creds.TOTPSecret, a.now())
	if err != nil {
		// The library's error would not say which value is wrong; the secret itself is never shown.
		return fmt.Errorf("%w: the TOTP secret is not valid base32", ErrUnlockFailed)
	}
	res, err := a.client.unlock(ctx, token, factor{Factor: "totp", Password: code})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnlockFailed, err)
	}
	if !res.IsUnlocked {
		return fmt.Errorf("%w: the server answered that the session is still locked", ErrUnlockFailed)
	}
	return nil
}

// forget must be called with mu held.
func (a *authenticator) forget(token string) {
	a.opened = slices.DeleteFunc(a.opened, func(t string) bool { return t == token })
}

// withToken runs fn with the current token. A 401 on a session opened here means it expired
// during a long run: it logs in again once and retries; a second 401 is returned.
func (a *authenticator) withToken(ctx context.Context, fn func(token string) error) error {
	token, err := a.current(ctx)
	if err != nil {
		return err
	}
	err = fn(token)
	if err == nil || a.creds.Token != "" || !errors.Is(err, ErrUnauthorized) {
		return err
	}
	renewed, rerr := a.renew(ctx, token)
	if rerr != nil {
		return fmt.Errorf("the session expired and logging in again failed: %w", rerr)
	}
	if err := fn(renewed); err != nil {
		if errors.Is(err, ErrUnauthorized) {
			return fmt.Errorf("%w: %w", ErrSessionRejected, err)
		}
		return err
	}
	return nil
}

func (a *authenticator) renew(ctx context.Context, expired string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != expired { // another caller renewed it already
		return a.token, nil
	}
	// The expired session stays in opened: a 401 may have had another cause, and close ignores
	// the 401 that logging out a really expired session gets.
	a.token = ""
	token, err := a.login(ctx)
	if err != nil {
		return "", err
	}
	a.token = token
	return token, nil
}

// close logs out every session opened here. It never logs out a given token.
func (a *authenticator) close(ctx context.Context) error {
	a.mu.Lock()
	opened := a.opened
	a.opened, a.token = nil, ""
	a.mu.Unlock()
	var errs []error
	for _, token := range opened {
		if err := a.client.logout(ctx, token); err != nil && !errors.Is(err, ErrUnauthorized) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
