package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
)

// builtWith is a successful build whose Procfile also declares extra.
func builtWith(extra map[string]string) pipeline.BuildStatus {
	b := pipelinetest.Built
	b.Processes = map[string]string{"web": "serve", "worker": "work"}
	for k, v := range extra {
		b.Processes[k] = v
	}
	return b
}

// releaseHarness is an opsHarness whose builds declare extra processes
// and whose jobs answer jobs.
func releaseHarness(t *testing.T, extra map[string]string, jobs ...pipeline.JobStatus) *harness {
	t.Helper()
	h := opsHarness(t, nil)
	h.builder.Statuses = []pipeline.BuildStatus{builtWith(extra)}
	h.cluster.JobStatuses = jobs
	return h
}

var migrate = map[string]string{platform.ProcessRelease: "rake db:migrate"}

// TestReleaseCommandRunsBeforeTheRollout: the release command of a build
// runs as one job with the release's image, processes and deployment
// timeout, polled on the virtual clock, and only then does the rollout
// start.
func TestReleaseCommandRunsBeforeTheRollout(t *testing.T) {
	h := releaseHarness(t, migrate, pipelinetest.JobBusy, pipelinetest.JobDone)
	start := h.clock.Now()
	app, _ := h.deploy()
	want := "ChooseKind StartBuild WaitForBuild CheckBuild IsBuildDone CreateRelease HasReleaseCommand StartReleaseCommand " +
		"WaitForReleaseCommand CheckReleaseCommand IsReleaseCommandDone WaitForReleaseCommand CheckReleaseCommand IsReleaseCommandDone " +
		"Deploy WaitForRollout CheckRollout IsRolloutDone Finish"
	if got := strings.Join(h.visited(), " "); got != want {
		t.Fatalf("states:\n got %s\nwant %s", got, want)
	}
	if got := h.clock.Now().Sub(start); got != 40*time.Second {
		t.Fatalf("build, two job polls and the rollout took %s of virtual time, want 40s", got)
	}
	if len(h.cluster.Jobs) != 1 {
		t.Fatalf("jobs %+v", h.cluster.Jobs)
	}
	j := h.cluster.Jobs[0]
	if j.Process != platform.ProcessRelease || j.DeadlineSeconds != 180 || j.Workload.ReleaseVersion != 1 ||
		j.Workload.ImageURI != pipelinetest.Built.ImageURI || j.Workload.Processes[platform.ProcessRelease] != "rake db:migrate" ||
		j.Workload.PipelineID != app.LatestImage.ID {
		t.Fatalf("job %+v", j)
	}
	rel := app.LatestRelease
	if rel.Status != platform.StatusComplete || rel.ReleaseCommandStarted == nil || app.LatestDeployment.Status != platform.StatusComplete || h.cluster.Applies != 1 {
		t.Fatalf("release %+v deployment %+v applies %d", rel, app.LatestDeployment, h.cluster.Applies)
	}
}

// TestReleaseCommandFailureFailsTheRelease: a non-zero exit, a timeout
// the cluster reports, one it never reports (the pipeline stops the job
// after the deadline and its grace) and a job that cannot start each fail
// the release with its reason; no deployment is made, nothing is applied
// and the serving release stays.
func TestReleaseCommandFailureFailsTheRelease(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jobs   []pipeline.JobStatus
		detail string
		stops  int
		took   time.Duration // of the failed pipeline, on the virtual clock
	}{
		{"exit code", []pipeline.JobStatus{pipelinetest.JobBusy, {Phase: pipeline.JobFailed, ExitCode: 1}}, "release command failed: exit code 1", 0, 20 * time.Second},
		{"deadline exceeded", []pipeline.JobStatus{{Phase: pipeline.JobFailed, TimedOut: true}}, "release command failed: timed out after 180 s", 0, 10 * time.Second},
		{"never ends", []pipeline.JobStatus{pipelinetest.JobBusy}, "release command failed: timed out after 180 s", 1, 240 * time.Second},
		{"cannot start", []pipeline.JobStatus{{Phase: pipeline.JobFailed, Reason: "pod p cannot start container release: InvalidImageName"}},
			"release command failed: pod p cannot start container release: InvalidImageName", 0, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := releaseHarness(t, nil)
			h.deploy() // release v1 serves (no release command)
			h.builder.Statuses = []pipeline.BuildStatus{builtWith(migrate)}
			h.cluster.JobStatuses = tc.jobs
			start := h.clock.Now()
			app, _ := h.deploy()
			rel := app.LatestRelease
			if rel.Version != 2 || rel.Status != platform.StatusError || rel.ErrorDetail == nil || *rel.ErrorDetail != tc.detail {
				t.Fatalf("release %+v (detail %v)", rel, deref(rel.ErrorDetail))
			}
			if app.LatestDeployment.ReleaseVersion != 1 || app.ServingRelease.Version != 1 || app.ActivePipeline != "" {
				t.Fatalf("deployment %+v serving v%d active %q", app.LatestDeployment, app.ServingRelease.Version, app.ActivePipeline)
			}
			if got := h.cluster.AppliedReleases(); !slices.Equal(got, []int64{1}) {
				t.Fatalf("applied %v: the failed release rolled out", got)
			}
			if len(h.cluster.StoppedJobs) != tc.stops {
				t.Fatalf("stopped jobs %+v, want %d", h.cluster.StoppedJobs, tc.stops)
			}
			if got := h.clock.Now().Sub(start); got != 10*time.Second+tc.took {
				t.Fatalf("the failed pipeline took %s, want %s", got, 10*time.Second+tc.took)
			}
		})
	}
}

