// Package client talks to the Circularo REST API. It knows nothing of Terraform: the provider
// adapts its Logger to tflog and turns its errors into diagnostics.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Defaults match the provider's documented defaults.
const (
	DefaultURL            = "https://sandbox.circularo.com"
	DefaultAPIPath        = "/api/v1"
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 4
)

// maxBodyBytes bounds what one answer may hold: 5,000 keys take about 1 MiB.
const maxBodyBytes = 64 << 20

// Logger receives one entry per HTTP attempt. Fields never hold a secret.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

// Config holds everything a Client needs; zero values mean the documented defaults.
type Config struct {
	URL            string
	APIPath        string
	UserAgent      string
	RequestTimeout time.Duration // bounds one API call, retries included
	MaxRetries     int           // retries after the first attempt; negative means none
	RetryWaitMin   time.Duration
	RetryWaitMax   time.Duration
	HTTPClient     *http.Client // the transport to use; nil means a pooled client
	Logger         Logger
}

// Client makes single, stateless API calls; Session adds credentials on top.
type Client struct {
	base      *url.URL
	userAgent string
	timeout   time.Duration
	retrying  *retryablehttp.Client // retries 429, 502-504 and connection errors
	careful   *retryablehttp.Client // for calls that must not run twice: retries only what never reached the server
	logger    Logger
}

// New validates the configuration and returns a Client. It makes no network call.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.APIPath == "" {
		cfg.APIPath = DefaultAPIPath
	}
	base, err := ParseBaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if err := ValidateAPIPath(cfg.APIPath); err != nil {
		return nil, err
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + strings.TrimSuffix(cfg.APIPath, "/")
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 500 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 30 * time.Second
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = cleanhttp.DefaultPooledClient()
	}
	c := &Client{base: base, userAgent: cfg.UserAgent, timeout: cfg.RequestTimeout, logger: cfg.Logger}
	c.retrying = c.newRetryClient(httpClient, cfg, retryIdempotent)
	c.careful = c.newRetryClient(httpClient, cfg, retryUnsent)
	return c, nil
}

// ParseBaseURL checks that raw is an absolute http(s) URL without query or fragment.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return nil, fmt.Errorf("the URL must not contain credentials: use username and password, or token")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// A value that does not parse may still hold a password before an @: leave that part out.
		shown := raw
		if i := strings.LastIndex(shown, "@"); i >= 0 {
			shown = "..." + shown[i:]
		}
		return nil, fmt.Errorf("%q is not an absolute http:// or https:// URL", Excerpt([]byte(shown)))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not have a query or fragment", RedactURL(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}))
	}
	return u, nil
}

// ValidateAPIPath checks the path prefix of the REST API, such as /api/v1.
func ValidateAPIPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must start with a slash, like /api/v1", p)
	}
	if strings.ContainsAny(p, "?#") {
		return fmt.Errorf("%q must be a plain path, without query or fragment", p)
	}
	return nil
}

func (c *Client) newRetryClient(httpClient *http.Client, cfg Config, policy func(resp *http.Response, err error) bool) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = httpClient
	rc.Logger = nil // its log lines carry full URLs: we log through hooks with redaction instead
	rc.RetryMax = cfg.MaxRetries
	rc.RetryWaitMin = cfg.RetryWaitMin
	rc.RetryWaitMax = cfg.RetryWaitMax
	rc.Backoff = backoffWithJitter
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !policy(resp, err) {
			return false, nil
		}
		// A Retry-After that ends after the call's deadline cannot be honoured: return the
		// answer now rather than wait and fail with a bare timeout.
		if wait, ok := retryAfter(resp); ok {
			if deadline, has := ctx.Deadline(); has && time.Now().Add(wait).After(deadline) {
				return false, nil
			}
		}
		return true, nil
	}
	// Return the last answer or error as is, so that errors name the status, not "giving up".
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		c.log(req.Context(), "Circularo API request", map[string]any{
			"method": req.Method, "url": RedactURL(req.URL), "attempt": attempt + 1,
		})
	}
	rc.ResponseLogHook = func(_ retryablehttp.Logger, resp *http.Response) {
		fields := map[string]any{"method": resp.Request.Method, "url": RedactURL(resp.Request.URL), "status": resp.StatusCode}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			fields["retry_after"] = ra
		}
		c.log(resp.Request.Context(), "Circularo API response", fields)
	}
	return rc
}

func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.logger != nil {
		c.logger.Debug(ctx, msg, fields)
	}
}

