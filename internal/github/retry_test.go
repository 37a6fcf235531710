package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"
)

func TestRetry(t *testing.T) {
	retryable := &APIError{Status: 502, Retryable: true}
	final := &APIError{Status: 404}
	errSleep := errors.New("sleep interrupted")
	for _, tc := range []struct {
		name      string
		attempts  int
		results   []error // f's answers in turn; the last repeats
		sleepErr  error
		want      error
		wantCalls int
		wantWaits string
	}{
		{"first try", 3, []error{nil}, nil, nil, 1, "[]"},
		{"not retryable", 3, []error{final}, nil, final, 1, "[]"},
		{"retryable then ok", 3, []error{retryable, nil}, nil, nil, 2, "[1s]"},
		{"retryable then not", 3, []error{retryable, final}, nil, final, 2, "[1s]"},
		{"exhausted", 3, []error{retryable}, nil, retryable, 3, "[1s 2s]"},
		{"one attempt", 1, []error{retryable}, nil, retryable, 1, "[]"},
		{"zero attempts still calls once", 0, []error{retryable}, nil, retryable, 1, "[]"},
		{"sleep fails: last error", 3, []error{retryable}, errSleep, retryable, 1, "[1s]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var waits []time.Duration
			err := Retry(context.Background(), tc.attempts, Exponential(time.Second, time.Minute),
				func(_ context.Context, d time.Duration) error { waits = append(waits, d); return tc.sleepErr },
				func() error {
					calls++
					return tc.results[min(calls, len(tc.results))-1]
				})
			if err != tc.want || calls != tc.wantCalls || fmt.Sprint(waits) != tc.wantWaits {
				t.Fatalf("Retry = %v after %d calls, waits %v; want %v, %d, %s", err, calls, waits, tc.want, tc.wantCalls, tc.wantWaits)
			}
		})
	}
}

func TestExponential(t *testing.T) {
	b := Exponential(time.Second, 10*time.Second)
	var got []time.Duration
	for i := range 7 {
		got = append(got, b(i))
	}
	if fmt.Sprint(got) != "[1s 2s 4s 8s 10s 10s 10s]" {
		t.Fatalf("backoff %v", got)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v", err)
	}
}

func TestIsRetryable(t *testing.T) {
	transport := &url.Error{Op: "Post", URL: "https://api.github.com", Err: errors.New("connection reset by peer")}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"retryable API error", fmt.Errorf("wrapped: %w", &APIError{Status: 500, Retryable: true}), true},
		{"final API error", &APIError{Status: 422}, false},
		{"transport failure", transport, true},
		{"caller's context ended", &url.Error{Op: "Post", URL: "u", Err: context.Canceled}, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"other", errors.New("bad input"), false},
		{"nil", nil, false},
	} {
		if got := IsRetryable(tc.err); got != tc.want {
			t.Errorf("%s: IsRetryable = %v", tc.name, got)
		}
	}
}

func TestAPIErrorRetryable(t *testing.T) {
	for _, tc := range []struct {
		status  int
		headers map[string]string
		want    bool
	}{
		{500, nil, true},
		{502, nil, true},
		{429, nil, true},
		{403, map[string]string{"X-RateLimit-Remaining": "0"}, true},
		{403, map[string]string{"Retry-After": "60"}, true},
		{403, map[string]string{"X-RateLimit-Remaining": "12"}, false},
		{403, nil, false},
		{404, nil, false},
		{422, nil, false},
		{401, nil, false},
	} {
		t.Run(fmt.Sprint(tc.status, tc.headers), func(t *testing.T) {
			clk := newClock()
			f := newFakeGitHub(t, clk)
			f.Fail(func(string, int) (int, string, bool) { return tc.status, `{"message":"m"}`, true }, tc.headers)
			_, err := f.app().InstallationToken(context.Background(), installation)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tc.status || apiErr.Retryable != tc.want || apiErr.Message != "m" {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}
