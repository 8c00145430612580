package mockserver

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// reply is what a handler computes under the lock; the wrapper writes it after
// unlocking, so a slow client never holds up other requests.
type reply struct {
	status int
	body   any       // encoded as JSON
	raw    *Response // written verbatim instead of body (Faults.Override)
	header http.Header
	drop   bool // close the connection without answering (Faults.DropCreateResponses)
}

type handlerFunc func(r *http.Request, body []byte) reply

func (s *Server) routes() {
	s.handle("POST /login", "login", s.login)
	s.handle("GET /login", "whoami", s.whoami)
	s.handle("POST /login/unlock", "unlock", s.unlock)
	s.handle("GET /logout", "logout", s.logout)
	s.handle("GET /api/key", "list_keys", s.listKeys)
	s.handle("POST /api/key", "create_key", s.createKey)
	s.handle("DELETE /api/key/{value}", "delete_key", s.deleteKey)
	// The catch-all also takes wrong methods on known paths, so every miss is a JSON 404
	// rather than net/http's plain-text 404/405.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts["not_found"]++
		s.mu.Unlock()
		// The message does not echo the path: it may hold a key value.
		s.write(w, apiError(http.StatusNotFound, "route.notFound", "Unknown API route"))
	})
}

// handle registers h for "METHOD /path" under the API prefix, with counting and faults.
func (s *Server) handle(pattern, route string, h handlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" "+s.opts.APIPath+path, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[route]++
		s.mu.Unlock()
		// Read the body first: net/http only notices a client hanging up (and cancels
		// r.Context()) once the body has been consumed.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			s.write(w, apiError(http.StatusBadRequest, "request.invalidBody", "Cannot read request body"))
			return
		}
		if !s.delay(r) {
			return // client gave up during injected latency
		}
		s.mu.Lock()
		rep, faulted := s.injectFault(route)
		if !faulted {
			rep = h(r, body)
		}
		s.mu.Unlock()
		if rep.drop {
			dropConnection(w)
			return
		}
		s.write(w, rep)
	})
}

// login opens a session. Handlers below run with s.mu held.
func (s *Server) login(_ *http.Request, body []byte) reply {
	var req struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Tenant   string `json:"tenant"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return badBody()
	}
	u := s.users[req.Name]
	if u == nil || u.Password == "" || u.Password != req.Password {
		return apiError(http.StatusUnauthorized, "login.invalidCredentials", "Invalid name or password")
	}
	if req.Tenant != "" && req.Tenant != u.Tenant {
		return apiError(http.StatusUnauthorized, "login.invalidTenant", "Unknown tenant")
	}
	token := randomToken()
	sess := &session{
		user:     u.Name,
		expires:  s.opts.Now().Add(s.opts.SessionTTL),
		unlocked: u.TOTPSecret == "",
	}
	s.sessions[token] = sess
	return ok(loginBody(u, token, sess.unlocked))
}

func (s *Server) whoami(r *http.Request, _ []byte) reply {
	p, fail := s.authenticate(r, "whoami")
	if fail != nil {
		return *fail
	}
	return ok(loginBody(p.user, p.token, p.unlocked()))
}

func (s *Server) unlock(r *http.Request, body []byte) reply {
	p, fail := s.authenticate(r, "unlock")
	if fail != nil {
		return *fail
	}
	// Nothing to unlock: API keys and users without MFA are always unlocked.
	if p.sess == nil || p.user.TOTPSecret == "" {
		return ok(map[string]any{"isUnlocked": true, "factors": []any{}})
	}
	var req struct {
		Factors []struct {
			Factor   string `json:"factor"`
			Password string `json:"password"`
		} `json:"factors"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return badBody()
	}
	step, valid := int64(0), false
	for _, f := range req.Factors {
		if f.Factor == "totp" && !valid {
			step, valid = s.totpStepOf(f.Password, p.user.TOTPSecret)
		}
	}
	if !valid {
		return apiError(http.StatusUnauthorized, "login.invalidFactor", "Invalid verification code")
	}
	if s.opts.RejectReusedTOTP {
		// RFC 6238 section 5.2: once a code of a time step was accepted, no code of that step or an
		// earlier one is accepted again for the user.
		if last, used := s.totpSteps[p.user.Name]; used && step <= last {
			s.counts["unlock_reused"]++
			return apiError(http.StatusUnauthorized, "login.factorReused", "Verification code has already been used")
		}
		s.totpSteps[p.user.Name] = step
	}
	p.sess.unlocked = true
	return ok(map[string]any{
		"isUnlocked": true,
		"factors":    []any{map[string]any{"factor": "totp", "unlocked": true}},
	})
}

