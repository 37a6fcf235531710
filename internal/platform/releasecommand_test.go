package platform

import (
	"testing"
	"time"
)

func TestRunsReleaseCommand(t *testing.T) {
	for _, tc := range []struct {
		name      string
		processes map[string]string
		run       bool
		want      bool
	}{
		{"release process", map[string]string{"web": "w", ProcessRelease: "./migrate"}, true, true},
		{"skipped (rollback)", map[string]string{ProcessRelease: "./migrate"}, false, false},
		{"no release process", map[string]string{"web": "w", "migrate": "./migrate"}, true, false},
	} {
		r := Release{Processes: tc.processes, RunReleaseCommand: tc.run}
		if got := r.RunsReleaseCommand(); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

func TestReleaseCommandFailure(t *testing.T) {
	for _, tc := range []struct {
		process       string
		exit, timeout int
		reason, want  string
	}{
		{ProcessRelease, 1, 0, "", "release command failed: exit code 1"},
		{ProcessRelease, 137, 300, "", "release command failed: timed out after 300 s"},
		{ProcessRelease, 0, 0, "image pull failed", "release command failed: image pull failed"},
		{ProcessRelease, 0, 0, "", "release command failed"},
		{ProcessPostdeploy, 2, 0, "", "postdeploy command failed: exit code 2"},
	} {
		if got := ReleaseCommandFailure(tc.process, tc.exit, tc.timeout, tc.reason); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// TestReleaseCommandStartedIsProgress: a release pipeline whose release
// command runs longer than PipelineStartGrace still holds its guard; one
// that never started it (nor deployed) is abandoned.
func TestReleaseCommandStartedIsProgress(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	a := deployableApp()
	img := Image{ID: "img", Version: 1, Status: StatusComplete, ImageURI: "repo@sha256:1", Processes: map[string]string{"web": "w", ProcessRelease: "./migrate"}}
	rel, _, err := a.StartRelease(ReleaseRequest{Trigger: TriggerManual}, "rel-1", img, nil, now)
	if err != nil || !rel.RunsReleaseCommand() {
		t.Fatalf("%+v %v", rel, err)
	}
	later := now.Add(PipelineStartGrace + time.Minute)
	if got := a.RunningPipeline(later); got != "" {
		t.Fatalf("a release pipeline that did nothing still runs: %q", got)
	}
	w, err := a.RecordReleaseCommandStarted("rel-1", now.Add(time.Second))
	if err != nil || len(w.Releases) != 1 || w.Releases[0].ReleaseCommandStarted == nil || a.LatestRelease.Status != StatusInProgress {
		t.Fatalf("%+v %v", w, err)
	}
	if got := a.RunningPipeline(later); got != "rel-1" {
		t.Fatalf("a release pipeline running its release command was abandoned (%q)", got)
	}
	if w, err := a.RecordReleaseCommandStarted("rel-1", later); err != nil || len(w.Releases) != 0 {
		t.Fatalf("a retried record wrote %+v %v", w, err)
	}
	b := deployableApp()
	b.StartRelease(ReleaseRequest{}, "rel-2", img, nil, now)
	b.CancelPipeline("rel-2", "alice", false, now)
	if _, err := b.RecordReleaseCommandStarted("rel-2", now); err != ErrCanceled {
		t.Fatalf("a canceled pipeline recorded its release command: %v", err)
	}
	if _, err := b.RecordReleaseCommandStarted("other", now); err != ErrSuperseded {
		t.Fatalf("another pipeline's: %v", err)
	}
}

// TestRecordPostdeployFailure: the detail lands on the in-progress
// deployment, which then completes with it.
func TestRecordPostdeployFailure(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	a := deployableApp()
	img := Image{ID: "img", Version: 1, Status: StatusComplete, ImageURI: "repo@sha256:1", Processes: map[string]string{"web": "w", ProcessPostdeploy: "./notify"}}
	if _, _, err := a.StartRelease(ReleaseRequest{}, "rel-1", img, nil, now); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RecordPostdeployFailure("rel-1", "x", now); err != ErrSuperseded {
		t.Fatalf("before the deployment: %v", err)
	}
	if _, _, err := a.CreateDeployment("rel-1", "dep-1", now); err != nil {
		t.Fatal(err)
	}
	detail := "postdeploy command failed: exit code 2"
	if w, err := a.RecordPostdeployFailure("rel-1", detail, now); err != nil || len(w.Deployments) != 1 {
		t.Fatalf("%+v %v", w, err)
	}
	if w, _ := a.RecordPostdeployFailure("rel-1", detail, now); len(w.Deployments) != 0 {
		t.Fatal("a retried record wrote again")
	}
	if _, _, err := a.CompletePipeline("rel-1", now); err != nil {
		t.Fatal(err)
	}
	if d := a.LatestDeployment; d.Status != StatusComplete || d.ErrorDetail == nil || *d.ErrorDetail != detail || a.ServingRelease.ID != "rel-1" {
		t.Fatalf("deployment %+v", d)
	}
}
