package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Sentinel errors, matched with errors.Is against an *APIError or a wrapped one.
var (
	// ErrNotFound: the server answered 404 (for a key: it is revoked or never existed).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the server rejected the credentials or token (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrLocked: the session exists but needs a second factor before it can be used.
	ErrLocked = errors.New("access token is locked")
	// ErrMFARequired: login succeeded but the account needs a second factor and no TOTP secret was given.
	ErrMFARequired = errors.New("the account requires multi-factor authentication")
	// ErrUnknownTenant: the server does not know the tenant that the login named.
	ErrUnknownTenant = errors.New("unknown tenant")
)

// ServerError is one error that the server reported in an error answer's body.
type ServerError struct {
	Code    string // redacted; "" when the server gave none
	Message string // redacted; "" when the server gave none
}

// String is how an error message shows it: "message (code)", or whichever of the two is there.
func (e ServerError) String() string {
	switch {
	case e.Message != "" && e.Code != "":
		return e.Message + " (" + e.Code + ")"
	case e.Message != "":
		return e.Message
	}
	return e.Code
}

// APIError is any answer the client could not use: an error status, or a body it could not decode.
// It never holds a secret: the URL is redacted and the body excerpt has long tokens masked.
type APIError struct {
	Method     string
	URL        string // redacted
	StatusCode int
	Code       string        // the server's error code, when the body had one
	Message    string        // the server's error message, when the body had one
	More       []ServerError // further errors of an {"errors": [...]} list, after the one in Code and Message
	Excerpt    string        // a short, redacted excerpt of the body when it carried no message
	Cause      error         // decoding error, when the status was fine but the body was not
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	if e.Cause != nil {
		fmt.Fprintf(&b, "unreadable answer (HTTP %d): %v", e.StatusCode, e.Cause)
	} else {
		fmt.Fprintf(&b, "HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	for i, se := range e.serverErrors() {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + se.String())
	}
	if e.Excerpt != "" {
		fmt.Fprintf(&b, "; body: %q", e.Excerpt)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Cause }

// Is maps statuses to the sentinel errors so that callers need not know status codes.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound && e.Cause == nil
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrLocked:
		return e.anyServerError(func(se ServerError) bool {
			return se.hasCode("token.locked") || strings.Contains(strings.ToLower(se.Message), "access token is locked")
		})
	case ErrUnknownTenant:
		// The code is the mock's and a guess at the real one; the phrases catch servers that send
		// only a message ({"error": "Unknown tenant"}).
		return e.anyServerError(func(se ServerError) bool {
			m := strings.ToLower(se.Message)
			return se.hasCode("login.invalidTenant") ||
				strings.Contains(m, "unknown tenant") || strings.Contains(m, "invalid tenant") || strings.Contains(m, "tenant not found")
		})
	}
	return false
}

// serverErrors returns every error the body reported, the one in Code and Message first.
func (e *APIError) serverErrors() []ServerError {
	var all []ServerError
	if e.Code != "" || e.Message != "" {
		all = append(all, ServerError{Code: e.Code, Message: e.Message})
	}
	return append(all, e.More...)
}

func (e *APIError) anyServerError(match func(ServerError) bool) bool {
	for _, se := range e.serverErrors() {
		if match(se) {
			return true
		}
	}
	return false
}

// hasCode compares the code, and the message too: a server that answers {"error": "token.locked"}
// puts its code where a message would be.
func (e ServerError) hasCode(code string) bool {
	return strings.EqualFold(e.Code, code) || strings.EqualFold(e.Message, code)
}

// maxServerErrors bounds how many errors of a list a diagnostic shows.
const maxServerErrors = 5

