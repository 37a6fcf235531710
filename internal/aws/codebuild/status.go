package codebuild

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/procfile"
)

// The variables the buildspec exports.
const (
	ExportImageURI  = "SLIPWAY_IMAGE_URI"
	ExportCommitSHA = "SLIPWAY_COMMIT_SHA"
	ExportProcesses = "SLIPWAY_PROCESSES"
)

var (
	imageURIRe  = regexp.MustCompile(`^[^\s@]+@sha256:[0-9a-f]{64}$`)
	commitSHARe = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// BuildStatus reads the build: IN_PROGRESS is running; SUCCEEDED is
// succeeded with the exported image, commit and processes (a success
// without valid exports is a failure saying what is missing); FAILED,
// FAULT, TIMED_OUT and STOPPED are failed, with the failing phase's
// messages as the reason. A build CodeBuild does not know (deleted, or of
// another account or region) is failed too.
func (b Builder) BuildStatus(ctx context.Context, ref string) (pipeline.BuildStatus, error) {
	if ref == "" {
		return failed("the pipeline has no CodeBuild build id"), nil
	}
	out, err := b.Client.BatchGetBuilds(ctx, &cb.BatchGetBuildsInput{Ids: []string{ref}})
	if err != nil {
		return pipeline.BuildStatus{}, classify(fmt.Errorf("codebuild: reading build %s: %w", ref, err))
	}
	if len(out.Builds) == 0 {
		return failed("CodeBuild has no build " + ref + " (deleted, or of another account or region)"), nil
	}
	build := out.Builds[0]
	if build.BuildStatus == types.StatusTypeInProgress {
		return pipeline.BuildStatus{Phase: pipeline.BuildRunning}, nil
	}
	if err := b.deleteSourceToken(ctx, build); err != nil {
		return pipeline.BuildStatus{}, err
	}
	switch build.BuildStatus {
	case types.StatusTypeSucceeded:
		return succeeded(build), nil
	case types.StatusTypeFailed, types.StatusTypeFault, types.StatusTypeTimedOut, types.StatusTypeStopped:
		return failed(failureReason(build)), nil
	}
	return pipeline.BuildStatus{}, fmt.Errorf("codebuild: build %s has unknown status %q", ref, build.BuildStatus)
}

// deleteSourceToken deletes the per-build secret of an ended build, if it
// had one: the token it holds reads the repository for up to an hour more,
// and its build secrets are no one's business after the build.
func (b Builder) deleteSourceToken(ctx context.Context, build types.Build) error {
	if build.Environment == nil {
		return nil
	}
	deleted := map[string]bool{}
	for _, v := range build.Environment.EnvironmentVariables {
		name := buildSecretName(v)
		if name == "" || deleted[name] {
			continue
		}
		if b.Secrets == nil {
			return fmt.Errorf("codebuild: build %s has a per-build secret but no secret store is configured", aws.ToString(build.Id))
		}
		if err := b.Secrets.DeleteBuildSecret(ctx, name); err != nil {
			return classify(err)
		}
		deleted[name] = true
	}
	return nil
}

func failed(reason string) pipeline.BuildStatus {
	return pipeline.BuildStatus{Phase: pipeline.BuildFailed, Reason: reason}
}

func succeeded(build types.Build) pipeline.BuildStatus {
	exported := map[string]string{}
	for _, v := range build.ExportedEnvironmentVariables {
		exported[aws.ToString(v.Name)] = aws.ToString(v.Value)
	}
	image := exported[ExportImageURI]
	if !imageURIRe.MatchString(image) {
		return failed(fmt.Sprintf("the build succeeded but exported %s=%q, not <repository>@sha256:<digest> (is the project's buildspec infra/buildspec.yml?)", ExportImageURI, image))
	}
	commit := exported[ExportCommitSHA]
	if commit == "" {
		commit = aws.ToString(build.ResolvedSourceVersion)
	}
	if !commitSHARe.MatchString(commit) {
		return failed(fmt.Sprintf("the build succeeded but reported commit %q, not a 40-digit SHA", commit))
	}
	procs, err := procfile.DecodeExported(exported[ExportProcesses])
	if err != nil {
		return failed("the build succeeded but its processes are unusable: " + err.Error())
	}
	return pipeline.BuildStatus{Phase: pipeline.BuildSucceeded, ImageURI: image, CommitSHA: commit, Processes: procs}
}

// failureReason names the first phase that did not succeed and its
// messages, e.g. "BUILD phase FAILED: COMMAND_EXECUTION_ERROR: Error while
// executing command: docker build ... Reason: exit status 1".
func failureReason(build types.Build) string {
	for _, p := range build.Phases {
		if p.PhaseStatus == "" || p.PhaseStatus == types.StatusTypeSucceeded || p.PhaseStatus == types.StatusTypeInProgress {
			continue
		}
		var msgs []string
		for _, c := range p.Contexts {
			msg := strings.TrimSpace(aws.ToString(c.Message))
			if code := aws.ToString(c.StatusCode); code != "" && msg != "" {
				msg = code + ": " + msg
			}
			if msg != "" {
				msgs = append(msgs, msg)
			}
		}
		reason := fmt.Sprintf("%s phase %s", p.PhaseType, p.PhaseStatus)
		if len(msgs) > 0 {
			reason += ": " + strings.Join(msgs, "; ")
		}
		return reason
	}
	switch build.BuildStatus {
	case types.StatusTypeTimedOut:
		return "the build timed out"
	case types.StatusTypeStopped:
		return "the build was stopped"
	case types.StatusTypeFault:
		return "CodeBuild failed internally (FAULT)"
	}
	return "the build failed (no phase reported why)"
}
