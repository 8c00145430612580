package client

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// excerptLimit keeps error messages short enough to read in a diagnostic.
const excerptLimit = 200

// longTokenPattern matches anything shaped like a token (Circularo tokens are 64 alphanumerics);
// 20 characters is short enough to catch truncated ones and long enough to leave prose alone.
var longTokenPattern = regexp.MustCompile(`[A-Za-z0-9_\-]{20,}`)

// excerpt returns a short, single-line, secret-free excerpt of a response body.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	s = longTokenPattern.ReplaceAllString(s, "[REDACTED]")
	if len(s) > excerptLimit {
		s = s[:excerptLimit] + "..."
	}
	return s
}

// redactURL returns the URL with the values of the token query parameter (and any user info) masked.
func redactURL(u *url.URL) string {
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
		redacted = redactURL(parsed)
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

// scrubbed masks token-shaped text in an error from decoding: encoding/json quotes the numbers it
// cannot store, and our own errors quote the values they reject.
type scrubbed struct{ err error }

func (s scrubbed) Error() string {
	return longTokenPattern.ReplaceAllString(s.err.Error(), "[REDACTED]")
}
func (s scrubbed) Unwrap() error { return s.err }
