package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Stopper stops pipeline executions (Step Functions' StopExecution in
// AWS, the local executor's stop).
type Stopper interface {
	// Stop stops the running execution of the pipeline; ErrNotRunning when
	// no execution of it runs (it ended, or never started).
	Stop(ctx context.Context, pipelineID, cause string) error
}

// ErrNotRunning is a Stopper's answer for a pipeline with no running
// execution.
var ErrNotRunning = errors.New("pipeline: no execution of the pipeline is running")

// Launcher is the pipeline application service: it starts pipelines of
// every kind, queues pushes, cancels, and ends pipelines (MarkFailed). It
// owns the application's one-pipeline guard, its pending slot and the
// starter; the deployments and webhooks routes and the pipeline steps all
// go through it.
type Launcher struct {
	Store   Store
	Starter Starter
	// Stopper stops executions for Cancel (nil: Cancel is unavailable).
	Stopper Stopper
	// Builder and Cluster, when set, let the end of a canceled pipeline
	// stop its build and revert its rollout to the serving release (the
	// pipeline function and the local system set them).
	Builder Builder
	Cluster Cluster
	// Config opens the serving release's config for that revert (nil:
	// only a release without config vars is reverted to).
	Config *ConfigOpener
	// Reporter, when set, reports pipelines to where their push came from.
	Reporter ProgressReporter
	// Metrics gets an EMF line whenever a build, release or deployment
	// finishes (nil: os.Stdout; io.Discard turns them off).
	Metrics io.Writer
	// Now is the clock (nil: time.Now); IDs makes record ids (nil: a
	// generator on Now).
	Now func() time.Time
	IDs *platform.IDGenerator
}

// WithDefaults returns l with the clock and the id generator filled in.
func (l *Launcher) WithDefaults() *Launcher {
	c := *l
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.IDs == nil {
		c.IDs = &platform.IDGenerator{Now: c.Now}
	}
	return &c
}

// Authorize decides whether the caller may act on the application; its
// error (not_found, forbidden) aborts the call before anything is written.
type Authorize func(*platform.Application) error

// Started names a pipeline that started (or was found started by a
// retry): ImageID for a build, ReleaseID for the other kinds.
type Started struct {
	PipelineID string
	Kind       platform.PipelineKind
	ImageID    string
	ReleaseID  string
}

func buildRun(appID, imageID string) Run {
	return Run{ApplicationID: appID, ImageID: imageID, PipelineID: imageID, Kind: platform.KindBuild}
}

// Build starts a build pipeline for req: it takes the application's guard
// and records the in-progress image in one transaction, then starts the
// execution; when the start fails, the pipeline is marked failed at once
// and the application freed. A request whose ImageID is already the
// application's newest image (a retry) only makes sure its execution runs.
func (l *Launcher) Build(ctx context.Context, appID string, req platform.PipelineRequest, authorize Authorize) (Started, error) {
	img, fresh, err := l.recordBuild(ctx, appID, req, authorize, false)
	if err != nil || !fresh {
		return Started{PipelineID: img.ID, Kind: platform.KindBuild, ImageID: img.ID}, err
	}
	return Started{PipelineID: img.ID, Kind: platform.KindBuild, ImageID: img.ID}, l.launch(ctx, buildRun(appID, img.ID))
}

var (
	errAlreadyRecorded = errors.New("pipeline: the pipeline is already recorded")
	errNoWrite         = errors.New("pipeline: nothing to write")
)

// recordBuild records a build pipeline (or, with queue, queues the push
// while another runs). fresh is false when there is nothing to start: a
// retry of a pipeline that already ended, or a queued push.
func (l *Launcher) recordBuild(ctx context.Context, appID string, req platform.PipelineRequest, authorize Authorize, queue bool) (img platform.Image, fresh bool, err error) {
	imageID := req.ImageID
	if imageID == "" {
		imageID = l.IDs.NewID()
	}
	_, err = l.update(ctx, appID, func(app *platform.Application) (platform.RecordWrites, error) {
		if err := authorize(app); err != nil {
			return platform.RecordWrites{}, err
		}
		if last := app.LatestImage; last != nil && last.ID == imageID {
			if last.Status != platform.StatusError || last.BuildRef != "" {
				img = *last
				return platform.RecordWrites{}, errAlreadyRecorded
			}
			imageID = l.IDs.NewID() // its start failed: a retry starts anew
		}
		var w platform.RecordWrites
		var err error
		img, w, err = app.StartPipeline(req, imageID, l.Now().UTC())
		return w, err
	})
	switch {
	case errors.Is(err, errAlreadyRecorded):
		return img, img.Status == platform.StatusInProgress, nil
	case err != nil:
		return img, false, err
	}
	return img, true, nil
}

// launch starts the execution of a recorded pipeline; when that fails the
// pipeline is marked failed (the application is free again) and the
// error is unavailable.
func (l *Launcher) launch(ctx context.Context, run Run) error {
	err := l.Starter.Start(ctx, run)
	if err == nil {
		return nil
	}
	reason := fmt.Sprintf("the pipeline could not start: %v", err)
	if markErr := l.MarkFailed(context.WithoutCancel(ctx), run.ApplicationID, run.Pipeline(), reason); markErr != nil {
		slog.ErrorContext(ctx, "marking an unstarted pipeline failed", "pipeline_id", run.Pipeline(), "error", markErr.Error())
	}
	return platform.Unavailable(err)
}

// PushResult is what a push did to one application.
type PushResult struct {
	// Started is the pipeline the push started (zero when it did not).
	Started Started
	// Queued is true when the push waits in the pending slot; Replaced is
	// the queued push it superseded (nil: none).
	Queued   bool
	Replaced *platform.QueuedPush
	// Skipped says why nothing happened ("": something did).
	Skipped string
}

// Push starts a build pipeline for a GitHub push, or queues it while a
// pipeline runs (the newest push wins the one pending slot). A push while
// auto-deploy is paused is skipped. A redelivery finds the pipeline or
// slot it already took.
func (l *Launcher) Push(ctx context.Context, appID string, req platform.PipelineRequest) (PushResult, error) {
	var res PushResult
	var img platform.Image
	_, err := l.update(ctx, appID, func(app *platform.Application) (platform.RecordWrites, error) {
		res = PushResult{}
		if last := app.LatestImage; last != nil && last.ID == req.ImageID && (last.Status != platform.StatusError || last.BuildRef != "") {
			img = *last
			return platform.RecordWrites{}, errAlreadyRecorded
		}
		if q := app.QueuedPush; q != nil && q.PipelineID == req.ImageID {
			res.Queued = true
			return platform.RecordWrites{}, errNoWrite
		}
		if app.AutoDeployPaused {
			res.Skipped = "auto-deploy is paused"
			return platform.RecordWrites{}, errNoWrite
		}
		if queued, replaced := app.QueuePush(req, l.Now().UTC()); queued {
			res.Queued, res.Replaced = true, replaced
			return platform.RecordWrites{}, nil
		}
		// Nothing runs (a guard expired with a push still queued): this
		// newer push starts and replaces it.
		res.Replaced, app.QueuedPush = app.QueuedPush, nil
		var w platform.RecordWrites
		var err error
		img, w, err = app.StartPipeline(req, req.ImageID, l.Now().UTC())
		return w, err
	})
	switch {
	case errors.Is(err, errNoWrite):
		return res, nil
	case errors.Is(err, errAlreadyRecorded):
		res.Started = Started{PipelineID: img.ID, Kind: platform.KindBuild, ImageID: img.ID}
		if img.Status != platform.StatusInProgress {
			return res, nil
		}
	case err != nil:
		return res, err
	case res.Queued:
		return res, nil
	}
	res.Started = Started{PipelineID: img.ID, Kind: platform.KindBuild, ImageID: img.ID}
	return res, l.launch(ctx, buildRun(appID, img.ID))
}

// Release starts a release pipeline of image imageVersion (0: the newest
// successful image) with the current settings and formation.
func (l *Launcher) Release(ctx context.Context, appID string, imageVersion int64, req platform.ReleaseRequest, authorize Authorize) (Started, error) {
	app, err := l.visible(ctx, appID, authorize)
	if err != nil {
		return Started{}, err
	}
	img, err := l.releasableImage(ctx, app, imageVersion)
	if err != nil {
		return Started{}, err
	}
	return l.startRelease(ctx, appID, req, img, nil, authorize)
}

// Rollback starts a rollback pipeline: a new release with release
// releaseVersion's image and config, which pauses auto-deploy.
func (l *Launcher) Rollback(ctx context.Context, appID string, releaseVersion int64, req platform.ReleaseRequest, authorize Authorize) (Started, error) {
	app, err := l.visible(ctx, appID, authorize)
	if err != nil {
		return Started{}, err
	}
	var src platform.Release
	switch {
	case releaseVersion < 1:
		return Started{}, platform.Invalid("release_version", "must be a release version (an integer from 1)")
	case app.LatestRelease != nil && app.LatestRelease.Version == releaseVersion:
		src = *app.LatestRelease
	default:
		if src, err = l.Store.GetRelease(ctx, appID, releaseVersion); platform.IsCode(err, platform.CodeNotFound) {
			return Started{}, platform.Invalid("release_version", fmt.Sprintf("the application has no release v%d", releaseVersion))
		} else if err != nil {
			return Started{}, err
		}
	}
	if src.Status != platform.StatusComplete {
		return Started{}, platform.Invalid("release_version", fmt.Sprintf("release v%d is %s, not complete", src.Version, src.Status))
	}
	img := platform.Image{ID: src.ImageID, Version: src.ImageVersion, Status: platform.StatusComplete,
		ImageURI: src.ImageURI, Processes: src.Processes, CommitSHA: src.CommitSHA}
	return l.startRelease(ctx, appID, req, img, &src, authorize)
}

// visible reads the application for a caller, who must be allowed to act
// on it before anything about its records is read.
func (l *Launcher) visible(ctx context.Context, appID string, authorize Authorize) (platform.Application, error) {
	app, err := l.Store.GetApplication(ctx, appID)
	if err != nil {
		return app, err
	}
	return app, authorize(&app)
}

// releasableImage is the application's image version (0: the newest
// successful one), which must have been built.
func (l *Launcher) releasableImage(ctx context.Context, app platform.Application, version int64) (platform.Image, error) {
	if version < 0 {
		return platform.Image{}, platform.Invalid("image_version", "must be an image version (an integer from 1)")
	}
	if img := app.LatestImage; img != nil && (version == 0 && img.Status == platform.StatusComplete || img.Version == version) {
		return l.built(*img)
	}
	if version > 0 {
		img, err := l.Store.GetImage(ctx, app.ID, version)
		if platform.IsCode(err, platform.CodeNotFound) {
			return img, platform.Invalid("image_version", fmt.Sprintf("the application has no image v%d", version))
		} else if err != nil {
			return img, err
		}
		return l.built(img)
	}
	images, err := l.Store.ListImages(ctx, app.ID, platform.MaxPageLimit)
	if err != nil {
		return platform.Image{}, err
	}
	for _, img := range images {
		if img.Status == platform.StatusComplete {
			return img, nil
		}
	}
	return platform.Image{}, platform.Invalid("image_version", "the application has no successful image")
}

func (l *Launcher) built(img platform.Image) (platform.Image, error) {
	if img.Status != platform.StatusComplete {
		return img, platform.Invalid("image_version", fmt.Sprintf("image v%d is %s, not a successful build", img.Version, img.Status))
	}
	return img, nil
}

func (l *Launcher) startRelease(ctx context.Context, appID string, req platform.ReleaseRequest, img platform.Image, src *platform.Release, authorize Authorize) (Started, error) {
	releaseID := l.IDs.NewID()
	var rel platform.Release
	_, err := l.update(ctx, appID, func(app *platform.Application) (platform.RecordWrites, error) {
		if err := authorize(app); err != nil {
			return platform.RecordWrites{}, err
		}
		var w platform.RecordWrites
		var err error
		rel, w, err = app.StartRelease(req, releaseID, img, src, l.Now().UTC())
		return w, err
	})
	if err != nil {
		return Started{}, err
	}
	started := Started{PipelineID: rel.ID, Kind: rel.Kind, ImageID: rel.ImageID, ReleaseID: rel.ID}
	run := Run{ApplicationID: appID, ImageID: rel.ImageID, PipelineID: rel.ID, Kind: rel.Kind, ReleaseID: rel.ID, ReleaseCommand: rel.RunsReleaseCommand()}
	return started, l.launch(ctx, run)
}

// Cancel stops the running pipeline pipelineID on behalf of by; dropQueued
// also discards the queued push. The request is recorded first (a second
// cancel is a conflict), then the execution is stopped; its end marks the
// records canceled and frees the application (see MarkFailed). A pipeline
// with no running execution is ended here.
func (l *Launcher) Cancel(ctx context.Context, appID, pipelineID, by string, dropQueued bool, authorize Authorize) error {
	if l.Stopper == nil {
		return platform.Unavailable(errors.New("pipeline: cancel is not configured"))
	}
	_, err := l.Store.UpdateApplicationRecords(ctx, appID, 0, func(app *platform.Application) (platform.RecordWrites, error) {
		if err := authorize(app); err != nil {
			return platform.RecordWrites{}, err
		}
		return platform.RecordWrites{}, app.CancelPipeline(pipelineID, by, dropQueued, l.Now().UTC())
	})
	if err != nil {
		return err
	}
	reason := "canceled by " + by
	switch err := l.Stopper.Stop(ctx, pipelineID, reason); {
	case errors.Is(err, ErrNotRunning):
		return l.MarkFailed(ctx, appID, pipelineID, reason)
	case err != nil:
		_, undoErr := l.Store.UpdateApplicationRecords(context.WithoutCancel(ctx), appID, 0, func(app *platform.Application) (platform.RecordWrites, error) {
			app.WithdrawCancel(pipelineID)
			return platform.RecordWrites{}, nil
		})
		if undoErr != nil {
			slog.ErrorContext(ctx, "withdrawing a cancel that could not be sent failed", "pipeline_id", pipelineID, "error", undoErr.Error())
		}
		return platform.Unavailable(err)
	}
	return nil
}

// MarkFailed ends the pipeline pipelineID: its unfinished records get
// reason and status error (or canceled, "canceled by <who>", when it was
// asked to stop: then a running build is stopped and a rollout in
// progress reverted to the serving release first), the application is
// freed, an EMF line is written for each record it finished, the end is
// reported once, and the queued push starts. It is idempotent, and a
// no-op for an application that no longer exists.
func (l *Launcher) MarkFailed(ctx context.Context, appID, pipelineID, reason string) error {
	if err := l.undoCanceled(ctx, appID, pipelineID); err != nil {
		return err
	}
	var next *platform.Image
	var ended *platform.Image
	app, err := l.update(ctx, appID, func(app *platform.Application) (platform.RecordWrites, error) {
		w, started := app.FailPipeline(pipelineID, reason, l.Now().UTC())
		next, ended = started, nil
		for i := range w.Images {
			if w.Images[i].ID == pipelineID {
				ended = &w.Images[i]
			}
		}
		return w, nil
	})
	if platform.IsCode(err, platform.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if ended != nil {
		l.reportFinished(ctx, app, *ended, false, *ended.ErrorDetail)
	}
	if next != nil {
		return l.launch(ctx, buildRun(appID, next.ID))
	}
	return nil
}

// Complete ends the pipeline successfully (see
// platform.Application.CompletePipeline) and starts the queued push.
func (l *Launcher) Complete(ctx context.Context, appID, pipelineID string) error {
	var next, done *platform.Image
	app, err := l.update(ctx, appID, func(app *platform.Application) (platform.RecordWrites, error) {
		img := app.LatestImage
		w, started, err := app.CompletePipeline(pipelineID, l.Now().UTC())
		next, done = started, nil
		if len(w.Deployments) > 0 && img != nil && img.ID == pipelineID {
			done = img
		}
		return w, err
	})
	if err != nil {
		return err
	}
	if done != nil {
		l.reportFinished(ctx, app, *done, true, "")
	}
	if next != nil {
		return l.launch(ctx, buildRun(appID, next.ID))
	}
	return nil
}

// undoCanceled stops the build and reverts the rollout of a pipeline that
// was asked to stop, before its records are ended (so a failure here is
// retried with the records still in progress).
func (l *Launcher) undoCanceled(ctx context.Context, appID, pipelineID string) error {
	if l.Builder == nil && l.Cluster == nil {
		return nil
	}
	app, err := l.Store.GetApplication(ctx, appID)
	if err != nil {
		if platform.IsCode(err, platform.CodeNotFound) {
			return nil
		}
		return err
	}
	if c := app.CancelRequest; c == nil || c.PipelineID != pipelineID {
		return nil
	}
	if img := app.LatestImage; l.Builder != nil && img != nil && img.ID == pipelineID && img.Status == platform.StatusInProgress && img.BuildRef != "" {
		if err := l.Builder.StopBuild(ctx, img.BuildRef); err != nil {
			return fmt.Errorf("stopping build %s: %w", img.BuildRef, err)
		}
	}
	if err := l.stopJobs(ctx, app, pipelineID); err != nil {
		return err
	}
	rel, dep := app.LatestRelease, app.LatestDeployment
	if l.Cluster != nil && rel != nil && rel.Pipeline() == pipelineID && dep != nil && dep.ReleaseID == rel.ID &&
		dep.Status == platform.StatusInProgress && app.ServingRelease != nil {
		w, err := l.Config.Workload(ctx, app, *app.ServingRelease)
		if err != nil {
			return fmt.Errorf("reverting to release v%d: %w", app.ServingRelease.Version, err)
		}
		if err := l.Cluster.Apply(ctx, w); err != nil {
			return fmt.Errorf("reverting to release v%d: %w", app.ServingRelease.Version, err)
		}
	}
	return nil
}

func (l *Launcher) reportFinished(ctx context.Context, app platform.Application, img platform.Image, ok bool, reason string) {
	if l.Reporter == nil || img.GithubDeploymentID == 0 {
		return
	}
	if err := l.Reporter.Finished(ctx, app, img, ok, reason); err != nil {
		slog.WarnContext(ctx, "reporting a pipeline's end failed", "image_id", img.ID, "error", err.Error())
	}
}
