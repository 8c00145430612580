package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/circularo/terraform-provider-circularo/internal/client"
	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
	"github.com/circularo/terraform-provider-circularo/internal/testkit/clock"
)

func TestClient_Login(t *testing.T) {
	t.Parallel()
	var requests requestLog
	_, url := setup(t, mockserver.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			r.Header.Set("X-Test-Body", string(body))
			requests.wrap(next).ServeHTTP(w, r)
		})
	})
	c := newAPIClient(t, url)
	res, err := c.Login(context.Background(), client.LoginRequest{Name: clientUser, Password: clientPassword})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Logged || !res.IsUnlocked || res.Tenant != "default" || res.User.Name != clientUser {
		t.Errorf("login answer %+v", res)
	}
	if !tokenShape.MatchString(res.Token) {
		t.Errorf("token %q is not 64 alphanumerics", res.Token)
	}
	sent := requests.all()
	if len(sent) != 1 || sent[0].Method != http.MethodPost || sent[0].URL.Path != "/api/v1/login" {
		t.Fatalf("requests %v, want one POST /api/v1/login", sent)
	}
	body := sent[0].Header.Get("X-Test-Body")
	for _, want := range []string{`"returnToken":true`, `"name":"bob"`} {
		if !strings.Contains(body, want) {
			t.Errorf("login body %s lacks %s", body, want)
		}
	}
	if strings.Contains(body, "tenant") {
		t.Errorf("login body %s sends a tenant that was not set", body)
	}
	if sent[0].URL.RawQuery != "" {
		t.Errorf("login URL has a query %q", sent[0].URL.RawQuery)
	}
}

func TestClient_LoginBadPassword(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url)
	_, err := c.Login(context.Background(), client.LoginRequest{Name: clientUser, Password: "wrong-password-42"})
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	apiErr := wantAPIError(t, err, http.StatusUnauthorized)
	if apiErr.Method != http.MethodPost || apiErr.Code != "login.invalidCredentials" || apiErr.Message != "Invalid name or password" {
		t.Errorf("APIError %+v", apiErr)
	}
	if !strings.HasSuffix(apiErr.URL, "/api/v1/login") {
		t.Errorf("APIError.URL = %q", apiErr.URL)
	}
	if !strings.Contains(err.Error(), "HTTP 401 Unauthorized: Invalid name or password (login.invalidCredentials)") {
		t.Errorf("error %q does not say what the server said", err)
	}
	if strings.Contains(err.Error(), "wrong-password-42") {
		t.Errorf("the error shows the password: %v", err)
	}
	wantRouteCount(t, mock, "login", 1) // a 401 is not retried
}

func TestClient_WhoAmI(t *testing.T) {
	t.Parallel()
	_, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url)
	token := login(t, c)
	res, err := c.WhoAmI(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Name != clientUser || res.Token != token || !res.IsUnlocked {
		t.Errorf("whoami answer %+v", res)
	}
	_, err = c.WhoAmI(context.Background(), strings.Repeat("x", 64))
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("an unknown token: got %v, want ErrUnauthorized", err)
	}
}

func TestClient_Unlock(t *testing.T) {
	t.Parallel()
	_, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url)
	ctx := context.Background()
	res, err := c.Login(ctx, client.LoginRequest{Name: clientMFAUser, Password: clientMFAPassword})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsUnlocked {
		t.Fatal("the MFA account's session is unlocked without a second factor")
	}
	_, err = c.ListKeys(ctx, res.Token)
	if !errors.Is(err, client.ErrLocked) {
		t.Fatalf("listing with a locked session: got %v, want ErrLocked", err)
	}
	if errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("a locked session reads as unauthorized: %v", err)
	}

	_, err = c.Unlock(ctx, res.Token, client.Factor{Factor: "totp", Password: "000000"})
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("a wrong code: got %v, want ErrUnauthorized", err)
	}

	code, err := totp.GenerateCode(clientMFASecret, clock.Start())
	if err != nil {
		t.Fatal(err)
	}
	unlocked, err := c.Unlock(ctx, res.Token, client.Factor{Factor: "totp", Password: code})
	if err != nil {
		t.Fatal(err)
	}
	if !unlocked.IsUnlocked || len(unlocked.Factors) != 1 || unlocked.Factors[0].Factor != "totp" || !unlocked.Factors[0].Unlocked {
		t.Errorf("unlock answer %+v", unlocked)
	}
	if _, err := c.ListKeys(ctx, res.Token); err != nil {
		t.Errorf("listing after unlock: %v", err)
	}
}

