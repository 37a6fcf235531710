package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// The identities of the matrix, in column order.
const (
	isoNone    = "none"    // no Authorization header
	isoGarbage = "garbage" // a well-formed bearer token that was never issued
)

var isoIdentities = []string{
	isoNone, isoGarbage, apitest.Revoked,
	apitest.OtherMember, apitest.OtherAdmin,
	apitest.Member, apitest.Admin, apitest.Platform,
}

// isoWebhookSecret is the fixture's webhook secret.
const isoWebhookSecret = "isolation-matrix-secret"

// isoAcmeInstallation is the GitHub App installation linked to acme that
// its application acme/shop/web builds and deploys through;
// isoGlobexInstallation is globex's.
const (
	isoAcmeInstallation   int64 = 4242
	isoGlobexInstallation int64 = 999
)

// isoFixture is a fresh table seeded by apitest.New (acme and globex with
// project shop, a token per identity) plus: the revoked token, an
// application acme/shop/web connected to GitHub acme/web@main, and a
// member token of acme to revoke.
type isoFixture struct {
	*apitest.Env
	starter   *apitest.RecordingStarter
	teardowns *apitest.RecordingTeardowns
	app       platform.Application
	// victim is the id of an acme token that DELETE …/tokens/{token_id}
	// revokes; victimSecret its secret.
	victim, victimSecret string
	keys                 atomic.Int64
}

