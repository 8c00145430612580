package client

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// fuzzURL stands for the redacted URL that the client passes to the decoding path.
const fuzzURL = "https://example.circularo.com/api/v1/api/key?token=REDACTED"

// token64 is shaped like a real session token or key value.
const token64 = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"

var alnumRun = regexp.MustCompile(`[A-Za-z0-9]{64,}`)

// leakedRun returns a 64-character alphanumeric window of any input that appears in text, or "".
func leakedRun(text string, inputs ...string) string {
	for _, in := range inputs {
		for _, run := range alnumRun.FindAllString(in, -1) {
			for i := 0; i+64 <= len(run); i++ {
				if w := run[i : i+64]; strings.Contains(text, w) {
					return w
				}
			}
		}
	}
	return ""
}

func addDecodeSeeds(f *testing.F) {
	for _, seed := range []struct {
		status      int
		contentType string
		body        string
	}{
		{200, "application/json", `{"results":[{"id":"` + token64 + `","description":"ci","created":"2023-01-15T10:30:45Z","lastUsed":null,"apiKeyType":"generic"}]}`},
		{200, "application/json", `{"results":[{"id":"` + token64 + `","description":"ci","created":"2023-01-15T10:30:45Z","apiKeyType":"generic","scopes":["x"]}],"paging":{}}`},
		{200, "application/json", `{"results":[]}`},
		{200, "application/json", `{"results":null}`},
		{200, "application/json", `{}`},
		{200, "application/json", `[]`},
		{200, "application/json", `{"results":{}}`},
		{200, "application/json", `{"results":[{"id":1234567890123456789012345678901234567890123456789012345678901234}]}`},
		{200, "application/json", `{"results":[{"id":"` + token64 + `","created":"` + token64 + `"}]}`},
		{200, "application/json", `{"results":[{"id":"` + token64 + `","created":"2023-01-15T10:30:45Z","lastUsed":"` + token64 + `"}]}`},
		{200, "application/json", `{"results":[{"id":"x","created":"2023-01-15T10:30:45Z","lastUsed":12345678901234567890123456789012345678901234567890123456789012345}]}`},
		{200, "application/json", `{"results":[{"id":"` + token64},
		{200, "application/json", `{"logged":true,"isUnlocked":true,"token":"` + token64 + `","tenant":"default"}`},
		{200, "application/json", `{"token":` + "1" + strings.Repeat("0", 70) + `}`},
		{200, "text/html; charset=utf-8", `<html><body>Sign in ` + token64 + `</body></html>`},
		{200, "", `<!DOCTYPE html>`},
		{200, "application/json", ""},
		{200, "application/json; " + token64, `nope`},
		{200, token64, `{"results":[]}`},
		{401, "application/json", `{"code":"token.invalid","message":"Access token ` + token64 + ` is invalid"}`},
		{403, "application/json", `{"code":"token.locked","message":"Access token is locked"}`},
		{429, "text/plain", "slow down " + token64},
		{502, "text/html", "<html>Bad Gateway</html>"},
		{500, "application/json", `{"error":"` + token64 + `"}`},
		// The error shapes that parseServerErrors reads, with tokens where a careless reader would show them.
		{401, "application/json", `{"error":{"code":"login.invalid","message":"Invalid name or password"}}`},
		{401, "application/json", `{"error":{"code":"` + token64 + `","message":"Token ` + token64 + ` is invalid"}}`},
		{401, "application/json", `{"error":"Invalid name or password"}`},
		{403, "application/json", `{"error":"token.locked"}`},
		{401, "application/json", `{"errors":[{"code":"login.invalidTenant","message":"Unknown tenant"}]}`},
		{400, "application/json", `{"errors":["first ` + token64 + `",{"message":"second"},{"error":{"code":"c","message":"` + token64 + `"}},3,null,[]]}`},
		{400, "application/json", `{"message":"Validation failed","errors":[{"message":"description
is required"}]}`},
		{401, "application/json", `{"status":401,"error":"Unauthorized","message":"Invalid ` + token64 + `"}`},
		{403, "application/json", `{"code":4031,"message":"Access token is locked"}`},
		{400, "application/json", `{"errors":{"description":["` + token64 + `"]}}`},
		{401, "application/json", `{"error":{"error":{"error":{"message":"` + token64 + `"}}}}`},
		{401, "application/json", `{"code":"","message":null,"error":{}}`},
		{404, "", ""},
		{200, "application/json", "{\"results\":[{\"id\":\"\xff\xfe\",\"created\":\"2023-01-15T10:30:45Z\"}]}"},
	} {
		f.Add(seed.status, seed.contentType, []byte(seed.body))
	}
}

