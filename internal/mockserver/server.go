// Package mockserver is a stateful fake of the Circularo API calls the provider uses
// (login, MFA unlock, logout, API key list/create/delete). Tests run it through
// httptest; cmd/circularo-mock runs it for demos.
//
// State lives in maps behind one mutex. Tests inspect and change it through the
// exported methods, which bypass HTTP and the request counters.
package mockserver

import (
	"crypto/rand"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	mrand "math/rand/v2"
)

// Key is an API key. Value is the secret token itself, which the real API sends as "id".
type Key struct {
	Value       string
	Description string
	Created     time.Time
	LastUsed    *time.Time // nil: never used
	Type        string     // default "generic"
}

// User is an account that can log in and own keys.
type User struct {
	Name       string
	Password   string // empty: the user cannot log in (API keys still work)
	Tenant     string // default "default"
	Email      string
	TOTPSecret string // base32; empty means no MFA
	Keys       []Key
}

// Options configure a Server. The zero value is usable.
type Options struct {
	APIPath              string           // default "/api/v1"
	Now                  func() time.Time // default time.Now; used for created, lastUsed, session expiry and TOTP
	SessionTTL           time.Duration    // default 30*24h
	MaxDescriptionLength int              // default 255, counted in runes
	OmitNullLastUsed     bool             // leave "lastUsed" out of never-used keys instead of sending null
	ErrorShape           ErrorShape       // how error answers are worded; default ErrorShapeFlat
	// DeleteRequiresToken makes DELETE /api/key/<value> need a ?token= of the key's owner, which the
	// public example does not send: a token-less DELETE gets 401 and counts as
	// "delete_key_without_token". Without it, DELETE ignores any token, as the example suggests.
	DeleteRequiresToken bool
	// DeleteHidesKeysWithoutToken makes a DELETE /api/key/<value> without ?token= answer 404 and keep
	// the key, as an API that will not tell a stranger "not yours" from "not there"; it counts as
	// "delete_key_hidden". A DELETE with the owner's token revokes the key.
	DeleteHidesKeysWithoutToken bool
	// DeleteKeepsKeys makes every DELETE /api/key/<value> of an existing key answer 200 and keep the
	// key, as a broken server or a proxy that swallows the method would; it counts as "delete_key_kept".
	DeleteKeepsKeys bool
	// RejectReusedTOTP makes POST /login/unlock refuse a TOTP code of a time step that was already
	// accepted for the user, as RFC 6238 section 5.2 asks of a verifier: 401 "Verification code has
	// already been used", counted as "unlock_reused". Without it, a valid code unlocks any number of
	// sessions, as a lenient server does.
	RejectReusedTOTP bool
}

// Server is the fake Circularo API. It is an http.Handler.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu       sync.Mutex
	users    map[string]*User      // by name; User.Keys is unused here, keys live in s.keys
	keys     map[string]*storedKey // by Key.Value
	sessions map[string]*session   // by session token; logout deletes
	counts   map[string]int
	faults   Faults
	// totpSteps is the last TOTP time step accepted per user (RejectReusedTOTP).
	totpSteps map[string]int64
	rng       *mrand.Rand
}

type storedKey struct {
	Key
	owner string
}

type session struct {
	user     string
	expires  time.Time
	unlocked bool
	expired  bool // forced by ExpireSessions
}

// New returns a Server with no users.
func New(opts Options) *Server {
	if opts.APIPath == "" {
		opts.APIPath = "/api/v1"
	}
	// "/" means no prefix; the routes add their own leading slash.
	if p := strings.Trim(opts.APIPath, "/"); p != "" {
		opts.APIPath = "/" + p
	} else {
		opts.APIPath = ""
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.MaxDescriptionLength <= 0 {
		opts.MaxDescriptionLength = 255
	}
	shape, err := ParseErrorShape(string(opts.ErrorShape))
	if err != nil {
		panic("mockserver: " + err.Error()) // a test's typo; cmd/circularo-mock checks its flag first
	}
	opts.ErrorShape = shape
	s := &Server{
		opts:     opts,
		mux:      http.NewServeMux(),
		users:    map[string]*User{},
		keys:     map[string]*storedKey{},
		sessions: map[string]*session{},
		counts:   map[string]int{},

		totpSteps: map[string]int64{},
	}
	s.SetFaults(Faults{})
	s.routes()
	return s
}

// APIPath returns the normalized API path prefix ("" when the API is at the root).
func (s *Server) APIPath() string { return s.opts.APIPath }

// ServeHTTP counts every request under "total" and dispatches it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts["total"]++
	s.mu.Unlock()
	s.mux.ServeHTTP(w, r)
}

