package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Store is what the steps read and write.
type Store interface {
	GetApplication(ctx context.Context, id string) (platform.Application, error)
	platform.Pipelines
}

// Steps are the state machine's Lambda tasks. Every step is idempotent: a
// retried step never makes a second build, release or deployment.
type Steps struct {
	Store   Store
	Builder Builder
	// Sources mints the credential of a private repository's build; nil
	// builds public repositories only.
	Sources SourceCredentials
	Cluster Cluster
	// Now is the clock; IDs makes record ids.
	Now func() time.Time
	IDs *platform.IDGenerator
	// PollSeconds is how long the state machine waits between polls.
	PollSeconds int
	// Reporter, when set, reports pipelines to where their push came from.
	Reporter ProgressReporter
	// Metrics gets an EMF line whenever a build, release or deployment
	// finishes (see MetricsNamespace). Nil is os.Stdout, which a Lambda
	// sends to CloudWatch Logs; io.Discard turns the lines off.
	Metrics io.Writer
	// Starter starts the queued push when a pipeline ends (nil: a queued
	// push waits for the next start).
	Starter Starter
	// Config opens the config releases and builds are pinned to (nil:
	// only those without config vars proceed).
	Config *ConfigOpener
	// Logs receives the release and deploy stages' lines (nil: none).
	Logs LogWriter
	// Images tags each release's image so the repository keeps it (see
	// ImageTags; nil: not tagged).
	Images ImageTags
}

// Launcher is the pipeline service over the steps' dependencies: the one
// place pipelines end (MarkFailed, Complete) and queued pushes start.
func (s *Steps) Launcher() *Launcher {
	return &Launcher{Store: s.Store, Starter: s.Starter, Builder: s.Builder, Cluster: s.Cluster,
		Reporter: s.Reporter, Metrics: s.Metrics, Now: s.Now, IDs: s.IDs, Config: s.Config}
}

// ProgressReporter reports a pipeline's progress on its commit (GitHub
// Deployments). Its failures are logged and never fail a deploy.
type ProgressReporter interface {
	// Started reports a pipeline that began; it returns the reference
	// Finished needs (0 when the pipeline is not reported).
	Started(ctx context.Context, app platform.Application, img platform.Image) (int64, error)
	// Finished reports the end of a pipeline Started reported.
	Finished(ctx context.Context, app platform.Application, img platform.Image, ok bool, reason string) error
}

// Run is the state a pipeline execution carries from step to step: the
// state machine's JSON document.
type Run struct {
	ApplicationID string `json:"application_id"`
	// ImageID is the image the pipeline builds (build) or releases.
	ImageID string `json:"image_id"`
	// PipelineID names the pipeline and its execution: the image id for a
	// build, the release id otherwise ("" in runs older than kinds: the
	// image id).
	PipelineID string `json:"pipeline_id,omitempty"`
	// Kind is the pipeline's kind, which the state machine's first state
	// chooses on.
	Kind         platform.PipelineKind `json:"kind"`
	PollSeconds  int                   `json:"poll_seconds"`
	BuildRef     string                `json:"build_ref,omitempty"`
	BuildDone    bool                  `json:"build_done"`
	BuildPolls   int                   `json:"build_polls"`
	ReleaseID    string                `json:"release_id,omitempty"`
	DeploymentID string                `json:"deployment_id,omitempty"`
	// RolloutDeadline is when the rollout must be done (Unix seconds).
	RolloutDeadline int64 `json:"rollout_deadline,omitempty"`
	RolloutDone     bool  `json:"rollout_done"`
	RolloutPolls    int   `json:"rollout_polls"`
	// RolloutReady is how many pods the last poll found ready (the deploy
	// log gets a line when it changes).
	RolloutReady int `json:"rollout_ready,omitempty"`
	// Failure is what the state machine's Catch recorded.
	Failure *Failure `json:"failure,omitempty"`
	// ReleaseCommand is true when the release runs its release command
	// before the deployment (the state machine's Choice skips it
	// otherwise); the job must end by ReleaseCommandDeadline (Unix s).
	ReleaseCommand         bool  `json:"release_command,omitempty"`
	ReleaseCommandDeadline int64 `json:"release_command_deadline,omitempty"`
	ReleaseCommandDone     bool  `json:"release_command_done,omitempty"`
	ReleaseCommandPolls    int   `json:"release_command_polls,omitempty"`
	// Postdeploy is true when the release's postdeploy command runs once
	// the rollout is done (its end is reported, never fatal).
	Postdeploy         bool  `json:"postdeploy,omitempty"`
	PostdeployDeadline int64 `json:"postdeploy_deadline,omitempty"`
	PostdeployDone     bool  `json:"postdeploy_done,omitempty"`
	PostdeployPolls    int   `json:"postdeploy_polls,omitempty"`
	// ReleaseCommandLogLines and PostdeployLogLines count the lines of
	// each job's output already copied into the pipeline's log.
	ReleaseCommandLogLines int `json:"release_command_log_lines,omitempty"`
	PostdeployLogLines     int `json:"postdeploy_log_lines,omitempty"`
}

