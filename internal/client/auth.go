package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
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
	steps  *totpSteps // chooses the time steps of TOTP codes; nil until the first unlock or SetTOTPOptions
	token  string     // the token in use; empty until the first call needs one
	opened []string   // sessions logged into and not logged out yet
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

// unlock sends TOTP codes until the session unlocks, each of a time step of its own (totp_steps.go).
// A server that follows RFC 6238 section 5.2 refuses a code of a step that another login of the
// account used already: the provider processes of one Terraform run (one per phase and per provider
// configuration) often log in within one step. A refused code is therefore followed by the code of
// the next step, up to maxTOTPCodes codes and never past maxTOTPStepsAhead steps. Two refusals of
// steps that no login of this machine had used mean a wrong code (the secret or the clock): the
// login gives up then, rather than let a wrong secret count failed attempts against the account.
func (a *authenticator) unlock(ctx context.Context, token string) error {
	if a.creds.TOTPSecret == "" {
		return ErrMFARequired
	}
	if _, err := totp.GenerateCode(a.creds.TOTPSecret, a.now()); err != nil {
		// The library's error would not say which value is wrong; the secret itself is never shown.
		return fmt.Errorf("%w: the TOTP secret is not valid base32", ErrUnlockFailed)
	}
	if a.steps == nil {
		a.steps = newTOTPSteps(a.client, a.creds, a.now, TOTPOptions{})
	}
	began := a.now()
	deadline := totpStepStart(totpStep(began) + maxTOTPStepsAhead)
	var (
		fail     = &UnlockError{}
		earliest int64 // the earliest step of the next code
		wrong    int   // refusals that nothing explains but a wrong code
		why      = "another login of this account on this machine used the current time step, and the server refuses a reused code"
	)
	for fail.Codes < maxTOTPCodes {
		step, usedHere := a.steps.claim(ctx, earliest)
		start := totpStepStart(step)
		if start.After(deadline) {
			if fail.Last == nil {
				fail.Last = fmt.Errorf("other logins of this account on this machine hold the time steps up to %d", step-1)
			}
			break
		}
		if wait := start.Sub(a.now()); wait > 0 {
			a.steps.notice(ctx, "Waiting for the next TOTP time step before unlocking the MFA session", map[string]any{
				"username": a.creds.Username, "wait": wait.Round(time.Second).String(), "reason": why,
			})
			if err := a.steps.waitUntil(ctx, start); err != nil {
				fail.Last = err
				return fail
			}
			fail.Waited = a.now().Sub(began)
		}
		code, err := totp.GenerateCodeCustom(a.creds.TOTPSecret, start, totp.ValidateOpts{
			Period: uint(totpPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return fmt.Errorf("%w: the TOTP secret is not valid base32", ErrUnlockFailed)
		}
		fail.Codes++
		res, err := a.client.unlock(ctx, token, factor{Factor: "totp", Password: code})
		if err == nil && res.IsUnlocked {
			if fail.Codes > 1 {
				// A code refused, and a code of a later step taken: the first was refused as reused.
				a.steps.learnStrict(ctx)
			}
			return nil
		}
		if err == nil {
			err = errStillLocked
		}
		fail.Last = err
		switch {
		case refusedAsAccount(err):
			fail.Kind = ErrAccountLocked
			return fail
		case !refusedCode(err):
			return fail // a transport or server failure: the client retried what it could
		case usedHere || saidReused(err):
			fail.Kind = ErrTOTPCodeReused
			a.steps.learnStrict(ctx)
			why = fmt.Sprintf("the server refused the code of time step %d as already used (RFC 6238 section 5.2)", step)
		default:
			wrong++
			fail.Kind = ErrTOTPCodeReused
			why = fmt.Sprintf("the server refused the code of time step %d, which no login of this machine had used: "+
				"a login elsewhere may have used it, so the code of the next step is tried once", step)
			if wrong >= 2 {
				fail.Kind = ErrTOTPCodeRejected
				return fail
			}
		}
		earliest = step + 1
	}
	if fail.Kind == nil {
		fail.Kind = ErrTOTPCodeReused
	}
	return fail
}

// refusedCode tells an answer that refuses the code (401, 400, 422, or a session still locked) from
// one that refuses the call itself.
func refusedCode(err error) bool {
	if errors.Is(err, errStillLocked) || errors.Is(err, ErrLocked) {
		return true
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Cause != nil {
		return false
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized, http.StatusBadRequest, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// errStillLocked is an unlock answered with success that leaves the session locked: the code was refused.
var errStillLocked = errors.New("the server answered that the session is still locked")

// refusedAsAccount tells an unlock refused for the account (403 that is not a locked session, 423
// Locked): a locked or disabled account, which more codes would only keep locked.
func refusedAsAccount(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || errors.Is(err, ErrLocked) {
		return false
	}
	return apiErr.StatusCode == http.StatusForbidden || apiErr.StatusCode == http.StatusLocked
}

// saidReused tells that the server's answer says the code was used already. Servers word it in many
// ways, and many say only "invalid code": this is a hint, the steps that this machine used are the rule.
func saidReused(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.anyServerError(func(se ServerError) bool {
		text := strings.ToLower(se.Code + " " + se.Message)
		for _, phrase := range []string{"already used", "already been used", "reused", "replay", "used before"} {
			if strings.Contains(text, phrase) {
				return true
			}
		}
		return false
	})
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
