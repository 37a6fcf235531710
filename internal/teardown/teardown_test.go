package teardown_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/localrun"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
	"github.com/slipway-paas/slipway/internal/teardown"
)

var admin = platform.Caller{TokenName: "admin", Role: platform.RoleAdmin, OrganizationSlug: "acme"}

type harness struct {
	t         *testing.T
	env       *storetest.Env
	clock     *stepfn.VirtualClock
	cluster   *pipelinetest.Cluster
	runner    *localrun.Runner
	teardowns *localrun.Teardowns
	launcher  *pipeline.Launcher
	service   teardown.Service
	ids       *platform.IDGenerator
	project   platform.Project
	images    *sim.Images
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, env: storetest.New(t), clock: stepfn.NewVirtualClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)),
		cluster: &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}}
	h.ids = &platform.IDGenerator{Now: h.clock.Now}
	built := pipelinetest.Built
	built.ImageURI = "registry.local/slipway-images@sha256:" + strings.Repeat("b", 64)
	builder := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{pipelinetest.Running, built}}
	h.images = sim.NewImages()
	steps := &pipeline.Steps{Store: h.env.Store, Builder: builder, Cluster: h.cluster, Now: h.clock.Now, IDs: h.ids, PollSeconds: 10, Metrics: io.Discard, Images: h.images}
	h.runner = pipelinetest.NewRunner(t, steps, h.clock, stepfn.WithRandom(func() float64 { return 0.5 }))
	td, err := localrun.NewTeardowns(slipway.TeardownStateMachine, &teardown.Steps{Store: h.env.Store, Cluster: h.cluster, Images: h.images},
		stepfn.WithClock(h.clock), stepfn.WithRandom(func() float64 { return 0.5 }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(td.Close)
	h.teardowns = td
	h.launcher = &pipeline.Launcher{Store: h.env.Store, Starter: h.runner, IDs: h.ids, Now: h.clock.Now, Metrics: io.Discard}
	h.service = teardown.Service{Store: h.env.Store, Starter: td, Now: h.clock.Now}
	h.project = platform.Project{ID: h.ids.NewID(), OrganizationSlug: "acme", Slug: "shop", Name: "Shop"}
	if err := h.env.Store.CreateProject(context.Background(), h.project); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) newApp(slug string) platform.Application {
	h.t.Helper()
	repo, branch := "acme/"+slug, "main"
	app := platform.Application{ID: h.ids.NewID(), Slug: slug, ProjectID: h.project.ID, ProjectSlug: "shop", OrganizationSlug: "acme",
		ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
	app.GithubRepository, app.AutoDeployBranch = &repo, &branch
	if err := h.env.Store.CreateApplication(context.Background(), app); err != nil {
		h.t.Fatal(err)
	}
	return app
}

func (h *harness) deploy(appID string) (platform.Image, error) {
	started, err := h.launcher.Build(context.Background(), appID, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"},
		func(*platform.Application) error { return nil })
	return platform.Image{ID: started.ImageID}, err
}

// partition lists what is left in the application's partition.
func (h *harness) partition(appID string) []string {
	h.t.Helper()
	var left []string
	for _, it := range h.env.Snapshot(h.t) {
		if strings.Contains(it, `"APP#`+appID+`"`) {
			left = append(left, it)
		}
	}
	return left
}

// TestDeleteAfterADeploy: refused (naming the pipeline) while the deploy
// runs; once it ended, the delete makes the application answer not_found
// at once, and the teardown removes its cluster objects (twice: at the
// start and once more at the end) and every record it had.
func TestDeleteAfterADeploy(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	app := h.newApp("web")
	gate := make(chan struct{})
	h.runner.WrapInvoker(func(next stepfn.Invoker) stepfn.Invoker {
		return stepfn.InvokerFunc(func(ctx context.Context, res string, payload json.RawMessage) (json.RawMessage, error) {
			<-gate
			return next.Invoke(ctx, res, payload)
		})
	})
	img, err := h.deploy(app.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = h.service.Delete(ctx, app.ID, admin)
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeConflict || pe.Extra["pipeline_id"] != img.ID || pe.Extra["image_id"] != img.ID {
		t.Fatalf("delete while the pipeline runs: %v (%+v)", err, pe)
	}
	close(gate)
	h.runner.Wait()
	got, err := h.env.Store.GetApplication(ctx, app.ID)
	if err != nil || !got.LatestDeployment.Complete() {
		t.Fatalf("after the deploy: %+v %v", got.LatestDeployment, err)
	}
	if len(h.partition(app.ID)) < 4 {
		t.Fatalf("records before the delete: %v", h.partition(app.ID))
	}
	releaseTags := platform.ReleaseImageTagPrefix + app.ID
	if tags := h.images.Tagged(releaseTags); len(tags) != 1 {
		t.Fatalf("release tags before the delete: %v", tags)
	}

	if err := h.service.Delete(ctx, app.ID, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := h.env.Store.GetApplication(ctx, app.ID); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("the deleted application reads %v", err)
	}
	h.newApp("web") // the slug is free at once
	h.teardowns.Wait()
	if st := h.teardowns.Status(app.ID); st != stepfn.StatusSucceeded {
		t.Fatalf("teardown ended %q", st)
	}
	if left := h.partition(app.ID); len(left) != 0 {
		t.Errorf("left in the partition: %v", left)
	}
	if tags := h.images.Tagged(releaseTags); len(tags) != 0 {
		t.Errorf("release tags left after the teardown (the lifecycle policy would keep the images): %v", tags)
	}
	if got, want := fmt.Sprint(h.cluster.Removals()), fmt.Sprintf("[%[1]s/%[2]s %[1]s/%[2]s]", platform.OrganizationNamespace("acme"), app.ID); got != want {
		t.Errorf("removals %s, want %s", got, want)
	}
	// The pipeline's abnormal-end handling of the deleted application is
	// a no-op, and a deploy finds it gone.
	steps := &pipeline.Steps{Store: h.env.Store, Now: h.clock.Now, IDs: h.ids}
	if err := steps.MarkFailed(ctx, app.ID, img.ID, "late"); err != nil {
		t.Errorf("mark failed after the delete: %v", err)
	}
	if _, err := h.deploy(app.ID); !platform.IsCode(err, platform.CodeNotFound) {
		t.Errorf("deploy after the delete: %v", err)
	}
	if left := h.partition(app.ID); len(left) != 0 {
		t.Errorf("recreated in the partition: %v", left)
	}
}

// TestTeardownRetriesUntilDone: a cluster that refuses the removal three
// times is retried with backoff on the virtual clock, then the teardown
// completes; a DELETE repeated meanwhile starts a new execution, and both
// end well (the steps are idempotent).
func TestTeardownRetriesUntilDone(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	app := h.newApp("web")
	boom := errors.New("connection refused")
	h.cluster.RemoveErrs = []error{boom, boom, boom}
	start := h.clock.Now()
	if err := h.service.Delete(ctx, app.ID, admin); err != nil {
		t.Fatal(err)
	}
	h.teardowns.Wait()
	if st := h.teardowns.Status(app.ID); st != stepfn.StatusSucceeded {
		t.Fatalf("teardown ended %q", st)
	}
	// Backoff 5 s, 10 s, 20 s with full jitter at 0.5: at least 17.5 s.
	if waited := h.clock.Now().Sub(start); waited < 17*time.Second {
		t.Errorf("the retries waited %v", waited)
	}
	if n := len(h.cluster.Removals()); n != 2 {
		t.Errorf("%d removals, want 2", n)
	}
	if _, err := h.env.Store.GetTombstone(ctx, app.ID); !platform.IsCode(err, platform.CodeNotFound) {
		t.Errorf("tombstone after the teardown: %v", err)
	}
	// Now the application is wholly gone: a DELETE is a 404.
	if err := h.service.Delete(ctx, app.ID, admin); !platform.IsCode(err, platform.CodeNotFound) {
		t.Errorf("delete after the teardown: %v", err)
	}
}

// failingStarter fails every start.
type failingStarter struct{}

func (failingStarter) StartTeardown(context.Context, teardown.Run) error {
	return errors.New("throttled")
}

// TestRepeatedDeleteRestartsTheTeardown: a teardown that could not start
// is a 503 after which the application is gone already; the repeated
// DELETE (an admin of the organization only) starts it.
func TestRepeatedDeleteRestartsTheTeardown(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	app := h.newApp("web")
	broken := teardown.Service{Store: h.env.Store, Starter: failingStarter{}, Now: h.clock.Now}
	if err := broken.Delete(ctx, app.ID, admin); !platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("delete without a starter: %v", err)
	}
	if _, err := h.env.Store.GetApplication(ctx, app.ID); !platform.IsCode(err, platform.CodeNotFound) {
		t.Fatalf("the application reads %v", err)
	}
	for _, c := range []struct {
		caller platform.Caller
		want   platform.ErrorCode
	}{
		{platform.Caller{Role: platform.RoleAdmin, OrganizationSlug: "globex"}, platform.CodeNotFound},
		{platform.Caller{Role: platform.RoleMember, OrganizationSlug: "acme"}, platform.CodeForbidden},
	} {
		if err := h.service.Delete(ctx, app.ID, c.caller); !platform.IsCode(err, c.want) {
			t.Errorf("repeat by %+v: %v, want %s", c.caller, err, c.want)
		}
	}
	if err := h.service.Delete(ctx, app.ID, admin); err != nil {
		t.Fatal(err)
	}
	h.teardowns.Wait()
	if _, err := h.env.Store.GetTombstone(ctx, app.ID); !platform.IsCode(err, platform.CodeNotFound) {
		t.Errorf("tombstone after the restarted teardown: %v", err)
	}
}

// TestDeleteRacingADeploy: a Full Deploy and a DELETE of the same
// application at the same moment: exactly one wins, every time, and
// nothing is left stuck: a winning deploy runs to its end and the
// application can then be deleted; a winning delete leaves no pipeline.
func TestDeleteRacingADeploy(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	wins := map[string]int{}
	for i := range 20 {
		app := h.newApp(fmt.Sprintf("race-%d", i))
		var deployErr, deleteErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; _, deployErr = h.deploy(app.ID) }()
		go func() { defer wg.Done(); <-start; deleteErr = h.service.Delete(ctx, app.ID, admin) }()
		close(start)
		wg.Wait()
		switch {
		case deployErr == nil && platform.IsCode(deleteErr, platform.CodeConflict):
			wins["deploy"]++
			h.runner.Wait()
			got, err := h.env.Store.GetApplication(ctx, app.ID)
			if err != nil || got.RunningPipeline(h.clock.Now()) != "" || !got.LatestDeployment.Complete() {
				t.Fatalf("race %d: after the winning deploy: %+v %v", i, got.LatestDeployment, err)
			}
			if err := h.service.Delete(ctx, app.ID, admin); err != nil {
				t.Fatalf("race %d: delete after the deploy: %v", i, err)
			}
		case deleteErr == nil && platform.IsCode(deployErr, platform.CodeNotFound):
			wins["delete"]++
		default:
			t.Fatalf("race %d: deploy %v, delete %v: want exactly one winner", i, deployErr, deleteErr)
		}
		h.teardowns.Wait()
		if left := h.partition(app.ID); len(left) != 0 {
			t.Fatalf("race %d: left in the partition: %v", i, left)
		}
	}
	t.Logf("winners over 20 races: %v", wins)
}

// TestRoute: teardown steps go to the teardown, everything else to the
// pipeline's handler.
func TestRoute(t *testing.T) {
	var nexts int
	next := func(context.Context, json.RawMessage) (json.RawMessage, error) {
		nexts++
		return json.RawMessage(`{}`), nil
	}
	h := teardown.Route(&teardown.Steps{}, next)
	for _, c := range []struct {
		payload   string
		toNext    bool
		wantError string
	}{
		{`{"step":"start_build","run":{}}`, true, ""},
		{`{"source":"aws.states"}`, true, ""},
		{`{"step":"teardown_nope","run":{"application_id":"0193aaaa-0000-7000-8000-000000000001"}}`, false, "InvalidInvocationError"},
		{`{"step":"teardown_cluster","run":{"application_id":"x"}}`, false, "InvalidInvocationError"},
	} {
		before := nexts
		_, err := h(context.Background(), json.RawMessage(c.payload))
		if (nexts > before) != c.toNext {
			t.Errorf("%s: sent to next %v", c.payload, nexts > before)
		}
		if c.wantError != "" && stepfn.LambdaErrorType(err) != c.wantError {
			t.Errorf("%s: error %v (%s)", c.payload, err, stepfn.LambdaErrorType(err))
		}
	}
}