// retryAfter returns the wait that the answer's Retry-After header asks for, where the library
// honours it (429 and 503).
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil || resp.Header.Get("Retry-After") == "" {
		return 0, false
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	// The library parses the header too, but cannot tell "0" (retry now) from no header.
	value := resp.Header.Get("Retry-After")
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil && secs >= 0 {
		return time.Duration(min(secs, maxRetryAfterSeconds)) * time.Second, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(time.Until(at), 0), true
	}
	return 0, false
}

// maxRetryAfterSeconds keeps a huge Retry-After from overflowing: a year is past any timeout.
const maxRetryAfterSeconds = 365 * 24 * 3600

// retryIdempotent retries throttling, gateway errors and connection failures.
func retryIdempotent(resp *http.Response, err error) bool {
	if err != nil {
		return isTransientTransportError(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryUnsent retries only when the server provably did not act: it refused to take the request
// (429) or the connection was never made. A 502/503/504 or a reset may come after the server acted.
func retryUnsent(resp *http.Response, err error) bool {
	if err != nil {
		return neverSent(err)
	}
	return resp.StatusCode == http.StatusTooManyRequests
}

func isTransientTransportError(err error) bool {
	// Reuse the library's judgement of what is not worth retrying (bad scheme, TLS certificates, ...).
	retry, _ := retryablehttp.DefaultRetryPolicy(context.Background(), nil, err)
	return retry
}

// neverSent reports whether the request failed before a connection existed, so the server never saw it.
func neverSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoffWithJitter is exponential backoff with "equal jitter" (half fixed, half random), which
// spreads the retries of parallel resources; a Retry-After header is honoured as given.
func backoffWithJitter(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if wait, ok := retryAfter(resp); ok {
		return wait
	}
	wait := retryablehttp.DefaultBackoff(minWait, maxWait, attempt, nil)
	half := wait / 2
	if half <= 0 {
		return wait
	}
	return half + rand.N(half+1)
}

// call is one API call: a method, a path below the API path, an optional token, a body and a result.
type call struct {
	method string
	path   string
	token  string
	body   any
	out    any
	once   bool // the call creates something: never send it twice blindly
}

func (c *Client) do(parent context.Context, cl call) error {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()

	u := *c.base
	u.Path = c.base.Path + cl.path
	if cl.token != "" {
		u.RawQuery = url.Values{"token": {cl.token}}.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("build request %s %s: %w", cl.method, RedactURL(&u), err)
	}
	req.Header.Set("Accept", "application/json")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}

	httpClient := c.retrying
	if cl.once {
		httpClient = c.careful
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		err = redactError(err)
		if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
			err = fmt.Errorf("no answer within the request timeout of %s, retries included: %w", c.timeout, err)
		}
		return &TransportError{Method: cl.method, URL: RedactURL(&u), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return &TransportError{Method: cl.method, URL: RedactURL(&u), Err: redactError(err), Answered: true}
	}
	return decodeAnswer(cl.method, RedactURL(&u), resp, raw, cl.out)
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

// MaybeReachedServer reports whether a failed call may still have been carried out by the server.
func MaybeReachedServer(err error) bool {
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

// RetryableFailure reports whether a failed call is of the kind that the client retries: a
// connection failure, throttling or a gateway error. Other errors would fail again.
func RetryableFailure(err error) bool {
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

func decodeAnswer(method, redactedURL string, resp *http.Response, raw []byte, out any) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := &APIError{Method: method, URL: redactedURL, StatusCode: resp.StatusCode}
		if found := parseServerErrors(raw); len(found) > 0 {
			apiErr.Code, apiErr.Message = found[0].Code, found[0].Message
			if len(found) > 1 {
				apiErr.More = found[1:]
			}
		} else if len(bytes.TrimSpace(raw)) > 0 {
			apiErr.Excerpt = Excerpt(raw)
		}
		return apiErr
	}
	if out == nil {
		return nil
	}
	if !looksLikeJSON(resp.Header.Get("Content-Type"), raw) {
		return &APIError{Method: method, URL: redactedURL, StatusCode: resp.StatusCode, Excerpt: Excerpt(raw),
			Cause: fmt.Errorf("expected JSON, got %s", describeContentType(resp.Header.Get("Content-Type")))}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &APIError{Method: method, URL: redactedURL, StatusCode: resp.StatusCode, Excerpt: Excerpt(raw),
			Cause: fmt.Errorf("invalid JSON: %w", scrubbed{err})}
	}
	return nil
}

// scrubbed masks token-shaped text in an error from decoding: encoding/json quotes the numbers it
// cannot store, and our own errors quote the values they reject.
type scrubbed struct{ err error }

func (s scrubbed) Error() string {
	return longTokenPattern.ReplaceAllString(s.err.Error(), "[REDACTED]")
}
func (s scrubbed) Unwrap() error { return s.err }

func looksLikeJSON(contentType string, raw []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "text/xml") {
		return false
	}
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

func describeContentType(ct string) string {
	if ct == "" {
		return "a body without content type"
	}
	return Excerpt([]byte(ct))
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// Login opens a session with name and password: POST /login.
func (c *Client) Login(ctx context.Context, r LoginRequest) (*LoginResult, error) {
	r.ReturnToken = true
	var out LoginResult
	// Retried like a read: a duplicate session after a lost answer is harmless and expires, while
	// failing a whole run on one 503 is not.
	if err := c.do(ctx, call{method: http.MethodPost, path: "/login", body: r, out: &out}); err != nil {
		return nil, err
	}
	if out.Token == "" {
		return nil, &APIError{Method: http.MethodPost, URL: c.redacted("/login"), StatusCode: http.StatusOK,
			Cause: errors.New("the login answer holds no token")}
	}
	return &out, nil
}

// Unlock sends second factors for a locked session: POST /login/unlock.
func (c *Client) Unlock(ctx context.Context, token string, factors ...Factor) (*UnlockResult, error) {
	var out UnlockResult
	err := c.do(ctx, call{method: http.MethodPost, path: "/login/unlock", token: token,
		body: map[string]any{"factors": factors}, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// WhoAmI returns the login-shaped answer for a token: GET /login?returnToken=true.
func (c *Client) WhoAmI(ctx context.Context, token string) (*LoginResult, error) {
	var out LoginResult
	if err := c.do(ctx, call{method: http.MethodGet, path: "/login", token: token, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Logout ends a session: GET /logout. Never call it with an API key.
func (c *Client) Logout(ctx context.Context, token string) error {
	return c.do(ctx, call{method: http.MethodGet, path: "/logout", token: token})
}

// ListKeys returns every API key of the token's user: GET /api/key.
func (c *Client) ListKeys(ctx context.Context, token string) ([]APIKey, error) {
	var out keyListJSON
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/key", token: token, out: &out}); err != nil {
		return nil, err
	}
	return out.toAPIKeys(c.redacted("/api/key"))
}

// keyListJSON is the answer of GET /api/key. Results is a pointer so that an answer without a
// "results" list (a proxy's "{}") is an error, not a user without keys: that would read as every
// key revoked.
type keyListJSON struct {
	Results *[]apiKeyJSON `json:"results"`
}

func (l keyListJSON) toAPIKeys(redactedURL string) ([]APIKey, error) {
	if l.Results == nil {
		return nil, &APIError{Method: http.MethodGet, URL: redactedURL, StatusCode: http.StatusOK,
			Cause: errors.New(`the answer has no "results" list of keys`)}
	}
	keys := make([]APIKey, 0, len(*l.Results))
	for i, j := range *l.Results {
		k, err := j.toAPIKey()
		if err != nil {
			return nil, &APIError{Method: http.MethodGet, URL: redactedURL, StatusCode: http.StatusOK,
				Cause: fmt.Errorf("results[%d]: %w", i, scrubbed{err})}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// CreateKey creates an API key: POST /api/key. It is never retried once it may have reached the
// server; Session.CreateKey recovers such failures without creating a duplicate.
func (c *Client) CreateKey(ctx context.Context, token, description string) (*APIKey, error) {
	var out apiKeyJSON
	err := c.do(ctx, call{method: http.MethodPost, path: "/api/key", token: token,
		body: map[string]string{"description": description}, out: &out, once: true})
	if err != nil {
		return nil, err
	}
	k, err := out.toAPIKey()
	if err != nil {
		return nil, &APIError{Method: http.MethodPost, URL: c.redacted("/api/key"), StatusCode: http.StatusOK, Cause: scrubbed{err}}
	}
	return &k, nil
}

// DeleteKey revokes a key at once: DELETE /api/key/<value>. With an empty token it sends no
// ?token=, as the public example does; Session.DeleteKey picks the form the server wants. A 404 is
// returned as ErrNotFound.
func (c *Client) DeleteKey(ctx context.Context, token, value string) error {
	if value == "" || strings.ContainsAny(value, "/?#%") {
		return errors.New("refusing to delete a key whose value is empty or not a plain token")
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "/api/key/" + value, token: token})
}

func (c *Client) redacted(path string) string {
	u := *c.base
	u.Path = c.base.Path + path
	return RedactURL(&u)
}
