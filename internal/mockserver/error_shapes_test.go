package mockserver

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestErrorShapes: every error answer (a handler's, an injected fault, an unknown route) takes the
// configured shape; raw overrides stay as given.
func TestErrorShapes(t *testing.T) {
	t.Parallel()
	wantBody := func(shape ErrorShape, status int, code, message string) any {
		flat := map[string]any{"code": code, "message": message}
		switch shape {
		case ErrorShapeJSONAPI:
			return map[string]any{"errors": []any{map[string]any{
				"status": strconv.Itoa(status), "code": code, "title": http.StatusText(status), "detail": message,
			}}}
		case ErrorShapeString:
			return map[string]any{"error": message}
		case ErrorShapeNested:
			return map[string]any{"error": flat}
		case ErrorShapeList:
			return map[string]any{"errors": []any{flat}}
		}
		return flat
	}
	for _, shape := range append(ErrorShapes(), "") {
		name := string(shape)
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{ErrorShape: shape})
			want := shape
			if want == "" {
				want = ErrorShapeFlat
			}
			tok := f.login("alice", alicePass)
			locked := f.login("mfa", "mfa-pw")
			for _, tt := range []struct {
				res           result
				status        int
				code, message string
			}{
				{f.call("POST", "/login", "", map[string]any{"name": "alice", "password": "nope"}), 401, "login.invalidCredentials", "Invalid name or password"},
				{f.call("POST", "/login", "", map[string]any{"name": "alice", "password": alicePass, "tenant": "acme"}), 401, "login.invalidTenant", "Unknown tenant"},
				{f.call("GET", "/api/key", locked, nil), 403, "token.locked", "Access token is locked"},
				{f.call("DELETE", "/api/key/"+strings.Repeat("z", 64), "", nil), 404, "apiKey.notFound", "API key not found"},
				{f.call("GET", "/nope", "", nil), 404, "route.notFound", "Unknown API route"},
			} {
				var got any
				if err := json.Unmarshal([]byte(tt.res.raw), &got); err != nil || tt.res.status != tt.status ||
					tt.res.header.Get("Content-Type") != "application/json" {
					t.Fatalf("got %d %q %s, want a JSON %d", tt.res.status, tt.res.header.Get("Content-Type"), tt.res.raw, tt.status)
				}
				if w := wantBody(want, tt.status, tt.code, tt.message); !reflect.DeepEqual(got, w) {
					t.Errorf("%d answer %s, want %v", tt.status, tt.res.raw, w)
				}
			}
			f.srv.SetFaults(Faults{FailNext: map[string][]int{"list_keys": {503, 429}}})
			for _, status := range []int{503, 429} {
				res := f.call("GET", "/api/key", tok, nil)
				if res.status != status || (want != ErrorShapeString && !strings.Contains(res.raw, "server.")) ||
					(status == 429 && res.header.Get("Retry-After") == "") {
					t.Errorf("injected %d: %d %v %s", status, res.status, res.header, res.raw)
				}
			}
			f.srv.SetFaults(Faults{Override: map[string]Response{"list_keys": {Status: 401, ContentType: "application/json", Body: `{"x":1}`}}})
			if res := f.call("GET", "/api/key", tok, nil); res.raw != `{"x":1}` {
				t.Errorf("an override was reshaped: %s", res.raw)
			}
		})
	}
}

func TestParseErrorShape(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "flat", "string", "nested", "list"} {
		if _, err := ParseErrorShape(name); err != nil {
			t.Errorf("ParseErrorShape(%q): %v", name, err)
		}
	}
	if _, err := ParseErrorShape("Nested"); err == nil || !strings.Contains(err.Error(), "flat, string, nested, list") {
		t.Errorf("ParseErrorShape(Nested): %v, want an error naming the shapes", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an unknown ErrorShape")
		}
	}()
	New(Options{ErrorShape: "xml"})
}

// TestDeleteRequiresToken: the switch refuses (and counts) token-less DELETEs, and takes the
// owner's session or API key; without it, DELETE needs no token.
func TestDeleteRequiresToken(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{DeleteRequiresToken: true})
	f.srv.AddUser(User{Name: "bob", Password: "bob-pw"})
	alice := f.login("alice", alicePass)
	bob := f.login("bob", "bob-pw")
	a1 := f.srv.AddKey("alice", Key{Description: "one"})
	a2 := f.srv.AddKey("alice", Key{Description: "two"})
	a3 := f.srv.AddKey("alice", Key{Description: "three"})

	expectStatus(t, f.call("DELETE", "/api/key/"+a1.Value, "", nil), 401, "token.missing")
	expectStatus(t, f.call("DELETE", "/api/key/"+strings.Repeat("z", 64), "", nil), 401, "token.missing")
	expectStatus(t, f.call("DELETE", "/api/key/"+a1.Value, "not-a-token", nil), 401, "token.invalid")
	expectStatus(t, f.call("DELETE", "/api/key/"+a1.Value, bob, nil), 404, "apiKey.notFound") // not bob's key
	if !f.srv.KeyExists(a1.Value) {
		t.Fatal("a refused DELETE revoked the key")
	}
	expectStatus(t, f.call("DELETE", "/api/key/"+a1.Value, alice, nil), 200, "")
	expectStatus(t, f.call("DELETE", "/api/key/"+a1.Value, alice, nil), 404, "apiKey.notFound")
	expectStatus(t, f.call("DELETE", "/api/key/"+a2.Value, a3.Value, nil), 200, "") // an API key of the owner
	if f.srv.KeyExists(a2.Value) || !f.srv.KeyExists(a3.Value) {
		t.Error("wrong keys revoked")
	}
	if got := f.srv.Count("delete_key_without_token"); got != 2 {
		t.Errorf("delete_key_without_token = %d, want 2", got)
	}
	if got := f.srv.Count("delete_key"); got != 7 {
		t.Errorf("delete_key = %d, want 7", got)
	}

	// The default is the public example's: no token needed, any token ignored, nothing counted.
	d := setup(t, Options{})
	k := d.srv.AddKey("alice", Key{Description: "k"})
	expectStatus(t, d.call("DELETE", "/api/key/"+k.Value, "", nil), http.StatusOK, "")
	if d.srv.Count("delete_key_without_token") != 0 {
		t.Errorf("counts = %v", d.srv.Counts())
	}
}
