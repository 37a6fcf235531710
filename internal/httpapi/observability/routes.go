package observability

import (
	"context"
	"net/http"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// Store is what this group reads.
type Store interface {
	GetApplication(ctx context.Context, id string) (platform.Application, error)
}

// Source reads an application's usage history. History returns points of
// the window, at most one a step, in any order; steps it has no data for
// may be left out (the handler fills them). A failure worth retrying is a
// platform "unavailable" error.
type Source interface {
	History(ctx context.Context, app platform.Application, w platform.UsageWindow) ([]platform.UsagePoint, error)
}

// Deps are the group's dependencies.
type Deps struct {
	Store  Store
	Source Source
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
	// Logs serves the pipeline and runtime log routes (logs.go).
	Logs LogDeps
}

type api struct{ Deps }

// Routes returns the group's routes.
func Routes(d Deps) []httpapi.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	a := api{d}
	return []httpapi.Route{
		{Method: "GET", Pattern: "/applications/{application_id}/observability", Handle: a.history},
		{Method: "GET", Pattern: "/applications/{application_id}/pipelines/{pipeline_id}/logs", Handle: a.pipelineLogs},
		{Method: "GET", Pattern: "/applications/{application_id}/logs", Handle: a.runtimeLogs},
	}
}

// historyView is the response body.
type historyView struct {
	Range       string      `json:"range"`
	StepSeconds int64       `json:"step_seconds"`
	History     []pointView `json:"history"`
}

// pointView is one step; its four values are all null when the step has
// no data.
type pointView struct {
	Timestamp        httpapi.Timestamp `json:"timestamp"`
	CPUUsageM        *int64            `json:"cpu_usage_m"`
	MemoryUsageBytes *int64            `json:"memory_usage_bytes"`
	PodCount         *int64            `json:"pod_count"`
	RestartCount     *int64            `json:"restart_count"`
}

func (a api) history(w http.ResponseWriter, r *http.Request) error {
	rng, err := platform.ParseObservabilityRange(r.URL.Query().Get("range"))
	if err != nil {
		if _, authErr := httpapi.Caller(r); authErr != nil {
			return authErr
		}
		return err
	}
	app, err := httpapi.VisibleApplication(r, a.Store.GetApplication)
	if err != nil {
		return err
	}
	win := rng.WindowAt(a.Now())
	points, err := a.Source.History(r.Context(), app, win)
	if err != nil {
		return err
	}
	out := historyView{Range: rng.Name, StepSeconds: int64(rng.Step / time.Second), History: make([]pointView, 0, win.Len())}
	for _, p := range win.Fill(points) {
		v := pointView{Timestamp: httpapi.Timestamp(p.Time)}
		if u := p.Usage; u != nil {
			v.CPUUsageM, v.MemoryUsageBytes, v.PodCount, v.RestartCount = &u.CPUMillicores, &u.MemoryBytes, &u.Pods, &u.Restarts
		}
		out.History = append(out.History, v)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
