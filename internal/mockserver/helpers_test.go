package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// fixture is a server on httptest with a fake clock and two users.
type fixture struct {
	t     *testing.T
	srv   *Server
	clock *clock.Clock // starts at clock.Start()
	url   string       // base URL including the API path
}

const (
	totpSecret = "JBSWY3DPEHPK3PXP"
	alicePass  = "alice-pw"
)

// setup is the package's one test environment: a Server with opts on a clock of its own, users
// "alice" (password alicePass) and "mfa" (tenant acme, TOTP secret totpSecret), served over HTTP
// until the test ends.
func setup(t *testing.T, opts Options) *fixture {
	t.Helper()
	c := clock.New()
	opts.Now = c.Now
	srv := New(opts)
	srv.AddUser(User{Name: "alice", Password: alicePass, Email: "alice@example.com"})
	srv.AddUser(User{Name: "mfa", Password: "mfa-pw", Tenant: "acme", TOTPSecret: totpSecret})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &fixture{t: t, srv: srv, clock: c, url: hs.URL + srv.APIPath()}
}

type result struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (r result) str(field string) string { s, _ := r.body[field].(string); return s }

func (r result) code() string { return r.str("code") }

// keys returns the "results" of a list_keys answer.
func (r result) keys() []map[string]any {
	list, _ := r.body["results"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, item := range list {
		k, _ := item.(map[string]any)
		out = append(out, k)
	}
	return out
}

// call sends a request; token is added as ?token= when non-empty.
func (f *fixture) call(method, path, token string, body any) result {
	f.t.Helper()
	res, err := f.try(context.Background(), method, path, token, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

func (f *fixture) try(ctx context.Context, method, path, token string, body any) (result, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return result{}, err
		}
		rd = bytes.NewReader(data)
	}
	u := f.url + path
	if token != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u += sep + "token=" + token
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return result{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	res := result{status: resp.StatusCode, header: resp.Header, raw: string(data)}
	_ = json.Unmarshal(data, &res.body) // raw answers may not be JSON
	return res, nil
}

func (f *fixture) login(name, password string) string {
	f.t.Helper()
	res := f.call("POST", "/login", "", map[string]any{"name": name, "password": password, "returnToken": true})
	if res.status != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", name, res.status, res.raw)
	}
	return res.str("token")
}

func (f *fixture) unlock(token string, at time.Time) result {
	f.t.Helper()
	code := totpCode(f.t, at)
	return f.call("POST", "/login/unlock", token, map[string]any{
		"factors": []any{map[string]any{"factor": "totp", "password": code}},
	})
}

func expectStatus(t *testing.T, res result, status int, code string) {
	t.Helper()
	if res.status != status || (code != "" && res.code() != code) {
		t.Fatalf("got %d %s, want %d %s", res.status, res.raw, status, code)
	}
	if res.status >= 400 && (res.header.Get("Content-Type") != "application/json" || res.body["message"] == nil) {
		t.Fatalf("error is not a JSON {code,message}: %q %s", res.header.Get("Content-Type"), res.raw)
	}
}

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9]{64}$`)
