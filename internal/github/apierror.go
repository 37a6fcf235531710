package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// APIError is a GitHub REST API answer Slipway did not expect: a non-2xx
// status, or a 2xx that is not the one asked for (202 from Create a
// deployment). Retryable is true for 5xx, 429, and 403 when the rate limit
// is spent (x-ratelimit-remaining: 0) or GitHub asks to wait (Retry-After,
// its secondary rate limit), and for a 401 on a call made with a cached
// installation token (the token is dropped; the next attempt gets a new one).
type APIError struct {
	Op        string // "POST /repos/o/r/deployments"
	Status    int
	Message   string // GitHub's "message", else the status text
	Retryable bool
}

func (e *APIError) Error() string {
	return fmt.Sprintf("github: %s: %d %s", e.Op, e.Status, e.Message)
}

func newAPIError(op string, resp *http.Response, message string) *APIError {
	if message == "" {
		message = http.StatusText(resp.StatusCode)
	}
	return &APIError{Op: op, Status: resp.StatusCode, Message: message, Retryable: retryable(resp)}
}

func retryable(resp *http.Response) bool {
	switch s := resp.StatusCode; {
	case s >= 500, s == http.StatusTooManyRequests:
		return true
	case s == http.StatusForbidden:
		return resp.Header.Get("X-Ratelimit-Remaining") == "0" || resp.Header.Get("Retry-After") != ""
	}
	return false
}

// IsRetryable reports whether another attempt may succeed: a retryable
// *APIError, or a transport failure (connection refused or reset, a
// timeout) that is not the caller's context ending.
func IsRetryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Retryable
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr)
}
