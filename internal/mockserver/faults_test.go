package mockserver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	statuses := []int{502, 503}
	f.srv.SetFaults(Faults{FailNext: map[string][]int{"list_keys": statuses, "create_key": {429}}})
	statuses[0] = 200 // SetFaults keeps its own copy

	expectStatus(t, f.call("GET", "/login", tok, nil), 200, "") // other routes unaffected
	for _, want := range []int{502, 503, 200, 200} {
		expectStatus(t, f.call("GET", "/api/key", tok, nil), want, "")
	}
	res := f.call("POST", "/api/key", tok, map[string]any{"description": "d"})
	expectStatus(t, res, 429, "")
	if res.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", res.header.Get("Retry-After"))
	}
	if len(f.srv.Keys("alice")) != 0 {
		t.Error("a faulted create still created a key")
	}
	expectStatus(t, f.call("POST", "/api/key", tok, map[string]any{"description": "d"}), 200, "")

	for k, want := range map[string]int{"list_keys": 4, "create_key": 2, "server_error": 2, "throttled": 1} {
		if got := f.srv.Count(k); got != want {
			t.Errorf("count %s = %d, want %d", k, got, want)
		}
	}
}

func TestRates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     Faults
		status     int
		retryAfter string
		counter    string
	}{
		{name: "throttle default retry", faults: Faults{ThrottleRate: 1}, status: 429, retryAfter: "1", counter: "throttled"},
		{name: "throttle custom retry", faults: Faults{ThrottleRate: 1, RetryAfterSeconds: 7}, status: 429, retryAfter: "7", counter: "throttled"},
		{name: "server error default", faults: Faults{ServerErrorRate: 1}, status: 503, counter: "server_error"},
		{name: "server error custom", faults: Faults{ServerErrorRate: 1, ServerErrorStatus: 500}, status: 500, counter: "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{})
			tok := f.login("alice", alicePass)
			f.srv.SetFaults(tt.faults)
			for range 3 {
				res := f.call("GET", "/api/key", tok, nil)
				expectStatus(t, res, tt.status, "")
				if res.header.Get("Retry-After") != tt.retryAfter {
					t.Errorf("Retry-After = %q, want %q", res.header.Get("Retry-After"), tt.retryAfter)
				}
			}
			if f.srv.Count(tt.counter) != 3 || f.srv.Count("list_keys") != 3 {
				t.Errorf("counts = %v", f.srv.Counts())
			}
			f.srv.SetFaults(Faults{})
			expectStatus(t, f.call("GET", "/api/key", tok, nil), 200, "")
		})
	}
}

func TestRatesAreDeterministic(t *testing.T) {
	t.Parallel()
	sequence := func() []int {
		f := setup(t, Options{})
		tok := f.login("alice", alicePass)
		f.srv.SetFaults(Faults{ThrottleRate: 0.3, ServerErrorRate: 0.3, Seed: 42})
		var out []int
		for range 40 {
			out = append(out, f.call("GET", "/api/key", tok, nil).status)
		}
		return out
	}
	a, b := sequence(), sequence()
	seen := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different sequences:\n%v\n%v", a, b)
		}
		seen[a[i]]++
	}
	if seen[200] == 0 || seen[429] == 0 || seen[503] == 0 {
		t.Errorf("expected a mix of 200, 429 and 503: %v", seen)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	f.srv.SetFaults(Faults{Latency: 100 * time.Millisecond})

	start := time.Now()
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 200, "")
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("request took %v, want >= 100ms", d)
	}

	// A client that gives up stops the request before it has any effect.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := f.try(ctx, "POST", "/api/key", tok, map[string]any{"description": "d"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	time.Sleep(150 * time.Millisecond) // past the latency: the handler would have run by now
	if len(f.srv.Keys("alice")) != 0 {
		t.Error("cancelled request still created a key")
	}
}

func TestDropCreateResponses(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	f.srv.SetFaults(Faults{DropCreateResponses: 1})

	_, err := f.try(context.Background(), "POST", "/api/key", tok, map[string]any{"description": "lost"})
	if err == nil {
		t.Fatal("dropped create returned a response")
	}
	keys := f.srv.Keys("alice")
	if len(keys) != 1 || keys[0].Description != "lost" {
		t.Fatalf("the key must exist although its response was lost: %+v", keys)
	}
	// Only N calls are dropped; other routes never are.
	expectStatus(t, f.call("POST", "/api/key", tok, map[string]any{"description": "ok"}), 200, "")
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 200, "")
	if f.srv.Count("create_key") != 2 || len(f.srv.Keys("alice")) != 2 {
		t.Errorf("counts %v keys %d", f.srv.Counts(), len(f.srv.Keys("alice")))
	}
}

func TestDropCreateResponsesNeedsValidRequest(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	f.srv.SetFaults(Faults{DropCreateResponses: 1})
	// A rejected create creates nothing, so there is nothing to lose: it answers normally.
	expectStatus(t, f.call("POST", "/api/key", tok, map[string]any{"description": ""}), 400, "apiKey.descriptionRequired")
	if _, err := f.try(context.Background(), "POST", "/api/key", tok, map[string]any{"description": "x"}); err == nil {
		t.Error("the pending drop was not applied to the next valid create")
	}
}

func TestOverride(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		resp        Response
		status      int
		contentType string
	}{
		{name: "html", resp: Response{Status: 200, ContentType: "text/html", Body: "<html>login</html>"}, status: 200, contentType: "text/html"},
		{name: "truncated json", resp: Response{ContentType: "application/json", Body: `{"results":[{"id":"ab`}, status: 200, contentType: "application/json"},
		{name: "wrong shape", resp: Response{Status: 200, ContentType: "application/json", Body: `{"items":"nope"}`}, status: 200, contentType: "application/json"},
		{name: "plain error", resp: Response{Status: 502, Body: "Bad Gateway"}, status: 502, contentType: "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{})
			tok := f.login("alice", alicePass)
			f.srv.SetFaults(Faults{Override: map[string]Response{"list_keys": tt.resp}})
			for range 2 { // overrides are not consumed
				res := f.call("GET", "/api/key", tok, nil)
				if res.status != tt.status || res.raw != tt.resp.Body || res.header.Get("Content-Type") != tt.contentType {
					t.Errorf("got %d %q %q", res.status, res.header.Get("Content-Type"), res.raw)
				}
			}
			expectStatus(t, f.call("GET", "/login", tok, nil), 200, "")
			if f.srv.Count("list_keys") != 2 {
				t.Errorf("counts = %v", f.srv.Counts())
			}
		})
	}
}

func TestFaultsDoNotBreakStatusCodes(t *testing.T) {
	t.Parallel()
	// FailNext wins over Override, so a test can fail one call before a fixed answer.
	f := setup(t, Options{})
	tok := f.login("alice", alicePass)
	f.srv.SetFaults(Faults{
		FailNext: map[string][]int{"list_keys": {http.StatusBadGateway}},
		Override: map[string]Response{"list_keys": {Status: 200, Body: "x"}},
	})
	expectStatus(t, f.call("GET", "/api/key", tok, nil), 502, "server.injectedFault")
	if res := f.call("GET", "/api/key", tok, nil); res.raw != "x" {
		t.Errorf("override after FailNext: %q", res.raw)
	}
}
