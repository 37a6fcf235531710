package teardown

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// Store is what the teardown reads and deletes.
type Store interface {
	platform.Lifecycle
}

// The step names the teardown state machine sends; every one starts with
// StepPrefix, which no pipeline step does.
const (
	StepPrefix        = "teardown_"
	StepRemoveCluster = "teardown_cluster"
	StepPurgeRecords  = "teardown_records"
	StepFinish        = "teardown_finish"
)

// PurgeBatch is how many items one purge step deletes (one Query and one
// TransactWriteItems).
const PurgeBatch = 100

// Run is the teardown execution's state: the state machine's document.
type Run struct {
	ApplicationID string `json:"application_id"`
	// ExecutionName names the execution (the application id for the first
	// start, with a suffix for restarts).
	ExecutionName string `json:"execution_name"`
	// Purged counts the items deleted so far; PurgePasses the purge steps.
	Purged      int  `json:"purged"`
	PurgePasses int  `json:"purge_passes"`
	RecordsDone bool `json:"records_done"`
	// Finished is true once the tombstone is gone.
	Finished bool `json:"finished"`
}

// Invocation is the payload of every teardown step.
type Invocation struct {
	Step string `json:"step"`
	Run  Run    `json:"run"`
}

// Steps are the teardown state machine's Lambda tasks.
type Steps struct {
	Store   Store
	Cluster pipeline.Cluster
	// Images removes the release tags of the application's images, so the
	// repository's lifecycle policy may expire them (nil: left tagged).
	Images pipeline.ImageTags
}

// Handle runs one step: the Lambda JSON boundary.
func (s *Steps) Handle(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	var inv Invocation
	if err := json.Unmarshal(payload, &inv); err != nil || !strings.HasPrefix(inv.Step, StepPrefix) {
		return nil, &pipeline.InvalidInvocationError{Reason: "payload is not a teardown step invocation"}
	}
	if !platform.IsUUID(inv.Run.ApplicationID) {
		return nil, &pipeline.InvalidInvocationError{Reason: "run.application_id must be a UUID"}
	}
	run, err := s.step(ctx, inv.Step, inv.Run)
	if err != nil {
		if platform.IsCode(err, platform.CodeUnavailable) {
			return nil, &pipeline.TransientError{Err: err}
		}
		return nil, err
	}
	return json.Marshal(run)
}

func (s *Steps) step(ctx context.Context, step string, run Run) (Run, error) {
	switch step {
	case StepRemoveCluster:
		return run, s.removeCluster(ctx, run.ApplicationID)
	case StepPurgeRecords:
		return s.purge(ctx, run)
	case StepFinish:
		if err := s.removeCluster(ctx, run.ApplicationID); err != nil {
			return run, err
		}
		run.Finished = true
		return run, s.Store.ForgetTombstone(ctx, run.ApplicationID)
	}
	return run, &pipeline.InvalidInvocationError{Reason: fmt.Sprintf("unknown teardown step %q", step)}
}

// removeCluster removes the application's objects from where the pipeline
// put them. A teardown that already finished (no tombstone) does nothing.
func (s *Steps) removeCluster(ctx context.Context, appID string) error {
	ts, err := s.Store.GetTombstone(ctx, appID)
	if platform.IsCode(err, platform.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	w := pipeline.WorkloadOf(ts.Application, platform.Release{})
	if err := s.Cluster.Remove(ctx, w.Namespace, appID); err != nil {
		return &pipeline.TransientError{Err: fmt.Errorf("removing the cluster objects of application %s: %w", appID, err)}
	}
	// Nothing runs the images any more. Every pass removes every release
	// tag again: a deploy step that was past its last check when the
	// application was deleted may have tagged its image since.
	if s.Images != nil {
		if err := s.Images.Untag(ctx, pipeline.ReleaseImageTags(appID, ts.Application.ReleaseSeq)); err != nil {
			return &pipeline.TransientError{Err: fmt.Errorf("removing the release tags of application %s: %w", appID, err)}
		}
	}
	return nil
}

func (s *Steps) purge(ctx context.Context, run Run) (Run, error) {
	n, done, err := s.Store.PurgeApplication(ctx, run.ApplicationID, PurgeBatch)
	if err != nil {
		return run, err
	}
	run.Purged += n
	run.PurgePasses++
	run.RecordsDone = done
	return run, nil
}

// Handler is a Lambda JSON handler.
type Handler func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// Route sends teardown step invocations to s and everything else to next
// (the pipeline's steps and events): PipelineFunction's entry point.
func Route(s *Steps, next Handler) Handler {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		var probe struct {
			Step string `json:"step"`
		}
		if json.Unmarshal(payload, &probe) == nil && strings.HasPrefix(probe.Step, StepPrefix) {
			return s.Handle(ctx, payload)
		}
		return next(ctx, payload)
	}
}