func isoNewFixture(t *testing.T, webhookSecret string) *isoFixture {
	t.Helper()
	f := &isoFixture{starter: &apitest.RecordingStarter{}, teardowns: &apitest.RecordingTeardowns{}}
	f.Env = apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return apitest.AllRoutes(env, apitest.AllDeps{
			Starter:       f.starter,
			Teardowns:     f.teardowns,
			OpenAPI:       slipway.OpenAPI,
			WebhookSecret: func(context.Context) ([]byte, error) { return []byte(webhookSecret), nil },
		})
	})
	f.AddRevoked()
	ctx := context.Background()
	p := f.Projects["acme/shop"]
	repo, branch := "acme/web", "main"
	now := time.Now().UTC()
	f.app = platform.Application{ID: f.IDs.NewID(), Name: "web", Slug: "web", ProjectID: p.ID, ProjectSlug: p.Slug,
		OrganizationID: p.OrganizationID, OrganizationSlug: p.OrganizationSlug, Platform: platform.DefaultPlatform,
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings(),
		Created: now, Updated: now, Version: 1}
	f.app.GithubRepository, f.app.AutoDeployBranch = &repo, &branch
	if _, err := f.Store.LinkInstallation(ctx, platform.Installation{ID: isoAcmeInstallation, OrganizationSlug: "acme", Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.CreateApplication(ctx, f.app); err != nil {
		t.Fatal(err)
	}
	app, err := f.Store.UpdateApplication(ctx, f.app.ID, 0, func(app *platform.Application) error {
		installation := isoAcmeInstallation
		app.GithubAppInstallationID = &installation
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.app = app
	f.victimSecret = httpapi.NewTokenSecret()
	f.victim = f.IDs.NewID()
	if err := f.Store.CreateToken(ctx, platform.Token{ID: f.victim, Name: "victim", Role: platform.RoleMember, OrganizationSlug: "acme",
		OrganizationID: p.OrganizationID, Hash: httpapi.HashToken(f.victimSecret), Created: now}); err != nil {
		t.Fatal(err)
	}
	f.Tokens[isoGarbage] = httpapi.NewTokenSecret() // never stored
	return f
}

// acmeIDs are identifiers of acme's resources that no response to another
// organization may contain.
func (f *isoFixture) acmeIDs() []string {
	p := f.Projects["acme/shop"]
	return []string{p.OrganizationID, p.ID, f.app.ID, f.victim, `"acme"`}
}

// do sends req as identity; every POST carries a new Idempotency-Key
// unless noKey.
func (f *isoFixture) do(req apitest.Request, identity string, noKey bool) *apitest.Response {
	f.T.Helper()
	req.Token = ""
	if identity != isoNone {
		req.Token = f.Tokens[identity]
	}
	if req.Method == http.MethodPost && !noKey && req.Path != "/webhooks/github" {
		h := maps.Clone(req.Header)
		if h == nil {
			h = map[string]string{}
		}
		h["Idempotency-Key"] = fmt.Sprintf("iso-%d", f.keys.Add(1))
		req.Header = h
	}
	return f.Do(req)
}

// isoRow is one route of the matrix.
type isoRow struct {
	// req is the call on acme's resource; missing (when set) the same call
	// on a resource that does not exist.
	req, missing func(f *isoFixture) apitest.Request
	// want is the status per identity.
	want map[string]int
	// ok checks a successful call further (may be nil).
	ok func(t *testing.T, f *isoFixture, identity string, r *apitest.Response)
	// writes marks a route whose successful call may change the table.
	writes bool
	// signed marks a route that takes a signature instead of a token
	// (httpapi.Route.Public, yet never open to anyone).
	signed bool
}

// Status classes (columns in isoIdentities order).
func isoStatuses(s ...int) map[string]int {
	m := map[string]int{}
	for i, id := range isoIdentities {
		m[id] = s[i]
	}
	return m
}

var (
	isoPublic = isoStatuses(200, 200, 200, 200, 200, 200, 200, 200)
	// isoRead: any token of the organization (or platform) may view.
	isoRead = func(ok int) map[string]int { return isoStatuses(401, 401, 401, 404, 404, ok, ok, ok) }
	// isoChange: an admin of the organization (or platform) may change; a
	// member sees the resource, so it gets 403.
	isoChange = func(ok int) map[string]int { return isoStatuses(401, 401, 401, 404, 404, 403, ok, ok) }
)

// isoApp is a row for a route under /applications/{application_id}.
func isoApp(method, suffix string, body any, want map[string]int, ok func(*testing.T, *isoFixture, string, *apitest.Response)) isoRow {
	return isoRow{
		req: func(f *isoFixture) apitest.Request {
			return apitest.Request{Method: method, Path: "/applications/" + f.app.ID + suffix, Body: body}
		},
		missing: func(f *isoFixture) apitest.Request {
			return apitest.Request{Method: method, Path: "/applications/" + f.IDs.NewID() + suffix, Body: body}
		},
		want: want, ok: ok, writes: method != http.MethodGet,
	}
}

// isoDomain is the custom domain isoWithDomain gives the application.
const isoDomain = "www.acme.test"

// isoWithDomain gives the fixture's application the custom domain
// isoDomain before the row's request.
func isoWithDomain(row isoRow) isoRow {
	req := row.req
	row.req = func(f *isoFixture) apitest.Request {
		f.T.Helper()
		_, err := f.Store.UpdateApplication(context.Background(), f.app.ID, 0, func(a *platform.Application) error {
			if _, has := a.Domain(isoDomain); has {
				return nil
			}
			_, err := a.AddDomain(isoDomain, "", time.Now().UTC())
			return err
		})
		if err != nil {
			f.T.Fatal(err)
		}
		return req(f)
	}
	return row
}

// isoRunningPipeline is the pipeline isoSeeded leaves running.
const isoRunningPipeline = "0193aaaa-0000-7000-8000-0000000000aa"

// isoSeeded seeds the fixture's application, before the row's request,
// with one complete build pipeline (image v1, release v1, a complete
// deployment) and, when running, a second build pipeline
// isoRunningPipeline that is building.
func isoSeeded(row isoRow, running bool) isoRow {
	req := row.req
	row.req = func(f *isoFixture) apitest.Request {
		f.T.Helper()
		now := time.Now().UTC()
		_, err := f.Store.UpdateApplicationRecords(context.Background(), f.app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
			var all platform.RecordWrites
			add := func(w platform.RecordWrites, err error) error {
				all = all.With(w)
				return err
			}
			img := f.IDs.NewID()
			_, w, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual}, img, now)
			errs := []error{add(w, err)}
			errs = append(errs, add(a.RecordBuildStarted(img, "build-1", 0, now)))
			errs = append(errs, add(a.RecordBuildSucceeded(img, "repo@sha256:abc", strings.Repeat("c", 40), map[string]string{"web": "serve"}, now)))
			_, w, err = a.CreateRelease(img, f.IDs.NewID(), now)
			errs = append(errs, add(w, err))
			_, w, err = a.CreateDeployment(img, f.IDs.NewID(), now)
			errs = append(errs, add(w, err))
			w, _, err = a.CompletePipeline(img, now)
			errs = append(errs, add(w, err))
			if running {
				_, w, err = a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual}, isoRunningPipeline, now)
				errs = append(errs, add(w, err))
				errs = append(errs, add(a.RecordBuildStarted(isoRunningPipeline, "build-2", 0, now)))
			}
			return all, errors.Join(errs...)
		})
		if err != nil {
			f.T.Fatal(err)
		}
		return req(f)
	}
	return row
}

// isoPushBody is a push to acme/web delivered through acme's installation.
func isoPushBody() []byte { return isoPushVia(isoAcmeInstallation) }

// isoPushVia is a push to acme/web delivered through an installation.
func isoPushVia(installation int64) []byte {
	commit := map[string]any{"id": strings.Repeat("a", 40), "added": []string{"x.go"}, "removed": []string{}, "modified": []string{}}
	b, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": strings.Repeat("0", 40), "after": strings.Repeat("b", 40), "deleted": false,
		"repository": map[string]any{"full_name": "acme/web"}, "pusher": map[string]any{"name": "octocat"},
		"head_commit": commit, "commits": []any{commit}, "installation": map[string]any{"id": installation},
	})
	return b
}

