package store_test

import (
	"time"

	"github.com/slipway-paas/slipway/internal/store"
)

func withClock(now *time.Time) store.Option { return store.WithClock(func() time.Time { return *now }) }
