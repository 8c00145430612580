package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is safe for the server's logging goroutines and the test at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// setup runs the command with args on a free port until the test ends, and returns its base URL
// (with API path), its stderr and a stop function that shuts it down and returns run's error.
func setup(t *testing.T, args ...string) (string, *lockedBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), outW, stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no ready line: %v; stderr: %s", err, stderr)
	}
	m := regexp.MustCompile(`^circularo-mock listening on (http://127\.0\.0\.1:\d+) \(api path (\S+)\)\n$`).FindStringSubmatch(line)
	if m == nil || strings.HasSuffix(m[1], ":0") {
		cancel()
		t.Fatalf("ready line %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }() // keep the pipe drained
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("server did not shut down")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return m[1] + strings.TrimSuffix(m[2], "/"), stderr, stop
}

// answer holds the fields these tests read from login and list_keys answers.
type answer struct {
	Token   string `json:"token"`
	Results []struct {
		Value string `json:"id"` // the key's secret value
	} `json:"results"`
}

// call sends a request that must succeed and decodes its answer.
func call(t *testing.T, method, u string, body string) answer {
	t.Helper()
	status, data := rawCall(t, method, u, body)
	var out answer
	if err := json.Unmarshal([]byte(data), &out); err != nil || status != 200 {
		t.Fatalf("%s: %d %v", method, status, err)
	}
	return out
}

func TestRunServesDefaultSeedAndRedactsLogs(t *testing.T) {
	t.Parallel()
	base, stderr, stop := setup(t)
	token := call(t, "POST", base+"/login", `{"name":"demo","password":"demo-password","returnToken":true}`).Token
	results := call(t, "GET", base+"/api/key?token="+url.QueryEscape(token), "").Results
	if len(results) != 6 {
		t.Fatalf("default seed has %d keys, want 6", len(results))
	}
	key := results[0].Value
	call(t, "GET", base+"/api/key?token="+key, "")
	call(t, "DELETE", base+"/api/key/"+key, "")
	call(t, "GET", base+"/logout?token="+token, "")
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	logs := stderr.String()
	for _, r := range results {
		if strings.Contains(logs, r.Value) {
			t.Error("a key value was logged")
		}
	}
	if strings.Contains(logs, token) || strings.Contains(logs, "demo-password") {
		t.Error("a secret was logged")
	}
	for _, want := range []string{"POST /api/v1/login 200", "GET /api/v1/api/key?token=REDACTED 200", "DELETE /api/v1/api/key/REDACTED 200"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

func TestRunSeedFileAndAPIPath(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"users":[{"name":"x","password":"y","keys":[{"description":"only"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, stop := setup(t, "-seed", seed, "-api-path", "/custom")
	if !strings.HasSuffix(base, "/custom") {
		t.Fatalf("base %s", base)
	}
	token := call(t, "POST", base+"/login", `{"name":"x","password":"y"}`).Token
	if n := len(call(t, "GET", base+"/api/key?token="+token, "").Results); n != 1 {
		t.Errorf("keys = %d, want 1", n)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// rawCall sends a request and returns the status and body, whatever the status.
func rawCall(t *testing.T, method, u string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

func TestRunErrorShapeAndDeleteRequiresToken(t *testing.T) {
	t.Parallel()
	base, _, stop := setup(t, "-error-shape", "nested", "-delete-requires-token")
	status, body := rawCall(t, "POST", base+"/login", `{"name":"demo","password":"wrong"}`)
	if status != 401 || body != `{"error":{"code":"login.invalidCredentials","message":"Invalid name or password"}}`+"\n" {
		t.Errorf("bad login: %d %s, want a nested 401", status, body)
	}
	token := call(t, "POST", base+"/login", `{"name":"demo","password":"demo-password"}`).Token
	key := call(t, "GET", base+"/api/key?token="+url.QueryEscape(token), "").Results[0].Value
	if status, body := rawCall(t, "DELETE", base+"/api/key/"+key, ""); status != 401 || !strings.Contains(body, "token.missing") {
		t.Errorf("DELETE without token: %d %s, want 401", status, body)
	}
	call(t, "DELETE", base+"/api/key/"+key+"?token="+url.QueryEscape(token), "")
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// Without the flags: flat errors, and DELETE needs no token.
	base, _, stop = setup(t)
	if status, body := rawCall(t, "POST", base+"/login", `{"name":"demo","password":"wrong"}`); status != 401 || !strings.HasPrefix(body, `{"code":`) {
		t.Errorf("bad login: %d %s, want a flat 401", status, body)
	}
	token = call(t, "POST", base+"/login", `{"name":"demo","password":"demo-password"}`).Token
	call(t, "DELETE", base+"/api/key/"+call(t, "GET", base+"/api/key?token="+url.QueryEscape(token), "").Results[0].Value, "")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"users":[{"nam":"x"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-nope"},
		{"-seed", filepath.Join(t.TempDir(), "missing.json")},
		{"-seed", bad},
		{"-listen", "127.0.0.1:notaport"},
		{"-error-shape", "xml"},
		{"extra"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/api/v1/api/key?token=SECRET":             "/api/v1/api/key?token=REDACTED",
		"/api/v1/login?returnToken=true&token=S":   "/api/v1/login?returnToken=true&token=REDACTED",
		"/api/v1/api/key/SECRET":                   "/api/v1/api/key/REDACTED",
		"/api/v1/api/key/SECRET/more?Token=SECRET": "/api/v1/api/key/REDACTED?Token=REDACTED",
		"/api/v1/logout?token=%zz":                 "/api/v1/logout?REDACTED",
		"/api/v1/login":                            "/api/v1/login",
	} {
		u, err := url.ParseRequestURI(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactURL(u); got != want {
			t.Errorf("redactURL(%s) = %s, want %s", in, got, want)
		}
	}
}

// The switches of the servers that answer a DELETE without revoking reach the server.
func TestRunDeleteSwitches(t *testing.T) {
	t.Parallel()
	base, _, stop := setup(t, "-delete-hides-keys-without-token", "-error-shape", "jsonapi")
	token := call(t, "POST", base+"/login", `{"name":"demo","password":"demo-password"}`).Token
	list := base + "/api/key?token=" + url.QueryEscape(token)
	key := call(t, "GET", list, "").Results[0].Value
	if status, body := rawCall(t, "DELETE", base+"/api/key/"+key, ""); status != 404 || !strings.Contains(body, `"title":"Not Found"`) {
		t.Errorf("DELETE without token: %d %s, want a JSON:API 404", status, body)
	}
	if got := call(t, "GET", list, "").Results[0].Value; got != key {
		t.Errorf("the hidden key is gone")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, _, stop = setup(t, "-delete-keeps-keys")
	token = call(t, "POST", base+"/login", `{"name":"demo","password":"demo-password"}`).Token
	list = base + "/api/key?token=" + url.QueryEscape(token)
	before := len(call(t, "GET", list, "").Results)
	call(t, "DELETE", base+"/api/key/"+call(t, "GET", list, "").Results[0].Value, "")
	if after := len(call(t, "GET", list, "").Results); after != before {
		t.Errorf("%d keys after a DELETE answered 200, want %d kept", after, before)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
