package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// gate holds the state machine at the first invocation of one step until
// released (or the execution is stopped), so a test can act while a
// pipeline is at a known place.
type gate struct {
	step    string
	once    sync.Once
	reached chan struct{}
	release chan struct{}
}

func newGate(step string) *gate {
	return &gate{step: step, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) wrap(next stepfn.Invoker) stepfn.Invoker {
	return stepfn.InvokerFunc(func(ctx context.Context, arn string, payload json.RawMessage) (json.RawMessage, error) {
		var probe struct {
			Step string `json:"step"`
		}
		_ = json.Unmarshal(payload, &probe)
		hold := false
		if probe.Step == g.step {
			g.once.Do(func() { hold = true; close(g.reached) })
		}
		if hold {
			select {
			case <-g.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return next.Invoke(ctx, arn, payload)
	})
}

// opsHarness is a harness whose launcher can cancel (the runner stops
// executions, the scripted builder and cluster see the stops and reverts).
func opsHarness(t *testing.T, g *gate) *harness {
	t.Helper()
	b := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}
	c := &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}
	var wrap func(stepfn.Invoker) stepfn.Invoker
	if g != nil {
		wrap = g.wrap
	}
	h := newHarness(t, b, c, wrap)
	h.launcher.Stopper, h.launcher.Builder, h.launcher.Cluster = h.runner, b, c
	return h
}

func (h *harness) app0() platform.Application {
	h.t.Helper()
	app, err := h.env.Store.GetApplication(context.Background(), h.app.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return app
}

func allow(*platform.Application) error { return nil }

var pushIDs = &platform.IDGenerator{}

func push(sha string) platform.PipelineRequest {
	return platform.PipelineRequest{Trigger: platform.TriggerAuto, TriggeredBy: "octocat", CommitSHA: sha, ImageID: pushIDs.NewID()}
}

// TestQueueReplacedTwice: two pushes during a run; the second replaces the
// first (reported as replaced), a third replaces the second, and when the
// running pipeline ends only the newest starts.
func TestQueueReplacedTwice(t *testing.T) {
	g := newGate(pipeline.StepCheckBuild)
	h := opsHarness(t, g)
	ctx := context.Background()
	first, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
	if err != nil {
		t.Fatal(err)
	}
	<-g.reached
	var replaced []string
	for _, sha := range []string{strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)} {
		res, err := h.launcher.Push(ctx, h.app.ID, push(sha))
		if err != nil || !res.Queued {
			t.Fatalf("push %s: %+v %v", sha[:1], res, err)
		}
		if res.Replaced != nil {
			replaced = append(replaced, res.Replaced.CommitSHA[:1])
		}
	}
	if got := strings.Join(replaced, ","); got != "a,b" {
		t.Fatalf("replaced %q, want a,b", got)
	}
	if q := h.app0().QueuedPush; q == nil || q.CommitSHA != strings.Repeat("c", 40) {
		t.Fatalf("pending slot %+v", q)
	}
	close(g.release)
	h.runner.Wait()
	app := h.app0()
	if app.ImageSeq != 2 || app.LatestImage.ID == first.ImageID || app.LatestImage.Status != platform.StatusComplete ||
		app.QueuedPush != nil || app.ActivePipeline != "" {
		t.Fatalf("after the run: image %+v queued %+v active %q", app.LatestImage, app.QueuedPush, app.ActivePipeline)
	}
	if reqs := h.builder.Requests; len(reqs) != 2 || reqs[1].CommitSHA != strings.Repeat("c", 40) {
		t.Fatalf("builds %+v", reqs)
	}
}

// TestQueuedPushStartsAfterAFailure: the queued push starts whatever the
// outcome of the running pipeline, here a failed build.
func TestQueuedPushStartsAfterAFailure(t *testing.T) {
	g := newGate(pipeline.StepCheckBuild)
	h := opsHarness(t, g)
	h.builder.Statuses = []pipeline.BuildStatus{{Phase: pipeline.BuildFailed, Reason: "boom"}, pipelinetest.Built}
	ctx := context.Background()
	if _, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow); err != nil {
		t.Fatal(err)
	}
	<-g.reached
	if res, err := h.launcher.Push(ctx, h.app.ID, push(strings.Repeat("d", 40))); err != nil || !res.Queued {
		t.Fatalf("%+v %v", res, err)
	}
	close(g.release)
	h.runner.Wait()
	imgs, _ := h.env.Store.ListImages(ctx, h.app.ID, 10)
	if len(imgs) != 2 || imgs[1].Status != platform.StatusError || imgs[0].Status != platform.StatusComplete || imgs[0].CommitSHA != pipelinetest.Built.CommitSHA {
		t.Fatalf("images %+v", imgs)
	}
}

