package devstack

import (
	"context"
	"log/slog"
	"sync"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// stageLog is the store the pipeline steps use, wrapped so that the
// terminal shows every stage transition: each status change of an image
// (stage build), release (release) or deployment (deploy) that the steps
// write is logged as one "pipeline" record (app, pipeline, stage, status,
// reason) once its transaction succeeded. It observes; it changes
// nothing.
type stageLog struct {
	pipeline.Store
	running *runningSet // forgets a pipeline once its guard is released

	mu   sync.Mutex
	last map[string]platform.Status // record id → the status logged last
}

func newStageLog(st pipeline.Store, running *runningSet) *stageLog {
	return &stageLog{Store: st, running: running, last: map[string]platform.Status{}}
}

// UpdateApplicationRecords writes through and logs the records whose
// status changed.
func (s *stageLog) UpdateApplicationRecords(ctx context.Context, id string, ifVersion int64, mutate func(*platform.Application) (platform.RecordWrites, error)) (platform.Application, error) {
	var writes platform.RecordWrites
	var active string
	app, err := s.Store.UpdateApplicationRecords(ctx, id, ifVersion, func(a *platform.Application) (platform.RecordWrites, error) {
		active = a.ActivePipeline // the last attempt's (a lost race retries)
		w, err := mutate(a)
		writes = w
		return w, err
	})
	if err != nil {
		return app, err
	}
	if active != "" && app.ActivePipeline != active {
		s.running.remove(active) // the pipeline ended (or was superseded)
	}
	if active == "" {
		active = app.ActivePipeline
	}
	name := app.OrganizationSlug + "/" + app.ProjectSlug + "/" + app.Slug
	for _, im := range writes.Images {
		s.transition(ctx, name, active, "build", im.ID, im.Status, im.ErrorDetail)
	}
	for _, r := range writes.Releases {
		s.transition(ctx, name, active, "release", r.ID, r.Status, r.ErrorDetail)
	}
	for _, d := range writes.Deployments {
		s.transition(ctx, name, active, "deploy", d.ID, d.Status, d.ErrorDetail)
	}
	return app, nil
}

func (s *stageLog) transition(ctx context.Context, app, pipelineID, stage, recordID string, status platform.Status, reason *string) {
	s.mu.Lock()
	changed := s.last[recordID] != status
	s.last[recordID] = status
	if status != platform.StatusInProgress {
		delete(s.last, recordID) // nothing follows: keep the map small
	}
	s.mu.Unlock()
	if !changed {
		return
	}
	attrs := []any{"app", app, "pipeline", pipelineID, "stage", stage, "status", string(status)}
	if reason != nil && *reason != "" {
		attrs = append(attrs, "reason", *reason)
	}
	slog.InfoContext(ctx, "pipeline", attrs...)
}
