package platform

import (
	"testing"
	"time"
)

func deployableApp() Application {
	repo, branch := "acme/web", "main"
	a := Application{ID: "app", OrganizationSlug: "acme", ProcessCounts: map[string]int{"web": 2}, ProcessPodClasses: map[string]string{}, Settings: DefaultSettings()}
	a.GithubRepository, a.AutoDeployBranch = &repo, &branch
	return a
}

func TestStartPipelineRules(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	noRepo := deployableApp()
	noRepo.GithubRepository = nil
	noBranch := deployableApp()
	noBranch.AutoDeployBranch = nil
	running := deployableApp()
	running.ActivePipeline, running.ActivePipelineSince = "img-0", now.Add(-time.Minute)
	stale := deployableApp()
	stale.ActivePipeline, stale.ActivePipelineSince = "img-0", now.Add(-PipelineGuardTTL-time.Second)
	lostStart := deployableApp()
	lostStart.ActivePipeline, lostStart.ActivePipelineSince = "img-0", now.Add(-PipelineStartGrace-time.Second)
	lostStart.LatestImage = &Image{ID: "img-0", Status: StatusInProgress}
	slowBuild := lostStart
	slowBuild.LatestImage = &Image{ID: "img-0", Status: StatusInProgress, BuildRef: "b-1"}
	for _, tc := range []struct {
		name string
		app  Application
		code ErrorCode
	}{
		{"ok", deployableApp(), ""},
		{"no repository", noRepo, CodeInvalid},
		{"no branch", noBranch, CodeInvalid},
		{"running", running, CodeConflict},
		{"stale guard", stale, ""},
		{"start lost", lostStart, ""},
		{"long build", slowBuild, CodeConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := tc.app
			img, w, err := app.StartPipeline(PipelineRequest{Trigger: TriggerManual}, "img-1", now)
			if CodeOf(err) != tc.code {
				t.Fatalf("err %v, want %q", err, tc.code)
			}
			if err != nil {
				if tc.code == CodeConflict && err.(*Error).Extra["image_id"] != "img-0" {
					t.Fatalf("conflict does not name the running image: %+v", err)
				}
				return
			}
			if tc.name == "start lost" && (len(w.Images) != 2 || w.Images[0].Status != StatusError) {
				t.Fatalf("the abandoned image was not failed: %+v", w)
			}
			if img.Version != 1 || app.ImageSeq != 1 || app.LatestImage.ID != "img-1" || app.ActivePipeline != "img-1" || img.Status != StatusInProgress {
				t.Fatalf("image %+v app %+v", img, app)
			}
		})
	}
}

func TestPipelineHappyPathIsIdempotent(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	app := deployableApp()
	if _, _, err := app.StartPipeline(PipelineRequest{}, "img", now); err != nil {
		t.Fatal(err)
	}
	if _, err := app.RecordBuildStarted("img", "build-1", 0, now); err != nil {
		t.Fatal(err)
	}
	w, err := app.RecordBuildSucceeded("img", "repo@sha256:ab", "c0ffee", map[string]string{"web": "serve"}, now)
	if err != nil || len(w.Images) != 1 {
		t.Fatalf("%v %+v", err, w)
	}
	if w, _ := app.RecordBuildSucceeded("img", "x", "y", nil, now); len(w.Images) != 0 {
		t.Fatal("a repeated build success wrote again")
	}
	rel, w, err := app.CreateRelease("img", "rel-1", now)
	if err != nil || len(w.Releases) != 1 || rel.Version != 1 || rel.ProcessCounts["web"] != 2 || rel.DeploymentTimeout != 180 {
		t.Fatalf("release %+v %v", rel, err)
	}
	again, w, err := app.CreateRelease("img", "rel-2", now)
	if err != nil || len(w.Releases) != 0 || again.ID != "rel-1" || app.ReleaseSeq != 1 {
		t.Fatalf("retried release made a second one: %+v", again)
	}
	if app.ProcessCounts["web"] != 2 {
		t.Fatalf("a count set before the release changed: %v", app.ProcessCounts)
	}
	if rel.Status != StatusInProgress {
		t.Fatalf("a new release is %s", rel.Status)
	}
	dep, w, err := app.CreateDeployment("img", "dep-1", now)
	if err != nil || len(w.Deployments) != 1 || dep.ReleaseVersion != 1 || len(w.Releases) != 1 || app.LatestRelease.Status != StatusComplete {
		t.Fatalf("deployment %+v %v", dep, err)
	}
	if d2, w, _ := app.CreateDeployment("img", "dep-2", now); d2.ID != "dep-1" || len(w.Deployments) != 0 {
		t.Fatal("retried deploy made a second deployment")
	}
	if _, _, err := app.CompletePipeline("img", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if app.ActivePipeline != "" || !app.LatestDeployment.Complete() {
		t.Fatalf("not finished: %+v", app)
	}
	if rel, live := app.LiveRelease(); !live || rel.ID != "rel-1" {
		t.Fatal("no live release after a complete deployment")
	}
	if w, _ := app.FailPipeline("img", "late failure", now); len(w.Images)+len(w.Releases)+len(w.Deployments) != 0 {
		t.Fatalf("failing a finished pipeline rewrote records: %+v", w)
	}
}

func TestFailPipeline(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	app := deployableApp()
	_, _, _ = app.StartPipeline(PipelineRequest{}, "img", now)
	w, _ := app.FailPipeline("img", "build failed: boom", now)
	if len(w.Images) != 1 || app.LatestImage.Status != StatusError || *app.LatestImage.ErrorDetail != "build failed: boom" || app.ActivePipeline != "" {
		t.Fatalf("%+v %+v", w, app.LatestImage)
	}
	if w, _ := app.FailPipeline("img", "again", now); len(w.Images) != 0 {
		t.Fatal("second failure rewrote the image")
	}
	_, err := app.RecordBuildStarted("other", "x", 0, now)
	if err != ErrSuperseded {
		t.Fatalf("another pipeline's step: %v", err)
	}
}

func TestFirstReleaseScalesWebToOne(t *testing.T) {
	now := time.Now()
	app := deployableApp()
	app.ProcessCounts = map[string]int{}
	before := app.ProcessCounts
	_, _, _ = app.StartPipeline(PipelineRequest{}, "img", now)
	_, _ = app.RecordBuildSucceeded("img", "i", "c", map[string]string{"web": "a", "worker": "b"}, now)
	rel, _, err := app.CreateRelease("img", "rel", now)
	if err != nil {
		t.Fatal(err)
	}
	if app.ProcessCounts["web"] != 1 || app.ProcessCounts["worker"] != 0 || rel.ProcessCounts["web"] != 1 || len(before) != 0 {
		t.Fatalf("counts %v, release %v, the old map %v", app.ProcessCounts, rel.ProcessCounts, before)
	}
}