// TestCancel cancels a pipeline at each stage: the stage ends canceled
// "canceled by <who>", a running build is stopped, a rollout in progress
// is reverted to the serving release, the application is free at once,
// a second cancel is a conflict, and the next pipeline starts.
func TestCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind platform.PipelineKind
		step string
		// canceled is the record that ends canceled.
		canceled string
		stops    int
		applied  []int64 // release versions applied, in order
	}{
		{"during build", platform.KindBuild, pipeline.StepCheckBuild, "image", 1, []int64{1}},
		{"during release", platform.KindRelease, pipeline.StepDeploy, "release", 0, []int64{1}},
		{"during rollout", platform.KindBuild, pipeline.StepCheckRollout, "deployment", 0, []int64{1, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := opsHarness(t, nil)
			ctx := context.Background()
			h.deploy() // release v1 serves
			g := newGate(tc.step)
			h.runner.WrapInvoker(g.wrap)
			var started pipeline.Started
			var err error
			if tc.kind == platform.KindRelease {
				started, err = h.launcher.Release(ctx, h.app.ID, 0, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow)
			} else {
				started, err = h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
			}
			if err != nil {
				t.Fatal(err)
			}
			<-g.reached
			if err := h.launcher.Cancel(ctx, h.app.ID, started.PipelineID, "alice", false, allow); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			h.runner.Wait()
			app := h.app0()
			if app.ActivePipeline != "" || app.CancelRequest != nil {
				t.Fatalf("not free: active %q cancel %+v", app.ActivePipeline, app.CancelRequest)
			}
			var status platform.Status
			var detail *string
			switch tc.canceled {
			case "image":
				status, detail = app.LatestImage.Status, app.LatestImage.ErrorDetail
			case "release":
				status, detail = app.LatestRelease.Status, app.LatestRelease.ErrorDetail
			case "deployment":
				status, detail = app.LatestDeployment.Status, app.LatestDeployment.ErrorDetail
				if app.LatestImage.Status != platform.StatusComplete {
					t.Fatalf("the built image became %s", app.LatestImage.Status)
				}
			}
			if status != platform.StatusCanceled || detail == nil || *detail != "canceled by alice" {
				t.Fatalf("%s %s %v", tc.canceled, status, detail)
			}
			if app.ServingRelease == nil || app.ServingRelease.Version != 1 {
				t.Fatalf("serving %+v", app.ServingRelease)
			}
			if h.builder.StopCount() != tc.stops {
				t.Fatalf("%d builds stopped, want %d", h.builder.StopCount(), tc.stops)
			}
			if got := h.cluster.AppliedReleases(); !slices.Equal(got, tc.applied) {
				t.Fatalf("applied releases %v, want %v", got, tc.applied)
			}
			err = h.launcher.Cancel(ctx, h.app.ID, started.PipelineID, "alice", false, allow)
			if !platform.IsCode(err, platform.CodeConflict) {
				t.Fatalf("second cancel: %v", err)
			}
			if err := h.launcher.Cancel(ctx, h.app.ID, h.launcher.IDs.NewID(), "alice", false, allow); !platform.IsCode(err, platform.CodeNotFound) {
				t.Fatalf("unknown pipeline: %v", err)
			}
			if _, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow); err != nil {
				t.Fatalf("the next pipeline: %v", err)
			}
			h.runner.Wait()
			if app := h.app0(); app.LatestDeployment.Status != platform.StatusComplete {
				t.Fatalf("the next pipeline: %+v", app.LatestDeployment)
			}
		})
	}
}