// isoMatrix has one row per route, keyed "METHOD /pattern".
func isoMatrix() map[string]isoRow {
	slugRead := func(path string) func(*isoFixture) apitest.Request {
		return func(*isoFixture) apitest.Request { return apitest.Request{Method: "GET", Path: path} }
	}
	return map[string]isoRow{
		// Public routes take no token: whatever Authorization says is
		// ignored (my reading of API.md's auth row: "every route except").
		"GET /healthz":      {req: slugRead("/healthz"), want: isoPublic},
		"GET /openapi.yaml": {req: slugRead("/openapi.yaml"), want: isoPublic},
		// The webhook authenticates by signature only: a bearer token of
		// any kind without a signature is a 401 (its own rows are in
		// TestIsolationWebhookSignature).
		"POST /webhooks/github": {
			req: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/webhooks/github", Body: isoPushBody(),
					Header: map[string]string{"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1"}}
			},
			want: isoStatuses(401, 401, 401, 401, 401, 401, 401, 401), signed: true,
		},
		// Creating an organization is for the platform only. There is no
		// resource to hide: organization tokens see the collection (GET
		// /organizations), so they get 403, not 404.
		"POST /organizations": {
			req: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/organizations", Body: map[string]any{"name": "Initech", "slug": "initech"}}
			},
			want: isoStatuses(401, 401, 401, 403, 403, 403, 403, 201), writes: true,
		},
		// Any token lists the organizations it can see (checked: never
		// acme for globex's tokens, by the generic body check).
		"GET /organizations": {
			req: slugRead("/organizations"), want: isoStatuses(401, 401, 401, 200, 200, 200, 200, 200),
			ok: func(t *testing.T, f *isoFixture, id string, r *apitest.Response) {
				items, _ := r.JSON()["items"].([]any)
				want := map[string]int{apitest.Platform: 2, apitest.Admin: 1, apitest.Member: 1, apitest.OtherAdmin: 1, apitest.OtherMember: 1}[id]
				if len(items) != want {
					t.Errorf("%d organizations listed, want %d: %s", len(items), want, r.Body)
				}
			},
		},
		// Any valid token may ask who it is, and learns only about itself.
		"GET /me": {
			req: slugRead("/me"), want: isoStatuses(401, 401, 401, 200, 200, 200, 200, 200),
			ok: func(t *testing.T, f *isoFixture, id string, r *apitest.Response) {
				body := r.JSON()
				role := map[string]string{apitest.Platform: "platform", apitest.Admin: "admin", apitest.Member: "member",
					apitest.OtherAdmin: "admin", apitest.OtherMember: "member"}[id]
				org := map[string]any{apitest.Platform: nil, apitest.Admin: "acme", apitest.Member: "acme",
					apitest.OtherAdmin: "globex", apitest.OtherMember: "globex"}[id]
				if body["role"] != role || body["organization_slug"] != org || body["token_id"] == "" || len(body) != 4 {
					t.Errorf("GET /me as %s: %s, want role %s of %v", id, r.Body, role, org)
				}
			},
		},
		"POST /organizations/{org_slug}/projects": {
			req: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/organizations/acme/projects", Body: map[string]any{"name": "Ops", "slug": "ops"}}
			},
			missing: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/organizations/nope/projects", Body: map[string]any{"name": "Ops", "slug": "ops"}}
			},
			want: isoChange(201), writes: true,
		},
		"GET /organizations/{org_slug}/projects": {
			req: slugRead("/organizations/acme/projects"), missing: slugRead("/organizations/nope/projects"), want: isoRead(200),
		},
		"POST /organizations/{org_slug}/tokens": {
			req: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/organizations/acme/tokens", Body: map[string]any{"name": "ci", "role": "member"}}
			},
			missing: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/organizations/nope/tokens", Body: map[string]any{"name": "ci", "role": "member"}}
			},
			want: isoChange(201), writes: true,
			ok: func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				secret, _ := r.JSON()["token"].(string)
				if got := f.Do(apitest.Request{Method: "GET", Path: "/applications/acme/shop", Token: secret}); got.Status != 200 {
					t.Errorf("the new token reads acme/shop: %d %s", got.Status, got.Body)
				}
			},
		},
		"DELETE /organizations/{org_slug}/tokens/{token_id}": {
			req: func(f *isoFixture) apitest.Request {
				return apitest.Request{Method: "DELETE", Path: "/organizations/acme/tokens/" + f.victim}
			},
			missing: func(f *isoFixture) apitest.Request {
				return apitest.Request{Method: "DELETE", Path: "/organizations/nope/tokens/" + f.IDs.NewID()}
			},
			want: isoChange(204), writes: true,
			ok: func(t *testing.T, f *isoFixture, _ string, _ *apitest.Response) {
				if got := f.Do(apitest.Request{Method: "GET", Path: "/organizations", Token: f.victimSecret}); got.Status != 401 {
					t.Errorf("the revoked token still works: %d %s", got.Status, got.Body)
				}
			},
		},
		// Linking installations is the platform's: acme's tokens see the
		// organization (403), other organizations' do not (404).
		"PUT /organizations/{org_slug}/github-installations/{installation_id}": {
			req: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "PUT", Path: "/organizations/acme/github-installations/5151"}
			},
			missing: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "PUT", Path: "/organizations/nope/github-installations/5151"}
			},
			want: isoStatuses(401, 401, 401, 404, 404, 403, 403, 200), writes: true,
			ok: func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				if in, err := f.Store.GetInstallation(context.Background(), 5151); err != nil || in.OrganizationSlug != "acme" {
					t.Errorf("linked %+v (%v): %s", in, err, r.Body)
				}
			},
		},
		"GET /organizations/{org_slug}/github-installations": {
			req: slugRead("/organizations/acme/github-installations"), missing: slugRead("/organizations/nope/github-installations"), want: isoRead(200),
			ok: func(t *testing.T, _ *isoFixture, _ string, r *apitest.Response) {
				if items, _ := r.JSON()["items"].([]any); len(items) != 1 || items[0].(map[string]any)["installation_id"] != float64(isoAcmeInstallation) {
					t.Errorf("list: %s", r.Body)
				}
			},
		},
		"DELETE /organizations/{org_slug}/github-installations/{installation_id}": {
			req: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "DELETE", Path: fmt.Sprintf("/organizations/acme/github-installations/%d", isoAcmeInstallation)}
			},
			missing: func(*isoFixture) apitest.Request {
				return apitest.Request{Method: "DELETE", Path: fmt.Sprintf("/organizations/nope/github-installations/%d", isoAcmeInstallation)}
			},
			want: isoStatuses(401, 401, 401, 404, 404, 403, 403, 204), writes: true,
			ok: func(t *testing.T, f *isoFixture, _ string, _ *apitest.Response) {
				if app, err := f.Store.GetApplication(context.Background(), f.app.ID); err != nil || app.GithubAppInstallationID != nil {
					t.Errorf("acme/shop/web still uses the unlinked installation (%v)", err)
				}
			},
		},
		"POST /applications": {
			req: func(f *isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/applications",
					Body: map[string]any{"name": "API", "slug": "api", "project_id": f.Projects["acme/shop"].ID}}
			},
			missing: func(f *isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/applications",
					Body: map[string]any{"name": "API", "slug": "api", "project_id": f.IDs.NewID()}}
			},
			want: isoChange(201), writes: true,
		},
		"GET /applications/{org_slug}/{project_slug}": {
			req: slugRead("/applications/acme/shop"), missing: slugRead("/applications/nope/shop"), want: isoRead(200),
			ok: func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				if apps := r.Array(); len(apps) != 1 || apps[0]["id"] != f.app.ID {
					t.Errorf("list: %s", r.Body)
				}
			},
		},
		"GET /applications/{org_slug}/{project_slug}/{app_slug}": {
			req: slugRead("/applications/acme/shop/web"), missing: slugRead("/applications/nope/shop/web"), want: isoRead(200),
			ok: func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				if r.JSON()["id"] != f.app.ID {
					t.Errorf("get: %s", r.Body)
				}
			},
		},
		"PATCH /applications/{application_id}/settings": isoApp("PATCH", "/settings",
			map[string]any{"health_check_path": "/up"}, isoChange(200), nil),
		"POST /applications/{application_id}/scale": isoApp("POST", "/scale",
			map[string]any{"process_counts": map[string]int{"web": 2}}, isoChange(200), nil),
		"POST /applications/{application_id}/deploy": isoApp("POST", "/deploy", nil, isoChange(202),
			func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				runs := f.starter.Runs()
				if len(runs) != 1 || runs[0].ApplicationID != f.app.ID || runs[0].ImageID != r.JSON()["image_id"] {
					t.Errorf("starts %+v for %s", runs, r.Body)
				}
			}),
		"POST /applications/{application_id}/releases": isoSeeded(isoApp("POST", "/releases", map[string]any{"image_version": 1}, isoChange(202),
			func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				runs := f.starter.Runs()
				if len(runs) != 1 || runs[0].Kind != platform.KindRelease || runs[0].PipelineID != r.JSON()["release_id"] {
					t.Errorf("starts %+v for %s", runs, r.Body)
				}
			}), false),
		"POST /applications/{application_id}/rollback": isoSeeded(isoApp("POST", "/rollback", map[string]any{"release_version": 1}, isoChange(202),
			func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				runs := f.starter.Runs()
				if len(runs) != 1 || runs[0].Kind != platform.KindRollback || runs[0].PipelineID != r.JSON()["pipeline_id"] {
					t.Errorf("starts %+v for %s", runs, r.Body)
				}
			}), false),
		"POST /applications/{application_id}/pipelines/{pipeline_id}/cancel": isoSeeded(isoRow{
			req: func(f *isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/applications/" + f.app.ID + "/pipelines/" + isoRunningPipeline + "/cancel", Body: map[string]any{}}
			},
			missing: func(f *isoFixture) apitest.Request {
				return apitest.Request{Method: "POST", Path: "/applications/" + f.IDs.NewID() + "/pipelines/" + isoRunningPipeline + "/cancel", Body: map[string]any{}}
			},
			want: isoChange(202), writes: true,
			ok: func(t *testing.T, f *isoFixture, _ string, _ *apitest.Response) {
				app, err := f.Store.GetApplication(context.Background(), f.app.ID)
				if err != nil || app.ActivePipeline != "" || app.LatestImage.Status != platform.StatusCanceled {
					t.Errorf("after cancel: %+v %v", app.LatestImage, err)
				}
			},
		}, true),
		"GET /applications/{application_id}/deployments":      isoApp("GET", "/deployments", nil, isoRead(200), nil),
		"GET /applications/{application_id}/pipeline-status":  isoApp("GET", "/pipeline-status", nil, isoRead(200), nil),
		"GET /applications/{application_id}/pipeline-metrics": isoApp("GET", "/pipeline-metrics", nil, isoRead(200), nil),
		"GET /applications/{application_id}/observability":    isoApp("GET", "/observability", nil, isoRead(200), nil),
		"GET /applications/{application_id}/logs":             isoApp("GET", "/logs?since=1h", nil, isoRead(200), nil),
		"GET /applications/{application_id}/config":           isoApp("GET", "/config", nil, isoRead(200), nil),
		"GET /applications/{application_id}/config/versions":  isoApp("GET", "/config/versions", nil, isoRead(200), nil),
		"GET /applications/{application_id}/pipelines/{pipeline_id}/logs": isoSeeded(isoApp("GET", "/pipelines/"+isoRunningPipeline+"/logs?stage=build", nil, isoRead(200),
			func(t *testing.T, _ *isoFixture, _ string, r *apitest.Response) {
				if body := r.JSON(); body["complete"] != false || body["next_cursor"] == nil {
					t.Errorf("a running pipeline's log: %s", r.Body)
				}
			}), true),
		"PATCH /applications/{application_id}/config": isoApp("PATCH", "/config",
			map[string]any{"vars": map[string]any{"LOG_LEVEL": "debug", "API_KEY": map[string]any{"value": "iso-secret-value", "secret": true}}}, isoChange(200),
			func(t *testing.T, _ *isoFixture, _ string, r *apitest.Response) {
				if strings.Contains(string(r.Body), "iso-secret-value") {
					t.Errorf("the PATCH response holds the secret value: %s", r.Body)
				}
			}),
		"GET /applications/{application_id}/domains": isoWithDomain(isoApp("GET", "/domains", nil, isoRead(200),
			func(t *testing.T, _ *isoFixture, _ string, r *apitest.Response) {
				if items, _ := r.JSON()["items"].([]any); len(items) != 1 || items[0].(map[string]any)["hostname"] != isoDomain {
					t.Errorf("list: %s", r.Body)
				}
			})),
		"POST /applications/{application_id}/domains": isoApp("POST", "/domains", map[string]any{"hostname": "new.acme.test"}, isoChange(201),
			func(t *testing.T, f *isoFixture, _ string, _ *apitest.Response) {
				if owner, err := f.Store.DomainOwner(context.Background(), "new.acme.test"); err != nil || owner != f.app.ID {
					t.Errorf("the hostname's guard: %q %v", owner, err)
				}
			}),
		"DELETE /applications/{application_id}/domains/{hostname}": isoWithDomain(isoApp("DELETE", "/domains/"+isoDomain, nil, isoChange(204),
			func(t *testing.T, f *isoFixture, _ string, _ *apitest.Response) {
				if _, err := f.Store.DomainOwner(context.Background(), isoDomain); !platform.IsCode(err, platform.CodeNotFound) {
					t.Errorf("the removed hostname is still held: %v", err)
				}
			})),
		"GET /applications/{application_id}/releases": isoApp("GET", "/releases", nil, isoRead(200), nil),
		"GET /applications/{application_id}/images":   isoApp("GET", "/images", nil, isoRead(200), nil),
		"GET /applications/{application_id}": isoApp("GET", "", nil, isoRead(200),
			func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				if r.JSON()["id"] != f.app.ID || !strings.HasPrefix(r.Header.Get("ETag"), `"v`) {
					t.Errorf("get by id: %v %s", r.Header, r.Body)
				}
			}),
		"DELETE /applications/{application_id}": isoApp("DELETE", "", nil, isoChange(202),
			func(t *testing.T, f *isoFixture, identity string, r *apitest.Response) {
				if got := f.Do(apitest.Request{Method: "GET", Path: "/applications/" + f.app.ID, Token: identity}); got.Status != 404 {
					t.Errorf("the deleted application answers %d: %s", got.Status, got.Body)
				}
				if runs := f.teardowns.Runs(); len(runs) != 1 || runs[0].ApplicationID != f.app.ID {
					t.Errorf("teardowns started: %+v", runs)
				}
			}),
		"GET /organizations/{org_slug}/tokens": {
			req: slugRead("/organizations/acme/tokens"), missing: slugRead("/organizations/nope/tokens"), want: isoChange(200),
			ok: func(t *testing.T, f *isoFixture, _ string, r *apitest.Response) {
				items, _ := r.JSON()["items"].([]any)
				names := map[string]bool{}
				for _, it := range items {
					tok, _ := it.(map[string]any)
					names[fmt.Sprint(tok["name"])] = true
					for _, secret := range []string{"token", "hash", "Hash"} {
						if _, leaked := tok[secret]; leaked {
							t.Errorf("a listed token shows %q: %v", secret, tok)
						}
					}
				}
				for _, want := range []string{apitest.Admin, apitest.Member, "victim"} {
					if !names[want] {
						t.Errorf("token %q not listed: %s", want, r.Body)
					}
				}
				if names[apitest.OtherAdmin] || names[apitest.Platform] || strings.Contains(string(r.Body), f.victimSecret) {
					t.Errorf("the list shows another organization's token or a secret: %s", r.Body)
				}
			},
		},
	}
}

