package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// The client tests' one kit: setup starts a mock Circularo API, newAPIClient and newSession talk to
// it, and the rest checks what the mock saw. Every test gets a mock of its own, so tests that build
// their environment with setup share nothing and run in parallel.

// The accounts of every test's mock: a plain one, and one with MFA in tenant acme (a login that
// names no tenant is left to the host, so it need not be named).
const (
	clientUser        = "bob"
	clientPassword    = "bob-password-1"
	clientMFAUser     = "carol"
	clientMFAPassword = "carol-password-1"
	clientMFATenant   = "acme"
	clientMFASecret   = "JBSWY3DPEHPK3PXP"
	clientUserAgent   = "terraform-provider-circularo/1.2.3 terraform/1.11.4"
)

// fixedNow is the time of every mock and every Session in these tests, clock.Start(): far from the real
// time, so that a TOTP code computed from time.Now instead of the injected clock is rejected. Nothing
// here moves time: a fixed instant is all the clock they need.
func fixedNow() time.Time { return clock.Start() }

var tokenShape = regexp.MustCompile(`^[A-Za-z0-9]{64}$`)

// setup starts a mock with opts and the accounts above, served behind the wrappers (outermost
// first) until the test ends, and returns the mock and its URL.
func setup(t *testing.T, opts mockserver.Options, wrappers ...func(http.Handler) http.Handler) (*mockserver.Server, string) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	mock := mockserver.New(opts)
	mock.AddUser(mockserver.User{Name: clientUser, Password: clientPassword})
	mock.AddUser(mockserver.User{Name: clientMFAUser, Password: clientMFAPassword, Tenant: clientMFATenant, TOTPSecret: clientMFASecret})
	var h http.Handler = mock
	for _, wrap := range slices.Backward(wrappers) {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return mock, srv.URL
}

// newAPIClient returns a client that retries fast (waits of 1ms), changed by configure.
func newAPIClient(t *testing.T, url string, configure ...func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		BaseURL:        mustParseBaseURL(t, url),
		UserAgent:      clientUserAgent,
		RequestTimeout: 30 * time.Second,
		MaxRetries:     3,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   time.Millisecond,
	}
	for _, f := range configure {
		f(&cfg)
	}
	return client.New(cfg)
}

// mustParseBaseURL is client.ParseBaseURL for a URL the test knows to be good.
func mustParseBaseURL(tb testing.TB, raw string) *url.URL {
	tb.Helper()
	u, err := client.ParseBaseURL(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// newSession returns a Session with creds over newAPIClient(t, url, configure...), on clock.Start().
func newSession(t *testing.T, url string, creds client.Credentials, configure ...func(*client.Config)) *client.Session {
	t.Helper()
	return client.NewSession(newAPIClient(t, url, configure...), creds, fixedNow)
}

// openSession opens a session of s's account beside s's own and returns its token.
func openSession(t *testing.T, s *client.Session) string {
	t.Helper()
	token, err := s.OpenSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// password is the plain account's name and password.
func password() client.Credentials {
	return client.Credentials{Username: clientUser, Password: clientPassword}
}

// login logs the plain account in and returns the session token.
func login(t *testing.T, c *client.Client) string {
	t.Helper()
	res, err := c.Login(context.Background(), client.LoginRequest{Name: clientUser, Password: clientPassword})
	if err != nil {
		t.Fatal(err)
	}
	return res.Token
}

func wantRouteCount(t *testing.T, mock *mockserver.Server, route string, want int) {
	t.Helper()
	if got := mock.Count(route); got != want {
		t.Errorf("the mock counted %d %s calls, want %d (all counts: %v)", got, route, want, mock.Counts())
	}
}

// wantKeyCount checks how many keys the plain account has on the mock.
func wantKeyCount(t *testing.T, mock *mockserver.Server, want int) {
	t.Helper()
	if got := len(mock.Keys(clientUser)); got != want {
		t.Errorf("the mock holds %d keys of %s, want %d", got, clientUser, want)
	}
}

func wantAPIError(t *testing.T, err error, status int) *client.APIError {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v (%T), want an *APIError with status %d", err, err, status)
	}
	if apiErr.StatusCode != status {
		t.Fatalf("status %d, want %d: %v", apiErr.StatusCode, status, err)
	}
	return apiErr
}

// wantClosed closes s and checks that it left no session open on the server.
func wantClosed(t *testing.T, s *client.Session, mock *mockserver.Server) {
	t.Helper()
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := mock.OpenSessions(); n != 0 {
		t.Errorf("%d sessions are open after Close", n)
	}
}

// closedURL is a URL where nothing listens: connecting is refused at once.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// countingTransport counts the attempts that reach the network layer.
type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (c *countingTransport) attempts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// recordingLogger keeps every log entry as text.
type recordingLogger struct {
	mu      sync.Mutex
	entries []string
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, fmt.Sprintf("%s %v", msg, fields))
}

func (l *recordingLogger) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// retryAfter replaces the Retry-After header of every answer, so tests need not wait the mock's 1s.
func retryAfter(value string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&headerRewriter{ResponseWriter: w, name: "Retry-After", value: value}, r)
		})
	}
}

type headerRewriter struct {
	http.ResponseWriter
	name, value string
}

func (h *headerRewriter) WriteHeader(status int) {
	if h.Header().Get(h.name) != "" {
		h.Header().Set(h.name, h.value)
	}
	h.ResponseWriter.WriteHeader(status)
}

func (h *headerRewriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// requestLog records the method, path and headers of every request.
type requestLog struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.requests = append(l.requests, r.Clone(context.Background()))
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (l *requestLog) all() []*http.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.requests)
}