func TestClient_ListKeys(t *testing.T) {
	t.Parallel()
	created := time.Date(2023, 1, 15, 10, 30, 45, 0, time.UTC)
	used := time.Date(2023, 6, 20, 14, 22, 10, 0, time.UTC)
	for name, opts := range map[string]mockserver.Options{
		"lastUsed null":   {},
		"lastUsed absent": {OmitNullLastUsed: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, opts)
			never := mock.AddKey(clientUser, mockserver.Key{Description: "never used", Created: created})
			usedKey := mock.AddKey(clientUser, mockserver.Key{Description: "used", Created: created.Add(time.Hour), LastUsed: &used})
			mock.AddKey(clientMFAUser, mockserver.Key{Description: "someone else's"})
			c := newAPIClient(t, url)
			token := login(t, c)

			// The two mock options must really differ on the wire, or this test proves nothing.
			resp, err := http.Get(url + "/api/v1/api/key?token=" + token)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got, want := strings.Count(string(raw), `"lastUsed"`), map[bool]int{true: 1, false: 2}[opts.OmitNullLastUsed]; got != want {
				t.Fatalf("the answer has %d lastUsed fields, want %d: %s", got, want, raw)
			}

			keys, err := c.ListKeys(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 2 {
				t.Fatalf("got %d keys, want the user's 2: %+v", len(keys), keys)
			}
			k := keys[slices.IndexFunc(keys, func(k client.APIKey) bool { return k.Value == never.Value })]
			if k.Description != "never used" || !k.Created.Equal(created) || k.LastUsed != nil || k.Type != "generic" {
				t.Errorf("never-used key %+v", k)
			}
			k = keys[slices.IndexFunc(keys, func(k client.APIKey) bool { return k.Value == usedKey.Value })]
			if k.LastUsed == nil || !k.LastUsed.Equal(used) || k.LastUsed.Location() != time.UTC {
				t.Errorf("used key's LastUsed = %v, want %v", k.LastUsed, used)
			}
		})
	}
}

func TestClient_ListKeysIgnoresUnknownFields(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url)
	token := login(t, c)
	value := strings.Repeat("K", 64)
	mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": {
		ContentType: "application/json; charset=utf-8",
		Body: `{"results":[{"id":"` + value + `","description":"ci","created":"2023-01-15T10:30:45.123Z",` +
			`"lastUsed":"","apiKeyType":"personal","scopes":["doc.read"],"owner":{"name":"bob"}}],` +
			`"total":1,"paging":{"next":null}}`,
	}}})
	keys, err := c.ListKeys(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	want := client.APIKey{Value: value, Description: "ci", Created: time.Date(2023, 1, 15, 10, 30, 45, 123e6, time.UTC), Type: "personal"}
	if len(keys) != 1 || keys[0].Value != want.Value || keys[0].Description != want.Description ||
		!keys[0].Created.Equal(want.Created) || keys[0].LastUsed != nil || keys[0].Type != want.Type {
		t.Errorf("got %+v, want %+v", keys, want)
	}
}

