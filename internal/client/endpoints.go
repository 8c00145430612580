package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// The API's endpoints, one method each, none exported: other packages go through Session,
// which adds the credentials, the shared key list and the safeguards around creates and deletes.

// login opens a session with name and password: POST /login.
func (c *Client) login(ctx context.Context, r loginRequest) (*loginResult, error) {
	r.ReturnToken = true
	var out loginResult
	// Retried like a read: a duplicate session after a lost answer is harmless and expires, while
	// failing a whole run on one 503 is not.
	if err := c.do(ctx, call{method: http.MethodPost, path: "/login", body: r, out: &out}); err != nil {
		return nil, err
	}
	if out.Token == "" {
		return nil, unreadableAnswer(http.MethodPost, c.redacted("/login"), http.StatusOK, nil,
			errors.New("the login answer holds no token"))
	}
	return &out, nil
}

// unlock sends second factors for a locked session: POST /login/unlock.
func (c *Client) unlock(ctx context.Context, token string, factors ...factor) (*unlockResult, error) {
	var out unlockResult
	err := c.do(ctx, call{method: http.MethodPost, path: "/login/unlock", token: token,
		body: map[string]any{"factors": factors}, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// logout ends a session: GET /logout. Never call it with an API key.
func (c *Client) logout(ctx context.Context, token string) error {
	return c.do(ctx, call{method: http.MethodGet, path: "/logout", token: token})
}

// listKeys returns every API key of the token's user: GET /api/key.
func (c *Client) listKeys(ctx context.Context, token string) ([]APIKey, error) {
	var out keyListJSON
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/key", token: token, out: &out}); err != nil {
		return nil, err
	}
	return out.toAPIKeys(c.redacted("/api/key"))
}

// createKey creates an API key: POST /api/key. It is never retried once it may have reached the
// server; Session.CreateKey recovers such failures without creating a duplicate.
func (c *Client) createKey(ctx context.Context, token, description string) (*APIKey, error) {
	var out apiKeyJSON
	err := c.do(ctx, call{method: http.MethodPost, path: "/api/key", token: token,
		body: map[string]string{"description": description}, out: &out, once: true})
	if err != nil {
		return nil, err
	}
	k, err := out.toAPIKey()
	if err != nil {
		return nil, unreadableAnswer(http.MethodPost, c.redacted("/api/key"), http.StatusOK, nil, scrubbed{err})
	}
	return &k, nil
}

// deleteKey revokes a key at once: DELETE /api/key/<value>. With an empty token it sends no
// ?token=, as the public example does; Session.DeleteKey picks the form the server wants. A 404 is
// returned as ErrNotFound.
func (c *Client) deleteKey(ctx context.Context, token, value string) error {
	if value == "" || strings.ContainsAny(value, "/?#%") {
		return errors.New("refusing to delete a key whose value is empty or not a plain token")
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "/api/key/" + value, token: token})
}
