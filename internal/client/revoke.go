package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
)

// revoker revokes keys and proves each revocation: after the DELETE /api/key/<value> it lists the
// keys afresh, and only a key that the list no longer holds counts as revoked.
//
// Why a fresh list, and not the key's value tried as a ?token=: the list is the API's own record of
// the user's keys (what the next refresh reads), it costs one call per batch of concurrent
// revocations rather than one per key, and it never presents the key as a credential, which would
// itself count as a use of the key and, for a key that survived, succeed.
//
// The public example sends the DELETE with no ?token=, and the docs do not say whether a server
// accepts that. A server may refuse it (401/403), or hide a key from a caller without a session
// (404 for a key that exists, so that a stranger cannot tell "not yours" from "not there"), or
// answer 2xx and keep the key. In each case the revoker sends the DELETE again with the session's
// token, and remembers that form for the rest of the process: N revocations against such a server
// cost N+1 DELETEs, not 2N.
type revoker struct {
	client *Client
	auth   *authenticator
	keys   *keyList

	form  atomic.Int32  // one of the deleteForm constants
	probe chan struct{} // one slot: while the form is unknown, revocations go one at a time
}

// The forms of DELETE /api/key/<value>.
const (
	deleteFormUnknown  int32 = iota // no revocation has shown the form yet
	deleteWithoutToken              // the documented form revoked a key
	deleteWithToken                 // the documented form was refused, or did not revoke a key that exists
)

func newRevoker(c *Client, auth *authenticator, keys *keyList) *revoker {
	return &revoker{client: c, auth: auth, keys: keys, probe: make(chan struct{}, 1)}
}

// revoke revokes the key and proves it with a fresh list. It returns nil once the list no longer
// holds the key (a key that was already gone included), and a *RevocationError when the key
// survived every form of DELETE, or when no list could prove its end.
func (r *revoker) revoke(ctx context.Context, value string) error {
	probing, err := r.awaitForm(ctx)
	if err != nil {
		return err
	}
	if probing {
		defer func() { <-r.probe }()
	}
	rev := &RevocationError{Fingerprint: Fingerprint(value)}
	if r.form.Load() != deleteWithToken {
		deleteErr := r.client.deleteKey(ctx, "", value)
		rev.Tried = append(rev.Tried, "without a session token ("+answer(deleteErr)+")")
		switch {
		case refusedWithoutToken(deleteErr):
			r.preferWithToken(ctx, "the server refused DELETE /api/key without a session token ("+answer(deleteErr)+")")
		case deleteErr != nil && !errors.Is(deleteErr, ErrNotFound):
			return deleteErr // the server failed: there is nothing to prove
		default:
			gone, err := r.proveGone(ctx, value, rev)
			if err != nil {
				return err
			}
			if gone {
				if deleteErr == nil && probing {
					r.form.Store(deleteWithoutToken) // a 404 for a gone key shows no form
				}
				return nil
			}
			// Answered, and the key is still there: the server hid it (404) or kept it (2xx) from a
			// caller without a session.
			r.preferWithToken(ctx, "a key was still listed after a DELETE without a session token ("+answer(deleteErr)+")")
		}
	}
	err = r.auth.withToken(ctx, func(token string) error { return r.client.deleteKey(ctx, token, value) })
	rev.Tried = append(rev.Tried, "with the session's token ("+answer(err)+")")
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	gone, err := r.proveGone(ctx, value, rev)
	if err != nil {
		return err
	}
	if !gone {
		rev.Kind = ErrNotRevoked
		return rev
	}
	return nil
}

// awaitForm waits, while no revocation has shown the form yet, until this one may find it out:
// parallel revocations against a server that wants a token would otherwise each pay for a refused
// or ignored try. probing is true when this call holds the slot and must release it.
func (r *revoker) awaitForm(ctx context.Context) (probing bool, err error) {
	if r.form.Load() != deleteFormUnknown {
		return false, nil
	}
	select {
	case r.probe <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if r.form.Load() != deleteFormUnknown {
		<-r.probe // another revocation found the form while this one waited
		return false, nil
	}
	return true, nil
}

// proveGone lists the keys afresh and reports whether the key is gone. A list that fails makes the
// revocation unconfirmed (a *RevocationError); a key still listed gives its description to rev.
func (r *revoker) proveGone(ctx context.Context, value string, rev *RevocationError) (bool, error) {
	keys, err := r.keys.fresh(ctx)
	if err != nil {
		rev.Kind, rev.Cause = ErrRevocationUnconfirmed, err
		return false, rev
	}
	i := slices.IndexFunc(keys, func(k APIKey) bool { return k.Value == value })
	if i < 0 {
		return true, nil
	}
	rev.Description = keys[i].Description
	return false, nil
}

func (r *revoker) preferWithToken(ctx context.Context, why string) {
	if r.form.Swap(deleteWithToken) != deleteWithToken {
		r.client.log(ctx, "Deleting API keys with the session's token from now on", map[string]any{"reason": why})
	}
}

// answer describes how the server answered a DELETE, for a RevocationError. It holds no secret:
// client errors are redacted.
func answer(err error) string {
	var apiErr *APIError
	switch {
	case err == nil:
		return "answered with success"
	case errors.As(err, &apiErr) && apiErr.Cause == nil:
		return fmt.Sprintf("answered %d %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
	}
	return "failed: " + err.Error()
}

// refusedWithoutToken reports whether a delete sent without a token was refused for the lack of one.
func refusedWithoutToken(err error) bool {
	return (errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden)) && !errors.Is(err, ErrUnreadableAnswer)
}
