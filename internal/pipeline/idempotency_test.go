package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

type noStart struct{}

func (noStart) Start(context.Context, pipeline.Run) error { return nil }

// TestStepsRetriedAfterACrashAreIdempotent invokes every step of a
// pipeline as Step Functions' retry would after a Lambda timeout: first
// with its store write failing (the crash before the write), then
// successfully, then again with the same input (the crash after the
// write, before the answer). The retries change no record: one image,
// one release, one deployment, versions unchanged.
func TestStepsRetriedAfterACrashAreIdempotent(t *testing.T) {
	env := storetest.New(t)
	db := storetest.InstallFaultDB(env)
	clock := stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	ids := &platform.IDGenerator{Now: clock.Now}
	builder := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}
	cluster := &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}
	steps := &pipeline.Steps{Store: env.Store, Builder: builder, Cluster: cluster, Now: clock.Now, IDs: ids, PollSeconds: 10, Metrics: io.Discard}
	repo, branch := "acme/web", "main"
	app := platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	app.GithubRepository, app.AutoDeployBranch = &repo, &branch
	seedApplication(t, env, app)
	img, err := (&pipeline.Launcher{Store: env.Store, Starter: noStart{}, IDs: ids, Now: clock.Now, Metrics: io.Discard}).Build(context.Background(),
		app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, func(*platform.Application) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(step string, run pipeline.Run) (pipeline.Run, error) {
		payload, _ := json.Marshal(pipeline.Invocation{Step: step, Run: run})
		out, err := steps.Handle(context.Background(), payload)
		if err != nil {
			return run, err
		}
		var next pipeline.Run
		if err := json.Unmarshal(out, &next); err != nil {
			t.Fatal(err)
		}
		return next, nil
	}
	injected := &types.InternalServerError{Message: aws.String("injected")}
	run := pipeline.Run{ApplicationID: app.ID, ImageID: img.ImageID}
	for _, step := range []string{pipeline.StepStartBuild, pipeline.StepCheckBuild, pipeline.StepCreateRelease, pipeline.StepDeploy, pipeline.StepCheckRollout, pipeline.StepFinish} {
		// 1. The crash before the write: the step's transaction fails.
		before := env.Snapshot(t)
		db.FailWhen(func(c storetest.FaultCall) error {
			if c.Op == "TransactWriteItems" || c.Op == "PutItem" {
				return injected
			}
			return nil
		})
		_, err := invoke(step, run)
		db.FailWhen(nil)
		var transient *pipeline.TransientError
		if step != pipeline.StepCheckRollout && !errors.As(err, &transient) {
			t.Fatalf("%s with its write failing: %v, want a TransientError (retried)", step, err)
		}
		if d := storetest.SnapshotDiff(before, env.Snapshot(t)); d != "" {
			t.Fatalf("%s failed and still wrote:\n%s", step, d)
		}
		clock.Advance(time.Second)
		// 2. The retry succeeds.
		first, err := invoke(step, run)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		after := env.Snapshot(t)
		clock.Advance(time.Second)
		// 3. The crash after the write: the same input again.
		again, err := invoke(step, run)
		if err != nil {
			t.Fatalf("%s retried: %v", step, err)
		}
		if d := storetest.SnapshotDiff(after, env.Snapshot(t)); d != "" {
			t.Fatalf("%s retried after it succeeded changed records:\n%s", step, d)
		}
		if again.BuildRef != first.BuildRef || again.ReleaseID != first.ReleaseID || again.DeploymentID != first.DeploymentID ||
			again.BuildDone != first.BuildDone || again.RolloutDone != first.RolloutDone {
			t.Fatalf("%s retried answered differently:\n first %+v\n again %+v", step, first, again)
		}
		run = first
	}
	got, err := env.Store.GetApplication(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	deps, _ := env.Store.ListDeployments(context.Background(), app.ID, platform.PageRequest{Limit: 10})
	imgs, _ := env.Store.ListImages(context.Background(), app.ID, 10)
	rels, _ := env.Store.ListReleases(context.Background(), app.ID, 10)
	if got.ImageSeq != 1 || got.ReleaseSeq != 1 || len(imgs) != 1 || len(rels) != 1 || len(deps.Items) != 1 ||
		got.ActivePipeline != "" || deps.Items[0].Status != platform.StatusComplete || rels[0].Status != platform.StatusComplete {
		t.Fatalf("records: seq %d/%d, %d images, %d releases, %d deployments, guard %q", got.ImageSeq, got.ReleaseSeq, len(imgs), len(rels), len(deps.Items), got.ActivePipeline)
	}
	for _, r := range builder.Requests {
		if r.ImageID != img.ImageID || r.ImageTag != builder.Requests[0].ImageTag {
			t.Fatalf("a retried start asked for another build: %+v", builder.Requests)
		}
	}

	// mark_failed after the pipeline ended, twice: nothing changes.
	before := env.Snapshot(t)
	for range 2 {
		if _, err := invoke(pipeline.StepMarkFailed, pipeline.Run{ApplicationID: app.ID, ImageID: img.ImageID, Failure: &pipeline.Failure{Error: "States.Timeout"}}); err != nil {
			t.Fatal(err)
		}
	}
	if d := storetest.SnapshotDiff(before, env.Snapshot(t)); d != "" {
		t.Fatalf("mark_failed of an ended pipeline changed records:\n%s", d)
	}
}