// Answers that are not a list of keys are errors: reading them as "no keys" would make every key
// look revoked.
func TestClient_ListKeysRejectsWrongAnswers(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		answer mockserver.Response
		want   string
	}{
		"HTML":           {mockserver.Response{ContentType: "text/html", Body: "<html><body>Welcome</body></html>"}, `expected JSON, got text/html; body: "<html><body>Welcome</body></html>"`},
		"truncated JSON": {mockserver.Response{ContentType: "application/json", Body: `{"results":[{"id":"abc`}, "invalid JSON: unexpected end of JSON input"},
		"no results":     {mockserver.Response{ContentType: "application/json", Body: `{"keys":[]}`}, `the answer has no "results" list of keys`},
		"null results":   {mockserver.Response{ContentType: "application/json", Body: `{"results":null}`}, `the answer has no "results" list of keys`},
		"results object": {mockserver.Response{ContentType: "application/json", Body: `{"results":{}}`}, "invalid JSON: json: cannot unmarshal object"},
		"key without id": {mockserver.Response{ContentType: "application/json", Body: `{"results":[{"description":"x","created":"2023-01-15T10:30:45Z"}]}`}, "results[0]: key without id"},
		"bad created":    {mockserver.Response{ContentType: "application/json", Body: `{"results":[{"id":"x","created":"yesterday"}]}`}, `results[0]: created: not an RFC 3339 timestamp: "yesterday"`},
		"empty body":     {mockserver.Response{ContentType: "application/json"}, "expected JSON, got application/json"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{})
			c := newAPIClient(t, url)
			token := login(t, c)
			mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{"list_keys": tc.answer}})
			keys, err := c.ListKeys(context.Background(), token)
			if err == nil {
				t.Fatalf("got %d keys and no error", len(keys))
			}
			apiErr := wantAPIError(t, err, http.StatusOK)
			if apiErr.Cause == nil {
				t.Errorf("APIError without Cause: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "unreadable answer (HTTP 200)") {
				t.Errorf("error %q does not say the answer was unreadable", err)
			}
			if !client.MaybeReachedServer(err) {
				t.Error("an unreadable 200 answer must count as having reached the server")
			}
			wantRouteCount(t, mock, "list_keys", 1) // an unreadable answer is not retried
		})
	}
}

func TestClient_CreateKey(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url)
	token := login(t, c)
	key, err := c.CreateKey(context.Background(), token, "ci-pipeline")
	if err != nil {
		t.Fatal(err)
	}
	if !tokenShape.MatchString(key.Value) || key.Description != "ci-pipeline" || !key.Created.Equal(clock.Start()) ||
		key.LastUsed != nil || key.Type != "generic" {
		t.Errorf("created key %+v", key)
	}
	if !mock.KeyExists(key.Value) {
		t.Error("the created key is not on the server")
	}

	_, err = c.CreateKey(context.Background(), token, "")
	apiErr := wantAPIError(t, err, http.StatusBadRequest)
	if apiErr.Code != "apiKey.descriptionRequired" || apiErr.Message != "description is required" {
		t.Errorf("APIError %+v", apiErr)
	}
	_, err = c.CreateKey(context.Background(), token, strings.Repeat("d", 256))
	if apiErr := wantAPIError(t, err, http.StatusBadRequest); apiErr.Code != "apiKey.descriptionTooLong" {
		t.Errorf("APIError %+v", apiErr)
	}
	wantRouteCount(t, mock, "create_key", 3)
	wantKeyCount(t, mock, 1)
}

func TestClient_DeleteKey(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	key := mock.AddKey(clientUser, mockserver.Key{Description: "old"})
	c := newAPIClient(t, url)
	if err := c.DeleteKey(context.Background(), "", key.Value); err != nil {
		t.Fatal(err)
	}
	if mock.KeyExists(key.Value) {
		t.Fatal("the key still exists")
	}
	err := c.DeleteKey(context.Background(), "", key.Value)
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("deleting it again: got %v, want ErrNotFound", err)
	}
	_ = wantAPIError(t, err, http.StatusNotFound)
	if strings.Contains(err.Error(), key.Value) {
		t.Errorf("the error shows the key value: %v", err)
	}
	if !strings.Contains(err.Error(), "/api/key/REDACTED") {
		t.Errorf("error %q does not name the redacted path", err)
	}

	// A value that would change the path is refused before any request.
	before := mock.Count("total")
	for _, bad := range []string{"", "a/b", "../login", "x?token=y", "x#y", "x%2F"} {
		if err := c.DeleteKey(context.Background(), "", bad); err == nil {
			t.Errorf("DeleteKey(%q) sent no error", bad)
		}
	}
	if n := mock.Count("total") - before; n != 0 {
		t.Errorf("refused values still made %d requests", n)
	}
}

