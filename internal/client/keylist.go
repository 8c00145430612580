package client

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/sync/singleflight"
)

// keyList is the one list of keys that every caller of a Session shares: concurrent readers wait
// for the same GET /api/key, later ones get the cached answer, and creates and deletes patch it,
// so that N resources refreshing cost one list call, not N.
type keyList struct {
	client *Client
	auth   *authenticator

	group   singleflight.Group
	mu      sync.Mutex
	cached  []APIKey // nil until the first list; patched by creates and deletes
	gen     uint64   // bumped by every mutation, so that a list that raced one is not cached
	started uint64   // lists started by fresh, numbered from 1
}

// list returns the cached list, or lists the keys once for every concurrent caller. The returned
// slice is shared: read it, never modify it.
func (l *keyList) list(ctx context.Context) ([]APIKey, error) {
	if keys := l.snapshot(); keys != nil {
		return keys, nil
	}
	v, err, _ := l.group.Do("list", func() (any, error) {
		// A caller that found no cache may get here just after another list finished and cached
		// its answer: use that answer rather than list again.
		if keys := l.snapshot(); keys != nil {
			return keys, nil
		}
		return l.fetch(ctx)
	})
	if err != nil {
		return nil, err
	}
	keys, _ := v.([]APIKey) // the only type the function above returns
	return keys, nil
}

// freshList is the answer of one list that fresh started: seq tells which.
type freshList struct {
	seq  uint64
	keys []APIKey
}

// fresh returns the keys as the server lists them in a call that starts after fresh is called,
// never from the cache: it proves that a DELETE answered before the call took effect. Concurrent
// callers share one list call, as long as it started after each of them called: N revocations in
// parallel cost a few list calls, not N. The returned slice is shared: read it, never modify it.
func (l *keyList) fresh(ctx context.Context) ([]APIKey, error) {
	l.mu.Lock()
	after := l.started
	l.mu.Unlock()
	// A list under way when this caller came may have been answered before its DELETE took
	// effect: wait for it, then share the next one (at most two rounds).
	for {
		v, err, _ := l.group.Do("fresh", func() (any, error) {
			l.mu.Lock()
			l.started++
			seq := l.started
			l.mu.Unlock()
			keys, err := l.fetch(ctx)
			return freshList{seq: seq, keys: keys}, err
		})
		if err != nil {
			return nil, err
		}
		if answer, _ := v.(freshList); answer.seq > after { // freshList is the only type returned above
			return answer.keys, nil
		}
	}
}

func (l *keyList) snapshot() []APIKey {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cached
}

// fetch lists the keys from the server, bypassing the cache, and caches the answer unless a
// create or delete happened while it was under way.
func (l *keyList) fetch(ctx context.Context) ([]APIKey, error) {
	l.mu.Lock()
	gen := l.gen
	l.mu.Unlock()
	var keys []APIKey
	err := l.auth.withToken(ctx, func(token string) error {
		var err error
		keys, err = l.client.listKeys(ctx, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	if keys == nil {
		keys = []APIKey{}
	}
	l.mu.Lock()
	if l.gen == gen {
		l.cached = keys
	}
	l.mu.Unlock()
	return keys, nil
}

// add records a key that now exists on the server, unless the list holds it already (a list
// that ran beside the create may have brought it).
func (l *keyList) add(key APIKey) {
	l.mutate(func(keys []APIKey) []APIKey {
		if slices.ContainsFunc(keys, func(k APIKey) bool { return k.Value == key.Value }) {
			return keys
		}
		return append(keys, key)
	})
}

// remove drops a key that no longer exists on the server.
func (l *keyList) remove(value string) {
	l.mutate(func(keys []APIKey) []APIKey {
		// A copy: readers may hold the old list.
		return slices.DeleteFunc(slices.Clone(keys), func(k APIKey) bool { return k.Value == value })
	})
}

// mutate replaces the cached list with fn's result. Readers may hold the list that fn gets:
// fn may append to it (readers never look past their length) but must not change its elements.
func (l *keyList) mutate(fn func([]APIKey) []APIKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	if l.cached != nil {
		l.cached = fn(l.cached)
	}
}
