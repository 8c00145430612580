package client

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestDecodeAnswer_errorShapes: each common error shape shows the server's message as text, and
// the sentinels match whatever shape carried the code or message.
func TestDecodeAnswer_errorShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   string  // the error text after the URL
		is     []error // sentinels it must match
	}{
		{
			name: "nested, as reported", status: 401,
			body: `{"error": {"code": "login.invalid", "message": "Invalid name or password"}}`,
			want: "HTTP 401 Unauthorized: Invalid name or password (login.invalid)", is: []error{ErrUnauthorized},
		},
		{
			name: "flat", status: 401, body: `{"code":"login.invalid","message":"Invalid name or password"}`,
			want: "HTTP 401 Unauthorized: Invalid name or password (login.invalid)", is: []error{ErrUnauthorized},
		},
		{
			name: "string", status: 401, body: `{"error":"Invalid name or password"}`,
			want: "HTTP 401 Unauthorized: Invalid name or password", is: []error{ErrUnauthorized},
		},
		{
			name: "list", status: 401, body: `{"errors":[{"code":"login.invalid","message":"Invalid name or password"}]}`,
			want: "HTTP 401 Unauthorized: Invalid name or password (login.invalid)", is: []error{ErrUnauthorized},
		},
		{
			name: "JSON:API", status: 404,
			body: `{"errors":[{"status":"404","title":"Not Found","detail":"API key not found"}]}`,
			want: "HTTP 404 Not Found: Not Found: API key not found", is: []error{ErrNotFound},
		},
		{
			name: "JSON:API with a code, and a title alone", status: 403,
			body: `{"errors":[{"status":"403","code":"token.locked","title":"Forbidden","detail":"Access token is locked"},{"title":"Rate limited"}]}`,
			want: "HTTP 403 Forbidden: Forbidden: Access token is locked (token.locked); Rate limited", is: []error{ErrLocked},
		},
		{
			name: "JSON:API, a detail alone", status: 400, body: `{"errors":[{"status":"400","detail":"description is required"}]}`,
			want: "HTTP 400 Bad Request: description is required",
		},
		{
			name: "list of several, strings among them", status: 400,
			body: `{"errors":[{"code":"a.b","message":"first"},"second",{"message":"first","code":"a.b"},{"error":{"code":"c.d"}}]}`,
			want: "HTTP 400 Bad Request: first (a.b); second; c.d",
		},
		{
			name: "a message beside a list", status: 400, body: `{"message":"Validation failed","errors":[{"message":"description is required"}]}`,
			want: "HTTP 400 Bad Request: Validation failed; description is required",
		},
		{
			name: "a long list is cut", status: 400, body: `{"errors":["1","2","3","4","5","6","7"]}`,
			want: "HTTP 400 Bad Request: 1; 2; 3; 4; 5",
		},
		{
			name: "a status word beside the message", status: 401,
			body: `{"status":401,"error":"Unauthorized","message":"Invalid name or password"}`,
			want: "HTTP 401 Unauthorized: Invalid name or password", is: []error{ErrUnauthorized},
		},
		{
			name: "numeric code", status: 403, body: `{"code":4031,"message":"Access token is locked"}`,
			want: "HTTP 403 Forbidden: Access token is locked (4031)", is: []error{ErrLocked},
		},
		{
			name: "locked, flat", status: 403, body: `{"code":"token.locked","message":"Locked"}`,
			want: "HTTP 403 Forbidden: Locked (token.locked)", is: []error{ErrLocked},
		},
		{
			name: "locked, string", status: 403, body: `{"error":"Access token is locked"}`,
			want: "HTTP 403 Forbidden: Access token is locked", is: []error{ErrLocked},
		},
		{
			name: "locked, a code where the message would be", status: 403, body: `{"error":"token.locked"}`,
			want: "HTTP 403 Forbidden: token.locked", is: []error{ErrLocked},
		},
		{
			name: "locked, nested", status: 403, body: `{"error":{"code":"token.locked","message":"Session needs a second factor"}}`,
			want: "HTTP 403 Forbidden: Session needs a second factor (token.locked)", is: []error{ErrLocked},
		},
		{
			name: "locked, second in a list", status: 403, body: `{"errors":[{"message":"Forbidden"},{"code":"token.locked"}]}`,
			want: "HTTP 403 Forbidden: Forbidden; token.locked", is: []error{ErrLocked},
		},
		{
			name: "tenant, flat", status: 401, body: `{"code":"login.invalidTenant","message":"Unknown tenant"}`,
			want: "HTTP 401 Unauthorized: Unknown tenant (login.invalidTenant)", is: []error{ErrUnauthorized, ErrUnknownTenant},
		},
		{
			name: "tenant, string", status: 401, body: `{"error":"Unknown tenant"}`,
			want: "HTTP 401 Unauthorized: Unknown tenant", is: []error{ErrUnauthorized, ErrUnknownTenant},
		},
		{
			name: "tenant, nested code only", status: 400, body: `{"error":{"code":"login.invalidTenant"}}`,
			want: "HTTP 400 Bad Request: login.invalidTenant", is: []error{ErrUnknownTenant},
		},
		{
			name: "tenant, list", status: 401, body: `{"errors":[{"code":"login.invalidTenant","message":"Tenant not found"}]}`,
			want: "HTTP 401 Unauthorized: Tenant not found (login.invalidTenant)", is: []error{ErrUnauthorized, ErrUnknownTenant},
		},
		{
			name: "not found, nested", status: 404, body: `{"error":{"code":"apiKey.notFound","message":"API key not found"}}`,
			want: "HTTP 404 Not Found: API key not found (apiKey.notFound)", is: []error{ErrNotFound},
		},
		{
			name: "a token in a nested message is masked", status: 401,
			body: `{"error":{"code":"token.invalid","message":"Access token ` + token64 + ` is invalid"}}`,
			want: "HTTP 401 Unauthorized: Access token [REDACTED] is invalid (token.invalid)", is: []error{ErrUnauthorized},
		},
		{
			name: "a token in a list and in a code is masked", status: 401,
			body: `{"errors":["bad ` + token64 + `",{"code":"` + token64 + `"}]}`,
			want: "HTTP 401 Unauthorized: bad [REDACTED]; [REDACTED]", is: []error{ErrUnauthorized},
		},
		{
			name: "a message on many lines becomes one", status: 500, body: `{"message":"line one\n\tline two"}`,
			want: "HTTP 500 Internal Server Error: line one line two",
		},
		// Anything else keeps the redacted excerpt.
		{
			name: "other fields", status: 401, body: `{"reason":"Invalid name or password"}`,
			want: `HTTP 401 Unauthorized; body: "{\"reason\":\"Invalid name or password\"}"`, is: []error{ErrUnauthorized},
		},
		{
			// RFC 9457 problem details put JSON:API's title and detail at the top.
			name: "problem details", status: 401, body: `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Invalid name or password"}`,
			want: "HTTP 401 Unauthorized: Unauthorized: Invalid name or password", is: []error{ErrUnauthorized},
		},
		{
			name: "errors as an object", status: 400, body: `{"errors":{"description":["is required"]}}`,
			want: `HTTP 400 Bad Request; body: "{\"errors\":{\"description\":[\"is required\"]}}"`,
		},
		{
			name: "empty fields", status: 401, body: `{"code":"","message":null,"error":{}}`,
			want: `HTTP 401 Unauthorized; body: "{\"code\":\"\",\"message\":null,\"error\":{}}"`, is: []error{ErrUnauthorized},
		},
		{
			name: "a bare JSON string", status: 401, body: `"Invalid name or password"`,
			want: `HTTP 401 Unauthorized; body: "\"Invalid name or password\""`, is: []error{ErrUnauthorized},
		},
		{
			name: "plain text with a token", status: 502, body: "Bad gateway for " + token64,
			want: `HTTP 502 Bad Gateway; body: "Bad gateway for [REDACTED]"`,
		},
		{name: "no body", status: 404, body: "", want: "HTTP 404 Not Found", is: []error{ErrNotFound}},
	}
	sentinels := []error{ErrNotFound, ErrUnauthorized, ErrLocked, ErrUnknownTenant}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {"application/json"}}}
			err := decodeAnswer(http.MethodPost, fuzzURL, resp, []byte(tt.body), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if got, prefix := err.Error(), "POST "+fuzzURL+": "; got != prefix+tt.want {
				t.Errorf("error text\n got: %s\nwant: %s%s", got, prefix, tt.want)
			}
			for _, sentinel := range sentinels {
				want := false
				for _, s := range tt.is {
					want = want || s == sentinel
				}
				if got := errors.Is(err, sentinel); got != want {
					t.Errorf("errors.Is(err, %q) = %v, want %v", sentinel, got, want)
				}
			}
			if strings.Contains(err.Error(), token64) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// TestAPIError_kinds: every status the provider tells apart matches its sentinel, and only its own:
// callers test kinds, never status codes.
func TestAPIError_kinds(t *testing.T) {
	t.Parallel()
	kinds := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrThrottled, ErrServerError, ErrGatewayError,
		ErrUnreadableAnswer, ErrLocked}
	tests := []struct {
		name   string
		status int
		body   string
		is     []error
	}{
		{name: "bad request", status: 400},
		{name: "unauthorized", status: 401, is: []error{ErrUnauthorized}},
		{name: "forbidden", status: 403, is: []error{ErrForbidden}},
		{name: "locked is forbidden too", status: 403, body: `{"code":"token.locked"}`, is: []error{ErrForbidden, ErrLocked}},
		{name: "not found", status: 404, is: []error{ErrNotFound}},
		{name: "conflict", status: 409},
		{name: "throttled", status: 429, is: []error{ErrThrottled}},
		{name: "internal server error", status: 500, is: []error{ErrServerError}},
		{name: "not implemented", status: 501, is: []error{ErrServerError}},
		{name: "bad gateway", status: 502, is: []error{ErrServerError, ErrGatewayError}},
		{name: "unavailable", status: 503, is: []error{ErrServerError, ErrGatewayError}},
		{name: "gateway timeout", status: 504, is: []error{ErrServerError, ErrGatewayError}},
		{name: "http version not supported", status: 505, is: []error{ErrServerError}},
		{name: "unreadable success", status: 200, body: "<html>", is: []error{ErrUnreadableAnswer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {"text/html"}}}
			var out struct{}
			err := decodeAnswer(http.MethodGet, fuzzURL, resp, []byte(tt.body), &out)
			if err == nil {
				t.Fatal("no error")
			}
			for _, kind := range kinds {
				want := slices.Contains(tt.is, kind)
				if got := errors.Is(err, kind); got != want {
					t.Errorf("errors.Is(%v, %q) = %v, want %v", err, kind, got, want)
				}
			}
		})
	}
}