// isoRouteKeys returns "METHOD /pattern" of every route the real routers
// serve, wired as the local system wires them.
func isoRouteKeys(t *testing.T) map[string]httpapi.Route {
	t.Helper()
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route { return nil })
	keys := map[string]httpapi.Route{}
	for _, rt := range apitest.AllRoutes(env, apitest.AllDeps{}) {
		k := rt.Method + " " + rt.Pattern
		if _, dup := keys[k]; dup {
			t.Errorf("route %s is served twice", k)
		}
		keys[k] = rt
	}
	return keys
}

// isoProblem is a problem document without the fields that necessarily
// differ between two requests.
func isoProblem(t *testing.T, r *apitest.Response) map[string]any {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("refusal %d with Content-Type %q: %s", r.Status, ct, r.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Errorf("refusal body is not JSON: %v: %s", err, r.Body)
	}
	delete(doc, "request_id")
	delete(doc, "instance")
	return doc
}

var isoCodes = map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}

// isoRefusal sends req and checks that it is refused with want and changes
// nothing: the table is identical before and after, and no pipeline
// starts.
func (f *isoFixture) isoRefusal(t *testing.T, what string, req apitest.Request, identity string, noKey bool, want int) map[string]any {
	t.Helper()
	before, starts := f.Snapshot(t), len(f.starter.Runs())
	r := f.do(req, identity, noKey)
	if r.Status != want {
		t.Errorf("%s: status %d, want %d: %s", what, r.Status, want, r.Body)
	}
	if diff := storetest.SnapshotDiff(before, f.Snapshot(t)); diff != "" {
		t.Errorf("%s: refused call (%d) changed the table:\n%s", what, r.Status, diff)
	}
	if n := len(f.starter.Runs()); n != starts {
		t.Errorf("%s: refused call (%d) started %d pipeline(s)", what, r.Status, n-starts)
	}
	doc := isoProblem(t, r)
	if doc["code"] != isoCodes[r.Status] || doc["status"] != float64(r.Status) {
		t.Errorf("%s: problem %v for status %d", what, doc, r.Status)
	}
	return doc
}

