package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

var ids = &platform.IDGenerator{}

func ctx() context.Context { return context.Background() }

func wantCode(t *testing.T, err error, code platform.ErrorCode) {
	t.Helper()
	if got := platform.CodeOf(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seedProject(t *testing.T, env *storetest.Env, orgSlug, projectSlug string) platform.Project {
	t.Helper()
	org := platform.Organization{ID: ids.NewID(), Name: orgSlug, Slug: orgSlug, Created: time.Now().UTC()}
	if err := env.Store.CreateOrganization(ctx(), org); err != nil && !platform.IsCode(err, platform.CodeConflict) {
		t.Fatal(err)
	}
	p := platform.Project{ID: ids.NewID(), OrganizationID: org.ID, OrganizationSlug: orgSlug, Name: projectSlug, Slug: projectSlug, Created: time.Now().UTC()}
	mustOK(t, env.Store.CreateProject(ctx(), p))
	return p
}

func newApp(p platform.Project, slug string) platform.Application {
	return platform.Application{
		ID: ids.NewID(), Name: slug, Slug: slug, ProjectID: p.ID, ProjectSlug: p.Slug,
		OrganizationID: p.OrganizationID, OrganizationSlug: p.OrganizationSlug, Platform: platform.DefaultPlatform,
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings(),
	}
}

func TestOrganizations(t *testing.T) {
	env := storetest.New(t)
	var created []string
	for i := range 5 {
		slug := fmt.Sprintf("org-%d", i)
		mustOK(t, env.Store.CreateOrganization(ctx(), platform.Organization{ID: ids.NewID(), Name: slug, Slug: slug}))
		created = append(created, slug)
	}
	wantCode(t, env.Store.CreateOrganization(ctx(), platform.Organization{ID: ids.NewID(), Slug: "org-1"}), platform.CodeConflict)

	got, err := env.Store.GetOrganization(ctx(), "org-3")
	mustOK(t, err)
	if got.Slug != "org-3" {
		t.Fatalf("got %+v", got)
	}
	_, err = env.Store.GetOrganization(ctx(), "nope")
	wantCode(t, err, platform.CodeNotFound)

	// Pages of two, newest first, has_more exact on the boundary.
	var seen []string
	page := platform.PageRequest{Limit: 2}
	for i := 0; ; i++ {
		p, err := env.Store.ListOrganizations(ctx(), page)
		mustOK(t, err)
		for _, o := range p.Items {
			seen = append(seen, o.Slug)
		}
		if !p.HasMore {
			if p.NextCursor != "" {
				t.Fatal("last page has a cursor")
			}
			break
		}
		if i > 5 {
			t.Fatal("pagination does not end")
		}
		page.Cursor = p.NextCursor
	}
	want := []string{"org-4", "org-3", "org-2", "org-1", "org-0"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v", seen, want)
	}
	exact, err := env.Store.ListOrganizations(ctx(), platform.PageRequest{Limit: 5})
	mustOK(t, err)
	if exact.HasMore || len(exact.Items) != 5 {
		t.Fatalf("limit = total: has_more %v, %d items", exact.HasMore, len(exact.Items))
	}
	_ = created
}

func TestCursorsAreBoundAndSigned(t *testing.T) {
	env := storetest.New(t)
	p1 := seedProject(t, env, "acme", "one")
	seedProject(t, env, "acme", "two")
	seedProject(t, env, "acme", "three")
	seedProject(t, env, "other", "x")
	first, err := env.Store.ListProjects(ctx(), "acme", platform.PageRequest{Limit: 1})
	mustOK(t, err)
	if !first.HasMore || first.NextCursor == "" {
		t.Fatalf("want a next page: %+v", first)
	}
	_ = p1
	tampered := []byte(first.NextCursor)
	tampered[3] ^= 1
	for name, cursor := range map[string]string{
		"other list": first.NextCursor,
		"tampered":   string(tampered),
		"garbage":    "not-a-cursor",
		"empty sig":  "e30.",
	} {
		t.Run(name, func(t *testing.T) {
			org := "acme"
			if name == "other list" {
				org = "other"
			}
			_, err := env.Store.ListProjects(ctx(), org, platform.PageRequest{Limit: 1, Cursor: cursor})
			wantCode(t, err, platform.CodeBadRequest)
		})
	}
	orgs, err := env.Store.ListOrganizations(ctx(), platform.PageRequest{Cursor: first.NextCursor})
	_ = orgs
	wantCode(t, err, platform.CodeBadRequest)
}

func TestProjectsAndApplications(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	dup := p
	dup.ID = ids.NewID()
	wantCode(t, env.Store.CreateProject(ctx(), dup), platform.CodeConflict)

	got, err := env.Store.GetProject(ctx(), p.ID)
	mustOK(t, err)
	if got.Slug != "shop" || got.OrganizationSlug != "acme" {
		t.Fatalf("project %+v", got)
	}
	apps, err := env.Store.ListApplications(ctx(), "acme", "shop")
	mustOK(t, err)
	if apps == nil || len(apps) != 0 {
		t.Fatalf("empty project lists %v", apps)
	}
	_, err = env.Store.ListApplications(ctx(), "acme", "nope")
	wantCode(t, err, platform.CodeNotFound)

	for _, slug := range []string{"web", "api", "worker"} {
		mustOK(t, env.Store.CreateApplication(ctx(), newApp(p, slug)))
	}
	wantCode(t, env.Store.CreateApplication(ctx(), newApp(p, "web")), platform.CodeConflict)
	missing := newApp(p, "ghost")
	missing.ProjectID = ids.NewID()
	wantCode(t, env.Store.CreateApplication(ctx(), missing), platform.CodeNotFound)

	apps, err = env.Store.ListApplications(ctx(), "acme", "shop")
	mustOK(t, err)
	var slugs []string
	for _, a := range apps {
		slugs = append(slugs, a.Slug)
	}
	if fmt.Sprint(slugs) != "[api web worker]" {
		t.Fatalf("list sorted by slug: %v", slugs)
	}
	web, err := env.Store.GetApplicationBySlug(ctx(), "acme", "shop", "web")
	mustOK(t, err)
	if web.Version != 1 || web.Settings.HealthCheckPath != platform.DefaultHealthCheckPath {
		t.Fatalf("web %+v", web)
	}
	byID, err := env.Store.GetApplication(ctx(), web.ID)
	mustOK(t, err)
	if byID.Slug != "web" {
		t.Fatalf("by id %+v", byID)
	}
	_, err = env.Store.GetApplicationBySlug(ctx(), "acme", "shop", "nope")
	wantCode(t, err, platform.CodeNotFound)
	_, err = env.Store.GetApplication(ctx(), ids.NewID())
	wantCode(t, err, platform.CodeNotFound)
}

func TestUpdateApplication(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	app := newApp(p, "web")
	mustOK(t, env.Store.CreateApplication(ctx(), app))

	updated, err := env.Store.UpdateApplication(ctx(), app.ID, 1, func(a *platform.Application) error {
		a.ProcessCounts = map[string]int{"web": 2}
		return nil
	})
	mustOK(t, err)
	if updated.Version != 2 || updated.ProcessCounts["web"] != 2 {
		t.Fatalf("updated %+v", updated)
	}
	_, err = env.Store.UpdateApplication(ctx(), app.ID, 1, func(*platform.Application) error { return nil })
	wantCode(t, err, platform.CodePreconditionFailed)
	_, err = env.Store.UpdateApplication(ctx(), app.ID, 0, func(*platform.Application) error {
		return platform.Invalid("x", "nope")
	})
	wantCode(t, err, platform.CodeInvalid)
	_, err = env.Store.UpdateApplication(ctx(), ids.NewID(), 0, func(*platform.Application) error { return nil })
	wantCode(t, err, platform.CodeNotFound)

	bySlug, err := env.Store.GetApplicationBySlug(ctx(), "acme", "shop", "web")
	mustOK(t, err)
	if bySlug.Version != 2 || bySlug.ProcessCounts["web"] != 2 {
		t.Fatalf("slug read sees %+v", bySlug)
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	app := newApp(p, "web")
	mustOK(t, env.Store.CreateApplication(ctx(), app))
	const writers = 6
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.Store.UpdateApplication(ctx(), app.ID, 0, func(a *platform.Application) error {
				a.ProcessPodClasses = copyMap(a.ProcessPodClasses)
				a.ProcessPodClasses[fmt.Sprintf("p%d", i)] = "m1.small"
				return nil
			})
			if err != nil {
				failed.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	final, err := env.Store.GetApplication(ctx(), app.ID)
	mustOK(t, err)
	if len(final.ProcessPodClasses) != writers-int(failed.Load()) || final.Version != int64(1+writers) {
		t.Fatalf("lost updates: %d classes, version %d", len(final.ProcessPodClasses), final.Version)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestConcurrentCreatesOfOneSlug(t *testing.T) {
	env := storetest.New(t)
	p := seedProject(t, env, "acme", "shop")
	const racers = 10
	var wg sync.WaitGroup
	var ok, conflict atomic.Int32
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := env.Store.CreateApplication(ctx(), newApp(p, "web")); platform.CodeOf(err) {
			case "":
				ok.Add(1)
			case platform.CodeConflict, platform.CodeUnavailable:
				conflict.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	apps, err := env.Store.ListApplications(ctx(), "acme", "shop")
	mustOK(t, err)
	if ok.Load() != 1 || len(apps) != 1 {
		t.Fatalf("%d creates succeeded, %d apps exist; want exactly one", ok.Load(), len(apps))
	}
}

func TestTokens(t *testing.T) {
	env := storetest.New(t)
	tok := platform.Token{ID: ids.NewID(), Name: "ci", Role: platform.RoleAdmin, OrganizationSlug: "acme", OrganizationID: "o1", Hash: "abc123"}
	mustOK(t, env.Store.CreateToken(ctx(), tok))
	got, err := env.Store.TokenByHash(ctx(), "abc123")
	mustOK(t, err)
	if got.ID != tok.ID || got.Role != platform.RoleAdmin {
		t.Fatalf("token %+v", got)
	}
	wantCode(t, env.Store.RevokeToken(ctx(), "other", tok.ID), platform.CodeNotFound)
	mustOK(t, env.Store.RevokeToken(ctx(), "acme", tok.ID))
	_, err = env.Store.TokenByHash(ctx(), "abc123")
	wantCode(t, err, platform.CodeNotFound)
	wantCode(t, env.Store.RevokeToken(ctx(), "acme", tok.ID), platform.CodeNotFound)
}

func TestIdempotency(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	env := storetest.New(t, withClock(&now))
	rec, claimed, err := env.Store.ClaimIdempotencyKey(ctx(), "k1", "h1", now.Add(time.Minute))
	mustOK(t, err)
	if !claimed || rec.Response != nil {
		t.Fatalf("first claim: %v %+v", claimed, rec)
	}
	rec, claimed, err = env.Store.ClaimIdempotencyKey(ctx(), "k1", "h2", now.Add(time.Minute))
	mustOK(t, err)
	if claimed || rec.RequestHash != "h1" || rec.Response != nil {
		t.Fatalf("pending claim: %v %+v", claimed, rec)
	}
	resp := platform.StoredResponse{Status: 201, Header: map[string]string{"Location": "/x"}, Body: []byte(`{"a":1}`)}
	mustOK(t, env.Store.CompleteIdempotencyKey(ctx(), "k1", resp, now.Add(24*time.Hour)))
	rec, claimed, err = env.Store.ClaimIdempotencyKey(ctx(), "k1", "h1", now.Add(time.Minute))
	mustOK(t, err)
	if claimed || rec.Response == nil || rec.Response.Status != 201 || string(rec.Response.Body) != `{"a":1}` {
		t.Fatalf("replay: %v %+v", claimed, rec)
	}
	now = now.Add(25 * time.Hour) // expired records count as absent
	_, claimed, err = env.Store.ClaimIdempotencyKey(ctx(), "k1", "h3", now.Add(time.Minute))
	mustOK(t, err)
	if !claimed {
		t.Fatal("expired record blocks a new claim")
	}
	mustOK(t, env.Store.ReleaseIdempotencyKey(ctx(), "k1"))
	_, claimed, err = env.Store.ClaimIdempotencyKey(ctx(), "k1", "h4", now.Add(time.Minute))
	mustOK(t, err)
	if !claimed {
		t.Fatal("released key cannot be claimed")
	}
}

func TestClientEndpoint(t *testing.T) {
	for _, tc := range []struct{ endpoint, want string }{
		{"http://127.0.0.1:8000", "http://127.0.0.1:8000"},
		{"", "(the SDK's rule engine)"},
		{"not a url", "(the SDK's rule engine)"},
	} {
		got, err := store.EndpointOf(store.NewClient(awsconf.FromEnv(), tc.endpoint))
		if err != nil || got != tc.want {
			t.Errorf("NewClient(%q) resolves to %s, want %s", tc.endpoint, got, tc.want)
		}
	}
}