// TestCancelThenQueuedPush: the queued push starts after a cancel unless
// include_queued drops it.
func TestCancelThenQueuedPush(t *testing.T) {
	for _, dropQueued := range []bool{false, true} {
		g := newGate(pipeline.StepCheckBuild)
		h := opsHarness(t, g)
		ctx := context.Background()
		started, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
		if err != nil {
			t.Fatal(err)
		}
		<-g.reached
		if _, err := h.launcher.Push(ctx, h.app.ID, push(strings.Repeat("e", 40))); err != nil {
			t.Fatal(err)
		}
		if err := h.launcher.Cancel(ctx, h.app.ID, started.PipelineID, "bob", dropQueued, allow); err != nil {
			t.Fatal(err)
		}
		h.runner.Wait()
		app := h.app0()
		want := int64(2)
		if dropQueued {
			want = 1
		}
		if app.ImageSeq != want || app.QueuedPush != nil || app.ActivePipeline != "" {
			t.Fatalf("include_queued %v: %d images, queued %+v, active %q", dropQueued, app.ImageSeq, app.QueuedPush, app.ActivePipeline)
		}
	}
}

// TestCancelRacingFinish: a cancel while the pipeline's last step runs —
// exactly one wins: the cancel (202, records canceled) or the finish (the
// cancel is a conflict, the deployment complete); nothing stays running.
func TestCancelRacingFinish(t *testing.T) {
	for range 5 {
		g := newGate(pipeline.StepFinish)
		h := opsHarness(t, g)
		ctx := context.Background()
		started, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
		if err != nil {
			t.Fatal(err)
		}
		<-g.reached
		done := make(chan error)
		go func() { done <- h.launcher.Cancel(ctx, h.app.ID, started.PipelineID, "carol", false, allow) }()
		close(g.release)
		cancelErr := <-done
		h.runner.Wait()
		app := h.app0()
		switch dep := app.LatestDeployment; {
		case cancelErr == nil && dep.Status == platform.StatusCanceled:
		case platform.IsCode(cancelErr, platform.CodeConflict) && dep.Status == platform.StatusComplete:
		default:
			t.Fatalf("cancel %v, deployment %s", cancelErr, dep.Status)
		}
		if app.ActivePipeline != "" || app.CancelRequest != nil {
			t.Fatalf("left running: %q %+v", app.ActivePipeline, app.CancelRequest)
		}
	}
}

// TestRollbackRacingPush: a rollback and a push at once — exactly one
// pipeline runs: a rollback first pauses auto-deploy (the push is
// skipped), a push first makes the rollback a conflict. Nothing stays
// running or queued.
func TestRollbackRacingPush(t *testing.T) {
	for range 5 {
		h := opsHarness(t, nil)
		ctx := context.Background()
		h.deploy()
		var wg sync.WaitGroup
		var rollbackErr, pushErr error
		var res pipeline.PushResult
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, rollbackErr = h.launcher.Rollback(ctx, h.app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow)
		}()
		go func() { defer wg.Done(); res, pushErr = h.launcher.Push(ctx, h.app.ID, push(strings.Repeat("f", 40))) }()
		wg.Wait()
		h.runner.Wait()
		if pushErr != nil {
			t.Fatal(pushErr)
		}
		app := h.app0()
		switch {
		case rollbackErr == nil && (res.Skipped != "" || res.Queued):
			if app.LatestRelease.Kind != platform.KindRollback || !app.AutoDeployPaused || app.ImageSeq != 1 {
				t.Fatalf("rollback won, but %+v paused %v images %d", app.LatestRelease, app.AutoDeployPaused, app.ImageSeq)
			}
		case rollbackErr == nil && res.Started.ImageID != "":
			// the push's whole pipeline ran before the rollback started
			// (the harness's pipelines end at once): then the rollback is last
			if app.LatestRelease.Kind != platform.KindRollback || !app.AutoDeployPaused || app.ImageSeq != 2 {
				t.Fatalf("push then rollback, but %+v paused %v images %d", app.LatestRelease, app.AutoDeployPaused, app.ImageSeq)
			}
		case platform.IsCode(rollbackErr, platform.CodeConflict) && res.Started.ImageID != "":
			if app.ImageSeq != 2 || app.AutoDeployPaused {
				t.Fatalf("push won, but images %d paused %v", app.ImageSeq, app.AutoDeployPaused)
			}
		default:
			t.Fatalf("rollback %v, push %+v", rollbackErr, res)
		}
		if app.ActivePipeline != "" || app.QueuedPush != nil || app.LatestDeployment.Status != platform.StatusComplete {
			t.Fatalf("left: active %q queued %+v deployment %s", app.ActivePipeline, app.QueuedPush, app.LatestDeployment.Status)
		}
	}
}