// AddUser adds u, or replaces the user of the same name. Keys and sessions the
// user already has are kept; u.Keys are added (see AddKey).
func (s *Server) AddUser(u User) {
	if u.Tenant == "" {
		u.Tenant = "default"
	}
	keys := u.Keys
	u.Keys = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Name] = &u
	for _, k := range keys {
		s.addKeyLocked(u.Name, k)
	}
}

// AddKey stores k for user (creating a password-less user if needed) and returns
// the stored key: Value generated if empty, Created defaulting to Now(), timestamps
// in UTC at second precision as the API reports them.
func (s *Server) AddKey(user string, k Key) Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[user] == nil {
		s.users[user] = &User{Name: user, Tenant: "default"}
	}
	return s.addKeyLocked(user, k)
}

func (s *Server) addKeyLocked(user string, k Key) Key {
	if k.Value == "" {
		k.Value = randomToken()
	}
	if k.Created.IsZero() {
		k.Created = s.opts.Now()
	}
	k.Created = apiTime(k.Created)
	k.LastUsed = copyTime(k.LastUsed)
	if k.Type == "" {
		k.Type = "generic"
	}
	s.keys[k.Value] = &storedKey{Key: k, owner: user}
	return cloneKey(k)
}

// Keys returns a copy of user's keys, sorted by Created then Value.
func (s *Server) Keys(user string) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keysOfLocked(user)
}

func (s *Server) keysOfLocked(user string) []Key {
	out := []Key{}
	for _, k := range s.keys {
		if k.owner == user {
			out = append(out, cloneKey(k.Key))
		}
	}
	slices.SortFunc(out, func(a, b Key) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// KeyExists reports whether the key value is stored (not revoked).
func (s *Server) KeyExists(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[value] != nil
}

// RevokeKey deletes a key out of band, as someone using the web UI would.
func (s *Server) RevokeKey(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys[value] == nil {
		return false
	}
	delete(s.keys, value)
	return true
}

// SetKeyDescription edits a key out of band (the API itself cannot), to test drift.
func (s *Server) SetKeyDescription(value, description string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[value]
	if k == nil {
		return false
	}
	k.Description = description
	return true
}

// SetKeyLastUsed sets (or with nil clears) a key's lastUsed.
func (s *Server) SetKeyLastUsed(value string, t *time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[value]
	if k == nil {
		return false
	}
	k.LastUsed = nil
	if t != nil {
		u := apiTime(*t)
		k.LastUsed = &u
	}
	return true
}

// Count returns how many requests hit route: a route name (login, whoami, unlock,
// logout, list_keys, create_key, delete_key, faulted calls included) or "total",
// "not_found", "logout_api_key" (refused logouts with an API key),
// "delete_key_without_token" (token-less DELETEs refused under Options.DeleteRequiresToken),
// "delete_key_hidden" and "delete_key_kept" (DELETEs answered without revoking under
// Options.DeleteHidesKeysWithoutToken and Options.DeleteKeepsKeys),
// "throttled" and "server_error" (injected 429 and 5xx answers, from rates or FailNext),
// "unlock_reused" (codes of an accepted time step refused under Options.RejectReusedTOTP).
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

// Counts returns a copy of all counters.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// ResetCounts sets every counter to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}

// OpenSessions counts sessions neither logged out nor expired, so tests can
// check that the provider logs out what it logs in.
func (s *Server) OpenSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	n := 0
	for _, sess := range s.sessions {
		if !sess.isExpired(now) {
			n++
		}
	}
	return n
}

// ExpireSessions makes every open session expired: its next use gets 401 token.expired.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		sess.expired = true
	}
}

func (sess *session) isExpired(now time.Time) bool {
	return sess.expired || !now.Before(sess.expires)
}

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomToken returns 64 random alphanumeric characters, the shape of real
// session tokens and key values.
func randomToken() string {
	out := make([]byte, 0, 64)
	buf := make([]byte, 64)
	for len(out) < 64 {
		rand.Read(buf) // never fails (Go 1.24+)
		for _, b := range buf {
			// Rejection sampling keeps the distribution uniform: 248 = 4*62.
			if b < 248 && len(out) < 64 {
				out = append(out, tokenAlphabet[b%62])
			}
		}
	}
	return string(out)
}

// apiTime is a timestamp as the API reports it: UTC, whole seconds.
func apiTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := apiTime(*t)
	return &u
}

func cloneKey(k Key) Key {
	k.LastUsed = copyTime(k.LastUsed)
	return k
}