// TestIsolationMatrix is the tenant isolation matrix: every route of every
// function group, called on a resource of organization acme by every kind
// of caller, on a fresh table per cell. API.md ("Who may do what") is the oracle:
//
//   - no, unknown or revoked token: 401 everywhere (except the public
//     routes, which take no token, and the webhook, which takes a signature);
//   - a token of another organization cannot view acme: 404, exactly the
//     404 a missing resource gets (body compared, request_id aside);
//   - a member of acme may read (2xx) but not create, change or deploy (403,
//     only where it can view the resource);
//   - an admin of acme and the platform may do everything (2xx).
//
// Every refused call must leave the table exactly as it was (idempotency
// records and guard items included) and start no pipeline.
// A route without a row (or a row without a route) fails the test.
func TestIsolationMatrix(t *testing.T) {
	start := time.Now()
	routes := isoRouteKeys(t)
	matrix := isoMatrix()
	for k := range routes {
		if _, ok := matrix[k]; !ok {
			t.Errorf("route %s has no row in the isolation matrix: add one", k)
		}
	}
	for k, row := range matrix {
		rt, ok := routes[k]
		if !ok {
			t.Errorf("matrix row %s names no route", k)
			continue
		}
		if tokenless := row.signed || reflect.DeepEqual(row.want, isoPublic); tokenless != rt.Public {
			t.Errorf("route %s: Public is %v, but its row expects a token-less route: %v", k, rt.Public, tokenless)
		}
	}
	isoCheckOpenAPI(t, routes)
	if t.Failed() {
		t.FailNow()
	}

	var cells, refusedCells, failedCells atomic.Int64
	t.Run("cells", func(t *testing.T) {
		for _, k := range slices.Sorted(maps.Keys(matrix)) {
			row := matrix[k]
			for _, identity := range isoIdentities {
				t.Run(k+"/"+identity, func(t *testing.T) {
					t.Parallel()
					cells.Add(1)
					defer func() {
						if t.Failed() {
							failedCells.Add(1)
						}
					}()
					want := row.want[identity]
					if want >= 400 {
						refusedCells.Add(1)
					}
					isoCell(t, row, identity, want)
				})
			}
		}
	})
	t.Logf("isolation matrix: %d routes × %d identities = %d cells (%d refused, %d allowed): %d failed, in %v",
		len(matrix), len(isoIdentities), cells.Load(), refusedCells.Load(), cells.Load()-refusedCells.Load(),
		failedCells.Load(), time.Since(start).Round(time.Millisecond))
}

