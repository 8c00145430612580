package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

func keysDescribed(mock *mockserver.Server, description string) []mockserver.Key {
	var out []mockserver.Key
	for _, k := range mock.Keys(clientUser) {
		if k.Description == description {
			out = append(out, k)
		}
	}
	return out
}

func TestSessionCreateKey_adoptsTheKeyOfALostAnswer(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	// Keys with the same description that exist already must not be mistaken for the new one.
	before := mock.AddKey(clientUser, mockserver.Key{Description: "ci", Created: clock.Start().Add(-time.Hour)})
	s := newSession(t, url, password())
	mock.SetFaults(mockserver.Faults{DropCreateResponses: 1})

	key, err := s.CreateKey(context.Background(), "ci")
	if err != nil {
		t.Fatal(err)
	}
	keys := keysDescribed(mock, "ci")
	if len(keys) != 2 {
		t.Fatalf("%d keys described ci on the server, want the old one and one new: %+v", len(keys), keys)
	}
	if key.Value == before.Value || !mock.KeyExists(key.Value) {
		t.Errorf("adopted %s, want the new key on the server", key.Fingerprint())
	}
	wantRouteCount(t, mock, "create_key", 1)
	wantRouteCount(t, mock, "list_keys", 2) // before the create, and the check after it

	// The adopted key is in the Session's list without another call.
	listed, err := s.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(listed); n != 2 {
		t.Errorf("the session lists %d keys, want 2", n)
	}
	wantRouteCount(t, mock, "list_keys", 2)
}

func TestSessionCreateKey_concurrentLostAnswersNeverDuplicate(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	const creates = 4
	mock.SetFaults(mockserver.Faults{DropCreateResponses: creates})

	var wg sync.WaitGroup
	values := make([]string, creates)
	errs := make([]error, creates)
	for i := range creates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Same description: only the Session's bookkeeping tells the keys apart.
			key, err := s.CreateKey(context.Background(), "same")
			errs[i] = err
			if err == nil {
				values[i] = key.Value
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, value := range values {
		if seen[value] {
			t.Errorf("two creates returned the same key %s", client.Fingerprint(value))
		}
		seen[value] = true
		if !mock.KeyExists(value) {
			t.Errorf("returned key %s is not on the server", client.Fingerprint(value))
		}
	}
	wantKeyCount(t, mock, creates)
	wantRouteCount(t, mock, "create_key", creates)
}

func TestSessionCreateKey_retriesWhenTheServerDidNotCreate(t *testing.T) {
	t.Parallel()
	for _, status := range []int{502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{})
			s := newSession(t, url, password())
			// The mock's injected errors answer before creating anything.
			mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"create_key": {status, status}}})
			key, err := s.CreateKey(context.Background(), "after errors")
			if err != nil {
				t.Fatal(err)
			}
			keys := mock.Keys(clientUser)
			if len(keys) != 1 || keys[0].Value != key.Value {
				t.Fatalf("the server has %d keys, want exactly the one returned", len(keys))
			}
			wantRouteCount(t, mock, "create_key", 3)
			wantRouteCount(t, mock, "list_keys", 3) // before, and a check after each failure
		})
	}
}

func TestSessionCreateKey_givesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password(), func(cfg *client.Config) { cfg.MaxRetries = 2 })
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"create_key": {503, 503, 503, 503}}})
	_, err := s.CreateKey(context.Background(), "never")
	_ = wantAPIError(t, err, 503)
	if !strings.Contains(err.Error(), "no key was created; gave up after 3 attempts") {
		t.Errorf("error %q does not say that nothing was created", err)
	}
	wantRouteCount(t, mock, "create_key", 3)
	wantKeyCount(t, mock, 0)
}

// A 500 may follow a create the server carried out: the Session checks, but does not try again.
func TestSessionCreateKey_internalErrorIsCheckedNotRetried(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"create_key": {500}}})
	_, err := s.CreateKey(context.Background(), "never")
	_ = wantAPIError(t, err, 500)
	if !strings.Contains(err.Error(), "(no key was created)") {
		t.Errorf("error %q does not say that nothing was created", err)
	}
	wantRouteCount(t, mock, "create_key", 1)
	wantRouteCount(t, mock, "list_keys", 2)
}

func TestSessionCreateKey_throttlingIsRetried(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{}, retryAfter("0"))
	s := newSession(t, url, password())
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"create_key": {429, 429}}})
	if _, err := s.CreateKey(context.Background(), "throttled"); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "create_key", 3)
	wantRouteCount(t, mock, "list_keys", 1) // a 429 proves nothing was created: no check needed
	wantKeyCount(t, mock, 1)
}

func TestSessionCreateKey_failedCheckSaysWhatToLookFor(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	if _, err := s.ListKeys(context.Background()); err != nil { // fills the cache: the next list is the check
		t.Fatal(err)
	}
	mock.SetFaults(mockserver.Faults{DropCreateResponses: 1, FailNext: map[string][]int{"list_keys": {500}}})
	_, err := s.CreateKey(context.Background(), "unsure")
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), `the key may have been created`) || !strings.Contains(err.Error(), `look for a key described "unsure"`) {
		t.Errorf("error %q does not tell the user to look for the key", err)
	}
	wantRouteCount(t, mock, "create_key", 1)
	for _, k := range mock.Keys(clientUser) {
		if strings.Contains(err.Error(), k.Value) {
			t.Error("the error shows the key value")
		}
	}
}

func TestSessionDeleteKey_unknownKeyIsNotAnError(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	s := newSession(t, url, password())
	key := mock.AddKey(clientUser, mockserver.Key{Description: "gone"})
	if _, err := s.ListKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock.RevokeKey(key.Value)
	if err := s.DeleteKey(context.Background(), key.Value); err != nil {
		t.Fatalf("deleting a key that is already gone: %v", err)
	}
	wantRouteCount(t, mock, "delete_key", 1)
	listed, err := s.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 0 {
		t.Errorf("the session still lists %d keys", len(listed))
	}
	// Other failures are still errors.
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {500}}})
	if err := s.DeleteKey(context.Background(), strings.Repeat("z", 64)); err == nil {
		t.Error("a 500 on delete was swallowed")
	}
}
