package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

type harness struct {
	t        *testing.T
	env      *storetest.Env
	clock    *stepfn.VirtualClock
	builder  *pipelinetest.Builder
	cluster  *pipelinetest.Cluster
	runner   *localrun.Runner
	launcher *pipeline.Launcher
	steps    *pipeline.Steps
	app      platform.Application

	mu     sync.Mutex
	events []stepfn.Event
}

func newHarness(t *testing.T, b *pipelinetest.Builder, c *pipelinetest.Cluster, wrap func(stepfn.Invoker) stepfn.Invoker) *harness {
	t.Helper()
	h := &harness{t: t, env: storetest.New(t), clock: stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)), builder: b, cluster: c}
	ids := &platform.IDGenerator{Now: h.clock.Now}
	steps := &pipeline.Steps{Store: h.env.Store, Builder: b, Cluster: c, Now: h.clock.Now, IDs: ids, PollSeconds: 10, Metrics: io.Discard}
	h.runner = pipelinetest.NewRunner(t, steps, h.clock, stepfn.WithRandom(func() float64 { return 0.5 }),
		stepfn.WithObserver(func(e stepfn.Event) { h.mu.Lock(); h.events = append(h.events, e); h.mu.Unlock() }))
	if wrap != nil {
		h.runner.WrapInvoker(wrap)
	}
	h.launcher = &pipeline.Launcher{Store: h.env.Store, Starter: h.runner, IDs: ids, Now: h.clock.Now, Metrics: io.Discard}
	h.steps = steps
	repo, branch := "acme/web", "main"
	h.app = platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
		ProcessCounts: map[string]int{"web": 2}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	h.app.GithubRepository, h.app.AutoDeployBranch = &repo, &branch
	seedApplication(t, h.env, h.app)
	return h
}

// seedApplication stores an application with its project.
func seedApplication(t *testing.T, env *storetest.Env, app platform.Application) {
	t.Helper()
	ctx := context.Background()
	p := platform.Project{ID: app.ProjectID, OrganizationSlug: app.OrganizationSlug, Slug: app.ProjectSlug, Name: "Shop"}
	if err := env.Store.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
}

// deploy runs one pipeline to its end and returns the application after it.
func (h *harness) deploy() (platform.Application, platform.Image) {
	h.t.Helper()
	started, err := h.launcher.Build(context.Background(), h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"},
		func(*platform.Application) error { return nil })
	if err != nil {
		h.t.Fatal(err)
	}
	h.runner.Wait()
	app, err := h.env.Store.GetApplication(context.Background(), h.app.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return app, platform.Image{ID: started.ImageID}
}

func (h *harness) visited() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var names []string
	for _, e := range h.events {
		if strings.HasSuffix(string(e.Type), "StateEntered") {
			names = append(names, e.State)
		}
	}
	return names
}

func (h *harness) retryDelays() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	var d []time.Duration
	for _, e := range h.events {
		if e.Type == stepfn.EventRetryScheduled {
			d = append(d, e.RetryDelay)
		}
	}
	return d
}

func TestHappyPath(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Running, pipelinetest.Built}},
		&pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.Rolling, pipelinetest.RolledOut}}, nil)
	start := h.clock.Now()
	app, img := h.deploy()
	want := "ChooseKind StartBuild WaitForBuild CheckBuild IsBuildDone WaitForBuild CheckBuild IsBuildDone CreateRelease HasReleaseCommand Deploy " +
		"WaitForRollout CheckRollout IsRolloutDone WaitForRollout CheckRollout IsRolloutDone Finish"
	if got := strings.Join(h.visited(), " "); got != want {
		t.Fatalf("states:\n got %s\nwant %s", got, want)
	}
	if app.ActivePipeline != "" || app.LatestImage.ID != img.ID || app.LatestImage.Status != platform.StatusComplete ||
		app.LatestRelease.Version != 1 || app.LatestDeployment.Status != platform.StatusComplete {
		t.Fatalf("records: image %+v release %+v deployment %+v", app.LatestImage, app.LatestRelease, app.LatestDeployment)
	}
	if app.LatestImage.CommitSHA != pipelinetest.Built.CommitSHA || app.LatestImage.Processes["worker"] != "work" || app.LatestRelease.ImageURI != pipelinetest.Built.ImageURI {
		t.Fatalf("image/release snapshot wrong: %+v %+v", app.LatestImage, app.LatestRelease)
	}
	if got := h.clock.Now().Sub(start); got != 40*time.Second {
		t.Fatalf("four polls of 10 s took %s of virtual time", got)
	}
	if h.builder.Starts != 1 || h.cluster.Applies != 1 || h.cluster.Applied.ProcessCounts["web"] != 2 {
		t.Fatalf("builder.Starts %d, cluster.Applies %d (%+v)", h.builder.Starts, h.cluster.Applies, h.cluster.Applied)
	}
	deps, err := h.env.Store.ListDeployments(context.Background(), h.app.ID, platform.PageRequest{Limit: 10})
	if err != nil || len(deps.Items) != 1 || deps.Items[0].Trigger != platform.TriggerManual {
		t.Fatalf("deployments %+v %v", deps, err)
	}
}

