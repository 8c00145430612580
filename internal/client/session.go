package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/sync/singleflight"
)

// Credentials say how a Session authenticates: Token, or Username and Password.
type Credentials struct {
	Token      string // an existing API key or session token: used as is, never logged out
	Username   string
	Password   string
	Tenant     string // sent with the login only when set
	TOTPSecret string // base32 RFC 6238 secret, for accounts with MFA
}

// Session authenticates lazily, shares one login among concurrent callers, renews an expired
// session once, logs out what it opened, and shares one list of keys among readers.
type Session struct {
	client *Client
	creds  Credentials
	now    func() time.Time

	authMu sync.Mutex
	token  string   // the token in use; empty until the first call needs one
	opened []string // sessions this Session logged into and has not logged out

	listGroup singleflight.Group
	cacheMu   sync.Mutex
	cached    []APIKey // nil until the first list; patched by creates and deletes
	cacheGen  uint64   // bumped by every mutation, so that a list that raced one is not cached

	createLocksMu sync.Mutex
	createLocks   map[string]*sync.Mutex // creates of one description run one at a time

	deleteForm  atomic.Int32  // one of the deleteForm constants: what the server wants for DELETE /api/key/<value>
	deleteProbe chan struct{} // one slot: while the form is unknown, deletes go one at a time
}

// The forms of DELETE /api/key/<value>. The public example sends no ?token=, and the docs do not say
// whether a server accepts that: the first answer tells, and the Session remembers it.
const (
	deleteFormUnknown  int32 = iota // no delete has been answered yet (or only with 404 or errors)
	deleteWithoutToken              // the documented form worked
	deleteWithToken                 // the server refused the documented form with 401 or 403
)

// NewSession returns a Session. It makes no network call: login happens on first use.
func NewSession(c *Client, creds Credentials, now func() time.Time) *Session {
	if now == nil {
		now = time.Now
	}
	return &Session{client: c, creds: creds, now: now, deleteProbe: make(chan struct{}, 1)}
}

// UsesGivenToken reports whether the session uses a token given by the user (no login).
func (s *Session) UsesGivenToken() bool { return s.creds.Token != "" }

// AuthFingerprint is the fingerprint of the given token, or "" when the session logs in.
func (s *Session) AuthFingerprint() string {
	if s.creds.Token == "" {
		return ""
	}
	return Fingerprint(s.creds.Token)
}

// Token returns the token for API calls, logging in (and unlocking) on the first call only.
func (s *Session) Token(ctx context.Context) (string, error) {
	if s.creds.Token != "" {
		return s.creds.Token, nil
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if s.token != "" {
		return s.token, nil
	}
	token, err := s.login(ctx)
	if err != nil {
		return "", err
	}
	s.token = token
	return token, nil
}

// ErrGivenToken: a new session was asked of a Session that has a token but no username and password.
var ErrGivenToken = errors.New("a new session needs username and password, and only a token is configured")

// ErrUnlockFailed: the login worked, but unlocking the session with the TOTP code did not.
var ErrUnlockFailed = errors.New("unlocking the session with a TOTP code failed")

// OpenSession logs in for a caller that needs a session of its own (the circularo_session ephemeral
// resource). The session is logged out by CloseSession, or by Close at the latest.
func (s *Session) OpenSession(ctx context.Context) (string, error) {
	if s.creds.Token != "" {
		return "", ErrGivenToken
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	return s.login(ctx)
}

// CloseSession logs out a session returned by OpenSession. When the logout fails, Close tries again.
func (s *Session) CloseSession(ctx context.Context, token string) error {
	err := s.client.Logout(ctx, token)
	if err != nil && !errors.Is(err, ErrUnauthorized) {
		return err
	}
	s.authMu.Lock()
	s.forget(token)
	s.authMu.Unlock()
	return nil
}

// AuthError is a failure to log in or unlock: the credentials, not the request, need attention.
type AuthError struct {
	Username string
	Err      error
}

func (e *AuthError) Error() string { return fmt.Sprintf("log in as %q: %v", e.Username, e.Err) }
func (e *AuthError) Unwrap() error { return e.Err }

// login must be called with authMu held.
func (s *Session) login(ctx context.Context) (string, error) {
	token, err := s.loginAndUnlock(ctx)
	if err != nil {
		return "", &AuthError{Username: s.creds.Username, Err: err}
	}
	return token, nil
}

func (s *Session) loginAndUnlock(ctx context.Context) (string, error) {
	res, err := s.client.Login(ctx, LoginRequest{Name: s.creds.Username, Password: s.creds.Password, Tenant: s.creds.Tenant})
	if err != nil {
		return "", err
	}
	s.opened = append(s.opened, res.Token)
	if res.IsUnlocked {
		return res.Token, nil
	}
	if err := s.unlock(ctx, res.Token); err != nil {
		// A locked session is of no use: close it rather than leave it open on the server.
		s.forget(res.Token)
		_ = s.client.Logout(context.WithoutCancel(ctx), res.Token)
		return "", err
	}
	return res.Token, nil
}

func (s *Session) unlock(ctx context.Context, token string) error {
	if s.creds.TOTPSecret == "" {
		return ErrMFARequired
	}
	code, err := totp.GenerateCode(s.creds.TOTPSecret, s.now())
	if err != nil {
		// The library's error would not say which value is wrong; the secret itself is never shown.
		return fmt.Errorf("%w: the TOTP secret is not valid base32", ErrUnlockFailed)
	}
	res, err := s.client.Unlock(ctx, token, Factor{Factor: "totp", Password: code})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnlockFailed, err)
	}
	if !res.IsUnlocked {
		return fmt.Errorf("%w: the server answered that the session is still locked", ErrUnlockFailed)
	}
	return nil
}

