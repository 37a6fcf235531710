package secrets

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
)

// Callers that arrive while a fetch is in flight wait for it and share its
// result, value or error. synctest.Wait returns once every caller is
// blocked (the first in GetSecretValue, the rest waiting on it).
func TestConcurrentCallersShareOneFetch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		wantErr bool
	}{
		{"value", nil, false},
		{"error", errors.New("throttled"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := &fakeAPI{value: "v1", err: tc.err, release: make(chan struct{})}
				cache := &Cache{Client: api}
				const callers = 8
				results := make([]string, callers)
				errs := make([]error, callers)
				var wg sync.WaitGroup
				for i := range callers {
					wg.Go(func() {
						v, err := cache.Get(context.Background(), testARN)
						results[i], errs[i] = string(v), err
					})
				}
				synctest.Wait()
				close(api.release)
				wg.Wait()
				if api.Calls() != 1 {
					t.Fatalf("%d GetSecretValue calls, want 1", api.Calls())
				}
				for i := range callers {
					if (errs[i] != nil) != tc.wantErr || (!tc.wantErr && results[i] != "v1") {
						t.Fatalf("caller %d: %q, %v", i, results[i], errs[i])
					}
				}
			})
		})
	}
}

// When the caller whose fetch others wait for gives up (its context
// ends), a waiting caller with a live context fetches for itself.
func TestLeaderCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &fakeAPI{value: "v1", release: make(chan struct{})}
		cache := &Cache{Client: api}
		leaderCtx, cancel := context.WithCancel(context.Background())
		var leaderErr error
		var wg sync.WaitGroup
		wg.Go(func() { _, leaderErr = cache.Get(leaderCtx, testARN) })
		synctest.Wait() // the leader is in GetSecretValue
		var got []byte
		var err error
		wg.Go(func() { got, err = cache.Get(context.Background(), testARN) })
		synctest.Wait() // the follower waits on the leader
		cancel()
		synctest.Wait() // the follower fetched again and waits in GetSecretValue
		close(api.release)
		wg.Wait()
		if !errors.Is(leaderErr, context.Canceled) {
			t.Fatalf("leader: %v", leaderErr)
		}
		if err != nil || string(got) != "v1" || api.Calls() != 2 {
			t.Fatalf("follower: %q, %v after %d calls", got, err, api.Calls())
		}
	})
}

// A waiting caller whose own context ends stops waiting.
func TestFollowerCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &fakeAPI{value: "v1", release: make(chan struct{})}
		cache := &Cache{Client: api}
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = cache.Get(context.Background(), testARN) })
		synctest.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		var err error
		wg.Go(func() { _, err = cache.Get(ctx, testARN) })
		synctest.Wait()
		cancel()
		synctest.Wait()
		if api.Calls() != 1 {
			t.Fatalf("the canceled follower fetched: %d calls", api.Calls())
		}
		close(api.release)
		wg.Wait()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("follower: %v", err)
		}
	})
}