// parseServerErrors reads the error shapes that JSON APIs commonly answer with, since the public
// docs do not fix Circularo's:
//
//	{"code": "c", "message": "m"}                 flat
//	{"error": "m"}                                a string
//	{"error": {"code": "c", "message": "m"}}      nested
//	{"errors": [{"code": "c", "message": "m"}]}   a list (of objects or strings)
//
// Codes may be numbers. Anything else gives nil, and the caller shows a redacted excerpt instead.
// Every code and message is redacted and shortened with Excerpt.
func parseServerErrors(raw []byte) []ServerError {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil
	}
	var found []ServerError
	add := func(se ServerError) {
		se = ServerError{Code: Excerpt([]byte(se.Code)), Message: Excerpt([]byte(se.Message))}
		if (se.Code != "" || se.Message != "") && !slices.Contains(found, se) && len(found) < maxServerErrors {
			found = append(found, se)
		}
	}
	add(serverError(trimmed, 0))
	var list struct {
		Errors []json.RawMessage `json:"errors"`
	}
	_ = json.Unmarshal(trimmed, &list) // "errors" that is not a list adds nothing
	for _, entry := range list.Errors {
		add(serverError(entry, 1))
	}
	return found
}

// serverError reads one error: a string is a message; an object has code and message, or an
// "error" that is itself a string or such an object (read two levels deep at most).
func serverError(raw json.RawMessage, depth int) ServerError {
	if text, ok := jsonText(raw); ok {
		return ServerError{Message: text}
	}
	var obj struct {
		Code    json.RawMessage `json:"code"`
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ServerError{}
	}
	code, _ := jsonText(obj.Code)
	message, _ := jsonText(obj.Message)
	se := ServerError{Code: code, Message: message}
	if depth < 2 && len(obj.Error) > 0 {
		// {"error": "Unauthorized", "message": "Invalid name or password"}: the message says more.
		inner := serverError(obj.Error, depth+1)
		se.Code = firstNonEmpty(se.Code, inner.Code)
		se.Message = firstNonEmpty(se.Message, inner.Message)
	}
	return se
}

// jsonText returns a JSON string or number as text; false for anything else.
func jsonText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// excerptLimit keeps error messages short enough to read in a diagnostic.
const excerptLimit = 200

// longTokenPattern matches anything shaped like a token (Circularo tokens are 64 alphanumerics);
// 20 characters is short enough to catch truncated ones and long enough to leave prose alone.
var longTokenPattern = regexp.MustCompile(`[A-Za-z0-9_\-]{20,}`)

// Excerpt returns a short, single-line, secret-free excerpt of a response body.
func Excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	s = longTokenPattern.ReplaceAllString(s, "[REDACTED]")
	if len(s) > excerptLimit {
		s = s[:excerptLimit] + "..."
	}
	return s
}

// RedactURL returns the URL with the values of the token query parameter (and any user info) masked.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	r.User = nil
	q := r.Query()
	for name := range q {
		if isSecretParameter(name) {
			q[name] = []string{"REDACTED"}
		}
	}
	r.RawQuery = q.Encode()
	r.Path = redactKeyPath(r.Path)
	r.RawPath = ""
	return r.String()
}

func isSecretParameter(name string) bool {
	switch strings.ToLower(name) {
	case "token", "password", "apikey", "api_key":
		return true
	}
	return false
}

// redactKeyPath masks the key value in DELETE /api/key/<value>: the path itself carries the secret.
func redactKeyPath(path string) string {
	const marker = "/api/key/"
	i := strings.LastIndex(path, marker)
	if i < 0 || len(path) == i+len(marker) {
		return path
	}
	return path[:i+len(marker)] + "REDACTED"
}

// redactError strips secrets out of transport errors, which embed the full request URL.
func redactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	redacted := "(unparsable URL)"
	if parsed, perr := url.Parse(ue.URL); perr == nil {
		redacted = RedactURL(parsed)
	}
	if err == error(ue) {
		return &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err}
	}
	// Wrapped deeper: the outer messages repeat the URL, so redact the text.
	return &redactedError{text: strings.ReplaceAll(err.Error(), ue.URL, redacted), err: err}
}

// redactedError shows redacted text and still unwraps to the original, for errors.Is and errors.As.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