func TestTransientErrorsRetriedOnSchedule(t *testing.T) {
	unavailable := platform.Unavailable(errors.New("throttled"))
	h := newHarness(t, &pipelinetest.Builder{Errs: []error{unavailable, unavailable}, Statuses: []pipeline.BuildStatus{pipelinetest.Built}},
		&pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}, nil)
	app, _ := h.deploy()
	if app.LatestDeployment == nil || app.LatestDeployment.Status != platform.StatusComplete {
		t.Fatalf("did not recover: %+v", app.LatestImage)
	}
	// FULL jitter with a random source fixed at 0.5: half of 2 s, then of 4 s.
	if got := h.retryDelays(); len(got) != 2 || got[0] != time.Second || got[1] != 2*time.Second {
		t.Fatalf("retry delays %v", got)
	}
}

func TestRetriesExhausted(t *testing.T) {
	unavailable := platform.Unavailable(errors.New("DynamoDB is throttling"))
	errs := make([]error, 7)
	for i := range errs {
		errs[i] = unavailable
	}
	h := newHarness(t, &pipelinetest.Builder{Errs: errs, Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}, nil)
	app, _ := h.deploy()
	if n := len(h.retryDelays()); n != 6 {
		t.Fatalf("%d retries, want 6", n)
	}
	expectFailed(t, app, "DynamoDB is throttling")
	if v := h.visited(); v[len(v)-1] != "PipelineFailed" || v[len(v)-2] != "MarkFailed" {
		t.Fatalf("did not end in MarkFailed → PipelineFailed: %v", v)
	}
}

// expectFailed checks that the pipeline ended failed: its guard released,
// nothing left in progress, and the reason on the record that failed.
func expectFailed(t *testing.T, app platform.Application, reason string) {
	t.Helper()
	if app.ActivePipeline != "" {
		t.Fatal("the pipeline guard was not released")
	}
	type record struct {
		what   string
		status platform.Status
		detail *string
	}
	records := []record{{"image", app.LatestImage.Status, app.LatestImage.ErrorDetail}}
	if r := app.LatestRelease; r != nil {
		records = append(records, record{"release", r.Status, r.ErrorDetail})
	}
	if d := app.LatestDeployment; d != nil {
		records = append(records, record{"deployment", d.Status, d.ErrorDetail})
	}
	found := false
	for _, r := range records {
		if r.status == platform.StatusInProgress {
			t.Fatalf("%s left in progress", r.what)
		}
		if r.status == platform.StatusError && r.detail != nil && strings.Contains(*r.detail, reason) {
			found = true
		}
	}
	if !found {
		for _, r := range records {
			d := "<nil>"
			if r.detail != nil {
				d = *r.detail
			}
			t.Logf("%s: %s %q", r.what, r.status, d)
		}
		t.Fatalf("no record failed with %q", reason)
	}
}

func TestBuildFailureGoesStraightToCatch(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{{Phase: pipeline.BuildFailed, Reason: "npm ci exited 1"}}},
		&pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}, nil)
	app, _ := h.deploy()
	expectFailed(t, app, "build failed: npm ci exited 1")
	if len(h.retryDelays()) != 0 {
		t.Fatal("a build failure was retried")
	}
	if app.LatestRelease != nil || app.LatestDeployment != nil {
		t.Fatal("a failed build made a release or deployment")
	}
}

func TestLambdaThrottleRetried(t *testing.T) {
	throttled := 0
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}},
		func(next stepfn.Invoker) stepfn.Invoker {
			return stepfn.InvokerFunc(func(ctx context.Context, res string, payload json.RawMessage) (json.RawMessage, error) {
				if inv, _ := stepfn.InvocationFrom(ctx); inv.State == "CreateRelease" && throttled < 2 {
					throttled++
					return nil, &stepfn.TaskError{Name: "Lambda.TooManyRequestsException", Cause: "Rate Exceeded."}
				}
				return next.Invoke(ctx, res, payload)
			})
		})
	app, _ := h.deploy()
	if throttled != 2 || app.LatestDeployment == nil || app.LatestDeployment.Status != platform.StatusComplete || app.LatestRelease.Version != 1 {
		t.Fatalf("throttled %d times; deployment %+v release %+v", throttled, app.LatestDeployment, app.LatestRelease)
	}
}

func TestRolloutPastDeploymentTimeout(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.Rolling}}, nil)
	app, _ := h.deploy()
	if app.LatestDeployment == nil || app.LatestDeployment.Status != platform.StatusError ||
		!strings.Contains(*app.LatestDeployment.ErrorDetail, "did not become ready within 180 s (1 of 2 pods ready)") {
		t.Fatalf("deployment %+v", app.LatestDeployment)
	}
	if polls := strings.Count(strings.Join(h.visited(), " "), "CheckRollout"); polls != 18 {
		t.Fatalf("rollout polled %d times in 180 s at 10 s, want 18", polls)
	}
	expectFailed(t, app, "did not become ready")
}

