package codebuild

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

func TestBuildStatus(t *testing.T) {
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway-apps@sha256:" + strings.Repeat("ab", 32)
	commit := "0123456789abcdef0123456789abcdef01234567"
	procs := map[string]string{"web": "gunicorn app:app -b 0.0.0.0:$PORT", "worker": "./bin/worker", "release": "./bin/migrate"}
	for _, tc := range []struct {
		fixture string
		want    pipeline.BuildStatus
	}{
		{"in-progress.json", pipeline.BuildStatus{Phase: pipeline.BuildRunning}},
		{"succeeded.json", pipeline.BuildStatus{Phase: pipeline.BuildSucceeded, ImageURI: image, CommitSHA: commit, Processes: procs}},
		{"succeeded-no-commit-export.json", pipeline.BuildStatus{Phase: pipeline.BuildSucceeded, ImageURI: image, CommitSHA: commit, Processes: procs}},
		{"succeeded-no-exports.json", failedWith(`the build succeeded but exported SLIPWAY_IMAGE_URI="", not <repository>@sha256:<digest> (is the project's buildspec infra/buildspec.yml?)`)},
		{"succeeded-bad-processes.json", failedWith(`the build succeeded but its processes are unusable: Procfile: process name "Web" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`)},
		{"failed-build-phase.json", failedWith(`BUILD phase FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: docker build --pull --tag "$ECR_REPOSITORY_URI:$SLIPWAY_IMAGE_TAG" .. Reason: exit status 1`)},
		{"failed-download-source.json", failedWith("DOWNLOAD_SOURCE phase FAILED: CLIENT_ERROR: reference not found for primary source and source version " + commit)},
		{"timed-out.json", failedWith("BUILD phase TIMED_OUT: BUILD_TIMED_OUT: Build has timed out.")},
		{"stopped.json", failedWith("PRE_BUILD phase STOPPED")},
		{"fault.json", failedWith("CodeBuild failed internally (FAULT)")},
		{"not-found.json", failedWith("CodeBuild has no build " + buildID + " (deleted, or of another account or region)")},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			f := newFake(t)
			f.answer("BatchGetBuilds", 200, fixture(t, tc.fixture))
			got, err := f.builder("").BuildStatus(context.Background(), buildID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Phase != tc.want.Phase || got.Reason != tc.want.Reason || got.ImageURI != tc.want.ImageURI ||
				got.CommitSHA != tc.want.CommitSHA || !maps.Equal(got.Processes, tc.want.Processes) {
				t.Fatalf("BuildStatus =\n %+v\nwant\n %+v", got, tc.want)
			}
			reqs := f.taken()
			if len(reqs) != 1 || reqs[0].Operation != "BatchGetBuilds" {
				t.Fatalf("requests %+v", reqs)
			}
			assertJSON(t, "BatchGetBuilds body", reqs[0].Body, `{"ids": ["`+buildID+`"]}`)
		})
	}
}

func failedWith(reason string) pipeline.BuildStatus {
	return pipeline.BuildStatus{Phase: pipeline.BuildFailed, Reason: reason}
}

func TestBuildStatusErrors(t *testing.T) {
	f := newFake(t)
	b := f.builder("")
	if st, err := b.BuildStatus(context.Background(), ""); err != nil || st.Reason != "the pipeline has no CodeBuild build id" || len(f.taken()) != 0 {
		t.Fatalf("empty ref: %+v, %v", st, err)
	}
	f.answer("BatchGetBuilds", 200, fixture(t, "unknown-status.json"))
	if _, err := b.BuildStatus(context.Background(), buildID); err == nil || err.Error() != `codebuild: build `+buildID+` has unknown status "PAUSED"` {
		t.Fatalf("unknown status: %v", err)
	}
	f.answer("BatchGetBuilds", 400, `{"__type": "ThrottlingException", "message": "Rate exceeded"}`)
	if _, err := b.BuildStatus(context.Background(), buildID); !platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("throttled: %v", err)
	}
	f.answer("BatchGetBuilds", 400, `{"__type": "InvalidInputException", "message": "Invalid build ID provided"}`)
	if _, err := b.BuildStatus(context.Background(), "nocolon"); err == nil || platform.IsCode(err, platform.CodeUnavailable) {
		t.Fatalf("invalid id: %v", err)
	}
}

// TestBuildStatusDeletesTheSourceToken: the per-build secret of a private
// repository's build is deleted once the build has ended, not before.
func TestBuildStatusDeletesTheSourceToken(t *testing.T) {
	envOf := func(status string) string {
		return `{"builds": [{"id": "` + buildID + `", "buildStatus": "` + status + `", "phases": [],
			"environment": {"environmentVariables": [
				{"name": "SLIPWAY_IMAGE_ID", "value": "` + imageID + `", "type": "PLAINTEXT"},
				{"name": "SLIPWAY_SOURCE_TOKEN", "value": "stack/build/` + imageID + `", "type": "SECRETS_MANAGER"}]}}]}`
	}
	for _, tc := range []struct {
		status      string
		wantDeleted bool
	}{
		{"IN_PROGRESS", false}, {"FAILED", true}, {"STOPPED", true}, {"SUCCEEDED", true},
	} {
		t.Run(tc.status, func(t *testing.T) {
			f := newFake(t)
			f.answer("BatchGetBuilds", 200, envOf(tc.status))
			secrets := &fakeSecrets{values: map[string]string{"stack/build/" + imageID: "ghs_x"}}
			b := f.builder("")
			b.Secrets = secrets
			if _, err := b.BuildStatus(context.Background(), buildID); err != nil {
				t.Fatal(err)
			}
			if deleted := len(secrets.deleted) == 1 && secrets.deleted[0] == "stack/build/"+imageID; deleted != tc.wantDeleted {
				t.Fatalf("deleted %v, want %v", secrets.deleted, tc.wantDeleted)
			}
		})
	}
}
