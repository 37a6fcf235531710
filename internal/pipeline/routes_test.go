package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// liveApp stores an application whose release v1 (processes as given) is
// live, and runs it on the simulator as the deploy step would.
func liveApp(t *testing.T, env *storetest.Env, c *sim.Cluster, now time.Time, processes map[string]string) platform.Application {
	t.Helper()
	ids := &platform.IDGenerator{Now: func() time.Time { return now }}
	app := platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	repo, branch := "acme/web", "main"
	app.GithubRepository, app.AutoDeployBranch = &repo, &branch
	app.Slug, app.ProjectSlug = "web"+app.ID[len(app.ID)-4:], "shop"+app.ID[len(app.ID)-4:]
	seedApplication(t, env, app)
	img := ids.NewID()
	for _, step := range []func(a *platform.Application) (platform.RecordWrites, error){
		func(a *platform.Application) (platform.RecordWrites, error) {
			_, w, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual}, img, now)
			return w, err
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			return a.RecordBuildSucceeded(img, "repo@sha256:1", strings.Repeat("a", 40), processes, now)
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			_, w, err := a.CreateRelease(img, ids.NewID(), now)
			return w, err
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			_, w, err := a.CreateDeployment(img, ids.NewID(), now)
			return w, err
		},
		func(a *platform.Application) (platform.RecordWrites, error) {
			w, _, err := a.CompletePipeline(img, now)
			return w, err
		},
	} {
		var err error
		if app, err = env.Store.UpdateApplicationRecords(context.Background(), app.ID, 0, step); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Apply(context.Background(), pipeline.WorkloadOf(app, *app.ServingRelease)); err != nil {
		t.Fatal(err)
	}
	return app
}

func addDomain(t *testing.T, env *storetest.Env, appID, host string, now time.Time) {
	t.Helper()
	if _, err := env.Store.UpdateApplication(context.Background(), appID, 0, func(a *platform.Application) error {
		_, err := a.AddDomain(host, platform.DefaultAppsDomain, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func domainStatus(t *testing.T, env *storetest.Env, appID, host string) platform.Domain {
	t.Helper()
	app, err := env.Store.GetApplication(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := app.Domain(host)
	return d
}

// TestRouteCheckStatusProgression: on a virtual clock, a domain added to
// a live application is routed by the first check (its routes applied
// once, without a rollout) and pending until its certificate is issued,
// then active; the check then has no more work. A release without a web
// process cannot serve a domain: an error with its detail.
func TestRouteCheckStatusProgression(t *testing.T) {
	env := storetest.New(t)
	clock := stepfn.NewVirtualClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	cfg := sim.DefaultConfig()
	cfg.CertificateDelay = 30 * time.Second
	c := sim.NewCluster(cfg, clock.Now)
	check := &pipeline.RouteCheck{Store: env.Store, Router: c, Now: clock.Now}
	ctx := context.Background()

	app := liveApp(t, env, c, clock.Now(), map[string]string{"web": "serve", "worker": "work"})
	addDomain(t, env, app.ID, "www.shop.test", clock.Now())
	if err := check.CheckAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Routes(app.ID); !slices.Contains(got, "www.shop.test → web") {
		t.Fatalf("routes: %v", got)
	}
	if d := domainStatus(t, env, app.ID, "www.shop.test"); d.Status != platform.DomainPending || d.Target != "ingress.apps.localhost" {
		t.Fatalf("before the certificate: %+v", d)
	}
	clock.Advance(10 * time.Second)
	check.CheckAll(ctx)
	if d := domainStatus(t, env, app.ID, "www.shop.test"); d.Status != platform.DomainPending {
		t.Fatalf("10 s in: %+v", d)
	}
	clock.Advance(20 * time.Second)
	if err := check.CheckAll(ctx); err != nil {
		t.Fatal(err)
	}
	if d := domainStatus(t, env, app.ID, "www.shop.test"); d.Status != platform.DomainActive || d.Detail != nil {
		t.Fatalf("30 s in: %+v", d)
	}
	if ids, _ := env.Store.RouteChecks(ctx, 10); len(ids) != 0 {
		t.Fatalf("work left: %v", ids)
	}

	noWeb := liveApp(t, env, c, clock.Now(), map[string]string{"worker": "work"})
	addDomain(t, env, noWeb.ID, "api.shop.test", clock.Now())
	if err := check.Check(ctx, noWeb.ID); err != nil {
		t.Fatal(err)
	}
	if d := domainStatus(t, env, noWeb.ID, "api.shop.test"); d.Status != platform.DomainError || !strings.Contains(*d.Detail, "no web process") {
		t.Fatalf("no web process: %+v", d)
	}

	// Not yet deployed: pending until DomainPendingLimit, then an error
	// that says what is missing.
	ids := &platform.IDGenerator{Now: clock.Now}
	fresh := platform.Application{ID: ids.NewID(), Slug: "new", ProjectID: ids.NewID(), ProjectSlug: "fresh", OrganizationSlug: "acme", Settings: platform.DefaultSettings()}
	seedApplication(t, env, fresh)
	addDomain(t, env, fresh.ID, "new.shop.test", clock.Now())
	check.Check(ctx, fresh.ID)
	if d := domainStatus(t, env, fresh.ID, "new.shop.test"); d.Status != platform.DomainPending {
		t.Fatalf("undeployed: %+v", d)
	}
	clock.Advance(platform.DomainPendingLimit + time.Minute)
	check.Check(ctx, fresh.ID)
	if d := domainStatus(t, env, fresh.ID, "new.shop.test"); d.Status != platform.DomainError || !strings.Contains(*d.Detail, "does not route it yet") {
		t.Fatalf("undeployed after the limit: %+v", d)
	}
	// A deleted application is no error.
	if err := check.Check(ctx, ids.NewID()); err != nil {
		t.Fatalf("a missing application: %v", err)
	}
}

// TestRouteChecksHandler: PipelineFunction routes route check payloads to
// the check and everything else on.
func TestRouteChecksHandler(t *testing.T) {
	env := storetest.New(t)
	c := sim.NewCluster(sim.DefaultConfig(), nil)
	check := &pipeline.RouteCheck{Store: env.Store, Router: c, Now: time.Now}
	passed := 0
	h := pipeline.RouteChecks(check, func(context.Context, json.RawMessage) (json.RawMessage, error) {
		passed++
		return json.RawMessage(`{}`), nil
	})
	ctx := context.Background()
	if out, err := h(ctx, json.RawMessage(`{"step":"check_routes"}`)); err != nil || string(out) != `{"checked":true}` {
		t.Fatalf("scheduled check: %s %v", out, err)
	}
	var invalid *pipeline.InvalidInvocationError
	if _, err := h(ctx, json.RawMessage(`{"step":"check_routes","application_id":"nope"}`)); !errors.As(err, &invalid) {
		t.Fatalf("a bad application id: %v", err)
	}
	if _, err := h(ctx, json.RawMessage(`{"step":"deploy","run":{}}`)); err != nil || passed != 1 {
		t.Fatalf("a step was not passed on: %v %d", err, passed)
	}
}
