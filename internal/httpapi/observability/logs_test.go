package observability_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/apitest"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// fakeLogs answers every read with its page and remembers the queries.
type fakeLogs struct {
	mu    sync.Mutex
	page  platform.LogPage
	asked []platform.LogQuery
}

func (f *fakeLogs) Read(_ context.Context, q platform.LogQuery) (platform.LogPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, q)
	return f.page, nil
}

// logsFixture is an application with one build pipeline, running or
// ended at end, read at now.
func logsFixture(t *testing.T, logs *fakeLogs, fp platform.Fingerprinter, settle time.Duration, running bool, end time.Time) (*apitest.Env, string, string) {
	t.Helper()
	env := apitest.New(t, func(env *apitest.Env) []httpapi.Route {
		return observability.Routes(observability.Deps{Store: env.Store, Source: &fakeSource{}, Now: func() time.Time { return now },
			Logs: observability.LogDeps{Store: env.Store, Source: logs, Cursors: platform.CursorSigner{Key: []byte(storetest.CursorKey)}, Fingerprints: fp, Settle: settle}})
	})
	_, appID := newFixtureIn(t, env)
	pipelineID := env.IDs.NewID()
	_, err := env.Store.UpdateApplicationRecords(context.Background(), appID, 0, func(a *platform.Application) (platform.RecordWrites, error) {
		all := platform.RecordWrites{}
		_, w, err := a.StartPipeline(platform.PipelineRequest{Trigger: platform.TriggerManual}, pipelineID, end)
		all = all.With(w)
		if err != nil || running {
			return all, err
		}
		w, _ = a.FailPipeline(pipelineID, "build failed: boom", end)
		return all.With(w), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return env, appID, pipelineID
}

// newFixtureIn creates the fixture application of newFixture in env.
func newFixtureIn(t *testing.T, env *apitest.Env) (*apitest.Env, string) {
	t.Helper()
	p := env.Projects["acme/shop"]
	app := platform.Application{ID: env.IDs.NewID(), Name: "web", Slug: "web", ProjectID: p.ID, ProjectSlug: p.Slug, OrganizationID: p.OrganizationID,
		OrganizationSlug: "acme", Platform: platform.DefaultPlatform, ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{},
		Settings: platform.DefaultSettings(), Created: now, Updated: now}
	repo, branch := "acme/web", "main"
	app.Settings.GithubRepository, app.Settings.AutoDeployBranch = &repo, &branch
	if err := env.Store.CreateApplication(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return env, app.ID
}

func TestPipelineLogsCompleteAndWait(t *testing.T) {
	line := platform.LogLine{Time: now, Stage: "build", Message: "Step 1/8"}
	for _, tc := range []struct {
		name         string
		running      bool
		endedAgo     time.Duration
		settle       time.Duration
		more         bool
		wantWait     time.Duration
		wantComplete bool
	}{
		{name: "running: waits, not complete", running: true, wantWait: 20 * time.Second},
		{name: "ended and settled: answers at once, complete", endedAgo: time.Minute, settle: 15 * time.Second, wantComplete: true},
		{name: "ended but not settled: still waits for late lines", endedAgo: 5 * time.Second, settle: 15 * time.Second, wantWait: 20 * time.Second},
		{name: "ended, more lines behind the page", endedAgo: time.Minute, more: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &fakeLogs{page: platform.LogPage{Lines: []platform.LogLine{line}, Position: "7", More: tc.more}}
			env, appID, pipelineID := logsFixture(t, logs, platform.Fingerprinter{Key: []byte(strings.Repeat("f", 32))}, tc.settle, tc.running, now.Add(-tc.endedAgo))
			r := env.Do(req{Method: "GET", Path: "/applications/" + appID + "/pipelines/" + pipelineID + "/logs?wait=20&stage=build", Token: apitest.Member})
			var body struct {
				Lines      []map[string]any `json:"lines"`
				NextCursor string           `json:"next_cursor"`
				Complete   bool             `json:"complete"`
			}
			if r.Status != 200 || json.Unmarshal(r.Body, &body) != nil {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			q := logs.asked[0]
			if q.Wait != tc.wantWait || q.Stage != "build" || q.PipelineID != pipelineID || q.Limit != platform.MaxLogLines || body.Complete != tc.wantComplete {
				t.Fatalf("asked %+v, complete %v", q, body.Complete)
			}
			if len(body.Lines) != 1 || body.Lines[0]["message"] != "Step 1/8" || body.Lines[0]["timestamp"] != "2026-12-01T00:00:30.000Z" {
				t.Fatalf("lines %v", body.Lines)
			}
			// The cursor carries the source's position back, for this log only.
			env.Do(req{Method: "GET", Path: "/applications/" + appID + "/pipelines/" + pipelineID + "/logs?stage=build&cursor=" + url.QueryEscape(body.NextCursor), Token: apitest.Member})
			if got := logs.asked[1].Position; got != "7" {
				t.Fatalf("position %q from the cursor", got)
			}
			if r := env.Do(req{Method: "GET", Path: "/applications/" + appID + "/pipelines/" + pipelineID + "/logs?cursor=" + url.QueryEscape(body.NextCursor), Token: apitest.Member}); r.Status != 400 {
				t.Fatalf("the cursor of stage build on every stage: %d", r.Status)
			}
		})
	}
}

func TestRuntimeLogsQuery(t *testing.T) {
	version := int64(3)
	logs := &fakeLogs{page: platform.LogPage{Lines: []platform.LogLine{{Time: now, Process: "web", Instance: "shop-web-web-1-a", ReleaseVersion: version, Message: "GET /"},
		{Time: now, Process: "web", Instance: "shop-web-web-1-a", Message: "no version"}}, Position: "p"}}
	env, appID, _ := logsFixture(t, logs, platform.Fingerprinter{Key: []byte(strings.Repeat("f", 32))}, 0, false, now)
	r := env.Do(req{Method: "GET", Path: "/applications/" + appID + "/logs?process=web&since=2h", Token: apitest.Member})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"release_version":3`) || !strings.Contains(string(r.Body), `"release_version":null`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	q := logs.asked[0]
	if q.PipelineID != "" || q.Process != "web" || !q.Since.Equal(now.Add(-2*time.Hour)) || q.Namespace != "slipway-acme" || q.Workload != "shop-web" || q.Wait != 0 {
		t.Fatalf("asked %+v", q)
	}
}
