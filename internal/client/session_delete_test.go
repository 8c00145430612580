package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

// deleteKeys revokes every key through s, from parallel goroutines when parallel is set (as
// Terraform's -parallelism does), and fails the test on any error.
func deleteKeys(t *testing.T, s *client.Session, keys []mockserver.Key, parallel bool) {
	t.Helper()
	errs := make(chan error, len(keys))
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		run := func() {
			defer wg.Done()
			errs <- s.DeleteKey(context.Background(), k.Value)
		}
		if parallel {
			go run()
		} else {
			run()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("DeleteKey: %v", err)
		}
	}
}

func addKeys(mock *mockserver.Server, n int) []mockserver.Key {
	keys := make([]mockserver.Key, n)
	for i := range keys {
		keys[i] = mock.AddKey(clientUser, mockserver.Key{Description: "stale"})
	}
	return keys
}

// deleteTokens returns, per DELETE the server received, whether it carried ?token=.
func deleteTokens(requests *requestLog) []bool {
	var out []bool
	for _, r := range requests.all() {
		if r.Method == http.MethodDelete {
			out = append(out, r.URL.Query().Get("token") != "")
		}
	}
	return out
}

// The documented form, without ?token=, is what a server that accepts it gets, every time: no
// second try. Each revocation is proven by one fresh list (sequential revocations share none), for
// which the session logs in once.
func TestSessionDeleteKey_documentedFormFirst(t *testing.T) {
	t.Parallel()
	var requests requestLog
	mock, url := setup(t, mockserver.Options{}, requests.wrap)
	s := newSession(t, url, password())
	keys := addKeys(mock, 5)
	deleteKeys(t, s, keys, false)
	wantRouteCount(t, mock, "delete_key", 5)
	wantRouteCount(t, mock, "list_keys", 5)
	wantRouteCount(t, mock, "login", 1)
	for i, withToken := range deleteTokens(&requests) {
		if withToken {
			t.Errorf("DELETE %d carried ?token=", i+1)
		}
	}
	wantKeyCount(t, mock, 0)
}

// Against a server that wants a session on DELETE (401), or that hides a key from a DELETE without
// one (404 while the key is still listed), the first revocation is repeated with the token and the
// others carry it at once: N revocations cost N+1 DELETEs, also when they run in parallel.
func TestSessionDeleteKey_serverThatWantsAToken(t *testing.T) {
	t.Parallel()
	const n = 8
	for _, server := range []struct {
		name    string
		opts    mockserver.Options
		counter string // the mock's count of token-less DELETEs that did not revoke
		reason  string // what the switch to the token form logs as its reason
	}{
		{"refuses", mockserver.Options{DeleteRequiresToken: true}, "delete_key_without_token", "refused DELETE /api/key without a session token"},
		{"hides keys", mockserver.Options{DeleteHidesKeysWithoutToken: true}, "delete_key_hidden", "still listed after a DELETE without a session token"},
	} {
		for _, parallel := range []bool{false, true} {
			t.Run(server.name+map[bool]string{false: ", sequential", true: ", parallel"}[parallel], func(t *testing.T) {
				t.Parallel()
				var requests requestLog
				mock, url := setup(t, server.opts, requests.wrap)
				if parallel {
					// Latency keeps the first DELETE in flight while the others arrive.
					mock.SetFaults(mockserver.Faults{Latency: 20 * time.Millisecond})
				}
				var logger recordingLogger
				s := newSession(t, url, password(), func(cfg *client.Config) { cfg.Logger = &logger })
				keys := addKeys(mock, n)
				deleteKeys(t, s, keys, parallel)

				wantKeyCount(t, mock, 0)
				wantRouteCount(t, mock, "delete_key", n+1)
				wantRouteCount(t, mock, server.counter, 1)
				wantRouteCount(t, mock, "login", 1)
				if lists := mock.Count("list_keys"); lists > n+1 {
					t.Errorf("%d lists to prove %d revocations, want at most one per revocation and one for the first", lists, n)
				}
				tokens := deleteTokens(&requests)
				if len(tokens) != n+1 || tokens[0] || slices.Contains(tokens[1:], false) {
					t.Errorf("DELETEs with ?token=: %v, want the documented form once, then the token every time", tokens)
				}
				if log := strings.Join(logger.all(), "\n"); !strings.Contains(log, "with the session's token from now on") ||
					!strings.Contains(log, server.reason) {
					t.Errorf("the switch to the token form is not logged with its reason %q: %q", server.reason, logger.all())
				}
				// The shared list of keys forgets the revoked ones, as with the documented form.
				listed, err := s.ListKeys(context.Background())
				if err != nil || len(listed) != 0 {
					t.Errorf("ListKeys after revoking: %d keys, %v", len(listed), err)
				}
				wantClosed(t, s, mock)
			})
		}
	}
}