func TestClient_Logout(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url)
	token := login(t, c)
	if n := mock.OpenSessions(); n != 1 {
		t.Fatalf("%d open sessions after login", n)
	}
	if err := c.Logout(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	if n := mock.OpenSessions(); n != 0 {
		t.Errorf("%d open sessions after logout", n)
	}
	if _, err := c.WhoAmI(context.Background(), token); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("the logged out token still works: %v", err)
	}
	if err := c.Logout(context.Background(), token); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("logging out twice: got %v, want ErrUnauthorized", err)
	}
}

func TestClient_RetriesThrottlingAndGatewayErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{}, retryAfter("0"))
			c := newAPIClient(t, url)
			token := login(t, c)
			mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{
				"list_keys": {status, status},
				"whoami":    {status},
				"logout":    {status},
			}})
			ctx := context.Background()
			if _, err := c.ListKeys(ctx, token); err != nil {
				t.Fatalf("listing after two %d answers: %v", status, err)
			}
			wantRouteCount(t, mock, "list_keys", 3)
			if _, err := c.WhoAmI(ctx, token); err != nil {
				t.Fatalf("whoami after a %d answer: %v", status, err)
			}
			wantRouteCount(t, mock, "whoami", 2)
			if err := c.Logout(ctx, token); err != nil {
				t.Fatalf("logout after a %d answer: %v", status, err)
			}
			wantRouteCount(t, mock, "logout", 2)
		})
	}
}

func TestClient_RetriesDeleteAndLogin(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	key := mock.AddKey(clientUser, mockserver.Key{Description: "old"})
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"delete_key": {503, 502}, "login": {504}}})
	c := newAPIClient(t, url)
	if err := c.DeleteKey(context.Background(), "", key.Value); err != nil {
		t.Fatal(err)
	}
	wantRouteCount(t, mock, "delete_key", 3)
	if mock.KeyExists(key.Value) {
		t.Error("the key still exists")
	}
	login(t, c)
	wantRouteCount(t, mock, "login", 2)
}

func TestClient_DoesNotRetryOtherErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusNotImplemented, http.StatusBadRequest, http.StatusForbidden} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{})
			c := newAPIClient(t, url)
			token := login(t, c)
			mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {status, status}}})
			_, err := c.ListKeys(context.Background(), token)
			apiErr := wantAPIError(t, err, status)
			if apiErr.Code != "server.injectedFault" {
				t.Errorf("APIError %+v does not carry the server's code", apiErr)
			}
			wantRouteCount(t, mock, "list_keys", 1)
		})
	}
}

func TestClient_GivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	mock, url := setup(t, mockserver.Options{})
	c := newAPIClient(t, url, func(cfg *client.Config) { cfg.MaxRetries = 2 })
	token := login(t, c)
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {503, 503, 503, 503, 503}}})
	_, err := c.ListKeys(context.Background(), token)
	_ = wantAPIError(t, err, http.StatusServiceUnavailable)
	if !strings.Contains(err.Error(), "HTTP 503 Service Unavailable") {
		t.Errorf("error %q does not name the last status", err)
	}
	wantRouteCount(t, mock, "list_keys", 3) // the first attempt and 2 retries

	// No retries at all with MaxRetries 0 (negative means the same).
	for _, maxRetries := range []int{0, -1} {
		mock.ResetCounts()
		c := newAPIClient(t, url, func(cfg *client.Config) { cfg.MaxRetries = maxRetries })
		if _, err := c.ListKeys(context.Background(), token); err == nil {
			t.Fatal("no error")
		}
		wantRouteCount(t, mock, "list_keys", 1)
	}
}

