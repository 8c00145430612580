package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Every error the client returns is one of the types below, or wraps one of the sentinels. Callers
// test kinds with errors.Is and errors.As; status codes and server error codes stay in this file.
// An *APIError matches the sentinels of its status and of the codes in its body (see APIError.Is).
var (
	// ErrNotFound is returned when the server answered 404: for a key, it is revoked or never existed.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized is returned when the server rejected the credentials or the token (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden is returned when the server refused the call (403): the account may be locked or
	// disabled, or lack the right. A locked session (ErrLocked) answers 403 too.
	ErrForbidden = errors.New("forbidden")
	// ErrThrottled is returned when the server still throttled the call (429) after the client's retries.
	ErrThrottled = errors.New("throttled")
	// ErrServerError is returned when the server failed (HTTP 5xx), gateway errors included.
	ErrServerError = errors.New("server error")
	// ErrGatewayError is returned when the API or a gateway in front of it was unavailable (502, 503
	// or 504) after the client's retries: the kind of server error that the client retries. It
	// matches ErrServerError too.
	ErrGatewayError = errors.New("gateway error")
	// ErrUnreadableAnswer is returned when the server answered with a success status but a body that
	// is not the API's (not JSON, or JSON of another shape): a web page or proxy rather than the API.
	ErrUnreadableAnswer = errors.New("unreadable answer")
	// ErrLocked is returned when the session exists but needs a second factor before it can be used.
	ErrLocked = errors.New("access token is locked")
	// ErrUnknownTenant is returned when the server does not know the tenant that the login named.
	ErrUnknownTenant = errors.New("unknown tenant")

	// ErrMFARequired is returned when the login succeeded but the account needs a second factor and
	// no TOTP secret was given.
	ErrMFARequired = errors.New("the account requires multi-factor authentication")
	// ErrUnlockFailed is returned when the login worked, but unlocking the session with the TOTP code did not.
	ErrUnlockFailed = errors.New("unlocking the session with a TOTP code failed")
	// ErrTOTPCodeReused is returned, as an *UnlockError, when the server refused TOTP codes as already
	// used (RFC 6238 section 5.2) and the provider gave up within its bound of time steps: other logins
	// of the account, on this machine or another, take the codes at the same time.
	ErrTOTPCodeReused = errors.New("the server refused the TOTP code as already used")
	// ErrTOTPCodeRejected is returned, as an *UnlockError, when the server refused the codes of two time
	// steps that no login of this machine had used: the code itself is wrong (the secret or the clock).
	ErrTOTPCodeRejected = errors.New("the server refused the TOTP codes of distinct time steps")
	// ErrAccountLocked is returned, as an *UnlockError, when the server refused the unlock itself (403
	// or 423) rather than the code: the account is locked or disabled, and more codes would not help.
	ErrAccountLocked = errors.New("the server refuses to unlock the account")
	// ErrGivenToken is returned when a new session is asked of a Session that has a token but no
	// username and password.
	ErrGivenToken = errors.New("a new session needs username and password, and only a token is configured")
	// ErrSessionRejected is returned when a call was rejected (401) with a session that was opened
	// for it just before.
	ErrSessionRejected = errors.New("the server rejected the session again right after a new login")

	// ErrNotRevoked is returned when the server answered every DELETE of a key but still lists the
	// key afterwards: the key was not revoked and still works. It comes as a *RevocationError.
	ErrNotRevoked = errors.New("the API key is still active after its revocation")
	// ErrRevocationUnconfirmed is returned when the server answered the DELETE of a key, but the list
	// of keys that would prove the key gone could not be read. It comes as a *RevocationError that
	// also wraps the list's error.
	ErrRevocationUnconfirmed = errors.New("the revocation of the API key could not be confirmed")
)

// AuthError is a failure to log in or unlock: the credentials, not the request, need attention.
// It wraps the *APIError or sentinel that says why.
type AuthError struct {
	Username string
	Err      error
}

func (e *AuthError) Error() string { return fmt.Sprintf("log in as %q: %v", e.Username, e.Err) }
func (e *AuthError) Unwrap() error { return e.Err }

// UnlockError is an unlock with TOTP codes that failed. It matches ErrUnlockFailed, its Kind
// (ErrTOTPCodeReused, ErrTOTPCodeRejected, ErrAccountLocked, or nil when the failure was of none of
// these kinds) and the server's last answer (an *APIError, usually).
type UnlockError struct {
	Kind   error
	Codes  int           // how many codes were sent, each of a distinct time step
	Waited time.Duration // how long the login waited for new time steps
	Last   error         // the server's answer to the last code
}

func (e *UnlockError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnlockFailed.Error())
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
	}
	switch {
	case e.Codes > 1:
		fmt.Fprintf(&b, " (%d codes of distinct 30-second time steps tried, %s waited)", e.Codes, e.Waited.Round(time.Second))
	case e.Waited > 0:
		fmt.Fprintf(&b, " (%s waited for a fresh time step)", e.Waited.Round(time.Second))
	}
	if e.Last != nil {
		b.WriteString(": " + e.Last.Error())
	}
	return b.String()
}

