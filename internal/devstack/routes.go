package devstack

import (
	"context"
	"log/slog"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// RouteCheckInterval is how often the local system runs the scheduled
// route check (AWS: every minute, an EventBridge schedule).
const RouteCheckInterval = 5 * time.Second

// localRoutes is the local system's route check: run at once after each
// domain change (the trigger) and every RouteCheckInterval.
type localRoutes struct {
	check   *pipeline.RouteCheck
	trigger *pipeline.LocalRouteTrigger
	stop    context.CancelFunc
	done    chan struct{}
}

// startRoutes wires the route check on the cluster (nil when it cannot
// route: then domain changes wait for a deploy); scheduled starts its
// schedule on the wall clock (tests on a virtual clock run CheckAll
// themselves).
func startRoutes(st pipeline.RouteStore, cluster pipeline.Cluster, now func() time.Time, scheduled bool) *localRoutes {
	router, ok := cluster.(pipeline.Router)
	if !ok {
		return nil
	}
	check := &pipeline.RouteCheck{Store: st, Router: router, Now: now}
	ctx, stop := context.WithCancel(context.Background())
	r := &localRoutes{check: check, trigger: &pipeline.LocalRouteTrigger{Check: check}, stop: stop, done: make(chan struct{})}
	if !scheduled {
		close(r.done)
		return r
	}
	go r.schedule(ctx)
	return r
}

func (r *localRoutes) schedule(ctx context.Context) {
	defer close(r.done)
	tick := time.NewTicker(RouteCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := r.check.CheckAll(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("scheduled route check failed", "error", err.Error())
			}
		}
	}
}

// close stops the schedule and waits for the checks under way.
func (r *localRoutes) close() {
	if r == nil {
		return
	}
	r.stop()
	<-r.done
	r.trigger.Wait()
}

// WaitRouteChecks waits until the route checks that domain changes
// started have ended (tests).
func (s *Stack) WaitRouteChecks() {
	if s.routes != nil {
		s.routes.trigger.Wait()
	}
}