func isoCell(t *testing.T, row isoRow, identity string, want int) {
	f := isoNewFixture(t, isoWebhookSecret)
	req := row.req(f)
	if want < 400 {
		before, starts := f.Snapshot(t), len(f.starter.Runs())
		r := f.do(req, identity, false)
		if r.Status != want {
			t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
		}
		if !row.writes {
			if diff := storetest.SnapshotDiff(before, f.Snapshot(t)); diff != "" {
				t.Errorf("a read changed the table:\n%s", diff)
			}
			if n := len(f.starter.Runs()); n != starts {
				t.Errorf("a read started %d pipeline(s)", n-starts)
			}
		}
		isoNoAcmeLeak(t, f, identity, r)
		if row.ok != nil {
			row.ok(t, f, identity, r)
		}
		return
	}
	doc := f.isoRefusal(t, "on acme", req, identity, false, want)
	if req.Method == http.MethodPost && req.Path != "/webhooks/github" {
		// The same refusal without an Idempotency-Key.
		if again := f.isoRefusal(t, "on acme without Idempotency-Key", req, identity, true, want); !reflect.DeepEqual(again, doc) {
			t.Errorf("refusal differs without Idempotency-Key:\n with: %v\n without: %v", doc, again)
		}
	}
	if row.missing != nil {
		// No existence leak: the caller gets for a resource that does not
		// exist the very answer it got for acme's (a 401 stays a 401), and
		// a 404 is the one a caller who sees everything gets for it. A
		// member's 403 is only for what it can see: on a missing resource
		// it gets that same 404.
		goneWant := want
		if want == http.StatusForbidden {
			goneWant = http.StatusNotFound
		}
		gone := f.isoRefusal(t, "on a missing resource", row.missing(f), identity, false, goneWant)
		if want != http.StatusForbidden && !reflect.DeepEqual(gone, doc) {
			t.Errorf("the answer on acme's resource differs from the answer on a missing one:\n acme:    %v\n missing: %v", doc, gone)
		}
		if goneWant == http.StatusNotFound {
			if canonical := f.isoRefusal(t, "on a missing resource as platform", row.missing(f), apitest.Platform, false, http.StatusNotFound); !reflect.DeepEqual(gone, canonical) {
				t.Errorf("the 404 differs from the platform's 404 on a missing resource:\n got:      %v\n platform: %v", gone, canonical)
			}
		}
	}
	r := f.do(req, identity, false) // the body of a refusal leaks nothing either
	isoNoAcmeLeak(t, f, identity, r)
}