func TestClient_HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	t.Run("Retry-After 0 overrides a long backoff", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{}, retryAfter("0"))
		// Without Retry-After the retry would wait an hour, far past the request timeout.
		c := newAPIClient(t, url, func(cfg *client.Config) {
			cfg.RetryWaitMin, cfg.RetryWaitMax = time.Hour, time.Hour
			cfg.RequestTimeout = time.Minute
		})
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {429}}})
		if _, err := c.ListKeys(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		wantRouteCount(t, mock, "list_keys", 2)
	})
	t.Run("Retry-After past the deadline ends the call with the 429", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{}, retryAfter("120"))
		// Without Retry-After the retry would come after 1ms and succeed.
		c := newAPIClient(t, url, func(cfg *client.Config) { cfg.RequestTimeout = 20 * time.Second })
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {429}}})
		_, err := c.ListKeys(context.Background(), token)
		apiErr := wantAPIError(t, err, http.StatusTooManyRequests)
		if apiErr.Message != "Too many requests" {
			t.Errorf("APIError %+v", apiErr)
		}
		wantRouteCount(t, mock, "list_keys", 1)
	})
	t.Run("Retry-After on 503", func(t *testing.T) {
		t.Parallel()
		// The mock sends Retry-After only with 429: add it to a 503.
		addRetryAfter := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "120")
				next.ServeHTTP(w, r)
			})
		}
		mock, url := setup(t, mockserver.Options{}, addRetryAfter)
		c := newAPIClient(t, url, func(cfg *client.Config) { cfg.RequestTimeout = 20 * time.Second })
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {503}}})
		_, err := c.ListKeys(context.Background(), token)
		_ = wantAPIError(t, err, http.StatusServiceUnavailable)
		wantRouteCount(t, mock, "list_keys", 1)
	})
}

func TestClient_RetriesRefusedConnections(t *testing.T) {
	t.Parallel()
	var transport countingTransport
	c := newAPIClient(t, closedURL(t), func(cfg *client.Config) {
		cfg.MaxRetries = 3
		cfg.HTTPClient = &http.Client{Transport: &transport}
	})
	_, err := c.ListKeys(context.Background(), strings.Repeat("t", 64))
	var te *client.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("got %v (%T), want a *TransportError", err, err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not say the connection was refused", err)
	}
	if client.MaybeReachedServer(err) {
		t.Error("a refused connection cannot have reached the server")
	}
	if n := transport.attempts(); n != 4 {
		t.Errorf("%d attempts, want 4: the first and MaxRetries=3 retries", n)
	}
}

// runWithWatchdog fails the test instead of hanging when call never returns.
func runWithWatchdog(t *testing.T, why string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Minute):
		t.Fatal(why)
		return nil
	}
}

func TestClient_RequestTimeoutBoundsTheWholeCall(t *testing.T) {
	t.Parallel()
	t.Run("a slow answer", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{})
		c := newAPIClient(t, url, func(cfg *client.Config) { cfg.RequestTimeout = 300 * time.Millisecond })
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{Latency: time.Hour})
		err := runWithWatchdog(t, "the call outlived its request timeout", func() error {
			_, err := c.ListKeys(context.Background(), token)
			return err
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want a deadline error", err)
		}
		if !strings.Contains(err.Error(), "no answer within the request timeout of 300ms, retries included") {
			t.Errorf("error %q does not name the timeout", err)
		}
		if client.RetryableFailure(err) {
			t.Error("a call that used up its timeout is reported as worth retrying")
		}
		wantRouteCount(t, mock, "list_keys", 1)
	})
	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{})
		// Ten retries an hour apart would take ten hours: the timeout cuts the first wait short.
		c := newAPIClient(t, url, func(cfg *client.Config) {
			cfg.RequestTimeout = 300 * time.Millisecond
			cfg.MaxRetries = 10
			cfg.RetryWaitMin, cfg.RetryWaitMax = time.Hour, time.Hour
		})
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{ServerErrorRate: 1, ServerErrorStatus: 502})
		err := runWithWatchdog(t, "retries outlived the request timeout", func() error {
			_, err := c.ListKeys(context.Background(), token)
			return err
		})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "request timeout of 300ms") {
			t.Fatalf("got %v, want the request timeout", err)
		}
		wantRouteCount(t, mock, "list_keys", 1)
	})
}

