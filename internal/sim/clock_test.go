package sim

import (
	"time"

	"github.com/slipway-paas/slipway/internal/stepfn"
)

var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// newClock is the tests' virtual clock, reading epoch.
func newClock() *stepfn.VirtualClock { return stepfn.NewVirtualClock(epoch) }

// advanceTo moves the clock forward to t.
func advanceTo(c *stepfn.VirtualClock, t time.Time) { c.Advance(t.Sub(c.Now())) }
