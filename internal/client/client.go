// Package client talks to the Circularo REST API. It knows nothing of Terraform: the provider
// adapts its Logger to tflog and turns its errors into diagnostics.
//
// Client makes single, stateless calls (client.go, endpoints.go) and turns every failure into one
// of the types of errors.go. Session composes what a provider run needs on top: authentication
// (auth.go), one shared list of keys (keylist.go), creates that never duplicate (create.go) and
// revocations in the form the server accepts (revoke.go).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
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

// Config holds everything a Client needs; zero values mean the documented defaults, except BaseURL.
type Config struct {
	// BaseURL is the Circularo host, as ParseBaseURL returned it: required. The client never
	// chooses a host itself (its caller defaults to DefaultURL and can say so), and checks a URL only
	// in ParseBaseURL, whose error the caller can report against the setting it came from.
	BaseURL *url.URL
	// APIPath is the path prefix of the REST API, one that passes ValidateAPIPath; empty means
	// DefaultAPIPath.
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
	budget    retryBudget
	retrying  *retryablehttp.Client // retries 429, 502-504 and connection errors
	careful   *retryablehttp.Client // for calls that must not run twice: retries only what never reached the server
	logger    Logger
}

// New returns a Client for a configuration whose URL and API path the caller has checked with
// ParseBaseURL and ValidateAPIPath. It makes no network call.
func New(cfg Config) *Client {
	if cfg.BaseURL == nil {
		panic("client.New: Config.BaseURL is required (use ParseBaseURL)")
	}
	if cfg.APIPath == "" {
		cfg.APIPath = DefaultAPIPath
	}
	base := *cfg.BaseURL // a copy: the caller's URL keeps its path
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
	c := &Client{
		base: &base, userAgent: cfg.UserAgent, timeout: cfg.RequestTimeout, logger: cfg.Logger,
		budget: retryBudget{retries: cfg.MaxRetries, waitMin: cfg.RetryWaitMin, waitMax: cfg.RetryWaitMax},
	}
	c.retrying = c.newRetryClient(httpClient, retryIdempotent)
	c.careful = c.newRetryClient(httpClient, retryUnsent)
	return c
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
		return nil, fmt.Errorf("%q is not an absolute http:// or https:// URL", excerpt([]byte(shown)))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not have a query or fragment", redactURL(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}))
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

// log sends one entry to the configured Logger, if any. Fields must hold no secret.
func (c *Client) log(ctx context.Context, msg string, fields map[string]any) {
	if c.logger != nil {
		c.logger.Debug(ctx, msg, fields)
	}
}

// retries is the retry budget of the configuration, for callers that repeat a call that the
// client does not retry itself (Session's creates).
func (c *Client) retries() retryBudget { return c.budget }

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
		return fmt.Errorf("build request %s %s: %w", cl.method, redactURL(&u), err)
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
		return &TransportError{Method: cl.method, URL: redactURL(&u), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return &TransportError{Method: cl.method, URL: redactURL(&u), Err: redactError(err), Answered: true}
	}
	return decodeAnswer(cl.method, redactURL(&u), resp, raw, cl.out)
}

// decodeAnswer turns an error answer into an error (checkResponse), and decodes a success into
// out unless out is nil.
func decodeAnswer(method, redactedURL string, resp *http.Response, raw []byte, out any) error {
	if err := checkResponse(method, redactedURL, resp.StatusCode, raw); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if !looksLikeJSON(resp.Header.Get("Content-Type"), raw) {
		return unreadableAnswer(method, redactedURL, resp.StatusCode, raw,
			fmt.Errorf("expected JSON, got %s", describeContentType(resp.Header.Get("Content-Type"))))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return unreadableAnswer(method, redactedURL, resp.StatusCode, raw, fmt.Errorf("invalid JSON: %w", scrubbed{err}))
	}
	return nil
}

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
	return excerpt([]byte(ct))
}

// redacted is the redacted URL of a path below the API path, for errors about its answer.
func (c *Client) redacted(path string) string {
	u := *c.base
	u.Path = c.base.Path + path
	return redactURL(&u)
}