func TestRolloutFailure(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}},
		&pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.Rolling, {Failed: true, Reason: "ProgressDeadlineExceeded"}}}, nil)
	app, _ := h.deploy()
	if app.LatestDeployment.Status != platform.StatusError || !strings.Contains(*app.LatestDeployment.ErrorDetail, "ProgressDeadlineExceeded") {
		t.Fatalf("deployment %+v", app.LatestDeployment)
	}
	if app.LatestRelease.Status != platform.StatusComplete {
		t.Fatal("a rollout failure changed the release")
	}
}

func TestBuildPollCap(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Running}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}, nil)
	app, _ := h.deploy()
	expectFailed(t, app, "build did not finish within 400 polls")
}

func TestRuntimeErrorIsNotCaughtButStillMarksFailed(t *testing.T) {
	// A step whose output lacks poll_seconds makes the next Wait fail with
	// States.Runtime, which no Catch sees: the runner's completion (as
	// EventBridge in AWS) must still mark the pipeline failed.
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}},
		func(next stepfn.Invoker) stepfn.Invoker {
			return stepfn.InvokerFunc(func(ctx context.Context, res string, payload json.RawMessage) (json.RawMessage, error) {
				out, err := next.Invoke(ctx, res, payload)
				if inv, _ := stepfn.InvocationFrom(ctx); inv.State == "StartBuild" && err == nil {
					var m map[string]any
					_ = json.Unmarshal(out, &m)
					delete(m, "poll_seconds")
					out, _ = json.Marshal(m)
				}
				return out, err
			})
		})
	app, _ := h.deploy()
	expectFailed(t, app, "ended with status FAILED: States.Runtime")
	for _, s := range h.visited() {
		if s == "MarkFailed" {
			t.Fatal("States.Runtime was caught")
		}
	}
}

func TestOversizedStepResult(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}},
		func(next stepfn.Invoker) stepfn.Invoker {
			return stepfn.InvokerFunc(func(ctx context.Context, res string, payload json.RawMessage) (json.RawMessage, error) {
				out, err := next.Invoke(ctx, res, payload)
				if inv, _ := stepfn.InvocationFrom(ctx); inv.State == "CreateRelease" && err == nil {
					var m map[string]any
					_ = json.Unmarshal(out, &m)
					m["padding"] = strings.Repeat("x", 300<<10)
					out, _ = json.Marshal(m)
				}
				return out, err
			})
		})
	app, _ := h.deploy()
	expectFailed(t, app, "States.DataLimitExceeded")
}

func TestExecutionTimeout(t *testing.T) {
	// A rollout that never finishes, with the longest deployment timeout:
	// the 400-poll cap (4,000 s at 10 s) would come after the execution's
	// 5,400 s timeout only with slower polls; stretch them with a wrapper.
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Running}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.Rolling}},
		func(next stepfn.Invoker) stepfn.Invoker {
			return stepfn.InvokerFunc(func(ctx context.Context, res string, payload json.RawMessage) (json.RawMessage, error) {
				out, err := next.Invoke(ctx, res, payload)
				if err == nil {
					var m map[string]any
					_ = json.Unmarshal(out, &m)
					m["poll_seconds"] = 60
					out, _ = json.Marshal(m)
				}
				return out, err
			})
		})
	app, _ := h.deploy()
	expectFailed(t, app, "ended with status TIMED_OUT")
}

func TestConcurrentDeploysStartOnePipeline(t *testing.T) {
	gate := make(chan struct{})
	h := newHarness(t, &pipelinetest.Builder{Gate: gate, Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}, nil)
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[platform.ErrorCode]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.launcher.Build(context.Background(), h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual},
				func(*platform.Application) error { return nil })
			mu.Lock()
			codes[platform.CodeOf(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(gate) // the one pipeline may build now
	h.runner.Wait()
	if codes[""] != 1 || codes[platform.CodeConflict]+codes[platform.CodeUnavailable]+1 != n {
		t.Fatalf("outcomes %v", codes)
	}
	app, _ := h.env.Store.GetApplication(context.Background(), h.app.ID)
	if app.ImageSeq != 1 || h.builder.Starts != 1 {
		t.Fatalf("%d images, %d builds", app.ImageSeq, h.builder.Starts)
	}
}

func TestStartFailureMarksFailedAndFreesTheApplication(t *testing.T) {
	h := newHarness(t, &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Built}}, &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}, nil)
	h.launcher.Starter = failingStarter{}
	_, err := h.launcher.Build(context.Background(), h.app.ID, platform.PipelineRequest{}, func(*platform.Application) error { return nil })
	if !platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("err %v", err)
	}
	app, _ := h.env.Store.GetApplication(context.Background(), h.app.ID)
	expectFailed(t, app, "the pipeline could not start: StartExecution: service unavailable")
}

type failingStarter struct{}

func (failingStarter) Start(context.Context, pipeline.Run) error {
	return errors.New("StartExecution: service unavailable")
}