func (e *UnlockError) Unwrap() []error {
	errs := []error{ErrUnlockFailed}
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Last != nil {
		errs = append(errs, e.Last)
	}
	return errs
}

// RevocationError is a revocation that was not proven: the key is still listed after the DELETEs
// that were tried (ErrNotRevoked), or the list that would prove it could not be read
// (ErrRevocationUnconfirmed). It names the key by fingerprint, never by value.
type RevocationError struct {
	Fingerprint string
	Description string   // as the server lists the key; "" when the list could not be read
	Tried       []string // each DELETE sent and its answer, e.g. "without a session token (answered 404 Not Found)"
	Kind        error    // ErrNotRevoked or ErrRevocationUnconfirmed
	Cause       error    // for ErrRevocationUnconfirmed: why the list could not be read
}

func (e *RevocationError) Error() string {
	key := e.Fingerprint
	if e.Description != "" {
		key = fmt.Sprintf("%q (%s)", e.Description, e.Fingerprint)
	}
	tried := "DELETE /api/key/<key> " + strings.Join(e.Tried, ", then ")
	if e.Kind == ErrRevocationUnconfirmed {
		return fmt.Sprintf("the server answered %s, but GET /api/key, which proves that the key %s is gone, failed: %v",
			tried, key, e.Cause)
	}
	return fmt.Sprintf("the API key %s is still listed by GET /api/key after %s: it was not revoked and still works",
		key, tried)
}

func (e *RevocationError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// TransportError is a request that got no (complete) answer. Answered tells that the status line
// came back, so the server did receive and act on the request.
type TransportError struct {
	Method   string
	URL      string // redacted
	Err      error  // redacted
	Answered bool
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

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

// Is maps statuses and server error codes to the sentinel errors, so that callers need not know either.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound && e.Cause == nil
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServerError:
		return e.StatusCode >= 500
	case ErrGatewayError:
		return isGatewayStatus(e.StatusCode)
	case ErrUnreadableAnswer:
		return e.Cause != nil
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

// isGatewayStatus reports whether a status is a gateway error: a proxy or load balancer in front
// of the API could not get an answer, so trying again later may work.
func isGatewayStatus(status int) bool {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
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

// checkResponse is the one place that turns an error answer into an error: any status outside
// 2xx becomes an *APIError with the server's errors, or an excerpt of the body when it held none.
// It returns nil for a success.
func checkResponse(method, redactedURL string, status int, raw []byte) error {
	if status >= 200 && status <= 299 {
		return nil
	}
	apiErr := &APIError{Method: method, URL: redactedURL, StatusCode: status}
	if found := parseServerErrors(raw); len(found) > 0 {
		apiErr.Code, apiErr.Message = found[0].Code, found[0].Message
		if len(found) > 1 {
			apiErr.More = found[1:]
		}
	} else if len(bytes.TrimSpace(raw)) > 0 {
		apiErr.Excerpt = excerpt(raw)
	}
	return apiErr
}

// unreadableAnswer is the error for a success answer whose body the client cannot use. cause must
// hold no secret; raw, when given, is shown as a redacted excerpt.
func unreadableAnswer(method, redactedURL string, status int, raw []byte, cause error) *APIError {
	return &APIError{Method: method, URL: redactedURL, StatusCode: status, Excerpt: excerpt(raw), Cause: cause}
}

// maybeReachedServer reports whether a failed call may still have been carried out by the server.
func maybeReachedServer(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Answered || !neverSent(te.Err)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		// Any server error may come after the server acted; so may an answer it could not read.
		return ae.StatusCode >= 500 || ae.Cause != nil && ae.StatusCode/100 == 2
	}
	return false
}

// retryableFailure reports whether a failed call is of the kind that the client retries: a
// connection failure, throttling or a gateway error. Other errors would fail again.
func retryableFailure(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return !te.Answered && !errors.Is(te.Err, context.DeadlineExceeded) && !errors.Is(te.Err, context.Canceled)
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Cause == nil {
		return retryIdempotent(&http.Response{StatusCode: ae.StatusCode}, nil)
	}
	return false
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
//	{"errors": [{"title": "t", "detail": "d"}]}   JSON:API's list, shown as "t: d"
//
// Codes may be numbers. Anything else gives nil, and the caller shows a redacted excerpt instead.
// Every code and message is redacted and shortened with excerpt.
func parseServerErrors(raw []byte) []ServerError {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil
	}
	var found []ServerError
	add := func(se ServerError) {
		se = ServerError{Code: excerpt([]byte(se.Code)), Message: excerpt([]byte(se.Message))}
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
		Title   json.RawMessage `json:"title"`  // JSON:API
		Detail  json.RawMessage `json:"detail"` // JSON:API
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ServerError{}
	}
	code, _ := jsonText(obj.Code)
	message, _ := jsonText(obj.Message)
	if message == "" {
		// JSON:API: the title is the kind of problem, the detail this occurrence of it.
		title, _ := jsonText(obj.Title)
		detail, _ := jsonText(obj.Detail)
		message = strings.Join(slices.DeleteFunc([]string{title, detail}, func(s string) bool { return s == "" }), ": ")
	}
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

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