// Pipeline is the run's pipeline id.
func (r Run) Pipeline() string {
	if r.PipelineID != "" {
		return r.PipelineID
	}
	return r.ImageID
}

// Failure is a caught error as Step Functions records it.
type Failure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// The step names the state machine sends.
const (
	StepStartBuild    = "start_build"
	StepCheckBuild    = "check_build"
	StepCreateRelease = "create_release"
	StepDeploy        = "deploy"
	StepCheckRollout  = "check_rollout"
	StepFinish        = "finish"
	StepMarkFailed    = "mark_failed"
	// The release phase's one-off jobs (releasecommand.go).
	StepStartReleaseCommand = "start_release_command"
	StepCheckReleaseCommand = "check_release_command"
	StepStartPostdeploy     = "start_postdeploy"
	StepCheckPostdeploy     = "check_postdeploy"
)

// Invocation is the payload of every step: which step, and the run.
type Invocation struct {
	Step string `json:"step"`
	Run  Run    `json:"run"`
}

// Errors the steps return. The Go Lambda runtime reports an error's type
// name as its error name, which the state machine's Retry and Catch match.
type (
	// BuildError: the build finished unsuccessfully.
	BuildError struct{ Reason string }
	// RolloutError: the cluster reports the rollout cannot succeed.
	RolloutError struct{ Reason string }
	// RolloutTimeoutError: the rollout missed the deployment timeout.
	RolloutTimeoutError struct{ Reason string }
	// ReleaseCommandError: the release command failed or timed out.
	ReleaseCommandError struct{ Reason string }
	// TransientError: a dependency failed in a way worth retrying.
	TransientError struct{ Err error }
	// InvalidInvocationError: the payload is not a step invocation.
	InvalidInvocationError struct{ Reason string }
)

func (e *BuildError) Error() string             { return e.Reason }
func (e *RolloutError) Error() string           { return e.Reason }
func (e *RolloutTimeoutError) Error() string    { return e.Reason }
func (e *ReleaseCommandError) Error() string    { return e.Reason }
func (e *TransientError) Error() string         { return e.Err.Error() }
func (e *TransientError) Unwrap() error         { return e.Err }
func (e *InvalidInvocationError) Error() string { return e.Reason }

// transient marks retryable platform errors (throttling, outages, lost races).
func transient(err error) error {
	if err == nil {
		return nil
	}
	if platform.IsCode(err, platform.CodeUnavailable) {
		return &TransientError{Err: err}
	}
	return err
}

