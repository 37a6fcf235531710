package deployments_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestDynamoDBRequestsPerRoute pins the DynamoDB requests of the pipeline
// routes (no execution runs: the starter records, and a cancel finds no
// running execution, so it ends the pipeline in the request). Pipeline
// Status is one round trip with the token lookup.
func TestDynamoDBRequestsPerRoute(t *testing.T) {
	starter := &apitest.RecordingStarter{}
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return deployments.Routes(deployments.Deps{Store: env.Store,
			Launcher: &pipeline.Launcher{Store: env.Store, Starter: starter, Stopper: starter, IDs: env.IDs}})
	})
	id := seedDeployed(t, env)
	var pipelineID string
	for _, tc := range []struct {
		name       string
		r          func() req
		want       string
		overlapped bool
		save       string
	}{
		{"pipeline status", func() req {
			return req{Method: "GET", Path: "/applications/" + id + "/pipeline-status", Token: apitest.Member}
		},
			"[GetItem GetItem]", true, ""},
		{"deploy", func() req { return req{Method: "POST", Path: "/applications/" + id + "/deploy", Token: apitest.Admin} },
			"[GetItem GetItem TransactWriteItems]", false, "pipeline_id"},
		{"cancel (no running execution: ended here)", func() req {
			return req{Method: "POST", Path: "/applications/" + id + "/pipelines/" + pipelineID + "/cancel", Token: apitest.Admin}
		}, "[GetItem GetItem GetItem TransactWriteItems TransactWriteItems]", false, ""},
		{"release image v1 (not the newest image)", func() req {
			return req{Method: "POST", Path: "/applications/" + id + "/releases", Token: apitest.Admin, Body: map[string]any{"image_version": 1}}
		}, "[GetItem GetItem GetItem GetItem TransactWriteItems]", false, "pipeline_id"},
		{"cancel the release", func() req {
			return req{Method: "POST", Path: "/applications/" + id + "/pipelines/" + pipelineID + "/cancel", Token: apitest.Admin}
		}, "[GetItem GetItem GetItem TransactWriteItems TransactWriteItems]", false, ""},
		{"rollback to v1 (not the newest release)", func() req {
			return req{Method: "POST", Path: "/applications/" + id + "/rollback", Token: apitest.Admin, Body: map[string]any{"release_version": 1}}
		}, "[GetItem GetItem GetItem GetItem TransactWriteItems]", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.Requests.Reset()
			if tc.overlapped {
				env.Requests.HoldUntil(2)
			}
			resp := env.Do(tc.r())
			if resp.Status >= 300 {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			calls := env.Requests.Calls()
			sort.Strings(calls)
			if got := fmt.Sprint(calls); got != tc.want {
				t.Fatalf("requests %s, want %s", got, tc.want)
			}
			if tc.overlapped && env.Requests.MaxInFlight() != 2 {
				t.Fatalf("the token lookup and the read did not overlap (max in flight %d)", env.Requests.MaxInFlight())
			}
			if tc.save != "" {
				pipelineID = resp.JSON()[tc.save].(string)
			}
		})
	}
}

// seedDeployed stores an application of acme/shop with one complete build
// pipeline (image v1, release v1, its complete deployment) and returns
// its id.
func seedDeployed(t *testing.T, env *apitest.Env) string {
	t.Helper()
	ctx := context.Background()
	p := env.Projects["acme/shop"]
	now := time.Now().UTC()
	repo, branch := "acme/web", "main"
	app := platform.Application{ID: env.IDs.NewID(), Name: "web", Slug: "web", ProjectID: p.ID, ProjectSlug: p.Slug,
		OrganizationID: p.OrganizationID, OrganizationSlug: p.OrganizationSlug, Platform: platform.DefaultPlatform,
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings(), Created: now, Updated: now}
	app.GithubRepository, app.AutoDeployBranch = &repo, &branch
	if err := env.Store.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	_, err := env.Store.UpdateApplicationRecords(ctx, app.ID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		img := env.IDs.NewID()
		_, all, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual}, img, now)
		step := func(w platform.RecordWrites, e error) {
			all, err = all.With(w), errors.Join(err, e)
		}
		step(a.RecordBuildStarted(img, "build-1", 0, now))
		step(a.RecordBuildSucceeded(img, "repo@sha256:abc", strings.Repeat("c", 40), map[string]string{"web": "serve"}, now))
		_, w, e := a.CreateRelease(img, env.IDs.NewID(), now)
		step(w, e)
		_, w, e = a.CreateDeployment(img, env.IDs.NewID(), now)
		step(w, e)
		w, _, e = a.CompletePipeline(img, now)
		step(w, e)
		return all, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return app.ID
}
