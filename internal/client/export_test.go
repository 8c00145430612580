package client

import (
	"context"
	"net/http"
)

// What the client's own tests reach below the exported API: the endpoints that other packages use
// only through Session, their request and answer types, and the error classification of create.
// Below them, what only tests need: the whoami call (the cheapest authenticated call there is) and
// the Session's token and count of open sessions.

type (
	LoginRequest = loginRequest
	LoginResult  = loginResult
	Factor       = factor
	UnlockResult = unlockResult
)

var (
	MaybeReachedServer = maybeReachedServer
	RetryableFailure   = retryableFailure
)

func (c *Client) Login(ctx context.Context, r LoginRequest) (*LoginResult, error) {
	return c.login(ctx, r)
}

func (c *Client) Unlock(ctx context.Context, token string, factors ...Factor) (*UnlockResult, error) {
	return c.unlock(ctx, token, factors...)
}

func (c *Client) Logout(ctx context.Context, token string) error { return c.logout(ctx, token) }

func (c *Client) ListKeys(ctx context.Context, token string) ([]APIKey, error) {
	return c.listKeys(ctx, token)
}

func (c *Client) CreateKey(ctx context.Context, token, description string) (*APIKey, error) {
	return c.createKey(ctx, token, description)
}

func (c *Client) DeleteKey(ctx context.Context, token, value string) error {
	return c.deleteKey(ctx, token, value)
}

// WhoAmI returns the login-shaped answer for a token: GET /login?returnToken=true.
func (c *Client) WhoAmI(ctx context.Context, token string) (*LoginResult, error) {
	var out LoginResult
	if err := c.do(ctx, call{method: http.MethodGet, path: "/login", token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// WhoAmI checks the Session's credentials with Client.WhoAmI, renewing an expired session once as
// every call of a Session does.
func (s *Session) WhoAmI(ctx context.Context) (*LoginResult, error) {
	var res *LoginResult
	err := s.auth.withToken(ctx, func(token string) error {
		var err error
		res, err = s.auth.client.WhoAmI(ctx, token)
		return err
	})
	return res, err
}

// Token returns the token for API calls, logging in (and unlocking) on the first call only.
func (s *Session) Token(ctx context.Context) (string, error) { return s.auth.current(ctx) }

// OpenSessions counts the sessions that Close would log out.
func (s *Session) OpenSessions() int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return len(s.auth.opened)
}

// StepRecordName is the file name of an account's record of TOTP time steps.
var StepRecordName = stepRecordName