// Handle runs one step: the Lambda JSON boundary of PipelineFunction.
func (s *Steps) Handle(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	var inv Invocation
	if err := json.Unmarshal(payload, &inv); err != nil || inv.Step == "" {
		return nil, &InvalidInvocationError{Reason: "payload is not a pipeline step invocation"}
	}
	if !platform.IsUUID(inv.Run.ApplicationID) || !platform.IsUUID(inv.Run.ImageID) || !platform.IsUUID(inv.Run.Pipeline()) {
		return nil, &InvalidInvocationError{Reason: "run.application_id, run.image_id and run.pipeline_id must be UUIDs"}
	}
	run, err := s.step(ctx, inv.Step, inv.Run)
	if err != nil {
		return nil, transient(err)
	}
	return json.Marshal(run)
}

func (s *Steps) step(ctx context.Context, step string, run Run) (Run, error) {
	switch step {
	case StepStartBuild:
		return s.startBuild(ctx, run)
	case StepCheckBuild:
		return s.checkBuild(ctx, run)
	case StepCreateRelease:
		return s.createRelease(ctx, run)
	case StepDeploy:
		return s.deploy(ctx, run)
	case StepCheckRollout:
		return s.checkRollout(ctx, run)
	case StepFinish:
		return run, s.finish(ctx, run)
	case StepMarkFailed:
		return run, s.Launcher().MarkFailed(ctx, run.ApplicationID, run.Pipeline(), failureReason(run.Failure))
	case StepStartReleaseCommand, StepCheckReleaseCommand, StepStartPostdeploy, StepCheckPostdeploy:
		return s.jobStep(ctx, step, run)
	}
	return run, &InvalidInvocationError{Reason: fmt.Sprintf("unknown step %q", step)}
}

func (s *Steps) update(ctx context.Context, run Run, mutate func(*platform.Application) (platform.RecordWrites, error)) error {
	_, err := s.updateRecords(ctx, run.ApplicationID, mutate)
	return err
}

func (s *Steps) updateRecords(ctx context.Context, appID string, mutate func(*platform.Application) (platform.RecordWrites, error)) (platform.Application, error) {
	return s.Launcher().update(ctx, appID, mutate)
}

func (s *Steps) startBuild(ctx context.Context, run Run) (Run, error) {
	run.PollSeconds = s.PollSeconds
	app, err := s.Store.GetApplication(ctx, run.ApplicationID)
	if err != nil {
		return run, err
	}
	img, err := app.PipelineImage(run.ImageID)
	if err != nil {
		return run, err
	}
	if err := app.CancelRequested(run.ImageID); err != nil && img.BuildRef == "" {
		return run, err
	}
	if img.BuildRef != "" { // a retried step
		run.BuildRef = img.BuildRef
		return run, nil
	}
	cred, err := s.sourceCredential(ctx, app, img.Repository)
	if err != nil {
		return run, err
	}
	// The build gets the build-scope config current when it starts.
	buildConfig, err := s.Config.Build(ctx, app.ID, app.ConfigVersion)
	if err != nil {
		return run, err
	}
	ref, err := s.Builder.StartBuild(ctx, BuildRequest{
		ApplicationID: app.ID, ImageID: img.ID, Repository: img.Repository, Private: app.GithubRepositoryIsPrivate,
		InstallationID: app.GithubAppInstallationID, Credential: cred, Ref: img.Ref, CommitSHA: img.CommitSHA,
		Subdirectory: platform.Deref(app.Subdirectory), ImageTag: platform.ImageTag(app.ID, img.Version),
		Config: buildConfig,
	})
	if err != nil {
		return run, err
	}
	run.BuildRef = ref
	var reported int64
	if s.Reporter != nil {
		id, err := s.Reporter.Started(ctx, app, *img)
		if err != nil {
			slog.WarnContext(ctx, "reporting a pipeline start failed", "image_id", img.ID, "error", err.Error())
		}
		reported = id
	}
	return run, s.update(ctx, run, func(app *platform.Application) (platform.RecordWrites, error) {
		return app.RecordBuildStarted(run.ImageID, ref, reported, s.Now().UTC())
	})
}

