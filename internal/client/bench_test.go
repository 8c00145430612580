package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
)

// benchKeyCount is the size of the list in the benchmarks: twice the largest benchmark plan.
const benchKeyCount = 10_000

// cannedListBody is a GET /api/key answer with n keys, shaped like the real API's: half of them
// never used (null lastUsed).
func cannedListBody(tb testing.TB, n int) []byte {
	tb.Helper()
	created := time.Date(2023, 1, 15, 10, 30, 45, 0, time.UTC)
	results := make([]map[string]any, n)
	for i := range results {
		var lastUsed any
		if i%2 == 0 {
			lastUsed = created.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		}
		results[i] = map[string]any{
			"id":          fmt.Sprintf("%064d", i),
			"description": fmt.Sprintf("integration %d", i),
			"created":     created.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"lastUsed":    lastUsed,
			"apiKeyType":  "generic",
		}
	}
	body, err := json.Marshal(map[string]any{"results": results})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// listServer answers every request with body, as GET /api/key would.
func listServer(tb testing.TB, body []byte) *client.Client {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	c := client.New(client.Config{BaseURL: mustParseBaseURL(tb, srv.URL)})
	return c
}

// BenchmarkListKeysDecode measures one list call at 10,000 keys: the HTTP round trip on the loopback
// and the decoding into APIKeys, which is what a refresh pays once per provider process.
func BenchmarkListKeysDecode(b *testing.B) {
	body := cannedListBody(b, benchKeyCount)
	c := listServer(b, body)
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		keys, err := c.ListKeys(ctx, "bench-token")
		if err != nil {
			b.Fatal(err)
		}
		if len(keys) != benchKeyCount {
			b.Fatalf("decoded %d keys, want %d", len(keys), benchKeyCount)
		}
	}
}

// BenchmarkSessionListKeysCached measures what every resource's Read pays after the first list:
// a copy of the cached list.
func BenchmarkSessionListKeysCached(b *testing.B) {
	c := listServer(b, cannedListBody(b, benchKeyCount))
	s := client.NewSession(c, client.Credentials{Token: "bench-token"}, nil)
	ctx := context.Background()
	if _, err := s.ListKeys(ctx); err != nil { // fills the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		keys, err := s.ListKeys(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(keys) != benchKeyCount {
			b.Fatalf("got %d keys, want %d", len(keys), benchKeyCount)
		}
	}
}
