package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/slipway-paas/slipway/internal/apiclient"
)

// stageNames are the pipeline's stages, in order.
var stageNames = [3]string{"build", "release", "deploy"}

// stageView is one stage of Pipeline Status as the CLI shows it.
type stageView struct {
	Name    string
	Present bool
	// Ours: the stage belongs to the watched pipeline (not an older one).
	Ours             bool
	Version          int
	Status           string
	Current          string
	Steps            []string
	Started, Updated time.Time
	Error            string
}

// finished reports whether the stage's object has ended.
func (v stageView) finished() bool {
	return v.Present && v.Status != string(apiclient.DeploymentStatusInProgress)
}

// failed reports whether it ended in error or was canceled.
func (v stageView) failed() bool {
	return v.Status == string(apiclient.DeploymentStatusError) || v.Status == string(apiclient.DeploymentStatusCanceled)
}

// snapshot is one reading of Pipeline Status.
type snapshot struct {
	Stages [3]stageView
	Active bool
	// Pipeline is the running pipeline, else the newest (uuid.Nil before
	// the first); Kind is its kind.
	Pipeline uuid.UUID
	Kind     string
	// Queued is the push waiting for the running pipeline, or nil.
	Queued *apiclient.QueuedPush
}

// outcome is how a watched pipeline ended.
type outcome struct {
	OK bool
	// Release is the version deployed (on success).
	Release int
	// Stage and Detail say where and why it failed.
	Stage, Status, Detail string
}

// stageJSON is the part every stage of the generated PipelineStatus has.
// The stages' progress is typed loosely by the generator (allOf with an
// inline override), so it is read through its JSON.
type stageJSON struct {
	Id          uuid.UUID               `json:"id"`
	Version     int                     `json:"version"`
	Status      string                  `json:"status"`
	ErrorDetail *string                 `json:"error_detail"`
	Started     time.Time               `json:"started"`
	Updated     time.Time               `json:"updated"`
	Progress    apiclient.StageProgress `json:"progress"`
}

// readSnapshot turns Pipeline Status into the stages of pipeline id. The
// stages are ours only while Pipeline Status names pipeline: the stage
// whose object is pipeline (the build of a build pipeline, the release of
// a release or rollback one) and the later stages that started after it.
func readSnapshot(ps *apiclient.PipelineStatus, pipeline uuid.UUID) (snapshot, error) {
	snap := snapshot{Active: ps.PipelineActive, Queued: ps.Queued}
	if ps.PipelineId != nil {
		snap.Pipeline = *ps.PipelineId
	}
	if ps.Kind != nil {
		snap.Kind = string(*ps.Kind)
	}
	named := pipeline != uuid.Nil && snap.Pipeline == pipeline
	raw := [3]any{ps.Build, ps.Release, ps.Deploy}
	anchored := false
	var anchorStarted time.Time
	for i, st := range raw {
		v := stageView{Name: stageNames[i]}
		b, err := json.Marshal(st)
		if err != nil {
			return snap, err
		}
		if string(b) != "null" {
			var sj stageJSON
			if err := json.Unmarshal(b, &sj); err != nil {
				return snap, fmt.Errorf("reading the %s stage: %w", stageNames[i], err)
			}
			v.Present, v.Version, v.Status = true, sj.Version, sj.Status
			v.Current, v.Steps = sj.Progress.Current, sj.Progress.Steps
			v.Started, v.Updated = sj.Started, sj.Updated
			if sj.ErrorDetail != nil {
				v.Error = *sj.ErrorDetail
			}
			switch {
			case !named:
			case anchored:
				v.Ours = !sj.Started.Before(anchorStarted)
			case sj.Id == pipeline:
				v.Ours, anchored, anchorStarted = true, true, sj.Started
			}
		}
		snap.Stages[i] = v
	}
	return snap, nil
}

// decide says whether the snapshot ends the watch, and how. quiet counts
// the readings in a row that showed no pipeline running without a
// decisive stage.
func decide(snap snapshot, quiet int) (bool, outcome) {
	for _, v := range snap.Stages {
		if v.Ours && v.finished() && v.failed() {
			return true, outcome{Stage: v.Name, Status: v.Status, Detail: v.Error}
		}
	}
	if d := snap.Stages[2]; d.Ours && d.finished() {
		return true, outcome{OK: true, Release: d.Version}
	}
	if !snap.Active && quiet >= 2 {
		return true, outcome{Stage: "pipeline", Status: "error", Detail: "the pipeline ended without a deployment"}
	}
	return false, outcome{}
}

// pollInterval is the calm pause between two readings of Pipeline Status.
const pollInterval = time.Second

// maxTransient is how many failed readings in a row a watch tolerates
// (503, a dropped connection) before it gives up.
const maxTransient = 5

// watchPipeline reads Pipeline Status every interval until pipeline ends,
// calling update with every reading; it returns how the pipeline ended.
func watchPipeline(ctx context.Context, a *api, appID, pipeline uuid.UUID, interval time.Duration, update func(snapshot)) (outcome, error) {
	quiet, transient := 0, 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return outcome{}, ctx.Err()
		case <-timer.C:
		}
		r, err := check(a.GetPipelineStatusWithResponse(ctx, appID, nil))
		if err == nil {
			var ps *apiclient.PipelineStatus
			if ps, err = decoded(r.JSON200, "pipeline status"); err == nil {
				transient = 0
				snap, err := readSnapshot(ps, pipeline)
				if err != nil {
					return outcome{}, err
				}
				update(snap)
				if !snap.Active {
					quiet++
				} else {
					quiet = 0
				}
				if done, out := decide(snap, quiet); done {
					return out, nil
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return outcome{}, ctx.Err()
			}
			var apiErr *APIError
			retry := errors.As(err, new(*UnreachableError)) || (errors.As(err, &apiErr) && apiErr.Status >= 500)
			if transient++; !retry || transient > maxTransient {
				return outcome{}, err
			}
		}
		timer.Reset(interval)
	}
}

// remarshal copies v into out through JSON.
func remarshal(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