func (s *Session) forget(token string) {
	s.opened = slices.DeleteFunc(s.opened, func(t string) bool { return t == token })
}

// withToken runs fn with the current token. A 401 on a session this Session opened means it expired
// during a long run: it logs in again once and retries; a second 401 is returned.
func (s *Session) withToken(ctx context.Context, fn func(token string) error) error {
	token, err := s.Token(ctx)
	if err != nil {
		return err
	}
	err = fn(token)
	if err == nil || s.creds.Token != "" || !errors.Is(err, ErrUnauthorized) {
		return err
	}
	renewed, rerr := s.renew(ctx, token)
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

// ErrSessionRejected: a call was rejected (401) with a session that was opened for it just before.
var ErrSessionRejected = errors.New("the server rejected the session again right after a new login")

func (s *Session) renew(ctx context.Context, expired string) (string, error) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if s.token != expired { // another caller renewed it already
		return s.token, nil
	}
	// The expired session stays in opened: a 401 may have had another cause, and Close ignores
	// the 401 that logging out a really expired session gets.
	s.token = ""
	token, err := s.login(ctx)
	if err != nil {
		return "", err
	}
	s.token = token
	return token, nil
}

// Close logs out every session this Session opened. It never logs out a given token.
func (s *Session) Close(ctx context.Context) error {
	s.authMu.Lock()
	opened := s.opened
	s.opened, s.token = nil, ""
	s.authMu.Unlock()
	var errs []error
	for _, token := range opened {
		if err := s.client.Logout(ctx, token); err != nil && !errors.Is(err, ErrUnauthorized) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// OpenSessions counts the sessions that Close would log out.
func (s *Session) OpenSessions() int {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	return len(s.opened)
}

// WhoAmI checks the credentials with the cheapest call there is.
func (s *Session) WhoAmI(ctx context.Context) (*LoginResult, error) {
	var res *LoginResult
	err := s.withToken(ctx, func(token string) error {
		var err error
		res, err = s.client.WhoAmI(ctx, token)
		return err
	})
	return res, err
}

// ListKeys returns the user's keys. Every caller of a Session shares one list call: concurrent
// callers wait for the same answer, and later ones get the cached list, kept correct by CreateKey
// and DeleteKey. The returned slice is shared, so that N refreshes do not copy N keys each: read
// it, never modify it.
func (s *Session) ListKeys(ctx context.Context) ([]APIKey, error) {
	if keys := s.cachedKeys(); keys != nil {
		return keys, nil
	}
	v, err, _ := s.listGroup.Do("list", func() (any, error) {
		// A caller that found no cache may get here just after another list finished and cached
		// its answer: use that answer rather than list again.
		if keys := s.cachedKeys(); keys != nil {
			return keys, nil
		}
		return s.fetchKeys(ctx)
	})
	if err != nil {
		return nil, err
	}
	keys, _ := v.([]APIKey) // the only type the function above returns
	return keys, nil
}

func (s *Session) cachedKeys() []APIKey {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	return s.cached
}

// fetchKeys lists the keys from the server, bypassing the cache, and caches the answer unless a
// create or delete happened while it was under way.
func (s *Session) fetchKeys(ctx context.Context) ([]APIKey, error) {
	s.cacheMu.Lock()
	gen := s.cacheGen
	s.cacheMu.Unlock()
	var keys []APIKey
	err := s.withToken(ctx, func(token string) error {
		var err error
		keys, err = s.client.ListKeys(ctx, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	if keys == nil {
		keys = []APIKey{}
	}
	s.cacheMu.Lock()
	if s.cacheGen == gen {
		s.cached = keys
	}
	s.cacheMu.Unlock()
	return keys, nil
}

// mutateCache replaces the cached list with fn's result. Readers may hold the list that fn gets:
// fn may append to it (readers never look past their length) but must not change its elements.
func (s *Session) mutateCache(fn func([]APIKey) []APIKey) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	s.cacheGen++
	if s.cached != nil {
		s.cached = fn(s.cached)
	}
}

// CreateKey creates a key without ever leaving a duplicate or an orphan behind: when a create fails
// in a way that the server may still have carried out, it lists the keys and adopts the one that
// appeared, and only when none did does it try again.
func (s *Session) CreateKey(ctx context.Context, description string) (*APIKey, error) {
	lock := s.createLock(description)
	lock.Lock()
	defer lock.Unlock()

	before, err := s.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list keys before creating one: %w", err)
	}
	known := make(map[string]bool, len(before))
	for _, k := range before {
		known[k.ID] = true
	}
	maxAttempts := s.client.retrying.RetryMax + 1
	for attempt := 1; ; attempt++ {
		var key *APIKey
		err := s.withToken(ctx, func(token string) error {
			var err error
			key, err = s.client.CreateKey(ctx, token, description)
			return err
		})
		if err == nil {
			s.mutateCache(func(keys []APIKey) []APIKey { return append(keys, *key) })
			return key, nil
		}
		if !MaybeReachedServer(err) {
			return nil, err
		}
		adopted, lerr := s.findCreated(ctx, known, description)
		switch {
		case lerr != nil:
			return nil, fmt.Errorf("%w; the key may have been created, and checking failed: %v; "+
				"look for a key described %q before trying again", err, lerr, description)
		case adopted != nil:
			s.client.log(ctx, "Adopted the API key that a failed create made on the server", map[string]any{
				"fingerprint": adopted.Fingerprint(), "attempt": attempt,
			})
			s.mutateCache(func(keys []APIKey) []APIKey {
				if slices.ContainsFunc(keys, func(k APIKey) bool { return k.ID == adopted.ID }) {
					return keys
				}
				return append(keys, *adopted)
			})
			return adopted, nil
		case !RetryableFailure(err):
			return nil, fmt.Errorf("%w (no key was created)", err)
		case attempt >= maxAttempts:
			return nil, fmt.Errorf("%w (no key was created; gave up after %d attempts)", err, attempt)
		}
		// The server did not create it: trying again cannot duplicate it.
		wait := backoffWithJitter(s.client.retrying.RetryWaitMin, s.client.retrying.RetryWaitMax, attempt-1, nil)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (s *Session) createLock(description string) *sync.Mutex {
	s.createLocksMu.Lock()
	defer s.createLocksMu.Unlock()
	if s.createLocks == nil {
		s.createLocks = map[string]*sync.Mutex{}
	}
	lock, ok := s.createLocks[description]
	if !ok {
		lock = &sync.Mutex{}
		s.createLocks[description] = lock
	}
	return lock
}

// findCreated lists keys afresh and returns the one key with the description that was not there before.
func (s *Session) findCreated(ctx context.Context, known map[string]bool, description string) (*APIKey, error) {
	keys, err := s.fetchKeys(ctx)
	if err != nil {
		return nil, err
	}
	var found []APIKey
	for _, k := range keys {
		if !known[k.ID] && k.Description == description {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("%d new keys described %q appeared at once, so the one created here cannot be told apart", len(found), description)
}

// DeleteKey revokes a key. A key that is already gone is not an error: the goal is reached.
//
// It sends DELETE /api/key/<value> without ?token=, as the public example does. When the server
// refuses that with 401 or 403, it sends it once more with the session's token (logging in if need
// be), and every later delete of this Session goes with the token at once: N revocations cost N+1
// calls against such a server, not 2N.
func (s *Session) DeleteKey(ctx context.Context, value string) error {
	err := s.deleteKey(ctx, value)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	s.mutateCache(func(keys []APIKey) []APIKey {
		return slices.DeleteFunc(slices.Clone(keys), func(k APIKey) bool { return k.ID == value })
	})
	return nil
}

func (s *Session) deleteKey(ctx context.Context, value string) error {
	probing := false
	if s.deleteForm.Load() == deleteFormUnknown {
		// Until an answer shows the form, deletes go one at a time: parallel revocations against a
		// server that wants a token would otherwise each pay for a refused try.
		select {
		case s.deleteProbe <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if probing = s.deleteForm.Load() == deleteFormUnknown; !probing {
			<-s.deleteProbe // another delete found the form while this one waited
		}
	}
	if s.deleteForm.Load() != deleteWithToken {
		err := s.client.DeleteKey(ctx, "", value)
		refused := refusedWithoutToken(err)
		switch {
		case err == nil && probing:
			s.deleteForm.Store(deleteWithoutToken)
		case refused:
			s.preferDeleteWithToken(ctx, err)
		}
		if probing {
			<-s.deleteProbe
		}
		if !refused {
			return err // done, gone already (404), or failed for another reason
		}
	}
	return s.deleteKeyWithToken(ctx, value)
}

func (s *Session) deleteKeyWithToken(ctx context.Context, value string) error {
	return s.withToken(ctx, func(token string) error { return s.client.DeleteKey(ctx, token, value) })
}

func (s *Session) preferDeleteWithToken(ctx context.Context, refusal error) {
	if s.deleteForm.Swap(deleteWithToken) != deleteWithToken {
		var apiErr *APIError
		status := 0
		if errors.As(refusal, &apiErr) {
			status = apiErr.StatusCode
		}
		s.client.log(ctx, "The server refused DELETE /api/key without a session token; deleting keys with one from now on",
			map[string]any{"status": status})
	}
}

// refusedWithoutToken reports whether a delete sent without a token was refused for the lack of one.
func refusedWithoutToken(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Cause == nil &&
		(apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden)
}