// TestReleaseAndRollbackRecords: a release pipeline skips the build
// states and snapshots the current formation; a rollback copies the
// earlier release's image and config version and pauses auto-deploy.
func TestReleaseAndRollbackRecords(t *testing.T) {
	h := opsHarness(t, nil)
	ctx := context.Background()
	h.deploy()
	before := len(h.visited())
	rel, err := h.launcher.Release(ctx, h.app.ID, 0, platform.ReleaseRequest{Trigger: platform.TriggerManual, TriggeredBy: "dave"}, allow)
	if err != nil {
		t.Fatal(err)
	}
	h.runner.Wait()
	if got := strings.Join(h.visited()[before:], " "); got != "ChooseKind HasReleaseCommand Deploy WaitForRollout CheckRollout IsRolloutDone Finish" {
		t.Fatalf("release states: %s", got)
	}
	app := h.app0()
	if r := app.LatestRelease; r.ID != rel.ReleaseID || r.Version != 2 || r.Kind != platform.KindRelease || r.ImageVersion != 1 ||
		r.RollbackOf != nil || r.ProcessCounts["web"] != 2 || r.Status != platform.StatusComplete {
		t.Fatalf("release %+v", r)
	}
	if d := app.LatestDeployment; d.ReleaseVersion != 2 || d.TriggeredBy != "dave" || d.Status != platform.StatusComplete || app.ImageSeq != 1 {
		t.Fatalf("deployment %+v", d)
	}
	rb, err := h.launcher.Rollback(ctx, h.app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow)
	if err != nil {
		t.Fatal(err)
	}
	h.runner.Wait()
	app = h.app0()
	if r := app.LatestRelease; r.ID != rb.PipelineID || r.Kind != platform.KindRollback || r.RollbackOf == nil || *r.RollbackOf != 1 ||
		r.RunReleaseCommand || !app.AutoDeployPaused || app.ServingRelease.ID != r.ID {
		t.Fatalf("rollback %+v paused %v", r, app.AutoDeployPaused)
	}
	for _, tc := range []struct {
		call  func() error
		field string
	}{
		{func() error {
			_, err := h.launcher.Release(ctx, h.app.ID, 9, platform.ReleaseRequest{}, allow)
			return err
		}, "image_version"},
		{func() error {
			_, err := h.launcher.Rollback(ctx, h.app.ID, 9, platform.ReleaseRequest{}, allow)
			return err
		}, "release_version"},
	} {
		var pe *platform.Error
		if err := tc.call(); !errors.As(err, &pe) || pe.Code != platform.CodeInvalid || pe.Fields[0].Field != tc.field {
			t.Fatalf("%s: %v", tc.field, err)
		}
	}
}

// recordingStarter starts nothing; Stop succeeds as StopExecution of a
// running execution does (the end comes as an EventBridge event).
type recordingStarter struct {
	mu   sync.Mutex
	runs []pipeline.Run
}

func (r *recordingStarter) Start(_ context.Context, run pipeline.Run) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, run)
	return nil
}

func (r *recordingStarter) Stop(context.Context, string, string) error { return nil }

