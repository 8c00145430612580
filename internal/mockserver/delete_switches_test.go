package mockserver

import (
	"net/http"
	"testing"
)

// The two servers that answer a DELETE without revoking: one hides keys from a caller without a
// session (404), one answers 200 and keeps every key. Both keep the key; the counters tell.
func TestDeleteSwitches(t *testing.T) {
	t.Parallel()
	t.Run("hides keys without a token", func(t *testing.T) {
		t.Parallel()
		f := setup(t, Options{DeleteHidesKeysWithoutToken: true})
		key := f.srv.AddKey("alice", Key{Description: "hidden"})
		if res := f.call(http.MethodDelete, "/api/key/"+key.Value, "", nil); res.status != http.StatusNotFound || !f.srv.KeyExists(key.Value) {
			t.Fatalf("token-less DELETE: %d %s, exists=%v; want 404 and the key kept", res.status, res.raw, f.srv.KeyExists(key.Value))
		}
		if n := f.srv.Count("delete_key_hidden"); n != 1 {
			t.Errorf("delete_key_hidden = %d, want 1", n)
		}
		if res := f.call(http.MethodDelete, "/api/key/"+key.Value, f.login("alice", alicePass), nil); res.status != http.StatusOK || f.srv.KeyExists(key.Value) {
			t.Errorf("DELETE with the owner's session: %d %s; want 200 and the key gone", res.status, res.raw)
		}
		// A key that is really gone is a 404 too, and is not counted as hidden.
		f.call(http.MethodDelete, "/api/key/"+key.Value, "", nil)
		if n := f.srv.Count("delete_key_hidden"); n != 1 {
			t.Errorf("delete_key_hidden = %d after a gone key, want 1", n)
		}
	})
	t.Run("keeps keys", func(t *testing.T) {
		t.Parallel()
		f := setup(t, Options{DeleteKeepsKeys: true})
		key := f.srv.AddKey("alice", Key{Description: "kept"})
		for _, token := range []string{"", f.login("alice", alicePass)} {
			if res := f.call(http.MethodDelete, "/api/key/"+key.Value, token, nil); res.status != http.StatusOK || !f.srv.KeyExists(key.Value) {
				t.Errorf("DELETE (token %v): %d %s, exists=%v; want 200 and the key kept", token != "", res.status, res.raw, f.srv.KeyExists(key.Value))
			}
		}
		if n := f.srv.Count("delete_key_kept"); n != 2 {
			t.Errorf("delete_key_kept = %d, want 2", n)
		}
		if res := f.call(http.MethodDelete, "/api/key/"+randomToken(), "", nil); res.status != http.StatusNotFound {
			t.Errorf("DELETE of an unknown key: %d, want 404", res.status)
		}
	})
}