// TestCancelDuringReleaseCommand: a cancel while the release command runs
// deletes its job, ends the release canceled, rolls nothing out and frees
// the application.
func TestCancelDuringReleaseCommand(t *testing.T) {
	h := releaseHarness(t, nil)
	ctx := context.Background()
	h.deploy()
	h.builder.Statuses = []pipeline.BuildStatus{builtWith(migrate)}
	h.cluster.JobStatuses = []pipeline.JobStatus{pipelinetest.JobBusy}
	g := newGate(pipeline.StepCheckReleaseCommand)
	h.runner.WrapInvoker(g.wrap)
	started, err := h.launcher.Build(ctx, h.app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual}, allow)
	if err != nil {
		t.Fatal(err)
	}
	<-g.reached
	if err := h.launcher.Cancel(ctx, h.app.ID, started.PipelineID, "alice", false, allow); err != nil {
		t.Fatal(err)
	}
	h.runner.Wait()
	app := h.app0()
	rel := app.LatestRelease
	if rel.Version != 2 || rel.Status != platform.StatusCanceled || deref(rel.ErrorDetail) != "canceled by alice" || app.ActivePipeline != "" {
		t.Fatalf("release %+v active %q", rel, app.ActivePipeline)
	}
	if len(h.cluster.StoppedJobs) != 1 || h.cluster.StoppedJobs[0].Process != platform.ProcessRelease || h.cluster.StoppedJobs[0].Workload.ReleaseVersion != 2 {
		t.Fatalf("stopped jobs %+v", h.cluster.StoppedJobs)
	}
	if got := h.cluster.AppliedReleases(); !slices.Equal(got, []int64{1}) || app.ServingRelease.Version != 1 {
		t.Fatalf("applied %v serving v%d", got, app.ServingRelease.Version)
	}
}

// TestRollbackSkipsTheReleaseCommand: a release pipeline runs the release
// command; a rollback skips it unless asked.
func TestRollbackSkipsTheReleaseCommand(t *testing.T) {
	h := releaseHarness(t, migrate)
	ctx := context.Background()
	h.deploy()
	for _, tc := range []struct {
		name string
		run  func() error
		jobs int
	}{
		{"release", func() error {
			_, err := h.launcher.Release(ctx, h.app.ID, 0, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow)
			return err
		}, 1},
		{"rollback", func() error {
			_, err := h.launcher.Rollback(ctx, h.app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual}, allow)
			return err
		}, 0},
		{"rollback run_release_command", func() error {
			_, err := h.launcher.Rollback(ctx, h.app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual, RunReleaseCommand: true}, allow)
			return err
		}, 1},
	} {
		before := len(h.cluster.Jobs)
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		h.runner.Wait()
		app := h.app0()
		if got := len(h.cluster.Jobs) - before; got != tc.jobs || app.LatestDeployment.Status != platform.StatusComplete {
			t.Fatalf("%s: %d jobs, want %d; deployment %+v", tc.name, got, tc.jobs, app.LatestDeployment)
		}
		if got := app.LatestRelease.ReleaseCommandStarted != nil; got != (tc.jobs == 1) {
			t.Fatalf("%s: release command started %v", tc.name, got)
		}
	}
}

// TestPostdeployFailureStands: the postdeploy command runs once the
// rollout is done; its failure is put on the deployment, which completes
// and serves.
func TestPostdeployFailureStands(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jobs   []pipeline.JobStatus
		detail string
	}{
		{"succeeds", []pipeline.JobStatus{pipelinetest.JobBusy, pipelinetest.JobDone}, ""},
		{"fails", []pipeline.JobStatus{{Phase: pipeline.JobFailed, ExitCode: 2}}, "postdeploy command failed: exit code 2"},
		{"times out", []pipeline.JobStatus{{Phase: pipeline.JobFailed, TimedOut: true}}, "postdeploy command failed: timed out after 180 s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := releaseHarness(t, map[string]string{platform.ProcessPostdeploy: "./notify"}, tc.jobs...)
			app, _ := h.deploy()
			dep := app.LatestDeployment
			if dep.Status != platform.StatusComplete || deref(dep.ErrorDetail) != tc.detail || app.ServingRelease.ID != app.LatestRelease.ID {
				t.Fatalf("deployment %+v (detail %q)", dep, deref(dep.ErrorDetail))
			}
			if got := h.cluster.JobRuns(); !slices.Equal(got, []string{platform.ProcessPostdeploy}) {
				t.Fatalf("jobs %v", got)
			}
			if !strings.Contains(strings.Join(h.visited(), " "), "IsRolloutDone StartPostdeploy WaitForPostdeploy CheckPostdeploy IsPostdeployDone") {
				t.Fatalf("states %v", h.visited())
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