// isoNoAcmeLeak: no response to another organization's token names one of
// acme's resources.
func isoNoAcmeLeak(t *testing.T, f *isoFixture, identity string, r *apitest.Response) {
	t.Helper()
	if identity != apitest.OtherAdmin && identity != apitest.OtherMember {
		return
	}
	for _, id := range f.acmeIDs() {
		if strings.Contains(string(r.Body), id) {
			t.Errorf("response to %s names acme's %s: %s", identity, id, r.Body)
		}
	}
}

var isoVariable = regexp.MustCompile(`\{[^}]*\}`)

// isoCheckOpenAPI: the routes under test are exactly the contract's
// operations, so AllRoutes misses no group that openapi.yaml (and so the
// template and devstack, by the contract test) serves.
func isoCheckOpenAPI(t *testing.T, routes map[string]httpapi.Route) {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(slipway.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	shape := func(method, path string) string {
		return strings.ToUpper(method) + " " + isoVariable.ReplaceAllString(path, "{}")
	}
	contract := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				contract[shape(method, path)] = true
			}
		}
	}
	served := map[string]bool{}
	for _, rt := range routes {
		served[shape(rt.Method, rt.Pattern)] = true
	}
	for k := range contract {
		if !served[k] {
			t.Errorf("openapi.yaml has %s, which apitest.AllRoutes does not serve", k)
		}
	}
	for k := range served {
		if !contract[k] {
			t.Errorf("apitest.AllRoutes serves %s, which openapi.yaml lacks", k)
		}
	}
}

