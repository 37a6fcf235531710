package deployments

import (
	"context"
	"net/http"
	"sync"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

func (a api) listDeployments(w http.ResponseWriter, r *http.Request) error {
	page, err := httpapi.PageRequest(r)
	if err != nil {
		return err
	}
	var deps platform.Page[platform.Deployment]
	var listErr error
	var wg sync.WaitGroup
	if id := r.PathValue("application_id"); platform.IsUUID(id) {
		wg.Add(1)
		go func() { // the list, the application and the token: one round trip
			defer wg.Done()
			deps, listErr = a.Store.ListDeployments(r.Context(), id, page)
		}()
	}
	_, err = httpapi.VisibleApplication(r, a.Store.GetApplication)
	wg.Wait()
	if err != nil {
		return err
	}
	if listErr != nil {
		return listErr
	}
	httpapi.WritePage(w, r, page, deps, httpapi.Deployment)
	return nil
}

// StageView is one pipeline stage in Pipeline Status.
type StageView struct {
	ID          string            `json:"id"`
	Version     int64             `json:"version"`
	Status      platform.Status   `json:"status"`
	ErrorDetail *string           `json:"error_detail"`
	Started     httpapi.Timestamp `json:"started"`
	Updated     httpapi.Timestamp `json:"updated"`
	Progress    ProgressView      `json:"progress"`
	// Logs is the URL of the stage's lines in its pipeline's log.
	Logs *string `json:"logs"`
}

// QueuedView is the push waiting in the application's pending slot.
type QueuedView struct {
	CommitSHA   string            `json:"commit_sha"`
	Trigger     string            `json:"trigger"`
	TriggeredBy string            `json:"triggered_by"`
	Since       httpapi.Timestamp `json:"since"`
}

// ProgressView lists a stage's steps and the one it is at.
type ProgressView struct {
	Steps   []string `json:"steps"`
	Current string   `json:"current"`
}

// The steps of each stage, in order.
var (
	buildSteps   = []string{"queued", "building", "complete"}
	releaseSteps = []string{"snapshot", "complete"}
	deploySteps  = []string{"rollout", "complete"}
)

// releaseCommandSteps are the release stage's steps for a release that
// runs its release command (the image's Procfile release process).
var releaseCommandSteps = []string{"snapshot", "release_command", "complete"}

func stage(id string, version int64, status platform.Status, errDetail *string, created, updated httpapi.Timestamp, steps []string, running string) *StageView {
	current := steps[len(steps)-1]
	switch status {
	case platform.StatusInProgress:
		current = running
	case platform.StatusError, platform.StatusCanceled:
		current = string(status)
	}
	return &StageView{ID: id, Version: version, Status: status, ErrorDetail: errDetail, Started: created, Updated: updated,
		Progress: ProgressView{Steps: steps, Current: current}}
}

func (a api) pipelineStatus(w http.ResponseWriter, r *http.Request) error {
	app, err := httpapi.VisibleApplication(r, a.Store.GetApplication)
	if err != nil {
		return err
	}
	out := struct {
		Build          *StageView             `json:"build"`
		Release        *StageView             `json:"release"`
		Deploy         *StageView             `json:"deploy"`
		PipelineActive bool                   `json:"pipeline_active"`
		PipelineID     *string                `json:"pipeline_id"`
		Kind           *platform.PipelineKind `json:"kind"`
		Queued         *QueuedView            `json:"queued"`
	}{PipelineActive: app.RunningPipeline(a.Now()) != ""}
	if p := app.LatestPipeline; p != nil {
		out.PipelineID, out.Kind = &p.ID, &p.Kind
	} else if img := app.LatestImage; img != nil { // pipelines older than kinds were builds
		kind := platform.KindBuild
		out.PipelineID, out.Kind = &img.ID, &kind
	}
	if q := app.QueuedPush; q != nil {
		out.Queued = &QueuedView{CommitSHA: q.CommitSHA, Trigger: q.Trigger, TriggeredBy: q.TriggeredBy, Since: httpapi.Timestamp(q.Since)}
	}
	if img := app.LatestImage; img != nil {
		running := "queued"
		if img.BuildRef != "" {
			running = "building"
		}
		out.Build = stage(img.ID, img.Version, img.Status, img.ErrorDetail, httpapi.Timestamp(img.Created), httpapi.Timestamp(img.Updated), buildSteps, running)
	}
	if rel := app.LatestRelease; rel != nil {
		steps, running := releaseSteps, "snapshot"
		if rel.RunsReleaseCommand() {
			steps = releaseCommandSteps
			if rel.ReleaseCommandStarted != nil {
				running = "release_command"
			}
		}
		out.Release = stage(rel.ID, rel.Version, rel.Status, rel.ErrorDetail, httpapi.Timestamp(rel.Created), httpapi.Timestamp(rel.Updated), steps, running)
	}
	if dep := app.LatestDeployment; dep != nil {
		out.Deploy = stage(dep.ID, dep.ReleaseVersion, dep.Status, dep.ErrorDetail, httpapi.Timestamp(dep.Created), httpapi.Timestamp(dep.Updated), deploySteps, "rollout")
	}
	linkLogs(app, out.Build, out.Release, out.Deploy)
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// Metrics window bounds.
const (
	defaultMetricsRange = 50
	maxMetricsRange     = 200
)

func (a api) pipelineMetrics(w http.ResponseWriter, r *http.Request) error {
	n, err := httpapi.QueryInt(r, "range", defaultMetricsRange, 1, maxMetricsRange)
	if err != nil {
		if _, authErr := httpapi.Caller(r); authErr != nil {
			return authErr
		}
		return err
	}
	var builds, releases, deploys []platform.StageRun
	var errs [3]error
	var wg sync.WaitGroup
	if id := r.PathValue("application_id"); platform.IsUUID(id) {
		ctx := r.Context()
		run := func(i int, f func(context.Context) ([]platform.StageRun, error), dst *[]platform.StageRun) {
			wg.Add(1)
			go func() { defer wg.Done(); *dst, errs[i] = f(ctx) }()
		}
		run(0, func(ctx context.Context) ([]platform.StageRun, error) { return a.imageRuns(ctx, id, n) }, &builds)
		run(1, func(ctx context.Context) ([]platform.StageRun, error) { return a.releaseRuns(ctx, id, n) }, &releases)
		run(2, func(ctx context.Context) ([]platform.StageRun, error) { return a.deployRuns(ctx, id, n) }, &deploys)
	}
	_, err = httpapi.VisibleApplication(r, a.Store.GetApplication)
	wg.Wait()
	if err != nil {
		return err
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"range": n, "build": metricsView(builds), "release": metricsView(releases), "deploy": metricsView(deploys),
	})
	return nil
}

func (a api) imageRuns(ctx context.Context, appID string, n int) ([]platform.StageRun, error) {
	return stageRuns(a.Store.ListImages(ctx, appID, n))
}

func (a api) releaseRuns(ctx context.Context, appID string, n int) ([]platform.StageRun, error) {
	return stageRuns(a.Store.ListReleases(ctx, appID, n))
}

func (a api) deployRuns(ctx context.Context, appID string, n int) ([]platform.StageRun, error) {
	page, err := a.Store.ListDeployments(ctx, appID, platform.PageRequest{Limit: n})
	return stageRuns(page.Items, err)
}

func stageRuns[T interface{ StageRun() platform.StageRun }](items []T, err error) ([]platform.StageRun, error) {
	runs := make([]platform.StageRun, len(items))
	for i, x := range items {
		runs[i] = x.StageRun()
	}
	return runs, err
}

type historyView struct {
	ID      string            `json:"id"`
	Version int64             `json:"version"`
	OK      bool              `json:"ok"`
	Secs    float64           `json:"secs"`
	Created httpapi.Timestamp `json:"created"`
}

func metricsView(runs []platform.StageRun) map[string]any {
	m := platform.Metrics(runs)
	history := make([]historyView, len(m.History))
	for i, h := range m.History {
		history[i] = historyView{ID: h.ID, Version: h.Version, OK: h.OK, Secs: h.Secs, Created: httpapi.Timestamp(h.Created)}
	}
	return map[string]any{
		"total": m.Total, "success": m.Success, "error": m.Error, "success_rate": m.SuccessRate,
		"avg_secs": m.AvgSecs, "p50_secs": m.P50Secs, "p95_secs": m.P95Secs, "history": history,
	}
}

// linkLogs gives each stage shown the URL of its lines in the log of the
// pipeline that made it.
func linkLogs(app platform.Application, build, release, deploy *StageView) {
	link := func(v *StageView, pipelineID, stage string) {
		if v != nil && pipelineID != "" {
			u := "/applications/" + app.ID + "/pipelines/" + pipelineID + "/logs?stage=" + stage
			v.Logs = &u
		}
	}
	if img := app.LatestImage; img != nil {
		link(build, img.ID, platform.LogStageBuild)
	}
	if rel := app.LatestRelease; rel != nil {
		link(release, rel.Pipeline(), platform.LogStageRelease)
		if dep := app.LatestDeployment; dep != nil && dep.ReleaseID == rel.ID {
			link(deploy, rel.Pipeline(), platform.LogStageDeploy)
		}
	}
}
