package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// A server that answers 200 and keeps the key (a bug, or a proxy that swallows the method): the
// revocation is an error that names the key and what was tried, and the key stays in the shared list.
func TestSessionDeleteKey_serverThatKeepsKeys(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{DeleteKeepsKeys: true})
	s := newSession(t, url, password())
	first := mock.AddKey(clientUser, mockserver.Key{Description: "ci-deploy"})
	second := mock.AddKey(clientUser, mockserver.Key{Description: "old-report"})

	err := s.DeleteKey(context.Background(), first.Value)
	var rev *client.RevocationError
	if !errors.Is(err, client.ErrNotRevoked) || !errors.As(err, &rev) {
		t.Fatalf("got %v, want a *RevocationError that matches ErrNotRevoked", err)
	}
	if rev.Fingerprint != client.Fingerprint(first.Value) || rev.Description != "ci-deploy" {
		t.Errorf("the error names %q (%s), want the key's description and fingerprint", rev.Description, rev.Fingerprint)
	}
	for _, want := range []string{`"ci-deploy"`, client.Fingerprint(first.Value), "still listed",
		"without a session token (answered with success), then with the session's token (answered with success)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), first.Value) {
		t.Errorf("the error shows the key's value: %q", err)
	}
	if errors.Is(err, client.ErrRevocationUnconfirmed) {
		t.Errorf("a key proven alive matches ErrRevocationUnconfirmed: %v", err)
	}

	// The token form is kept: the next revocation tries it alone, and fails the same way.
	err = s.DeleteKey(context.Background(), second.Value)
	if !errors.As(err, &rev) || len(rev.Tried) != 1 || !strings.HasPrefix(rev.Tried[0], "with the session's token") {
		t.Errorf("second revocation: %v, want one DELETE with the token, not revoked", err)
	}
	wantRouteCount(t, mock, "delete_key", 3)
	wantRouteCount(t, mock, "delete_key_kept", 3)
	listed, err := s.ListKeys(context.Background())
	if err != nil || len(listed) != 2 || !mock.KeyExists(first.Value) || !mock.KeyExists(second.Value) {
		t.Errorf("after the failed revocations: %d keys listed (%v); both must still be listed and exist", len(listed), err)
	}
}

// A DELETE that was answered but that no list can prove is not a revocation: the error says so and
// wraps why the list failed; once the API answers again, the same call finishes (404, then proven).
func TestSessionDeleteKey_unprovenRevocation(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	key := mock.AddKey(clientUser, mockserver.Key{Description: "ci-deploy"})
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {http.StatusInternalServerError}}})

	err := s.DeleteKey(context.Background(), key.Value)
	if !errors.Is(err, client.ErrRevocationUnconfirmed) || !errors.Is(err, client.ErrServerError) || errors.Is(err, client.ErrNotRevoked) {
		t.Fatalf("got %v, want ErrRevocationUnconfirmed wrapping the list's server error", err)
	}
	if !strings.Contains(err.Error(), "answered DELETE /api/key/<key> without a session token (answered with success)") ||
		!strings.Contains(err.Error(), "GET /api/key") || strings.Contains(err.Error(), key.Value) {
		t.Errorf("error %q does not say what was answered and what failed, or shows the key", err)
	}
	if err := s.DeleteKey(context.Background(), key.Value); err != nil {
		t.Errorf("the same revocation again, with the API answering: %v", err)
	}
}

// Revocations in parallel (as terraform apply -parallelism=10 runs them) share their proofs: far
// fewer lists than keys.
func TestSessionDeleteKey_parallelRevocationsShareProofs(t *testing.T) {
	t.Parallel()
	const n, parallelism = 40, 10
	mock, url := setup(t, mockserver.Options{})
	mock.SetFaults(mockserver.Faults{Latency: 10 * time.Millisecond})
	s := newSession(t, url, password())
	keys := addKeys(mock, n)
	var g errgroup.Group
	g.SetLimit(parallelism)
	for _, k := range keys {
		g.Go(func() error { return s.DeleteKey(context.Background(), k.Value) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if left := len(mock.Keys(clientUser)); left != 0 {
		t.Fatalf("%d keys left", left)
	}
	wantRouteCount(t, mock, "delete_key", n)
	if lists := mock.Count("list_keys"); lists > n/2 {
		t.Errorf("%d lists proved %d revocations made %d at a time: concurrent revocations must share them", lists, n, parallelism)
	}
}

// A list that was under way before a DELETE was answered proves nothing about it: the revocation
// waits for a list that started afterwards. Here the list that proves the revocation of key A was
// answered before key B's DELETE; sharing it would find B still listed and send its DELETE again.
func TestSessionDeleteKey_onlyALaterListProves(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	held := make(chan struct{})
	deleted := make(chan struct{}, 4)
	var once sync.Once
	var holding bool
	var mu sync.Mutex
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				next.ServeHTTP(w, r)
				deleted <- struct{}{}
				return
			}
			mu.Lock()
			armed := holding && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/api/key")
			mu.Unlock()
			if !armed {
				next.ServeHTTP(w, r)
				return
			}
			first := false
			once.Do(func() { first = true })
			if !first {
				next.ServeHTTP(w, r)
				return
			}
			// The answer is taken now, and delivered only when the test says so.
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			close(held)
			<-hold
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
	mock, url := setup(t, mockserver.Options{}, wrap)
	s := newSession(t, url, password())
	keys := addKeys(mock, 3)
	// The first revocation finds the form, so that the next two run side by side.
	if err := s.DeleteKey(context.Background(), keys[0].Value); err != nil {
		t.Fatal(err)
	}
	<-deleted
	mu.Lock()
	holding = true
	mu.Unlock()

	errs := make(chan error, 2)
	go func() { errs <- s.DeleteKey(context.Background(), keys[1].Value) }()
	<-deleted
	<-held // the list that proves A is answered, B still in it
	go func() { errs <- s.DeleteKey(context.Background(), keys[2].Value) }()
	<-deleted
	// Give B's proof the time to join A's list if it would; without that the test proves less, but
	// never fails wrongly.
	time.Sleep(50 * time.Millisecond)
	close(hold)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a revocation proven by a list from before its DELETE: %v", err)
		}
	}
	// A stale proof would have found B still listed and sent its DELETE again, with the token.
	wantRouteCount(t, mock, "delete_key", 3)
}