func TestClient_ContextCancellation(t *testing.T) {
	t.Parallel()
	t.Run("during a request", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cancelOnList := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/api/key") {
					cancel()
				}
				next.ServeHTTP(w, r)
			})
		}
		mock, url := setup(t, mockserver.Options{}, cancelOnList)
		c := newAPIClient(t, url)
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{Latency: time.Hour})
		err := runWithWatchdog(t, "the call ignored the cancelled context", func() error {
			_, err := c.ListKeys(ctx, token)
			return err
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if strings.Contains(err.Error(), "request timeout") {
			t.Errorf("a cancellation is reported as a timeout: %v", err)
		}
		wantRouteCount(t, mock, "list_keys", 1)
	})
	t.Run("while waiting to retry", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		mock, url := setup(t, mockserver.Options{})
		c := newAPIClient(t, url, func(cfg *client.Config) {
			cfg.RetryWaitMin, cfg.RetryWaitMax = time.Hour, time.Hour
			cfg.RequestTimeout = 2 * time.Hour
			cfg.Logger = cancelOnResponse{cancel}
		})
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {503, 503}}})
		err := runWithWatchdog(t, "the retry wait ignored the cancelled context", func() error {
			_, err := c.ListKeys(ctx, token)
			return err
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		wantRouteCount(t, mock, "list_keys", 1)
	})
}

// cancelOnResponse cancels a context as soon as a 503 arrives.
type cancelOnResponse struct{ cancel context.CancelFunc }

func (c cancelOnResponse) Debug(_ context.Context, msg string, fields map[string]any) {
	if msg == "Circularo API response" && fields["status"] == http.StatusServiceUnavailable {
		c.cancel()
	}
}

// A create that may have reached the server is never sent again by the client: only Session, which
// can check for the key first, may try again.
func TestClient_CreateKeyIsNeverResentAfterReachingTheServer(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			mock, url := setup(t, mockserver.Options{})
			c := newAPIClient(t, url, func(cfg *client.Config) { cfg.MaxRetries = 5 })
			token := login(t, c)
			mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"create_key": {status}}})
			_, err := c.CreateKey(context.Background(), token, "once")
			_ = wantAPIError(t, err, status)
			if !client.MaybeReachedServer(err) {
				t.Errorf("a %d on create must count as possibly carried out", status)
			}
			wantRouteCount(t, mock, "create_key", 1)
		})
	}
	t.Run("dropped answer", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{})
		c := newAPIClient(t, url, func(cfg *client.Config) { cfg.MaxRetries = 5 })
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{DropCreateResponses: 1})
		_, err := c.CreateKey(context.Background(), token, "once")
		var te *client.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("got %v (%T), want a *TransportError", err, err)
		}
		if !client.MaybeReachedServer(err) {
			t.Error("a dropped answer must count as possibly carried out")
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("the error shows the session token: %v", err)
		}
		wantRouteCount(t, mock, "create_key", 1)
		wantKeyCount(t, mock, 1) // the one whose answer was lost
	})
	t.Run("429 is retried", func(t *testing.T) {
		t.Parallel()
		mock, url := setup(t, mockserver.Options{}, retryAfter("0"))
		c := newAPIClient(t, url)
		token := login(t, c)
		mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"create_key": {429, 429}}})
		if _, err := c.CreateKey(context.Background(), token, "throttled"); err != nil {
			t.Fatal(err)
		}
		wantRouteCount(t, mock, "create_key", 3)
		wantKeyCount(t, mock, 1)
	})
	t.Run("refused connection is retried", func(t *testing.T) {
		t.Parallel()
		var transport countingTransport
		c := newAPIClient(t, closedURL(t), func(cfg *client.Config) {
			cfg.MaxRetries = 2
			cfg.HTTPClient = &http.Client{Transport: &transport}
		})
		_, err := c.CreateKey(context.Background(), strings.Repeat("t", 64), "never sent")
		if client.MaybeReachedServer(err) {
			t.Errorf("a refused connection cannot have reached the server: %v", err)
		}
		if n := transport.attempts(); n != 3 {
			t.Errorf("%d attempts, want 3", n)
		}
	})
}

