package client

import (
	"context"
	"time"
)

// Session is what one provider run uses: credentials, a shared list of keys, and safe creates
// and deletes. It composes an authenticator (auth.go), a keyList (keylist.go), a creator
// (create.go) and a revoker (revoke.go); it is safe for concurrent use.
type Session struct {
	auth    *authenticator
	keys    *keyList
	creates *creator
	revokes *revoker
}

// NewSession returns a Session. It makes no network call: login happens on first use. now gives
// the time for TOTP codes; nil means time.Now.
func NewSession(c *Client, creds Credentials, now func() time.Time) *Session {
	if now == nil {
		now = time.Now
	}
	auth := &authenticator{client: c, creds: creds, now: now}
	keys := &keyList{client: c, auth: auth}
	return &Session{
		auth:    auth,
		keys:    keys,
		creates: &creator{client: c, auth: auth, keys: keys, budget: c.retries()},
		revokes: newRevoker(c, auth, keys),
	}
}

// UsesGivenToken reports whether the session uses a token given by the user (no login).
func (s *Session) UsesGivenToken() bool { return s.auth.usesGivenToken() }

// AuthFingerprint is the fingerprint of the given token, or "" when the session logs in.
func (s *Session) AuthFingerprint() string { return s.auth.givenTokenFingerprint() }

// OpenSession logs in for a caller that needs a session of its own (the circularo_session ephemeral
// resource). The session is logged out by CloseSession, or by Close at the latest. It returns
// ErrGivenToken when the Session has a token but no username and password.
func (s *Session) OpenSession(ctx context.Context) (string, error) { return s.auth.openSession(ctx) }

// CloseSession logs out a session returned by OpenSession. When the logout fails, Close tries again.
func (s *Session) CloseSession(ctx context.Context, token string) error {
	return s.auth.closeSession(ctx, token)
}

// Close logs out every session this Session opened. It never logs out a given token.
func (s *Session) Close(ctx context.Context) error { return s.auth.close(ctx) }

// ListKeys returns the user's keys. Every caller of a Session shares one list call: concurrent
// callers wait for the same answer, and later ones get the cached list, kept correct by CreateKey
// and DeleteKey. The returned slice is shared, so that N refreshes do not copy N keys each: read
// it, never modify it.
func (s *Session) ListKeys(ctx context.Context) ([]APIKey, error) { return s.keys.list(ctx) }

// CreateKey creates a key without ever leaving a duplicate or an orphan behind: when a create fails
// in a way that the server may still have carried out, it lists the keys and adopts the one that
// appeared, and only when none did does it try again.
func (s *Session) CreateKey(ctx context.Context, description string) (*APIKey, error) {
	return s.creates.create(ctx, description)
}

// DeleteKey revokes a key and proves it: it returns nil only once a list of keys that started after
// the DELETE no longer holds the key (a key that was already gone included). Concurrent calls share
// those lists: N revocations in parallel cost N DELETEs and a few lists, not 2N calls.
//
// It sends DELETE /api/key/<value> without ?token=, as the public example does. When the server
// refuses that (401 or 403), or answers it (404 or 2xx) but still lists the key, it sends the DELETE
// once more with the session's token (logging in if need be), and every later delete of this Session
// goes with the token at once. A key still listed after that is a *RevocationError that matches
// ErrNotRevoked; a revocation that no list could prove, one that matches ErrRevocationUnconfirmed.
func (s *Session) DeleteKey(ctx context.Context, value string) error {
	if err := s.revokes.revoke(ctx, value); err != nil {
		return err
	}
	s.keys.remove(value)
	return nil
}
