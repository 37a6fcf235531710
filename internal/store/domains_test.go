package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

func addDomain(env *storetest.Env, appID, host string) error {
	_, err := env.Store.UpdateApplication(ctx(), appID, 0, func(a *platform.Application) error {
		_, err := a.AddDomain(host, "apps.test", time.Now())
		return err
	})
	return err
}

// TestDomainGuard: a hostname belongs to one application at a time; a
// removed or torn-down application's hostname is free again.
func TestDomainGuard(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	a, b := newApp(p, "a"), newApp(p, "b")
	mustOK(t, env.Store.CreateApplication(ctx(), a))
	mustOK(t, env.Store.CreateApplication(ctx(), b))

	mustOK(t, addDomain(env, a.ID, "www.acme.test"))
	wantCode(t, addDomain(env, b.ID, "www.acme.test"), platform.CodeConflict)
	wantCode(t, addDomain(env, a.ID, "www.acme.test"), platform.CodeConflict)
	owner, err := env.Store.DomainOwner(ctx(), "www.acme.test")
	mustOK(t, err)
	if owner != a.ID {
		t.Fatalf("owner = %s, want %s", owner, a.ID)
	}
	got, err := env.Store.GetApplication(ctx(), b.ID)
	mustOK(t, err)
	if len(got.Domains) != 0 {
		t.Fatalf("the refused application kept the domain: %+v", got.Domains)
	}
	checks, err := env.Store.RouteChecks(ctx(), 10)
	mustOK(t, err)
	if len(checks) != 1 || checks[0] != a.ID {
		t.Fatalf("route checks = %v, want [%s]", checks, a.ID)
	}

	_, err = env.Store.UpdateApplication(ctx(), a.ID, 0, func(app *platform.Application) error { return app.RemoveDomain("www.acme.test") })
	mustOK(t, err)
	wantCode(t, func() error { _, err := env.Store.DomainOwner(ctx(), "www.acme.test"); return err }(), platform.CodeNotFound)
	mustOK(t, addDomain(env, b.ID, "www.acme.test"))

	// The teardown's delete frees the hostname and the marker at once.
	_, err = env.Store.DeleteApplication(ctx(), b.ID, "admin", time.Now(), func(*platform.Application) error { return nil })
	mustOK(t, err)
	wantCode(t, func() error { _, err := env.Store.DomainOwner(ctx(), "www.acme.test"); return err }(), platform.CodeNotFound)
	mustOK(t, addDomain(env, a.ID, "www.acme.test"))
	checks, err = env.Store.RouteChecks(ctx(), 10)
	mustOK(t, err)
	if len(checks) != 1 || checks[0] != a.ID {
		t.Fatalf("route checks after the teardown = %v, want [%s]", checks, a.ID)
	}

	// Routes applied and the domain active: no more work, no marker.
	_, err = env.Store.UpdateApplication(ctx(), a.ID, 0, func(app *platform.Application) error {
		app.ObserveRoutes(map[string]platform.RouteState{"www.acme.test": {Routed: true, Target: "lb", TLSReady: true}}, time.Now())
		app.RoutesApplied = app.RoutesSeq
		return nil
	})
	mustOK(t, err)
	checks, err = env.Store.RouteChecks(ctx(), 10)
	mustOK(t, err)
	if len(checks) != 0 {
		t.Fatalf("route checks = %v, want none", checks)
	}
}

// TestDomainRace: concurrent adds of one hostname to two applications:
// exactly one wins, the other is a conflict, and the winner holds the guard.
func TestDomainRace(t *testing.T) {
	env := storetest.New(t)
	if env.Embedded == nil {
		t.Skip("concurrent transactions are not isolated on moto_server (see TestConfigConcurrentWrites); the race runs on the embedded server")
	}
	p := seedProject(t, env, "acme", "shop")
	apps := []platform.Application{newApp(p, "a"), newApp(p, "b"), newApp(p, "c"), newApp(p, "d")}
	for _, a := range apps {
		mustOK(t, env.Store.CreateApplication(ctx(), a))
	}
	for round := 0; round < 5; round++ {
		host := []string{"r0.race.test", "r1.race.test", "r2.race.test", "r3.race.test", "r4.race.test"}[round]
		errs := make([]error, len(apps))
		var wg sync.WaitGroup
		for i, a := range apps {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = addDomain(env, a.ID, host) }()
		}
		wg.Wait()
		winner := ""
		for i, err := range errs {
			switch {
			case err == nil && winner == "":
				winner = apps[i].ID
			case err == nil:
				t.Fatalf("%s: two applications won", host)
			case !platform.IsCode(err, platform.CodeConflict):
				t.Fatalf("%s: %v, want a conflict", host, err)
			}
		}
		owner, err := env.Store.DomainOwner(ctx(), host)
		mustOK(t, err)
		if winner == "" || owner != winner {
			t.Fatalf("%s: winner %q, guard held by %q", host, winner, owner)
		}
		for _, a := range apps {
			got, err := env.Store.GetApplication(ctx(), a.ID)
			mustOK(t, err)
			if _, has := got.Domain(host); has != (a.ID == winner) {
				t.Fatalf("%s: application %s has it = %v", host, a.Slug, has)
			}
		}
	}
}
