package github

import (
	"context"
	"time"
)

// Retry calls f up to attempts times (at least once) while it fails with a
// retryable error (IsRetryable), sleeping backoff(i) after failed attempt
// i (0-based) through sleep. It returns nil, the first error that is not
// retryable, or the last error; when sleep fails (the context ended) it
// returns the last error of f.
func Retry(ctx context.Context, attempts int, backoff func(i int) time.Duration, sleep func(ctx context.Context, d time.Duration) error, f func() error) error {
	var err error
	for i := 0; ; i++ {
		if err = f(); err == nil || !IsRetryable(err) || i+1 >= attempts {
			return err
		}
		if sleep(ctx, backoff(i)) != nil {
			return err
		}
	}
}

// Sleep waits for d or until ctx ends, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Exponential returns a backoff of base, 2·base, 4·base, … capped at max.
func Exponential(base, max time.Duration) func(i int) time.Duration {
	return func(i int) time.Duration {
		d := base
		for ; i > 0 && d < max; i-- {
			d *= 2
		}
		return min(d, max)
	}
}