func TestClient_NoSecretInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logger recordingLogger
	mock, url := setup(t, mockserver.Options{}, retryAfter("0"))
	c := newAPIClient(t, url, func(cfg *client.Config) { cfg.Logger = &logger })
	ctx := context.Background()
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	// Successful calls of every kind, some after retries.
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"login": {503}, "list_keys": {429}, "delete_key": {502}}})
	res, err := c.Login(ctx, client.LoginRequest{Name: clientUser, Password: clientPassword})
	if err != nil {
		t.Fatal(err)
	}
	token := res.Token
	_, err = c.WhoAmI(ctx, token)
	note(err)
	key, err := c.CreateKey(ctx, token, "secret-free")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListKeys(ctx, token)
	note(err)
	note(c.DeleteKey(ctx, token, key.Value))
	if len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}

	// Failures of every kind, each of which has a secret at hand.
	other := mock.AddKey(clientUser, mockserver.Key{Description: "other"})
	_, err = c.Login(ctx, client.LoginRequest{Name: clientUser, Password: "the-wrong-password"})
	note(err)
	note(c.DeleteKey(ctx, "", key.Value)) // 404
	mock.SetFaults(mockserver.Faults{DropCreateResponses: 1})
	_, err = c.CreateKey(ctx, token, "dropped")
	note(err)
	mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{
		"list_keys": {Status: 500, ContentType: "text/html", Body: "<html>Internal error for token " + token + " and key " + other.Value + "</html>"},
		"whoami":    {Status: 401, ContentType: "application/json", Body: `{"code":"token.invalid","message":"Token ` + token + ` is invalid"}`},
	}})
	_, err = c.ListKeys(ctx, token)
	note(err)
	_, err = c.WhoAmI(ctx, token)
	note(err)
	mock.SetFaults(mockserver.Faults{Override: map[string]mockserver.Response{
		"list_keys":  {ContentType: "application/json", Body: `{"results":[{"id":"` + other.Value + `","created":"` + other.Value + `"}]}`},
		"create_key": {ContentType: "application/json", Body: `{"id":"` + other.Value + `","created":"` + token + `"}`},
	}})
	_, err = c.ListKeys(ctx, token)
	note(err)
	_, err = c.CreateKey(ctx, token, "bad answer")
	note(err)
	mock.SetFaults(mockserver.Faults{Latency: time.Hour})
	slow := newAPIClient(t, url, func(cfg *client.Config) { cfg.Logger = &logger; cfg.RequestTimeout = 100 * time.Millisecond })
	_, err = slow.ListKeys(ctx, token)
	note(err)
	refused := newAPIClient(t, closedURL(t), func(cfg *client.Config) { cfg.Logger = &logger; cfg.MaxRetries = 1 })
	_, err = refused.ListKeys(ctx, token)
	note(err)
	note(refused.DeleteKey(ctx, token, other.Value))
	if len(errs) != 10 {
		t.Fatalf("%d of the 10 failures failed: %v", len(errs), errs)
	}

	secrets := map[string]string{"password": clientPassword, "wrong password": "the-wrong-password",
		"session token": token, "created key": key.Value, "other key": other.Value}
	entries := logger.all()
	for _, e := range errs {
		for what, secret := range secrets {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("an error shows the %s: %s", what, strings.ReplaceAll(e.Error(), secret, "<"+what+">"))
			}
		}
	}
	for _, entry := range entries {
		for what, secret := range secrets {
			if strings.Contains(entry, secret) {
				t.Errorf("a log entry shows the %s: %s", what, strings.ReplaceAll(entry, secret, "<"+what+">"))
			}
		}
	}
	// The log must really cover authenticated calls, retries and key paths, or it proves nothing.
	for _, want := range []string{"token=REDACTED", "/api/key/REDACTED", "attempt:2", "status:429", "retry_after:0"} {
		if !slices.ContainsFunc(entries, func(e string) bool { return strings.Contains(e, want) }) {
			t.Errorf("no log entry contains %q", want)
		}
	}
}