// TestIsolationWebhookSignature: the webhook authenticates by signature;
// every delivery that fails verification is a 401 that records nothing and
// starts nothing, and the correctly signed one starts acme/web's pipeline.
func TestIsolationWebhookSignature(t *testing.T) {
	body := isoPushBody()
	altered := append([]byte(nil), body...)
	altered[len(altered)-3] ^= 1 // still JSON-ish, no longer what was signed
	good := github.Signature([]byte(isoWebhookSecret), body)
	for _, tc := range []struct {
		name      string
		secret    string // the server's secret
		signature string // "" leaves the header out
		body      []byte
		want      int
	}{
		{"unsigned", isoWebhookSecret, "", body, 401},
		{"malformed header", isoWebhookSecret, "sha256=not-hex", body, 401},
		{"malformed scheme", isoWebhookSecret, "sha1=" + strings.TrimPrefix(good, "sha256="), body, 401},
		{"wrong secret", isoWebhookSecret, github.Signature([]byte("not the secret"), body), body, 401},
		{"body altered after signing", isoWebhookSecret, good, altered, 401},
		{"no secret configured", "", github.Signature(nil, body), body, 401},
		{"correct", isoWebhookSecret, good, body, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := isoNewFixture(t, tc.secret)
			h := map[string]string{"X-GitHub-Event": "push", "X-GitHub-Delivery": "delivery-1"}
			if tc.signature != "" {
				h["X-Hub-Signature-256"] = tc.signature
			}
			req := apitest.Request{Method: "POST", Path: "/webhooks/github", Body: tc.body, Header: h}
			if tc.want == 401 {
				f.isoRefusal(t, tc.name, req, isoNone, true, 401)
				// A bearer token changes nothing: tokens do not sign.
				f.isoRefusal(t, tc.name+" with a platform token", req, apitest.Platform, true, 401)
				return
			}
			before := f.Snapshot(t)
			r := f.do(req, isoNone, true)
			if r.Status != tc.want {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if runs := f.starter.Runs(); len(runs) != 1 || runs[0].ApplicationID != f.app.ID {
				t.Errorf("starts %+v", runs)
			}
			if storetest.SnapshotDiff(before, f.Snapshot(t)) == "" {
				t.Error("an accepted push recorded nothing")
			}
		})
	}
}

// TestIsolationSameRepositoryTwoOrganizations: globex connects an
// application to acme's repository. Acme's pushes (through acme's
// installation) deploy only acme's application, globex cannot take acme's
// installation for its application or link it to itself, and a push
// through globex's own installation deploys only globex's.
func TestIsolationSameRepositoryTwoOrganizations(t *testing.T) {
	f := isoNewFixture(t, isoWebhookSecret)
	ctx := context.Background()
	if _, err := f.Store.LinkInstallation(ctx, platform.Installation{ID: isoGlobexInstallation, OrganizationSlug: "globex", Created: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	r := f.do(apitest.Request{Method: "POST", Path: "/applications",
		Body: map[string]any{"name": "Copy", "slug": "copy", "project_id": f.Projects["globex/shop"].ID}}, apitest.OtherAdmin, false)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	theirs := r.JSON()["id"].(string)
	settings := func(installation int64) *apitest.Response {
		return f.do(apitest.Request{Method: "PATCH", Path: "/applications/" + theirs + "/settings", Body: map[string]any{
			"github_repository": "acme/web", "auto_deploy_branch": "main", "github_app_installation_id": installation}}, apitest.OtherAdmin, false)
	}
	if r := settings(isoAcmeInstallation); r.Status != 422 || !strings.Contains(string(r.Body), "github_app_installation_id") {
		t.Fatalf("globex took acme's installation: %d %s", r.Status, r.Body)
	}
	if r := settings(isoGlobexInstallation); r.Status != 200 {
		t.Fatalf("globex's own installation: %d %s", r.Status, r.Body)
	}
	if r := f.do(apitest.Request{Method: "PUT", Path: fmt.Sprintf("/organizations/globex/github-installations/%d", isoAcmeInstallation)}, apitest.Platform, false); r.Status != 409 {
		t.Fatalf("acme's installation linked to globex too: %d %s", r.Status, r.Body)
	}
	push := func(guid string, installation int64) []string {
		body := isoPushVia(installation)
		r := f.do(apitest.Request{Method: "POST", Path: "/webhooks/github", Body: body, Header: map[string]string{
			"X-GitHub-Event": "push", "X-GitHub-Delivery": guid, "X-Hub-Signature-256": github.Signature([]byte(isoWebhookSecret), body)}}, isoNone, true)
		if r.Status != 200 {
			t.Fatalf("push %s: %d %s", guid, r.Status, r.Body)
		}
		if installation == isoAcmeInstallation && strings.Contains(string(r.Body), theirs) {
			t.Errorf("acme's push answers about globex's application: %s", r.Body)
		}
		var apps []string
		for _, run := range f.starter.Runs() {
			apps = append(apps, run.ApplicationID)
		}
		return apps
	}
	if got := push("acme-push", isoAcmeInstallation); !slices.Equal(got, []string{f.app.ID}) {
		t.Fatalf("acme's push started %v, want only acme's application %s", got, f.app.ID)
	}
	if got := push("globex-push", isoGlobexInstallation); !slices.Equal(got, []string{f.app.ID, theirs}) {
		t.Fatalf("globex's push started %v, want only globex's application after acme's", got)
	}
}
