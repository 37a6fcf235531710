package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// Router applies and reads a workload's routes: the Ingresses of its web
// processes (the kube adapter and the simulator).
type Router interface {
	// ApplyRoutes applies the workload's Ingresses only (never its
	// Deployments) and deletes those it no longer renders.
	ApplyRoutes(ctx context.Context, w Workload) error
	RouteReader
}

// RouteStore is what the route check reads and writes.
type RouteStore interface {
	GetApplication(ctx context.Context, id string) (platform.Application, error)
	UpdateApplication(ctx context.Context, id string, ifVersion int64, mutate func(*platform.Application) error) (platform.Application, error)
	// RouteChecks lists the applications with routes to apply or domains
	// not active (at most limit).
	RouteChecks(ctx context.Context, limit int) ([]string, error)
}

// StepCheckRoutes is the step of the route check's payload
// {"step": "check_routes", "application_id": "<id>"|""}: the EventBridge
// schedule sends it without an application (every application with work),
// a domain change with its application.
const StepCheckRoutes = "check_routes"

// MaxRouteChecks bounds the applications one scheduled check handles.
const MaxRouteChecks = 100

// RouteCheck is the one place the cluster's routes follow the
// applications' domains: it applies the Ingresses of an application whose
// domains changed (RoutesStale) and records what the cluster reports of
// each domain (pending → active, or error). The API never calls the
// cluster: a domain change starts a check (RouteTrigger), and a schedule
// runs one every minute as well, for certificates that take their time
// and for a trigger that was lost.
type RouteCheck struct {
	Store  RouteStore
	Router Router
	Now    func() time.Time
}

// RoutedRelease is the release whose objects the cluster runs: the newest
// release while its deployment is in progress or complete, else the
// serving one; nil when no release reached the cluster.
func RoutedRelease(app platform.Application) *platform.Release {
	rel, dep := app.LatestRelease, app.LatestDeployment
	if rel != nil && dep != nil && dep.ReleaseID == rel.ID && (dep.Status == platform.StatusInProgress || dep.Status == platform.StatusComplete) {
		return rel
	}
	return app.ServingRelease
}

// Check brings one application's routes up to date: applies its
// Ingresses when its domains changed since they were last applied, reads
// the route status and records it on the domains. An application gone
// (deleted) is no error.
func (r *RouteCheck) Check(ctx context.Context, appID string) error {
	app, err := r.Store.GetApplication(ctx, appID)
	if platform.IsCode(err, platform.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	seq := app.RoutesSeq
	states := map[string]platform.RouteState{}
	if rel := RoutedRelease(app); rel != nil {
		w := WorkloadOf(app, *rel)
		if app.RoutesStale() {
			if err := r.Router.ApplyRoutes(ctx, w); err != nil {
				return err
			}
		}
		if states, err = r.Router.RouteStatus(ctx, w); err != nil {
			return err
		}
		if _, ok := rel.Processes["web"]; !ok {
			for _, d := range app.Domains {
				states[d.Hostname] = platform.RouteState{Problem: "the live release has no web process to serve the domain"}
			}
		}
	}
	now := r.Now().UTC()
	_, err = r.Store.UpdateApplication(ctx, appID, 0, func(a *platform.Application) error {
		a.ObserveRoutes(states, now)
		if a.RoutesApplied < seq {
			a.RoutesApplied = seq
		}
		return nil
	})
	if platform.IsCode(err, platform.CodeNotFound) {
		return nil
	}
	return err
}

// CheckAll checks every application with work (MaxRouteChecks at a time;
// the next run takes the rest). One application's failure does not stop
// the others; the errors are joined.
func (r *RouteCheck) CheckAll(ctx context.Context) error {
	ids, err := r.Store.RouteChecks(ctx, MaxRouteChecks)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := r.Check(ctx, id); err != nil {
			slog.WarnContext(ctx, "route check failed", "application_id", id, "error", err.Error())
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RouteCheckPayload is the payload of a route check invocation.
type RouteCheckPayload struct {
	Step          string `json:"step"`
	ApplicationID string `json:"application_id,omitempty"`
}

// HandleRouteCheck runs a route check payload: one application's, or
// every application's with work when it names none.
func (r *RouteCheck) HandleRouteCheck(ctx context.Context, p RouteCheckPayload) (json.RawMessage, error) {
	var err error
	if p.ApplicationID == "" {
		err = r.CheckAll(ctx)
	} else if !platform.IsUUID(p.ApplicationID) {
		return nil, &InvalidInvocationError{Reason: "application_id must be a UUID"}
	} else {
		err = r.Check(ctx, p.ApplicationID)
	}
	if err != nil {
		return nil, transient(err)
	}
	return json.RawMessage(`{"checked":true}`), nil
}

// Handler is a Lambda JSON handler.
type Handler func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// RouteChecks sends route check payloads to r and everything else to next
// (PipelineFunction's entry point).
func RouteChecks(r *RouteCheck, next Handler) Handler {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		var p RouteCheckPayload
		if json.Unmarshal(payload, &p) == nil && p.Step == StepCheckRoutes {
			return r.HandleRouteCheck(ctx, p)
		}
		return next(ctx, payload)
	}
}

// RouteTrigger starts a route check of one application without waiting
// for it (an asynchronous invocation of PipelineFunction in AWS, a
// goroutine locally): the API's way to get a domain change to the
// cluster at once without cluster access of its own.
type RouteTrigger interface {
	TriggerRouteCheck(ctx context.Context, appID string) error
}

// LocalRouteTrigger runs the check in the background (the local
// system); Wait waits for the checks started.
type LocalRouteTrigger struct {
	Check *RouteCheck
	wg    sync.WaitGroup
}

// TriggerRouteCheck starts the check and returns at once.
func (t *LocalRouteTrigger) TriggerRouteCheck(ctx context.Context, appID string) error {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if err := t.Check.Check(context.WithoutCancel(ctx), appID); err != nil {
			slog.Warn("route check failed", "application_id", appID, "error", err.Error())
		}
	}()
	return nil
}

// Wait waits until every check started has ended.
func (t *LocalRouteTrigger) Wait() { t.wg.Wait() }

// WebHosts are the hosts of each web process (procfile.KindWeb) of the
// workload: its default host on appsDomain (platform.DefaultHost), and for
// the "web" process the custom domains after it. No apps domain, or no
// web process: nothing is routed.
func (w Workload) WebHosts(appsDomain string) map[string][]string {
	out := map[string][]string{}
	if appsDomain == "" {
		return out
	}
	for process := range w.Processes {
		if procfile.KindOf(process) != procfile.KindWeb {
			continue
		}
		hosts := []string{platform.DefaultHost(process, w.ApplicationSlug, w.ProjectSlug, w.OrganizationSlug, appsDomain)}
		if process == "web" {
			domains := append([]string(nil), w.Domains...)
			sort.Strings(domains)
			hosts = append(hosts, domains...)
		}
		out[process] = hosts
	}
	return out
}
