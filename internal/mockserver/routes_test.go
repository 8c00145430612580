package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func totpCode(t *testing.T, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(totpSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     any
		status   int
		code     string
		tenant   string
		unlocked bool
	}{
		{name: "ok", body: map[string]any{"name": "alice", "password": alicePass, "returnToken": true}, status: 200, tenant: "default", unlocked: true},
		{name: "ok with matching tenant", body: map[string]any{"name": "alice", "password": alicePass, "tenant": "default"}, status: 200, tenant: "default", unlocked: true},
		{name: "mfa user starts locked", body: map[string]any{"name": "mfa", "password": "mfa-pw", "tenant": "acme"}, status: 200, tenant: "acme"},
		{name: "wrong password", body: map[string]any{"name": "alice", "password": "nope"}, status: 401, code: "login.invalidCredentials"},
		{name: "unknown user", body: map[string]any{"name": "bob", "password": alicePass}, status: 401, code: "login.invalidCredentials"},
		{name: "empty password", body: map[string]any{"name": "keyonly", "password": ""}, status: 401, code: "login.invalidCredentials"},
		{name: "other tenant", body: map[string]any{"name": "alice", "password": alicePass, "tenant": "acme"}, status: 401, code: "login.invalidTenant"},
		{name: "not json", body: "<xml/>", status: 400, code: "request.invalidBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{})
			f.srv.AddKey("keyonly", Key{Description: "user without password"})
			res := f.call("POST", "/login", "", tt.body)
			expectStatus(t, res, tt.status, tt.code)
			if tt.status != 200 {
				if f.srv.OpenSessions() != 0 {
					t.Error("failed login opened a session")
				}
				return
			}
			if res.body["logged"] != true || res.body["isUnlocked"] != tt.unlocked || res.body["tenant"] != tt.tenant {
				t.Errorf("unexpected body %s", res.raw)
			}
			if tok, _ := res.body["token"].(string); !tokenRE.MatchString(tok) {
				t.Errorf("token %q is not 64 alphanumerics", tok)
			}
			user, _ := res.body["user"].(map[string]any)
			if user["name"] == nil || user["email"] == nil || res.body["settings"] == nil || res.body["rights"] == nil {
				t.Errorf("login body lacks user/settings/rights: %s", res.raw)
			}
			if got := f.srv.OpenSessions(); got != 1 {
				t.Errorf("OpenSessions = %d, want 1", got)
			}
		})
	}
}

func TestWhoami(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{SessionTTL: time.Hour})
	session := f.login("alice", alicePass)
	locked := f.login("mfa", "mfa-pw")
	key := f.srv.AddKey("mfa", Key{Description: "k"})

	tests := []struct {
		name     string
		token    string
		status   int
		code     string
		user     string
		unlocked bool
	}{
		{name: "session", token: session, status: 200, user: "alice", unlocked: true},
		{name: "locked session is allowed", token: locked, status: 200, user: "mfa", unlocked: false},
		{name: "api key is always unlocked", token: key.Value, status: 200, user: "mfa", unlocked: true},
		{name: "unknown", token: strings.Repeat("x", 64), status: 401, code: "token.invalid"},
		{name: "missing", token: "", status: 401},
	}
	// The cases run in turn, not in parallel: they share the parent's server, whose f.call reports
	// to the parent's t.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.call("GET", "/login?returnToken=true", tt.token, nil)
			expectStatus(t, res, tt.status, tt.code)
			if tt.status != 200 {
				return
			}
			user, _ := res.body["user"].(map[string]any)
			if user["name"] != tt.user || res.body["isUnlocked"] != tt.unlocked || res.body["token"] != tt.token || res.body["logged"] != true {
				t.Errorf("unexpected body %s", res.raw)
			}
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{SessionTTL: time.Hour})
	tok := f.login("alice", alicePass)
	f.clock.Advance(59 * time.Minute)
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 200, "")
	f.clock.Advance(time.Minute)
	if n := f.srv.OpenSessions(); n != 0 {
		t.Errorf("OpenSessions = %d after TTL, want 0", n)
	}
	for _, route := range []struct{ method, path string }{{"GET", "/api/key"}, {"GET", "/login"}, {"GET", "/logout"}} {
		expectStatus(t, f.call(route.method, route.path, tok, nil), 401, "token.expired")
	}
}