func fuzzResponse(status int, contentType string) *http.Response {
	if status < 100 || status > 599 { // keep to what a server can send
		if status < 0 {
			status = -(status + 1)
		}
		status = 100 + status%500
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}}
}

// checkDecodeError holds every error of the decoding path to its promises: an *APIError for the
// status received, which shows no token-shaped text of the answer.
func checkDecodeError(t *testing.T, err error, status int, contentType string, body []byte) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	if apiErr.StatusCode != status {
		t.Fatalf("APIError.StatusCode = %d, want %d", apiErr.StatusCode, status)
	}
	if w := leakedRun(err.Error(), string(body), contentType); w != "" {
		t.Fatalf("the error shows %q from the answer: %v", w, err)
	}
	// What the server said is shown as text, one line each, instead of the body, never beside it.
	shown := append([]ServerError{{Code: apiErr.Code, Message: apiErr.Message}}, apiErr.More...)
	for _, se := range shown {
		if strings.ContainsAny(se.Code+se.Message, "\n\r\t") {
			t.Fatalf("a code or message spans lines: %q", se)
		}
		if (se.Code != "" || se.Message != "") && apiErr.Excerpt != "" {
			t.Fatalf("the error shows both the server's message and the body: %v", err)
		}
	}
	if len(shown) > maxServerErrors {
		t.Fatalf("the error shows %d server errors, more than %d", len(shown), maxServerErrors)
	}
}

// FuzzDecodeAnswer feeds arbitrary answers to decodeAnswer for each result type the client decodes.
// Its seed corpus runs as a normal test.
func FuzzDecodeAnswer(f *testing.F) {
	addDecodeSeeds(f)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		t.Parallel()
		resp := fuzzResponse(status, contentType)
		for _, out := range []any{&LoginResult{}, &UnlockResult{}, &apiKeyJSON{}, &keyListJSON{}} {
			err := decodeAnswer(http.MethodGet, fuzzURL, resp, body, out)
			if err == nil {
				if resp.StatusCode/100 != 2 {
					t.Fatalf("status %d decoded without error", resp.StatusCode)
				}
				continue
			}
			checkDecodeError(t, err, resp.StatusCode, contentType, body)
		}
		// A call without a result (logout, delete) only looks at the status.
		if err := decodeAnswer(http.MethodGet, fuzzURL, resp, body, nil); (err == nil) != (resp.StatusCode/100 == 2) {
			t.Fatalf("status %d without result gave error %v", resp.StatusCode, err)
		} else if err != nil {
			checkDecodeError(t, err, resp.StatusCode, contentType, body)
		}
	})
}

// FuzzListKeys runs the whole decoding of GET /api/key: the answer, then each key in it.
func FuzzListKeys(f *testing.F) {
	addDecodeSeeds(f)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		t.Parallel()
		resp := fuzzResponse(status, contentType)
		var list keyListJSON
		err := decodeAnswer(http.MethodGet, fuzzURL, resp, body, &list)
		if err != nil {
			checkDecodeError(t, err, resp.StatusCode, contentType, body)
			return
		}
		keys, err := list.toAPIKeys(fuzzURL)
		if err != nil {
			// The conversion runs after the call, where any 2xx status counts as 200.
			checkDecodeError(t, err, http.StatusOK, contentType, body)
			return
		}
		if len(keys) != len(*list.Results) {
			t.Fatalf("%d results became %d keys", len(*list.Results), len(keys))
		}
		for _, k := range keys {
			if k.Value == "" || k.Created.IsZero() || k.Created.Location().String() != "UTC" {
				t.Fatalf("decoded a key without id or UTC creation time: %+v", k)
			}
			if k.LastUsed != nil && k.LastUsed.Location().String() != "UTC" {
				t.Fatalf("lastUsed %v is not UTC", k.LastUsed)
			}
			if !IsFingerprint(k.Fingerprint()) {
				t.Fatalf("fingerprint %q has the wrong shape", k.Fingerprint())
			}
		}
	})
}
