package applications_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/platform"
)

func newLifecycleEnv(t *testing.T, teardowns *apitest.RecordingTeardowns) *apitest.Env {
	return apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return applications.Routes(applications.Deps{Store: env.Store, OpenAPI: []byte("openapi: 3.1.0\n"), Teardowns: teardowns})
	})
}

func sortedCalls(env *apitest.Env) string {
	calls := env.Requests.Calls()
	sort.Strings(calls)
	return fmt.Sprint(calls)
}

func TestGetApplicationByID(t *testing.T) {
	env := newLifecycleEnv(t, &apitest.RecordingTeardowns{})
	app := createApp(t, env, "web")
	id := app["id"].(string)
	env.Requests.Reset()
	env.Requests.HoldUntil(2)
	resp := env.Do(req{Method: "GET", Path: "/applications/" + id, Token: apitest.Member})
	expect(t, resp, http.StatusOK, "")
	if resp.JSON()["slug"] != "web" || resp.Header.Get("ETag") != `"v1"` {
		t.Errorf("get by id: %v %s", resp.Header, resp.Body)
	}
	if got := sortedCalls(env); got != "[GetItem GetItem]" || env.Requests.MaxInFlight() != 2 {
		t.Errorf("requests %s (max in flight %d), want [GetItem GetItem] overlapped", got, env.Requests.MaxInFlight())
	}
	for _, path := range []string{"/applications/not-a-uuid", "/applications/" + env.IDs.NewID()} {
		expect(t, env.Do(req{Method: "GET", Path: path, Token: apitest.Platform}), http.StatusNotFound, "not_found")
	}
}