func TestExpireSessions(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	a, b := f.login("alice", alicePass), f.login("alice", alicePass)
	key := f.srv.AddKey("alice", Key{Description: "k"})
	if n := f.srv.OpenSessions(); n != 2 {
		t.Fatalf("OpenSessions = %d, want 2", n)
	}
	f.srv.ExpireSessions()
	if n := f.srv.OpenSessions(); n != 0 {
		t.Errorf("OpenSessions = %d, want 0", n)
	}
	expectStatus(t, f.call("GET", "/api/key", a, nil), 401, "token.expired")
	expectStatus(t, f.call("GET", "/login", b, nil), 401, "token.expired")
	// API keys are not sessions and keep working.
	expectStatus(t, f.call("GET", "/api/key", key.Value, nil), 200, "")
	// A new login is unaffected.
	expectStatus(t, f.call("GET", "/api/key", f.login("alice", alicePass), nil), 200, "")
}

func TestMFA(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("mfa", "mfa-pw")

	// Locked: only whoami, unlock and logout get through.
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 403, "token.locked")
	expectStatus(t, f.call("POST", "/api/key", tok, map[string]any{"description": "x"}), 403, "token.locked")
	if len(f.srv.Keys("mfa")) != 0 {
		t.Fatal("locked session created a key")
	}

	wrong := f.call("POST", "/login/unlock", tok, map[string]any{"factors": []any{map[string]any{"factor": "totp", "password": "000000"}}})
	if totpCode(t, f.clock.Now()) != "000000" {
		expectStatus(t, wrong, 401, "login.invalidFactor")
	}
	// A code from two periods ago is outside the skew of 1.
	expectStatus(t, f.unlock(tok, f.clock.Now().Add(-60*time.Second)), 401, "login.invalidFactor")
	expectStatus(t, f.call("POST", "/login/unlock", tok, map[string]any{"factors": []any{}}), 401, "login.invalidFactor")
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 403, "token.locked")

	// The previous period is within the skew; the server's clock, not the wall clock, decides.
	res := f.unlock(tok, f.clock.Now().Add(-30*time.Second))
	expectStatus(t, res, 200, "")
	if res.body["isUnlocked"] != true || !strings.Contains(res.raw, `"unlocked":true`) || !strings.Contains(res.raw, `"factor":"totp"`) {
		t.Errorf("unexpected unlock body %s", res.raw)
	}
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 200, "")
	if who := f.call("GET", "/login", tok, nil); who.body["isUnlocked"] != true {
		t.Errorf("whoami after unlock: %s", who.raw)
	}

	// Each session is locked on its own.
	other := f.login("mfa", "mfa-pw")
	expectStatus(t, f.call("GET", "/api/key", other, nil), 403, "token.locked")
	expectStatus(t, f.call("GET", "/logout", other, nil), 200, "")

	// Users without MFA have nothing to unlock.
	plain := f.login("alice", alicePass)
	expectStatus(t, f.call("POST", "/login/unlock", plain, map[string]any{}), 200, "")
}