func TestClient_SendsUserAgent(t *testing.T) {
	t.Parallel()
	var requests requestLog
	mock, url := setup(t, mockserver.Options{}, requests.wrap, retryAfter("0"))
	c := newAPIClient(t, url)
	ctx := context.Background()
	mock.SetFaults(mockserver.Faults{FailNext: map[string][]int{"list_keys": {429}}})
	token := login(t, c)
	if _, err := c.ListKeys(ctx, token); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateKey(ctx, token, "ua")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteKey(ctx, "", key.Value); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	sent := requests.all()
	if len(sent) != 6 { // login, list twice, create, delete, logout
		t.Fatalf("%d requests, want 6", len(sent))
	}
	for _, r := range sent {
		if ua := r.Header.Get("User-Agent"); ua != clientUserAgent {
			t.Errorf("%s %s sent User-Agent %q, want %q", r.Method, r.URL.Path, ua, clientUserAgent)
		}
		if accept := r.Header.Get("Accept"); accept != "application/json" {
			t.Errorf("%s %s sent Accept %q", r.Method, r.URL.Path, accept)
		}
		if ct := r.Header.Get("Content-Type"); r.Method == http.MethodPost && ct != "application/json" {
			t.Errorf("%s %s sent Content-Type %q", r.Method, r.URL.Path, ct)
		}
	}
}

// The URL and API path checks that the provider makes before client.New, which takes both as checked.
func TestParseBaseURLAndValidateAPIPath_rejectBadConfiguration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, apiPath string
		want         string
	}{
		{url: "example.com", want: "is not an absolute http:// or https:// URL"},
		{url: "ftp://example.com", want: "is not an absolute http:// or https:// URL"},
		{url: "https://", want: "is not an absolute http:// or https:// URL"},
		{url: "https://example.com/?a=b", want: "must not have a query or fragment"},
		{url: "https://user:hunter2@example.com", want: "must not contain credentials"},
		{url: "https://user:hunter2@example.com/?a=b", want: "must not contain credentials"},
		{url: "user:hunter2@example.com", want: "is not an absolute http:// or https:// URL"},
		{url: "https://example.com/x?token=hunter2", want: `"https://example.com/x" must not have a query or fragment`},
		{url: "https://example.com", apiPath: "api/v1", want: `"api/v1" must start with a slash`},
		{url: "https://example.com", apiPath: "/api?x=1", want: "must be a plain path"},
	} {
		_, err := client.ParseBaseURL(tc.url)
		if tc.apiPath != "" {
			if err != nil {
				t.Fatalf("ParseBaseURL(%q) = %v, want a URL", tc.url, err)
			}
			err = client.ValidateAPIPath(tc.apiPath)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("url %q, api path %q: error %v, want an error containing %q", tc.url, tc.apiPath, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password in the URL: %v", err)
		}
	}
}