func TestDeleteApplication(t *testing.T) {
	teardowns := &apitest.RecordingTeardowns{}
	env := newLifecycleEnv(t, teardowns)
	app := createApp(t, env, "web")
	id := app["id"].(string)
	ctx := context.Background()

	// A running pipeline: 409 naming it, nothing written.
	_, err := env.Store.UpdateApplication(ctx, id, 0, func(a *platform.Application) error {
		a.ActivePipeline, a.ActivePipelineSince = "01936f4e-7c1a-7000-8000-0000000000d0", time.Now()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := env.Snapshot(t)
	resp := env.Do(req{Method: "DELETE", Path: "/applications/" + id, Token: apitest.Admin})
	expect(t, resp, http.StatusConflict, "conflict")
	if p := resp.JSON(); p["pipeline_id"] != "01936f4e-7c1a-7000-8000-0000000000d0" || p["image_id"] != p["pipeline_id"] {
		t.Errorf("409 does not name the pipeline: %s", resp.Body)
	}
	if fmt.Sprint(before) != fmt.Sprint(env.Snapshot(t)) {
		t.Error("the refused delete changed the table")
	}
	_, err = env.Store.UpdateApplication(ctx, id, 0, func(a *platform.Application) error {
		a.ActivePipeline, a.ActivePipelineSince = "", time.Time{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	expect(t, env.Do(req{Method: "DELETE", Path: "/applications/" + id, Token: apitest.Member}), http.StatusForbidden, "forbidden")
	env.Requests.Reset()
	resp = env.Do(req{Method: "DELETE", Path: "/applications/" + id, Token: apitest.Admin})
	expect(t, resp, http.StatusAccepted, "")
	if string(resp.Body) != `{"ok":true}`+"\n" && string(resp.Body) != `{"ok":true}` {
		t.Errorf("body %q", resp.Body)
	}
	if got := sortedCalls(env); got != "[GetItem GetItem TransactWriteItems]" {
		t.Errorf("delete requests %s", got)
	}
	if runs := teardowns.Runs(); len(runs) != 1 || runs[0].ApplicationID != id || runs[0].ExecutionName != id {
		t.Errorf("teardowns %+v", runs)
	}
	// Gone everywhere at once; the slug is free at once.
	expect(t, env.Do(req{Method: "GET", Path: "/applications/" + id, Token: apitest.Admin}), http.StatusNotFound, "not_found")
	expect(t, env.Do(req{Method: "GET", Path: "/applications/acme/shop/web", Token: apitest.Admin}), http.StatusNotFound, "not_found")
	expect(t, env.Do(req{Method: "POST", Path: "/applications/" + id + "/scale", Token: apitest.Admin,
		Body: map[string]any{"process_counts": map[string]int{"web": 1}}}), http.StatusNotFound, "not_found")
	createApp(t, env, "web")

	// Repeating the DELETE before the teardown ended restarts it (the
	// recovery from a start that failed); other organizations get a 404.
	expect(t, env.Do(req{Method: "DELETE", Path: "/applications/" + id, Token: apitest.OtherAdmin}), http.StatusNotFound, "not_found")
	expect(t, env.Do(req{Method: "DELETE", Path: "/applications/" + id, Token: apitest.Admin}), http.StatusAccepted, "")
	if runs := teardowns.Runs(); len(runs) != 2 || runs[1].ExecutionName == id {
		t.Errorf("the restart's execution: %+v", runs)
	}
	teardowns.Err = errors.New("throttled")
	resp = env.Do(req{Method: "DELETE", Path: "/applications/" + id, Token: apitest.Admin})
	expect(t, resp, http.StatusServiceUnavailable, "unavailable")
	if d, _ := resp.JSON()["detail"].(string); d != "the application is deleted but its teardown could not start yet; repeat the DELETE to start it" {
		t.Errorf("503 detail %q", d)
	}
}

func TestListTokens(t *testing.T) {
	env := newLifecycleEnv(t, &apitest.RecordingTeardowns{})
	created := env.Do(req{Method: "POST", Path: "/organizations/acme/tokens", Token: apitest.Admin, Body: map[string]any{"name": "ci", "role": "member"}})
	expect(t, created, http.StatusCreated, "")
	secret := created.JSON()["token"].(string)

	list := func(query string) map[string]map[string]any {
		t.Helper()
		resp := env.Do(req{Method: "GET", Path: "/organizations/acme/tokens" + query, Token: apitest.Admin})
		expect(t, resp, http.StatusOK, "")
		out := map[string]map[string]any{}
		items, _ := resp.JSON()["items"].([]any)
		for _, it := range items {
			tok := it.(map[string]any)
			if len(tok) != 5 {
				t.Errorf("token fields %v, want id, name, role, created, last_used", tok)
			}
			out[tok["name"].(string)] = tok
		}
		return out
	}
	toks := list("")
	if len(toks) != 3 || toks["ci"]["last_used"] != nil || toks[apitest.Admin]["last_used"] == nil || toks["ci"]["role"] != "member" {
		t.Fatalf("tokens %v", toks)
	}
	// The new token's first request records its use (one conditional
	// UpdateItem, awaited before the request ends); its next requests
	// within five minutes write nothing.
	for i, want := range []string{"[GetItem Query UpdateItem]", "[GetItem Query]"} {
		env.Requests.Reset()
		expect(t, env.Do(req{Method: "GET", Path: "/organizations/acme/projects", Token: secret}), http.StatusOK, "")
		if got := sortedCalls(env); got != want {
			t.Errorf("request %d of the new token: %s, want %s", i+1, got, want)
		}
	}
	if used, _ := list("")["ci"]["last_used"].(string); used == "" {
		t.Error("the new token's use is not listed")
	}

	env.Requests.Reset()
	env.Requests.HoldUntil(2)
	resp := env.Do(req{Method: "GET", Path: "/organizations/acme/tokens?limit=2", Token: apitest.Admin})
	expect(t, resp, http.StatusOK, "")
	if got := sortedCalls(env); got != "[GetItem Query]" || env.Requests.MaxInFlight() != 2 {
		t.Errorf("list requests %s (max in flight %d)", got, env.Requests.MaxInFlight())
	}
	next, _ := resp.JSON()["pagination"].(map[string]any)["next_cursor"].(string)
	if next == "" || resp.Header.Get("Link") == "" {
		t.Fatalf("no next page: %s", resp.Body)
	}
	if rest := list("?cursor=" + next); len(rest) != 1 {
		t.Errorf("second page %v", rest)
	}
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/globex/tokens?cursor=" + next, Token: apitest.Platform}), http.StatusBadRequest, "bad_request")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/acme/tokens", Token: apitest.Member}), http.StatusForbidden, "forbidden")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/acme/tokens", Token: apitest.OtherAdmin}), http.StatusNotFound, "not_found")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/nope/tokens", Token: apitest.Platform}), http.StatusNotFound, "not_found")
	expect(t, env.Do(req{Method: "GET", Path: "/organizations/acme/tokens?limit=0", Token: apitest.Admin}), http.StatusUnprocessableEntity, "validation_failed")
}