// totpStepOf returns the time step whose code code is, among the steps next to the mock's clock (one
// step of skew either way, for clocks that differ a little), and whether there is one.
func (s *Server) totpStepOf(code, secret string) (int64, bool) {
	const period = 30
	now := s.opts.Now().Unix() / period
	for _, step := range []int64{now, now - 1, now + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totp.ValidateOpts{
			Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func (s *Server) logout(r *http.Request, _ []byte) reply {
	// Checked before authenticate so a refused logout does not count as a key use.
	if t := r.URL.Query().Get("token"); t != "" && s.keys[t] != nil {
		s.counts["logout_api_key"]++
		return apiError(http.StatusBadRequest, "logout.apiKey", "API keys cannot be logged out; revoke them instead")
	}
	p, fail := s.authenticate(r, "logout")
	if fail != nil {
		return *fail
	}
	delete(s.sessions, p.token)
	return ok(map[string]any{})
}

func (s *Server) listKeys(r *http.Request, _ []byte) reply {
	p, fail := s.authenticate(r, "list_keys")
	if fail != nil {
		return *fail
	}
	results := []any{}
	for _, k := range s.keysOfLocked(p.user.Name) {
		results = append(results, s.keyJSON(k))
	}
	return ok(map[string]any{"results": results})
}

func (s *Server) createKey(r *http.Request, body []byte) reply {
	p, fail := s.authenticate(r, "create_key")
	if fail != nil {
		return *fail
	}
	var req struct {
		Description string `json:"description"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return badBody()
	}
	if req.Description == "" {
		return apiError(http.StatusBadRequest, "apiKey.descriptionRequired", "description is required")
	}
	if limit := s.opts.MaxDescriptionLength; utf8.RuneCountInString(req.Description) > limit {
		return apiError(http.StatusBadRequest, "apiKey.descriptionTooLong",
			fmt.Sprintf("description must be at most %d characters", limit))
	}
	k := s.addKeyLocked(p.user.Name, Key{Description: req.Description})
	if s.faults.DropCreateResponses > 0 {
		s.faults.DropCreateResponses--
		return reply{drop: true}
	}
	return ok(s.keyJSON(k))
}

func (s *Server) deleteKey(r *http.Request, _ []byte) reply {
	value := r.PathValue("value")
	if s.opts.DeleteRequiresToken {
		if r.URL.Query().Get("token") == "" {
			s.counts["delete_key_without_token"]++
		}
		p, fail := s.authenticate(r, "delete_key")
		if fail != nil {
			return *fail
		}
		if k := s.keys[value]; k != nil && k.owner != p.user.Name {
			// Each user sees only their own keys: another user's key is not there for this one.
			return apiError(http.StatusNotFound, "apiKey.notFound", "API key not found")
		}
	}
	if s.opts.DeleteHidesKeysWithoutToken && r.URL.Query().Get("token") == "" {
		if s.keys[value] != nil {
			s.counts["delete_key_hidden"]++
		}
		return apiError(http.StatusNotFound, "apiKey.notFound", "API key not found")
	}
	if s.keys[value] == nil {
		return apiError(http.StatusNotFound, "apiKey.notFound", "API key not found")
	}
	if s.opts.DeleteKeepsKeys {
		s.counts["delete_key_kept"]++
		return ok(map[string]any{})
	}
	delete(s.keys, value)
	return ok(map[string]any{})
}

// principal is who a token stands for: a session or an API key, never both.
type principal struct {
	token string
	user  *User
	sess  *session
}

func (p principal) unlocked() bool { return p.sess == nil || p.sess.unlocked }

// authenticate resolves ?token= for route. A locked MFA session only reaches
// whoami, unlock and logout. A successful API key use stamps its lastUsed.
func (s *Server) authenticate(r *http.Request, route string) (principal, *reply) {
	token := r.URL.Query().Get("token")
	if token == "" {
		return principal{}, ptr(apiError(http.StatusUnauthorized, "token.missing", "Access token is missing"))
	}
	now := s.opts.Now()
	if sess := s.sessions[token]; sess != nil {
		if sess.isExpired(now) {
			return principal{}, ptr(apiError(http.StatusUnauthorized, "token.expired", "Access token has expired"))
		}
		u := s.users[sess.user]
		if u == nil {
			return principal{}, ptr(apiError(http.StatusUnauthorized, "token.invalid", "Access token is invalid"))
		}
		if !sess.unlocked && route != "whoami" && route != "unlock" && route != "logout" {
			return principal{}, ptr(apiError(http.StatusForbidden, "token.locked", "Access token is locked"))
		}
		return principal{token: token, user: u, sess: sess}, nil
	}
	if k := s.keys[token]; k != nil && s.users[k.owner] != nil {
		t := apiTime(now)
		k.LastUsed = &t
		return principal{token: token, user: s.users[k.owner]}, nil
	}
	return principal{}, ptr(apiError(http.StatusUnauthorized, "token.invalid", "Access token is invalid"))
}

func loginBody(u *User, token string, unlocked bool) map[string]any {
	return map[string]any{
		"logged":     true,
		"isUnlocked": unlocked,
		"token":      token,
		"tenant":     u.Tenant,
		"user":       map[string]any{"name": u.Name, "email": u.Email},
		"settings":   map[string]any{},
		"rights":     []string{"apiKey.manage", "document.read"},
	}
}

func (s *Server) keyJSON(k Key) map[string]any {
	m := map[string]any{
		"id":          k.Value,
		"description": k.Description,
		"created":     k.Created.Format(time.RFC3339),
		"lastUsed":    nil,
		"apiKeyType":  k.Type,
	}
	if k.LastUsed != nil {
		m["lastUsed"] = k.LastUsed.Format(time.RFC3339)
	} else if s.opts.OmitNullLastUsed {
		delete(m, "lastUsed")
	}
	return m
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// apiError is an error answer; Server.write words it in the server's ErrorShape.
func apiError(status int, code, message string) reply {
	return reply{status: status, body: errorBody{status: status, code: code, message: message}}
}

func badBody() reply {
	return apiError(http.StatusBadRequest, "request.invalidBody", "Request body must be a JSON object")
}

func ptr[T any](v T) *T { return &v }

// write writes rep, wording an error answer in the server's ErrorShape. Raw answers (Faults.Override)
// stay as given.
func (s *Server) write(w http.ResponseWriter, rep reply) {
	if e, ok := rep.body.(errorBody); ok {
		rep.body = s.opts.ErrorShape.render(e)
	}
	writeReply(w, rep)
}

func writeReply(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	if rep.raw != nil {
		if rep.raw.ContentType != "" {
			w.Header().Set("Content-Type", rep.raw.ContentType)
		}
		status := rep.raw.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(rep.raw.Body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rep.raw.Body) // the client hung up; nothing to do
		return
	}
	data, err := json.Marshal(rep.body)
	if err != nil {
		// Only our own maps are encoded; failing here is a bug in this package.
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = w.Write(append(data, '\n'))
}
