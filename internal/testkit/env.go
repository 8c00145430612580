package testkit

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

// The user every test logs in as, unless it says otherwise.
const (
	User     = "alice"
	Password = "alice-password-1"
)

// Env is one mock Circularo server, started for one test and stopped when it ends, and the
// environment that the provider under test sees instead of the process's.
type Env struct {
	Mock *mockserver.Server
	URL  string
	Now  func() time.Time // the provider's clock: the mock's, when WithClock is given
	// TOTPStepDir is a directory of the test's own for the provider's TOTP step records, so that no
	// test writes into the user's cache directory or shares a record with another test.
	TOTPStepDir string

	mu          sync.Mutex
	providerEnv map[string]string
}

type settings struct {
	mock        mockserver.Options
	users       []mockserver.User
	wrap        func(http.Handler) http.Handler
	providerEnv map[string]string
	now         func() time.Time
}

// Option changes how New builds the environment.
type Option func(*settings)

// WithUsers adds users beside User.
func WithUsers(users ...mockserver.User) Option {
	return func(s *settings) { s.users = append(s.users, users...) }
}

// WithClock puts the provider and the mock on clock, so that created and last used times move with it.
func WithClock(clock *clock.Clock) Option {
	return func(s *settings) { s.mock.Now, s.now = clock.Now, clock.Now }
}

// WithMockOptions configures the mock (its Now is kept when WithClock is also given, in any order).
func WithMockOptions(opts mockserver.Options) Option {
	return func(s *settings) {
		now := s.mock.Now
		s.mock = opts
		if s.mock.Now == nil {
			s.mock.Now = now
		}
	}
}

// WithHandler serves the mock behind wrap, which may watch or alter traffic. wrap receives the
// *mockserver.Server itself.
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(s *settings) { s.wrap = wrap }
}

// WithProviderEnv sets variables (CIRCULARO_* and the like) in the provider's environment.
func WithProviderEnv(env map[string]string) Option {
	return func(s *settings) { maps.Copy(s.providerEnv, env) }
}

// New starts a mock server with User (and the options' users) and stops it when the test
// ends. The provider's environment starts empty: a developer's CIRCULARO_* variables cannot leak in,
// and nothing of the process is changed, so tests using it can run in parallel.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	s := settings{providerEnv: map[string]string{}, now: time.Now}
	for _, o := range opts {
		o(&s)
	}
	mock := mockserver.New(s.mock)
	mock.AddUser(mockserver.User{Name: User, Password: Password})
	for _, u := range s.users {
		mock.AddUser(u)
	}
	var handler http.Handler = mock
	if s.wrap != nil {
		handler = s.wrap(mock)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &Env{Mock: mock, URL: srv.URL, Now: s.now, TOTPStepDir: t.TempDir(), providerEnv: s.providerEnv}
}

// LookupEnv is the provider's environment lookup (os.LookupEnv in production).
func (e *Env) LookupEnv(name string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.providerEnv[name]
	return v, ok
}

// Setenv sets a variable of the provider's environment for the rest of t, as t.Setenv does for the
// process: when t ends, the variable is back to what it was.
func (e *Env) Setenv(t testing.TB, name, value string) {
	t.Helper()
	e.mu.Lock()
	old, had := e.providerEnv[name]
	e.providerEnv[name] = value
	e.mu.Unlock()
	t.Cleanup(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if had {
			e.providerEnv[name] = old
		} else {
			delete(e.providerEnv, name)
		}
	})
}

// LoginEnv sets the URL, username and password variables of the provider's environment to the mock
// and User; they take effect for providers configured afterwards (the next step).
func (e *Env) LoginEnv(urlVar, usernameVar, passwordVar string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.providerEnv[urlVar], e.providerEnv[usernameVar], e.providerEnv[passwordVar] = e.URL, User, Password
}

// ProviderBlock configures the provider for the mock with User, plus extra attributes.
func (e *Env) ProviderBlock(extra ...string) string {
	return fmt.Sprintf(`
provider "circularo" {
  url      = %q
  username = %q
  password = %q
  %s
}
`, e.URL, User, Password, strings.Join(extra, "\n  "))
}

// TokenProviderBlock configures the provider for the mock with an existing token only.
func (e *Env) TokenProviderBlock(token string) string {
	return fmt.Sprintf(`
provider "circularo" {
  url   = %q
  token = %q
}
`, e.URL, token)
}

// Key is a key created age ago by the environment's clock, last used at lastUsed (nil: never).
func (e *Env) Key(description string, age time.Duration, lastUsed *time.Time) mockserver.Key {
	return mockserver.Key{Description: description, Created: *e.Ago(age), LastUsed: lastUsed}
}

// Ago is the time d ago by the environment's clock (the fake one of WithClock, else the real one, which
// a provider built as its own process shares), in the API's form: UTC, whole seconds. A pointer, as
// a key's last use is.
func (e *Env) Ago(d time.Duration) *time.Time {
	t := e.Now().Add(-d).UTC().Truncate(time.Second)
	return &t
}