// TestAbortedEventEndsACanceledPipeline is the AWS path: the cancel
// records the request and stops the execution; the EventBridge ABORTED
// event then stops the build, marks the image canceled, frees the
// application and starts the queued push.
func TestAbortedEventEndsACanceledPipeline(t *testing.T) {
	h := opsHarness(t, nil)
	ctx := context.Background()
	sfn := &recordingStarter{}
	steps := &pipeline.Steps{Store: h.env.Store, Builder: h.builder, Cluster: h.cluster, Now: h.clock.Now, IDs: h.launcher.IDs,
		PollSeconds: 10, Metrics: io.Discard, Starter: sfn}
	api := &pipeline.Launcher{Store: h.env.Store, Starter: sfn, Stopper: sfn, Now: h.clock.Now, IDs: h.launcher.IDs, Metrics: io.Discard}
	started, err := api.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
	if err != nil {
		t.Fatal(err)
	}
	run := sfn.runs[0]
	payload, _ := json.Marshal(pipeline.Invocation{Step: pipeline.StepStartBuild, Run: run})
	if _, err := steps.HandleEvent(ctx, payload); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Push(ctx, h.app.ID, push(strings.Repeat("9", 40))); err != nil {
		t.Fatal(err)
	}
	if err := api.Cancel(ctx, h.app.ID, started.PipelineID, "erin", false, allow); err != nil {
		t.Fatal(err)
	}
	if app := h.app0(); app.CancelRequest == nil || app.LatestImage.Status != platform.StatusInProgress {
		t.Fatalf("before the event: %+v %s", app.CancelRequest, app.LatestImage.Status)
	}
	input, _ := json.Marshal(run)
	event, _ := json.Marshal(map[string]any{"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
		"detail": map[string]any{"name": run.PipelineID, "status": "ABORTED", "input": string(input)}})
	for range 2 { // EventBridge may deliver twice
		if _, err := steps.HandleEvent(ctx, event); err != nil {
			t.Fatal(err)
		}
	}
	imgs, _ := h.env.Store.ListImages(ctx, h.app.ID, 10)
	if len(imgs) != 2 || imgs[1].Status != platform.StatusCanceled || *imgs[1].ErrorDetail != "canceled by erin" || imgs[0].Status != platform.StatusInProgress {
		t.Fatalf("images %+v", imgs)
	}
	if h.builder.StopCount() != 1 || len(sfn.runs) != 2 || sfn.runs[1].ImageID != imgs[0].ID {
		t.Fatalf("stops %d, starts %+v", h.builder.StopCount(), sfn.runs)
	}
	if app := h.app0(); app.ActivePipeline != imgs[0].ID || app.QueuedPush != nil || app.CancelRequest != nil {
		t.Fatalf("after the event: active %q queued %+v cancel %+v", app.ActivePipeline, app.QueuedPush, app.CancelRequest)
	}
}

// TestExpiredGuard: a pipeline whose execution never started holds the
// guard only for platform.PipelineStartGrace; the next push then starts
// (failing the abandoned pipeline) and replaces the push it had queued.
func TestExpiredGuard(t *testing.T) {
	h := opsHarness(t, nil)
	ctx := context.Background()
	lost := &recordingStarter{}
	api := &pipeline.Launcher{Store: h.env.Store, Starter: lost, Now: h.clock.Now, IDs: h.launcher.IDs, Metrics: io.Discard}
	abandoned, err := api.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := api.Push(ctx, h.app.ID, push(strings.Repeat("1", 40))); err != nil || !res.Queued {
		t.Fatalf("%+v %v", res, err)
	}
	h.clock.Advance(platform.PipelineStartGrace + time.Second)
	res, err := api.Push(ctx, h.app.ID, push(strings.Repeat("2", 40)))
	if err != nil || res.Queued || res.Started.ImageID == "" || res.Replaced == nil || res.Replaced.CommitSHA != strings.Repeat("1", 40) {
		t.Fatalf("%+v %v", res, err)
	}
	imgs, _ := h.env.Store.ListImages(ctx, h.app.ID, 10)
	if len(imgs) != 2 || imgs[1].ID != abandoned.ImageID || imgs[1].Status != platform.StatusError || imgs[0].Status != platform.StatusInProgress {
		t.Fatalf("images %+v", imgs)
	}
	if app := h.app0(); app.QueuedPush != nil || app.ActivePipeline != res.Started.ImageID {
		t.Fatalf("queued %+v active %q", app.QueuedPush, app.ActivePipeline)
	}
}
