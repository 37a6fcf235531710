package pipeline_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/pipeline/pipelinetest"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/sim"
	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/store/storetest"
)

// failingTags fails the first Tag calls with errs, then records into
// Images.
type failingTags struct {
	*sim.Images
	mu    sync.Mutex
	errs  []error
	calls int
}

func (f *failingTags) Tag(ctx context.Context, imageURI, tag string) error {
	f.mu.Lock()
	f.calls++
	var err error
	if len(f.errs) > 0 {
		err, f.errs = f.errs[0], f.errs[1:]
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.Images.Tag(ctx, imageURI, tag)
}

func builtImage(n string) pipeline.BuildStatus {
	s := pipelinetest.Built
	s.ImageURI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway-images@sha256:" + strings.Repeat(n, 64)
	return s
}

// TestReleasesTagTheirImage: every release (build, release of an image,
// rollback) tags its image release-<app>-v<release> before the cluster is
// asked to run it, so the lifecycle policy keeps it; a registry outage is
// retried; an image the registry no longer has fails the pipeline before
// anything is applied.
func TestReleasesTagTheirImage(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		errs    []error
		ok      bool
		reasons string
	}{
		{name: "tagged", ok: true},
		{name: "a registry outage is retried", errs: []error{platform.Unavailable(errors.New("throttled"))}, ok: true},
		{name: "the image is gone", errs: []error{platform.Errorf(platform.CodeInvalid, "image is not in repository")},
			reasons: "keeping the image of release v1 in the repository: validation_failed: image is not in repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := storetest.New(t)
			clock := stepfn.NewVirtualClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
			ids := &platform.IDGenerator{Now: clock.Now}
			builder := &pipelinetest.Builder{Statuses: []pipeline.BuildStatus{builtImage("a")}}
			cluster := &pipelinetest.Cluster{Statuses: []pipeline.RolloutStatus{pipelinetest.RolledOut}}
			tags := &failingTags{Images: sim.NewImages(), errs: tc.errs}
			steps := &pipeline.Steps{Store: env.Store, Builder: builder, Cluster: cluster, Now: clock.Now, IDs: ids, PollSeconds: 10, Metrics: io.Discard, Images: tags}
			runner := pipelinetest.NewRunner(t, steps, clock, stepfn.WithRandom(func() float64 { return 0.5 }))
			launcher := &pipeline.Launcher{Store: env.Store, Starter: runner, IDs: ids, Now: clock.Now, Metrics: io.Discard}
			repo, branch := "acme/web", "main"
			app := platform.Application{ID: ids.NewID(), Slug: "web", ProjectID: ids.NewID(), ProjectSlug: "shop", OrganizationSlug: "acme",
				ProcessCounts: map[string]int{"web": 1}, ProcessPodClasses: map[string]string{}, Settings: platform.DefaultSettings()}
			app.GithubRepository, app.AutoDeployBranch = &repo, &branch
			seedApplication(t, env, app)
			any := func(*platform.Application) error { return nil }

			if _, err := launcher.Build(ctx, app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"}, any); err != nil {
				t.Fatal(err)
			}
			runner.Wait()
			got, err := env.Store.GetApplication(ctx, app.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				dep := got.LatestDeployment
				if dep == nil || dep.Status != platform.StatusError || dep.ErrorDetail == nil || !strings.Contains(*dep.ErrorDetail, tc.reasons) {
					t.Fatalf("deployment %+v (%s), want failed with %q", dep, deref(dep.ErrorDetail), tc.reasons)
				}
				if applied := cluster.AppliedReleases(); len(applied) != 0 {
					t.Fatalf("releases %v were applied without their image kept", applied)
				}
				return
			}
			if got.LatestDeployment == nil || got.LatestDeployment.Status != platform.StatusComplete {
				t.Fatalf("deployment %+v", got.LatestDeployment)
			}
			first := builtImage("a").ImageURI
			want := map[string]string{platform.ReleaseImageTag(app.ID, 1): first}
			if tagged := tags.Tagged(platform.ReleaseImageTagPrefix); !equalMaps(tagged, want) {
				t.Fatalf("tags %v, want %v", tagged, want)
			}
			if tags.calls != 1+len(tc.errs) {
				t.Fatalf("%d Tag calls, want %d", tags.calls, 1+len(tc.errs))
			}

			// A second build, then a rollback to release v1: release v3
			// tags v1's image again.
			builder.Statuses = []pipeline.BuildStatus{builtImage("b")}
			if _, err := launcher.Build(ctx, app.ID, platform.PipelineRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"}, any); err != nil {
				t.Fatal(err)
			}
			runner.Wait()
			if _, err := launcher.Rollback(ctx, app.ID, 1, platform.ReleaseRequest{Trigger: platform.TriggerManual, TriggeredBy: "test"}, any); err != nil {
				t.Fatal(err)
			}
			runner.Wait()
			want[platform.ReleaseImageTag(app.ID, 2)] = builtImage("b").ImageURI
			want[platform.ReleaseImageTag(app.ID, 3)] = first
			if tagged := tags.Tagged(platform.ReleaseImageTagPrefix); !equalMaps(tagged, want) {
				t.Fatalf("tags after a rollback %v, want %v", tagged, want)
			}
			if got := pipeline.ReleaseImageTags(app.ID, 3); len(got) != 3 || got[2] != platform.ReleaseImageTag(app.ID, 3) {
				t.Fatalf("ReleaseImageTags = %v", got)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
