package client

import "context"

// What the client's own tests reach below the exported API: the endpoints that other packages use
// only through Session, their request and answer types, and the error classification of create.

type (
	LoginRequest = loginRequest
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
