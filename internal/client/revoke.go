package client

import (
	"context"
	"errors"
	"sync/atomic"
)

// revoker sends DELETE /api/key/<value> in the form the server accepts. The public example sends
// no ?token=, and the docs do not say whether a server accepts that: the first answer tells, and
// the revoker remembers it, so that N revocations against a server that wants a token cost N+1
// calls, not 2N.
type revoker struct {
	client *Client
	auth   *authenticator

	form  atomic.Int32  // one of the deleteForm constants
	probe chan struct{} // one slot: while the form is unknown, deletes go one at a time
}

// The forms of DELETE /api/key/<value>.
const (
	deleteFormUnknown  int32 = iota // no delete has been answered yet (or only with 404 or errors)
	deleteWithoutToken              // the documented form worked
	deleteWithToken                 // the server refused the documented form with 401 or 403
)

func newRevoker(c *Client, auth *authenticator) *revoker {
	return &revoker{client: c, auth: auth, probe: make(chan struct{}, 1)}
}

// revoke sends the delete without a token until the server refuses that with 401 or 403, and
// with the session's token (logging in if need be) from then on. A 404 is returned as ErrNotFound.
func (r *revoker) revoke(ctx context.Context, value string) error {
	probing := false
	if r.form.Load() == deleteFormUnknown {
		// Until an answer shows the form, deletes go one at a time: parallel revocations against a
		// server that wants a token would otherwise each pay for a refused try.
		select {
		case r.probe <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if probing = r.form.Load() == deleteFormUnknown; !probing {
			<-r.probe // another delete found the form while this one waited
		}
	}
	if r.form.Load() != deleteWithToken {
		err := r.client.deleteKey(ctx, "", value)
		refused := refusedWithoutToken(err)
		switch {
		case err == nil && probing:
			r.form.Store(deleteWithoutToken)
		case refused:
			r.preferWithToken(ctx, err)
		}
		if probing {
			<-r.probe
		}
		if !refused {
			return err // done, gone already (404), or failed for another reason
		}
	}
	return r.auth.withToken(ctx, func(token string) error { return r.client.deleteKey(ctx, token, value) })
}

func (r *revoker) preferWithToken(ctx context.Context, refusal error) {
	if r.form.Swap(deleteWithToken) != deleteWithToken {
		var apiErr *APIError
		status := 0
		if errors.As(refusal, &apiErr) {
			status = apiErr.StatusCode
		}
		r.client.log(ctx, "The server refused DELETE /api/key without a session token; deleting keys with one from now on",
			map[string]any{"status": status})
	}
}

// refusedWithoutToken reports whether a delete sent without a token was refused for the lack of one.
func refusedWithoutToken(err error) bool {
	return (errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden)) && !errors.Is(err, ErrUnreadableAnswer)
}