// sourceCredential is what the build reads the repository with: nothing
// for a public repository, and for a private one a token minted from the
// application's own installation for this repository only (never any
// other credential, so no organization can build another's code).
func (s *Steps) sourceCredential(ctx context.Context, app platform.Application, repo string) (*SourceCredential, error) {
	if !app.GithubRepositoryIsPrivate {
		return nil, nil
	}
	switch {
	case app.GithubAppInstallationID == nil:
		return nil, &BuildError{Reason: "the repository is private and the application has no github_app_installation_id: only public repositories build without one"}
	case s.Sources == nil:
		return nil, &BuildError{Reason: "the repository is private but no GitHub App is configured to read it"}
	}
	cred, err := s.Sources.RepositoryToken(ctx, *app.GithubAppInstallationID, repo)
	if err != nil {
		if platform.IsCode(err, platform.CodeUnavailable) {
			return nil, err
		}
		return nil, &BuildError{Reason: fmt.Sprintf("installation %d cannot read %s: %v", *app.GithubAppInstallationID, repo, err)}
	}
	return &cred, nil
}

func (s *Steps) checkBuild(ctx context.Context, run Run) (Run, error) {
	status, err := s.Builder.BuildStatus(ctx, run.BuildRef)
	if err != nil {
		return run, err
	}
	run.BuildPolls++
	switch status.Phase {
	case BuildRunning:
		return run, nil
	case BuildFailed:
		return run, &BuildError{Reason: "build failed: " + status.Reason}
	}
	run.BuildDone = true
	return run, s.update(ctx, run, func(app *platform.Application) (platform.RecordWrites, error) {
		return app.RecordBuildSucceeded(run.ImageID, status.ImageURI, status.CommitSHA, status.Processes, s.Now().UTC())
	})
}

func (s *Steps) createRelease(ctx context.Context, run Run) (Run, error) {
	releaseID := s.IDs.NewID()
	app, err := s.updateRecords(ctx, run.ApplicationID, func(app *platform.Application) (platform.RecordWrites, error) {
		_, w, err := app.CreateRelease(run.ImageID, releaseID, s.Now().UTC())
		return w, err
	})
	if err != nil {
		return run, err
	}
	run.ReleaseID = app.LatestRelease.ID
	run.ReleaseCommand = app.LatestRelease.RunsReleaseCommand()
	s.log(run, platform.LogStageRelease, fmt.Sprintf("Created release v%d of image v%d", app.LatestRelease.Version, app.LatestRelease.ImageVersion))
	return run, nil
}

func (s *Steps) deploy(ctx context.Context, run Run) (Run, error) {
	deploymentID := s.IDs.NewID()
	app, err := s.updateRecords(ctx, run.ApplicationID, func(app *platform.Application) (platform.RecordWrites, error) {
		_, w, err := app.CreateDeployment(run.Pipeline(), deploymentID, s.Now().UTC())
		return w, err
	})
	if err != nil {
		return run, err
	}
	dep := app.LatestDeployment
	run.PollSeconds = s.PollSeconds
	run.ReleaseID, run.DeploymentID = app.LatestRelease.ID, dep.ID
	if run.RolloutDeadline == 0 {
		run.RolloutDeadline = s.Now().Add(time.Duration(app.LatestRelease.DeploymentTimeout) * time.Second).Unix()
	}
	run.Postdeploy = app.LatestRelease.HasPostdeploy()
	if err := s.retainReleaseImage(ctx, app.ID, *app.LatestRelease); err != nil {
		return run, err
	}
	w, err := s.Config.Workload(ctx, app, *app.LatestRelease)
	if err != nil {
		return run, err
	}
	if err := s.Cluster.Apply(ctx, w); err != nil {
		return run, err
	}
	s.log(run, platform.LogStageDeploy, fmt.Sprintf("Applied release v%d (%s) to %s/%s", w.ReleaseVersion, w.ImageURI, w.Namespace, w.Name))
	return run, nil
}