// A 403 to the documented form is a refusal like a 401; the Session then remembers the form, and a
// key that is gone already (404) still counts as revoked with the token.
func TestSessionDeleteKey_forbiddenWithoutTokenAndGoneKeys(t *testing.T) {
	t.Parallel()
	var requests requestLog
	mock, url := setup(t, mockserver.Options{}, requests.wrap)
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {http.StatusForbidden}}})
	s := newSession(t, url, password())
	keys := addKeys(mock, 2)
	deleteKeys(t, s, keys, false)
	if err := s.DeleteKey(context.Background(), keys[0].Value); err != nil {
		t.Errorf("deleting a key that is gone: %v", err)
	}
	wantRouteCount(t, mock, "delete_key", 4) // 403, then three with the token
	if got := deleteTokens(&requests); len(got) != 4 || got[0] || !got[1] || !got[2] || !got[3] {
		t.Errorf("DELETEs with ?token=: %v, want [false true true true]", got)
	}
}

// A key gone already (404) to the documented form counts as revoked and leaves the form unknown.
func TestSessionDeleteKey_goneKeyWithoutToken(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{DeleteRequiresToken: true})
	s := newSession(t, url, password())
	// Under DeleteRequiresToken a token-less DELETE is refused before the key is looked up, so this
	// one 404 comes from a fault: a server that answers the documented form 404 for a gone key.
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {http.StatusNotFound}}})
	if err := s.DeleteKey(context.Background(), strings.Repeat("z", 64)); err != nil {
		t.Fatalf("a gone key: %v", err)
	}
	keys := addKeys(mock, 2)
	deleteKeys(t, s, keys, false)
	wantRouteCount(t, mock, "delete_key", 4) // the 404, then 401 and two with the token
	wantRouteCount(t, mock, "delete_key_without_token", 1)
}

// The token form is the session's: an expired one is renewed once, a given token is used as is,
// and a refusal with the token is an error, not a third try.
func TestSessionDeleteKey_tokenFormUsesTheSession(t *testing.T) {
	t.Parallel()
	t.Run("expired session", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{DeleteRequiresToken: true})
		s := newSession(t, url, password())
		keys := addKeys(mock, 2)
		deleteKeys(t, s, keys[:1], false)
		mock.ExpireSessions()
		deleteKeys(t, s, keys[1:], false)
		wantRouteCount(t, mock, "login", 2)
		wantRouteCount(t, mock, "delete_key", 4) // 401 without token, with token; 401 expired, renewed
	})
	t.Run("given token", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{DeleteRequiresToken: true})
		keys := addKeys(mock, 3)
		s := newSession(t, url, client.Credentials{Token: keys[0].Value})
		deleteKeys(t, s, keys[1:], false)
		wantRouteCount(t, mock, "delete_key", 3)
		wantRouteCount(t, mock, "login", 0)
		if !mock.KeyExists(keys[0].Value) || mock.KeyExists(keys[1].Value) || mock.KeyExists(keys[2].Value) {
			t.Error("the wrong keys were revoked")
		}
	})
	t.Run("refused with the token", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{})
		mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {401, 403}}})
		s := newSession(t, url, password())
		key := addKeys(mock, 1)[0]
		err := s.DeleteKey(context.Background(), key.Value)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
			t.Fatalf("got %v, want the 403 of the DELETE with the token", err)
		}
		wantRouteCount(t, mock, "delete_key", 2)
		if !mock.KeyExists(key.Value) {
			t.Error("the key was revoked")
		}
	})
}
