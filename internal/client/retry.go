package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryBudget is how often and how patiently a call may be repeated: the configuration's
// max_retries and retry waits.
type retryBudget struct {
	retries          int // retries after the first attempt
	waitMin, waitMax time.Duration
}

// wait is the pause before retry number attempt+1 (attempt counts from 0).
func (b retryBudget) wait(attempt int) time.Duration {
	return backoffWithJitter(b.waitMin, b.waitMax, attempt, nil)
}

func (c *Client) newRetryClient(httpClient *http.Client, policy func(resp *http.Response, err error) bool) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = httpClient
	rc.Logger = nil // its log lines carry full URLs: we log through hooks with redaction instead
	rc.RetryMax = c.budget.retries
	rc.RetryWaitMin = c.budget.waitMin
	rc.RetryWaitMax = c.budget.waitMax
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
			"method": req.Method, "url": redactURL(req.URL), "attempt": attempt + 1,
		})
	}
	rc.ResponseLogHook = func(_ retryablehttp.Logger, resp *http.Response) {
		fields := map[string]any{"method": resp.Request.Method, "url": redactURL(resp.Request.URL), "status": resp.StatusCode}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			fields["retry_after"] = ra
		}
		c.log(resp.Request.Context(), "Circularo API response", fields)
	}
	return rc
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
	return resp.StatusCode == http.StatusTooManyRequests || isGatewayStatus(resp.StatusCode)
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