func (s *Steps) checkRollout(ctx context.Context, run Run) (Run, error) {
	app, err := s.Store.GetApplication(ctx, run.ApplicationID)
	if err != nil {
		return run, err
	}
	if _, err := app.PipelineRelease(run.Pipeline()); err != nil {
		return run, err
	}
	if err := app.CancelRequested(run.Pipeline()); err != nil {
		return run, err
	}
	status, err := s.Cluster.RolloutStatus(ctx, WorkloadOf(app, *app.LatestRelease))
	if err != nil {
		return run, err
	}
	run.RolloutPolls++
	if status.Ready != run.RolloutReady || status.Done || status.Failed {
		run.RolloutReady = status.Ready
		s.log(run, platform.LogStageDeploy, rolloutLine(status))
	}
	switch {
	case status.Done:
		run.RolloutDone = true
	case status.Failed:
		return run, &RolloutError{Reason: "rollout failed: " + status.Reason}
	case s.Now().Unix() >= run.RolloutDeadline:
		return run, &RolloutTimeoutError{Reason: fmt.Sprintf("rollout did not become ready within %d s (%d of %d pods ready)",
			app.LatestRelease.DeploymentTimeout, status.Ready, status.Desired)}
	}
	return run, nil
}

func (s *Steps) finish(ctx context.Context, run Run) error {
	return s.Launcher().Complete(ctx, run.ApplicationID, run.Pipeline())
}

// MarkFailed ends the pipeline with reason (see Launcher.MarkFailed).
func (s *Steps) MarkFailed(ctx context.Context, appID, pipelineID, reason string) error {
	return s.Launcher().MarkFailed(ctx, appID, pipelineID, reason)
}

// WorkloadOf is what the cluster runs for a release of the application:
// the release's image and processes with the application's current scale
// and custom domains (the hostnames it holds now, never those of a
// release: a hostname given up may be another application's), in the
// namespace named after the organization. Its Env is empty:
// ConfigOpener.Workload adds the config for Apply.
func WorkloadOf(app platform.Application, rel platform.Release) Workload {
	classes := make(map[string]platform.PodClass, len(rel.Processes))
	for p := range rel.Processes {
		classes[p] = app.PodClassOf(p)
	}
	return Workload{
		Namespace: platform.OrganizationNamespace(app.OrganizationSlug), Name: app.ProjectSlug + "-" + app.Slug, ApplicationID: app.ID,
		PipelineID: rel.Pipeline(), ReleaseID: rel.ID, ReleaseVersion: rel.Version, ImageURI: rel.ImageURI, Processes: rel.Processes,
		ProcessCounts: app.ProcessCounts, PodClasses: classes, HealthCheckPath: rel.HealthCheckPath,
		HealthCheckHost: platform.Deref(rel.HealthCheckHost), Privileged: rel.Privileged, ConfigVersion: rel.ConfigVersion,
		OrganizationSlug: app.OrganizationSlug, ProjectSlug: app.ProjectSlug, ApplicationSlug: app.Slug, Domains: app.Hostnames(),
	}
}

// failureReason turns a caught error into one readable line: the Go Lambda
// runtime's cause is a JSON document whose errorMessage is the reason.
func failureReason(f *Failure) string {
	if f == nil {
		return "pipeline failed"
	}
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(f.Cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		return lambdaErr.ErrorMessage
	}
	if f.Cause != "" {
		return strings.TrimPrefix(f.Error+": "+f.Cause, ": ")
	}
	return f.Error
}

// ErrNotPipelineEvent is returned for payloads that are neither a step
// invocation nor a Step Functions status-change event.
var ErrNotPipelineEvent = errors.New("pipeline: payload is neither a step invocation nor an execution status event")
