package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
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
)

// APIError is any answer the client could not use: an error status, or a body it could not decode.
// It never holds a secret: the URL is redacted and the body excerpt has long tokens masked.
type APIError struct {
	Method     string
	URL        string // redacted
	StatusCode int
	Code       string // the server's error code, when the body had one
	Message    string // the server's error message, when the body had one
	Excerpt    string // a short, redacted excerpt of the body when it carried no message
	Cause      error  // decoding error, when the status was fine but the body was not
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	if e.Cause != nil {
		fmt.Fprintf(&b, "unreadable answer (HTTP %d): %v", e.StatusCode, e.Cause)
	} else {
		fmt.Fprintf(&b, "HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	switch {
	case e.Message != "" && e.Code != "":
		fmt.Fprintf(&b, ": %s (%s)", e.Message, e.Code)
	case e.Message != "":
		fmt.Fprintf(&b, ": %s", e.Message)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
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
		return e.Code == "token.locked" || strings.EqualFold(e.Message, "Access token is locked")
	}
	return false
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