func TestListKeys(t *testing.T) {
	t.Parallel()
	for _, omit := range []bool{false, true} {
		t.Run(map[bool]string{false: "null lastUsed", true: "omitted lastUsed"}[omit], func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{OmitNullLastUsed: omit})
			now := f.clock.Now()
			used := now.Add(-time.Hour + 500*time.Millisecond)
			f.srv.AddKey("alice", Key{Value: "b-newer", Description: "newer", Created: now.Add(-time.Hour)})
			f.srv.AddKey("alice", Key{Value: "c-older", Description: "older", Created: now.Add(-48 * time.Hour), LastUsed: &used})
			f.srv.AddKey("alice", Key{Value: "a-newer", Description: "same time", Created: now.Add(-time.Hour)})
			f.srv.AddKey("mfa", Key{Value: "not-alice", Description: "other user"})

			res := f.call("GET", "/api/key", f.login("alice", alicePass), nil)
			expectStatus(t, res, 200, "")
			results := res.keys()
			var ids []string
			for _, k := range results {
				ids = append(ids, fmt.Sprint(k["id"]))
			}
			if got, want := strings.Join(ids, ","), "c-older,a-newer,b-newer"; got != want {
				t.Fatalf("ids = %s, want %s", got, want)
			}
			older := results[0]
			if older["created"] != "2025-02-27T12:00:00Z" || older["lastUsed"] != "2025-03-01T11:00:00Z" ||
				older["apiKeyType"] != "generic" || older["description"] != "older" {
				t.Errorf("unexpected key %v", older)
			}
			lastUsed, present := results[1]["lastUsed"]
			if present == omit || lastUsed != nil {
				t.Errorf("never-used key: lastUsed = %v (present %v), omit option %v", lastUsed, present, omit)
			}
		})
	}
}

func TestLastUsed(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	key := f.srv.AddKey("alice", Key{Description: "k"})
	other := f.srv.AddKey("alice", Key{Description: "untouched"})
	lastUsed := func(value string) *time.Time {
		for _, k := range f.srv.Keys("alice") {
			if k.Value == value {
				return k.LastUsed
			}
		}
		t.Fatalf("key %s gone", value)
		return nil
	}

	// A session use does not touch keys.
	expectStatus(t, f.call("GET", "/api/key", f.login("alice", alicePass), nil), 200, "")
	if lastUsed(key.Value) != nil {
		t.Fatal("lastUsed set without the key being used")
	}
	// A refused logout is not a successful use.
	expectStatus(t, f.call("GET", "/logout", key.Value, nil), 400, "logout.apiKey")
	if lastUsed(key.Value) != nil {
		t.Fatal("refused logout stamped lastUsed")
	}

	f.clock.Advance(90 * time.Minute)
	res := f.call("GET", "/api/key", key.Value, nil)
	expectStatus(t, res, 200, "")
	want := f.clock.Now()
	if got := lastUsed(key.Value); got == nil || !got.Equal(want) {
		t.Errorf("lastUsed = %v, want %v", got, want)
	}
	// The listing made with the key already shows this use.
	if !strings.Contains(res.raw, `"lastUsed":"2025-03-01T13:30:00Z"`) {
		t.Errorf("listing does not show the current use: %s", res.raw)
	}
	if lastUsed(other.Value) != nil {
		t.Error("another key was stamped")
	}
	f.clock.Advance(time.Minute)
	expectStatus(t, f.call("GET", "/login", key.Value, nil), 200, "")
	if got := lastUsed(key.Value); !got.Equal(f.clock.Now()) {
		t.Errorf("whoami with a key: lastUsed = %v", got)
	}
}

func TestCreateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        Options
		body        any
		status      int
		code        string
		message     string
		description string
	}{
		{name: "ok", body: map[string]any{"description": "ci"}, status: 200, description: "ci"},
		{name: "255 runes of 2 bytes", body: map[string]any{"description": strings.Repeat("é", 255)}, status: 200, description: strings.Repeat("é", 255)},
		{name: "empty", body: map[string]any{"description": ""}, status: 400, code: "apiKey.descriptionRequired"},
		{name: "missing", body: map[string]any{}, status: 400, code: "apiKey.descriptionRequired"},
		{name: "too long", body: map[string]any{"description": strings.Repeat("a", 256)}, status: 400, code: "apiKey.descriptionTooLong", message: "description must be at most 255 characters"},
		{name: "custom max", opts: Options{MaxDescriptionLength: 3}, body: map[string]any{"description": "abcd"}, status: 400, code: "apiKey.descriptionTooLong", message: "description must be at most 3 characters"},
		{name: "not json", body: "{", status: 400, code: "request.invalidBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tt.opts)
			res := f.call("POST", "/api/key", f.login("alice", alicePass), tt.body)
			expectStatus(t, res, tt.status, tt.code)
			if tt.message != "" && res.body["message"] != tt.message {
				t.Errorf("message = %v, want %q", res.body["message"], tt.message)
			}
			keys := f.srv.Keys("alice")
			if tt.status != 200 {
				if len(keys) != 0 {
					t.Errorf("rejected create stored %d keys", len(keys))
				}
				return
			}
			value, _ := res.body["id"].(string)
			if !tokenRE.MatchString(value) || res.body["description"] != tt.description || res.body["created"] != "2025-03-01T12:00:00Z" ||
				res.body["apiKeyType"] != "generic" || res.body["lastUsed"] != nil {
				t.Errorf("unexpected key %s", res.raw)
			}
			if len(keys) != 1 || keys[0].Value != value || !f.srv.KeyExists(value) {
				t.Errorf("stored keys = %+v", keys)
			}
			// The new key works as a token.
			expectStatus(t, f.call("GET", "/api/key", value, nil), 200, "")
		})
	}
}

func TestDeleteKey(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	key := f.srv.AddKey("alice", Key{Description: "k"})
	keep := f.srv.AddKey("alice", Key{Description: "keep"})

	res := f.call("DELETE", "/api/key/"+key.Value, "", nil)
	expectStatus(t, res, 200, "")
	if res.raw != "{}\n" {
		t.Errorf("body = %q, want {}", res.raw)
	}
	if f.srv.KeyExists(key.Value) || !f.srv.KeyExists(keep.Value) {
		t.Error("wrong key deleted")
	}
	expectStatus(t, f.call("DELETE", "/api/key/"+key.Value, "", nil), 404, "apiKey.notFound")
	expectStatus(t, f.call("GET", "/api/key", key.Value, nil), 401, "token.invalid")
}

func TestLogout(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	f.login("alice", alicePass)
	key := f.srv.AddKey("alice", Key{Description: "k"})

	expectStatus(t, f.call("GET", "/logout", tok, nil), 200, "")
	if n := f.srv.OpenSessions(); n != 1 {
		t.Errorf("OpenSessions = %d, want 1", n)
	}
	expectStatus(t, f.call("GET", "/logout", tok, nil), 401, "token.invalid")
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 401, "token.invalid")
	expectStatus(t, f.call("GET", "/logout", "", nil), 401, "")

	expectStatus(t, f.call("GET", "/logout", key.Value, nil), 400, "logout.apiKey")
	if f.srv.Count("logout_api_key") != 1 || f.srv.Count("logout") != 4 {
		t.Errorf("counts = %v", f.srv.Counts())
	}
	if !f.srv.KeyExists(key.Value) {
		t.Error("logout with an API key revoked it")
	}
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	for _, r := range []struct{ method, url string }{
		{"GET", f.url + "/nope"},
		{"PUT", f.url + "/api/key"},                              // known path, wrong method
		{"DELETE", f.url + "/login"},                             // known path, wrong method
		{"GET", f.url + "/api/key/x/y"},                          // no such route
		{"GET", strings.TrimSuffix(f.url, "/api/v1") + "/login"}, // outside the API path
	} {
		req, _ := http.NewRequest(r.method, r.url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %s, want JSON 404", r.method, r.url, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if n := f.srv.Count("not_found"); n != 5 {
		t.Errorf("not_found = %d, want 5", n)
	}
}

func TestAPIPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{"": "/api/v1", "/custom/": "/custom", "custom": "/custom", "/": ""} {
		f := setup(t, Options{APIPath: path})
		if f.srv.APIPath() != want {
			t.Errorf("APIPath(%q) = %q, want %q", path, f.srv.APIPath(), want)
		}
		f.login("alice", alicePass) // f.url includes the path
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	f.call("POST", "/login", "", map[string]any{"name": "alice", "password": "bad"})
	f.call("GET", "/login", tok, nil)
	f.call("GET", "/api/key", tok, nil)
	created := f.call("POST", "/api/key", tok, map[string]any{"description": "d"})
	f.call("DELETE", "/api/key/"+created.str("id"), "", nil)
	f.call("POST", "/login/unlock", tok, map[string]any{})
	f.call("GET", "/logout", tok, nil)
	f.call("GET", "/nope", "", nil)

	want := map[string]int{"total": 9, "login": 2, "whoami": 1, "list_keys": 1, "create_key": 1, "delete_key": 1, "unlock": 1, "logout": 1, "not_found": 1}
	got := f.srv.Counts()
	for k, v := range want {
		if got[k] != v || f.srv.Count(k) != v {
			t.Errorf("count %s = %d, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
	got["total"] = 100 // a copy
	f.srv.ResetCounts()
	if f.srv.Count("total") != 0 || len(f.srv.Counts()) != 0 {
		t.Errorf("after reset: %v", f.srv.Counts())
	}
}

func TestStoreMethods(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	s := f.srv
	used := time.Date(2025, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))
	s.AddUser(User{Name: "u", Password: "p", Keys: []Key{{Value: "k1", Description: "one", LastUsed: &used}, {Description: "two"}}})

	keys := s.Keys("u")
	if len(keys) != 2 {
		t.Fatalf("keys = %+v", keys)
	}
	for _, k := range keys {
		if k.Type != "generic" || !k.Created.Equal(f.clock.Now()) || k.Created.Location() != time.UTC {
			t.Errorf("defaults not applied: %+v", k)
		}
		if k.Value != "k1" && !tokenRE.MatchString(k.Value) {
			t.Errorf("generated value %q", k.Value)
		}
	}
	k1 := keys[0]
	if k1.Value != "k1" {
		k1 = keys[1]
	}
	if want := time.Date(2025, 1, 2, 2, 4, 5, 0, time.UTC); !k1.LastUsed.Equal(want) || k1.LastUsed.Location() != time.UTC {
		t.Errorf("LastUsed = %v, want %v in UTC", k1.LastUsed, want)
	}
	stored := *k1.LastUsed
	*k1.LastUsed = time.Time{} // Keys returns copies
	for _, k := range s.Keys("u") {
		if k.Value == "k1" && !k.LastUsed.Equal(stored) {
			t.Error("mutating a returned key changed the store")
		}
	}

	// Replacing a user keeps its keys.
	s.AddUser(User{Name: "u", Password: "new"})
	if len(s.Keys("u")) != 2 {
		t.Error("AddUser dropped existing keys")
	}

	if !s.SetKeyDescription("k1", "edited") || s.SetKeyDescription("nope", "x") {
		t.Error("SetKeyDescription result")
	}
	when := f.clock.Now().Add(-time.Hour)
	if !s.SetKeyLastUsed("k1", &when) || s.SetKeyLastUsed("nope", nil) {
		t.Error("SetKeyLastUsed result")
	}
	for _, k := range s.Keys("u") {
		if k.Value == "k1" && (k.Description != "edited" || !k.LastUsed.Equal(when)) {
			t.Errorf("edits not stored: %+v", k)
		}
	}
	s.SetKeyLastUsed("k1", nil)
	if !s.KeyExists("k1") || !s.RevokeKey("k1") || s.RevokeKey("k1") || s.KeyExists("k1") {
		t.Error("RevokeKey/KeyExists")
	}
	if got := s.AddKey("new-user", Key{Description: "d"}); !s.KeyExists(got.Value) || len(s.Keys("new-user")) != 1 {
		t.Error("AddKey for a new user")
	}
	if s.Count("total") != 0 {
		t.Error("store methods must not count as requests")
	}
}
