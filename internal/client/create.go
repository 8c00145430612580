package client

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// creator creates keys without ever leaving a duplicate or an orphan behind. POST /api/key is
// never sent twice blindly: when a create fails in a way that the server may still have carried
// out, the creator lists the keys and adopts the one that appeared, and only when none did does it
// try again. Creates of one description run one at a time, so that a new key with that
// description can only be the one just created.
type creator struct {
	client *Client
	auth   *authenticator
	keys   *keyList
	budget retryBudget

	mu    sync.Mutex
	locks map[string]*sync.Mutex // one per description
}

func (cr *creator) create(ctx context.Context, description string) (*APIKey, error) {
	lock := cr.lock(description)
	lock.Lock()
	defer lock.Unlock()

	before, err := cr.keys.list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list keys before creating one: %w", err)
	}
	known := make(map[string]bool, len(before))
	for _, k := range before {
		known[k.Value] = true
	}
	maxAttempts := cr.budget.retries + 1
	for attempt := 1; ; attempt++ {
		var key *APIKey
		err := cr.auth.withToken(ctx, func(token string) error {
			var err error
			key, err = cr.client.createKey(ctx, token, description)
			return err
		})
		if err == nil {
			cr.keys.add(*key)
			return key, nil
		}
		if !maybeReachedServer(err) {
			return nil, err
		}
		adopted, lerr := cr.findCreated(ctx, known, description)
		switch {
		case lerr != nil:
			return nil, fmt.Errorf("%w; the key may have been created, and checking failed: %v; "+
				"look for a key described %q before trying again", err, lerr, description)
		case adopted != nil:
			cr.client.log(ctx, "Adopted the API key that a failed create made on the server", map[string]any{
				"fingerprint": adopted.Fingerprint(), "attempt": attempt,
			})
			cr.keys.add(*adopted)
			return adopted, nil
		case !retryableFailure(err):
			return nil, fmt.Errorf("%w (no key was created)", err)
		case attempt >= maxAttempts:
			return nil, fmt.Errorf("%w (no key was created; gave up after %d attempts)", err, attempt)
		}
		// The server did not create it: trying again cannot duplicate it.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(cr.budget.wait(attempt - 1)):
		}
	}
}

func (cr *creator) lock(description string) *sync.Mutex {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.locks == nil {
		cr.locks = map[string]*sync.Mutex{}
	}
	lock, ok := cr.locks[description]
	if !ok {
		lock = &sync.Mutex{}
		cr.locks[description] = lock
	}
	return lock
}

// findCreated lists keys afresh and returns the one key with the description that was not there before.
func (cr *creator) findCreated(ctx context.Context, known map[string]bool, description string) (*APIKey, error) {
	keys, err := cr.keys.fetch(ctx)
	if err != nil {
		return nil, err
	}
	var found []APIKey
	for _, k := range keys {
		if !known[k.Value] && k.Description == description {
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
