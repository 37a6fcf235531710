package platform

import (
	"fmt"
	"time"
)

// PipelineGuardTTL bounds the one-pipeline-at-a-time guard: longer than a
// pipeline may run (the state machine's execution timeout), so a guard whose
// pipeline died without clearing it cannot block deploys for ever.
const PipelineGuardTTL = 2 * time.Hour

// Triggers of a deployment.
const (
	TriggerManual = "manual"
	TriggerAuto   = "auto"
)

// PipelineKind is what a pipeline does.
type PipelineKind string

// The pipeline kinds: build an image from a commit, release an existing
// image, or roll back to an earlier release's image and config. Every kind
// ends with a deployment.
const (
	KindBuild    PipelineKind = "build"
	KindRelease  PipelineKind = "release"
	KindRollback PipelineKind = "rollback"
)

// PipelineRef names a pipeline: its id (the image id for builds, the
// release id otherwise) and its kind.
type PipelineRef struct {
	ID   string
	Kind PipelineKind
}

// CancelRequest records who asked the running pipeline to stop.
type CancelRequest struct {
	PipelineID string
	By         string
	// DropQueued also discards the queued push.
	DropQueued bool
	At         time.Time
}

// QueuedPush is a push that waits for the running pipeline to end.
type QueuedPush struct {
	// PipelineID names the build pipeline the push starts.
	PipelineID  string
	CommitSHA   string
	Trigger     string
	TriggeredBy string
	// DeliveryID is the webhook delivery that queued it.
	DeliveryID string
	Since      time.Time
}

// PipelineRequest starts a build pipeline: who asked, and the commit to
// build (empty: the head of Ref, or of the auto-deploy branch).
type PipelineRequest struct {
	Trigger     string
	TriggeredBy string
	CommitSHA   string
	// Ref is the branch or tag to build ("": the auto-deploy branch).
	Ref string
	// ImageID names the pipeline; empty makes a new one. A caller that may
	// retry (a webhook redelivery) passes the same id every time, so the
	// retry finds the pipeline it already started.
	ImageID string
	// DeliveryID is the webhook delivery of a push ("" otherwise).
	DeliveryID string
}

// ReleaseRequest starts a release or rollback pipeline.
type ReleaseRequest struct {
	Kind        PipelineKind
	Trigger     string
	TriggeredBy string
	// RunReleaseCommand runs the release command (rollbacks skip it
	// unless asked).
	RunReleaseCommand bool
}

// PipelineStartGrace is how long a pipeline may take to start its build.
// A guard whose image still has no build after it belongs to a pipeline
// whose start was lost (the process died between recording the image and
// starting the execution), so it no longer blocks deploys.
const PipelineStartGrace = 5 * time.Minute

// RunningPipeline returns the id of the pipeline running now ("" when
// none). A guard older than PipelineGuardTTL, or whose pipeline made no
// progress (no build, no deployment) within PipelineStartGrace, counts as
// none.
func (a *Application) RunningPipeline(now time.Time) string {
	if a.ActivePipeline == "" || now.Sub(a.ActivePipelineSince) > PipelineGuardTTL {
		return ""
	}
	if now.Sub(a.ActivePipelineSince) > PipelineStartGrace && !a.startedProgress() {
		return ""
	}
	return a.ActivePipeline
}

// startedProgress reports whether the running pipeline's execution did
// anything: a build pipeline started its build, a release pipeline made
// its deployment.
func (a *Application) startedProgress() bool {
	if img := a.LatestImage; img != nil && img.ID == a.ActivePipeline {
		return img.Status != StatusInProgress || img.BuildRef != ""
	}
	if rel := a.LatestRelease; rel != nil && rel.ID == a.ActivePipeline && rel.Status == StatusInProgress {
		dep := a.LatestDeployment
		return dep != nil && dep.ReleaseID == rel.ID || rel.ReleaseCommandStarted != nil
	}
	return true
}

// busy is the conflict a pipeline-starting call meets while another runs:
// it names the running pipeline (and its image for a build).
func (a *Application) busy(now time.Time) error {
	running := a.RunningPipeline(now)
	if running == "" {
		return nil
	}
	e := Errorf(CodeConflict, "a pipeline of this application is still running")
	e.Extra = map[string]any{"pipeline_id": running}
	if a.activeKind() == KindBuild {
		e.Extra["image_id"] = running
	}
	return e
}

func (a *Application) activeKind() PipelineKind {
	if a.ActivePipelineKind == "" {
		return KindBuild // guards older than kinds were builds
	}
	return a.ActivePipelineKind
}

// takeGuard makes id the running pipeline. The records of a pipeline
// whose guard went stale are marked failed; w includes them.
func (a *Application) takeGuard(id string, kind PipelineKind, now time.Time) RecordWrites {
	var w RecordWrites
	if stale := a.ActivePipeline; stale != "" {
		w = a.endPipeline(stale, StatusError, "the pipeline stopped reporting progress and was abandoned", now)
	}
	a.ActivePipeline, a.ActivePipelineSince, a.ActivePipelineKind = id, now, kind
	a.LatestPipeline = &PipelineRef{ID: id, Kind: kind}
	a.CancelRequest = nil
	return w
}

// StartPipeline records a new in-progress image for req and takes the
// application's pipeline guard: a build pipeline. It fails with
// validation_failed when the application has no repository or branch (or
// a private repository without an installation), and with conflict
// (naming the running pipeline) while another pipeline runs. The records
// of a pipeline whose guard went stale are marked failed; the writes
// include them.
func (a *Application) StartPipeline(req PipelineRequest, imageID string, now time.Time) (Image, RecordWrites, error) {
	var v Violations
	if a.GithubRepository == nil {
		v.Add("github_repository", "must be set before deploying")
	}
	if a.AutoDeployBranch == nil && req.Ref == "" {
		v.Add("auto_deploy_branch", "must be set before deploying")
	}
	if a.GithubRepositoryIsPrivate && a.GithubAppInstallationID == nil {
		// Builds read source only with the application's own installation.
		v.Add("github_repository_is_private", "a private repository needs github_app_installation_id: without an installation only public repositories build")
	}
	if err := v.Err(); err != nil {
		return Image{}, RecordWrites{}, err
	}
	if err := a.busy(now); err != nil {
		return Image{}, RecordWrites{}, err
	}
	w := a.takeGuard(imageID, KindBuild, now)
	ref := req.Ref
	if ref == "" {
		ref = *a.AutoDeployBranch
	}
	a.ImageSeq++
	img := Image{
		ID: imageID, Version: a.ImageSeq, Status: StatusInProgress, CommitSHA: req.CommitSHA,
		Processes: map[string]string{}, Created: now, Updated: now,
		Repository: *a.GithubRepository, Ref: ref, Trigger: req.Trigger, TriggeredBy: req.TriggeredBy,
	}
	a.LatestImage = &img
	w.Images = append(w.Images, img)
	return img, w, nil
}

// StartRelease records a new in-progress release of img and takes the
// guard: a release pipeline (source nil: the current settings and
// formation) or a rollback (source: the release whose image and config it
// copies; it pauses auto-deploy). The release id is the pipeline id.
func (a *Application) StartRelease(req ReleaseRequest, releaseID string, img Image, source *Release, now time.Time) (Release, RecordWrites, error) {
	if img.Status != StatusComplete {
		return Release{}, RecordWrites{}, Invalid("image_version", fmt.Sprintf("image v%d is %s, not built", img.Version, img.Status))
	}
	if err := a.busy(now); err != nil {
		return Release{}, RecordWrites{}, err
	}
	kind := KindRelease
	if source != nil {
		kind = KindRollback
	}
	w := a.takeGuard(releaseID, kind, now)
	rel := a.snapshot(releaseID, img, now)
	rel.Kind, rel.PipelineID, rel.Trigger, rel.TriggeredBy = kind, releaseID, req.Trigger, req.TriggeredBy
	rel.RunReleaseCommand = req.RunReleaseCommand || source == nil
	if source != nil {
		v := source.Version
		rel.RollbackOf, rel.ConfigVersion = &v, source.ConfigVersion
		rel.ImageURI, rel.Processes = source.ImageURI, source.Processes
		a.restoreDomains(source.Domains, now)
		rel.Domains = a.Hostnames()
		a.AutoDeployPaused = true
	}
	a.LatestRelease = &rel
	w.Releases = append(w.Releases, rel)
	return rel, w, nil
}

// snapshot is a new release of img with the application's current
// settings, formation (first-seen processes get their default count) and
// config version: the release is pinned to that config, which a later
// config change does not alter.
func (a *Application) snapshot(releaseID string, img Image, now time.Time) Release {
	a.ProcessCounts = withDefaultCounts(a.ProcessCounts, img.Processes)
	a.ReleaseSeq++
	return Release{
		ID: releaseID, Version: a.ReleaseSeq, Status: StatusInProgress, ImageID: img.ID, ImageVersion: img.Version,
		Processes: img.Processes, Created: now, Updated: now,
		ImageURI: img.ImageURI, ProcessCounts: copyMap(a.ProcessCounts), ProcessPodClasses: copyMap(a.ProcessPodClasses),
		HealthCheckPath: a.HealthCheckPath, HealthCheckHost: a.HealthCheckHost,
		DeploymentTimeout: a.EffectiveDeploymentTimeout(), Privileged: a.Privileged,
		CommitSHA: img.CommitSHA, Trigger: img.Trigger, TriggeredBy: img.TriggeredBy,
		ConfigVersion: a.ConfigVersion,
		Domains:       a.Hostnames(),
	}
}

// QueuePush puts a push into the application's pending slot while a
// pipeline runs; the newest push wins. It returns the push it replaced
// (nil: none). With no pipeline running it changes nothing and returns
// queued false: start the push instead.
func (a *Application) QueuePush(req PipelineRequest, now time.Time) (queued bool, replaced *QueuedPush) {
	if a.RunningPipeline(now) == "" {
		return false, nil
	}
	replaced = a.QueuedPush
	a.QueuedPush = &QueuedPush{PipelineID: req.ImageID, CommitSHA: req.CommitSHA, Trigger: req.Trigger,
		TriggeredBy: req.TriggeredBy, DeliveryID: req.DeliveryID, Since: now}
	return true, replaced
}

// startQueued starts the queued push once no pipeline runs (unless
// auto-deploy was paused meanwhile: then it is dropped). It returns the
// started image (nil: none) and the writes.
func (a *Application) startQueued(now time.Time) (*Image, RecordWrites) {
	q := a.QueuedPush
	if q == nil || a.RunningPipeline(now) != "" {
		return nil, RecordWrites{}
	}
	a.QueuedPush = nil
	if a.AutoDeployPaused {
		return nil, RecordWrites{}
	}
	img, w, err := a.StartPipeline(PipelineRequest{Trigger: q.Trigger, TriggeredBy: q.TriggeredBy, CommitSHA: q.CommitSHA, ImageID: q.PipelineID}, q.PipelineID, now)
	if err != nil { // the source was removed meanwhile
		return nil, RecordWrites{}
	}
	return &img, w
}

// ErrSuperseded is returned by pipeline transitions whose pipeline no
// longer owns the application's newest records.
var ErrSuperseded = Errorf(CodeConflict, "the pipeline is no longer the application's current pipeline")

// ErrCanceled is returned by pipeline transitions of a pipeline that was
// asked to stop: it makes no further progress.
var ErrCanceled = Errorf(CodeConflict, "the pipeline was canceled")

// PipelineImage returns the image of the pipeline imageID, which must be
// the application's newest image.
func (a *Application) PipelineImage(imageID string) (*Image, error) {
	if a.LatestImage == nil || a.LatestImage.ID != imageID {
		return nil, ErrSuperseded
	}
	return a.LatestImage, nil
}

// PipelineRelease returns the release of the pipeline id, which must be
// the application's newest release.
func (a *Application) PipelineRelease(pipelineID string) (*Release, error) {
	if rel := a.LatestRelease; rel != nil && rel.Pipeline() == pipelineID {
		return rel, nil
	}
	return nil, ErrSuperseded
}

// Pipeline returns the id of the pipeline that made the release.
func (r *Release) Pipeline() string {
	if r.PipelineID != "" {
		return r.PipelineID
	}
	return r.ImageID
}

// CancelRequested fails with ErrCanceled once the pipeline was asked to
// stop: a step that sees it makes no more progress.
func (a *Application) CancelRequested(pipelineID string) error {
	if c := a.CancelRequest; c != nil && c.PipelineID == pipelineID {
		return ErrCanceled
	}
	return nil
}

// RecordBuildStarted stores the builder's reference, and the GitHub
// Deployment reporting the pipeline (0: none), on the pipeline's image.
func (a *Application) RecordBuildStarted(imageID, buildRef string, githubDeploymentID int64, now time.Time) (RecordWrites, error) {
	img, err := a.PipelineImage(imageID)
	if err != nil {
		return RecordWrites{}, err
	}
	next := *img
	next.BuildRef, next.Updated = buildRef, now
	if githubDeploymentID != 0 {
		next.GithubDeploymentID = githubDeploymentID
	}
	a.LatestImage = &next
	return RecordWrites{Images: []Image{next}}, nil
}

// RecordBuildSucceeded completes the pipeline's image.
func (a *Application) RecordBuildSucceeded(imageID, imageURI, commitSHA string, processes map[string]string, now time.Time) (RecordWrites, error) {
	img, err := a.PipelineImage(imageID)
	if err != nil {
		return RecordWrites{}, err
	}
	if img.Status == StatusComplete {
		return RecordWrites{}, nil // a retried step: already recorded
	}
	if err := a.CancelRequested(imageID); err != nil {
		return RecordWrites{}, err
	}
	if img.Status != StatusInProgress {
		return RecordWrites{}, ErrSuperseded
	}
	next := *img
	next.Status, next.ImageURI, next.CommitSHA, next.Processes, next.Updated = StatusComplete, imageURI, commitSHA, processes, now
	a.LatestImage = &next
	return RecordWrites{Images: []Image{next}}, nil
}

// CreateRelease snapshots the application's configuration with the
// pipeline's built image as a new release. A retried call returns the
// release it already made and writes nothing.
func (a *Application) CreateRelease(imageID, releaseID string, now time.Time) (Release, RecordWrites, error) {
	img, err := a.PipelineImage(imageID)
	if err != nil {
		return Release{}, RecordWrites{}, err
	}
	if rel := a.LatestRelease; rel != nil && rel.Pipeline() == imageID {
		return *rel, RecordWrites{}, nil
	}
	if err := a.CancelRequested(imageID); err != nil {
		return Release{}, RecordWrites{}, err
	}
	if img.Status != StatusComplete {
		return Release{}, RecordWrites{}, Errorf(CodeConflict, "image v%d is %s, not built", img.Version, img.Status)
	}
	rel := a.snapshot(releaseID, *img, now)
	rel.Kind, rel.PipelineID, rel.RunReleaseCommand = KindBuild, imageID, true
	a.LatestRelease = &rel
	return rel, RecordWrites{Releases: []Release{rel}}, nil
}

// withDefaultCounts gives processes that appear for the first time their
// default replica count, as Heroku does: one "web", no others. It returns a
// new map; counts set before are kept.
func withDefaultCounts(counts map[string]int, processes map[string]string) map[string]int {
	out := copyMap(counts)
	for name := range processes {
		if _, set := out[name]; !set {
			out[name] = 0
			if name == "web" {
				out[name] = 1
			}
		}
	}
	return out
}

// CreateDeployment starts deploying the pipeline's release, which completes
// the release stage. A retried call returns the deployment it already made.
func (a *Application) CreateDeployment(pipelineID, deploymentID string, now time.Time) (Deployment, RecordWrites, error) {
	rel, err := a.PipelineRelease(pipelineID)
	if err != nil {
		if img, imgErr := a.PipelineImage(pipelineID); imgErr == nil {
			return Deployment{}, RecordWrites{}, Errorf(CodeConflict, "image v%d has no release", img.Version)
		}
		return Deployment{}, RecordWrites{}, err
	}
	if dep := a.LatestDeployment; dep != nil && dep.ReleaseID == rel.ID {
		return *dep, RecordWrites{}, nil
	}
	if err := a.CancelRequested(pipelineID); err != nil {
		return Deployment{}, RecordWrites{}, err
	}
	if rel.Status != StatusInProgress && rel.Status != StatusComplete {
		return Deployment{}, RecordWrites{}, ErrSuperseded
	}
	var w RecordWrites
	if rel.Status == StatusInProgress {
		done := *rel
		done.Status, done.Updated = StatusComplete, now
		a.LatestRelease, rel = &done, &done
		w.Releases = append(w.Releases, done)
	}
	commit, trigger, by := rel.CommitSHA, rel.Trigger, rel.TriggeredBy
	if img := a.LatestImage; rel.Trigger == "" && img != nil && img.ID == rel.ImageID { // releases older than kinds
		commit, trigger, by = img.CommitSHA, img.Trigger, img.TriggeredBy
	}
	dep := Deployment{
		ID: deploymentID, ReleaseID: rel.ID, ReleaseVersion: rel.Version, ImageVersion: rel.ImageVersion,
		CommitSHA: commit, Status: StatusInProgress, Trigger: trigger, TriggeredBy: by,
		Created: now, Updated: now,
	}
	a.LatestDeployment = &dep
	w.Deployments = append(w.Deployments, dep)
	return dep, w, nil
}

// CompletePipeline marks the pipeline's deployment complete, makes its
// release the serving one and releases the guard; then the queued push, if
// any, starts (its image is returned). A pipeline asked to stop cannot
// complete (ErrCanceled). A retried call after the end writes nothing.
func (a *Application) CompletePipeline(pipelineID string, now time.Time) (RecordWrites, *Image, error) {
	rel, err := a.PipelineRelease(pipelineID)
	if err != nil {
		return RecordWrites{}, nil, err
	}
	dep := a.LatestDeployment
	if dep == nil || dep.ReleaseID != rel.ID {
		return RecordWrites{}, nil, Errorf(CodeConflict, "the pipeline has no deployment to complete")
	}
	if dep.Status == StatusComplete && a.ActivePipeline != pipelineID {
		return RecordWrites{}, nil, nil // a retried finish
	}
	if err := a.CancelRequested(pipelineID); err != nil {
		return RecordWrites{}, nil, err
	}
	if dep.Status != StatusInProgress && dep.Status != StatusComplete {
		return RecordWrites{}, nil, ErrSuperseded
	}
	var w RecordWrites
	if dep.Status == StatusInProgress {
		next := *dep
		next.Status, next.Updated = StatusComplete, now
		a.LatestDeployment = &next
		w.Deployments = append(w.Deployments, next)
	}
	a.PruneStaleProcesses()
	serving := *rel
	a.ServingRelease = &serving
	a.releaseGuard(pipelineID)
	next, started := a.startQueued(now)
	w = w.With(started)
	return w, next, nil
}

// FailPipeline ends the pipeline: every record of it still in progress
// gets reason and status error — or canceled, with "canceled by <who>",
// when the pipeline was asked to stop — and the guard is released. Then
// the queued push starts (its image is returned) unless the cancel
// dropped it. It is safe to call more than once and after the pipeline
// ended.
func (a *Application) FailPipeline(pipelineID, reason string, now time.Time) (RecordWrites, *Image) {
	status := StatusError
	if c := a.CancelRequest; c != nil && c.PipelineID == pipelineID {
		status, reason = StatusCanceled, "canceled by "+c.By
		if c.DropQueued {
			a.QueuedPush = nil
		}
	}
	w := a.endPipeline(pipelineID, status, reason, now)
	next, started := a.startQueued(now)
	return w.With(started), next
}

// endPipeline gives the pipeline's unfinished records status and reason
// and releases its guard.
func (a *Application) endPipeline(pipelineID string, status Status, reason string, now time.Time) RecordWrites {
	var w RecordWrites
	detail := reason
	if img := a.LatestImage; img != nil && img.ID == pipelineID && img.Status == StatusInProgress {
		next := *img
		next.Status, next.ErrorDetail, next.Updated = status, &detail, now
		a.LatestImage = &next
		w.Images = append(w.Images, next)
	}
	if rel := a.LatestRelease; rel != nil && rel.Pipeline() == pipelineID {
		if rel.Status == StatusInProgress {
			next := *rel
			next.Status, next.ErrorDetail, next.Updated = status, &detail, now
			a.LatestRelease = &next
			w.Releases = append(w.Releases, next)
		}
		if dep := a.LatestDeployment; dep != nil && dep.ReleaseID == rel.ID && dep.Status == StatusInProgress {
			next := *dep
			next.Status, next.ErrorDetail, next.Updated = status, &detail, now
			a.LatestDeployment = &next
			w.Deployments = append(w.Deployments, next)
		}
	}
	a.releaseGuard(pipelineID)
	return w
}

// CancelPipeline asks the running pipeline id to stop, on behalf of by;
// dropQueued also discards the queued push. It fails with not_found for a
// pipeline the application does not know and with conflict when the
// pipeline already ended or is being canceled. The pipeline's records are
// marked canceled when its execution ends (FailPipeline).
func (a *Application) CancelPipeline(pipelineID, by string, dropQueued bool, now time.Time) error {
	if pipelineID != "" && pipelineID == a.RunningPipeline(now) {
		if a.CancelRequest != nil && a.CancelRequest.PipelineID == pipelineID {
			return Errorf(CodeConflict, "pipeline %s is already being canceled", pipelineID)
		}
		a.CancelRequest = &CancelRequest{PipelineID: pipelineID, By: by, DropQueued: dropQueued, At: now}
		return nil
	}
	known := a.LatestPipeline != nil && a.LatestPipeline.ID == pipelineID ||
		a.LatestImage != nil && a.LatestImage.ID == pipelineID ||
		a.LatestRelease != nil && (a.LatestRelease.ID == pipelineID || a.LatestRelease.Pipeline() == pipelineID)
	if !known {
		return NotFound("pipeline")
	}
	return Errorf(CodeConflict, "pipeline %s has already ended", pipelineID)
}

// WithdrawCancel forgets a cancel request whose stop could not be sent,
// so the caller may try again.
func (a *Application) WithdrawCancel(pipelineID string) {
	if c := a.CancelRequest; c != nil && c.PipelineID == pipelineID {
		a.CancelRequest = nil
	}
}

func (a *Application) releaseGuard(pipelineID string) {
	if a.ActivePipeline == pipelineID {
		a.ActivePipeline, a.ActivePipelineSince, a.ActivePipelineKind = "", time.Time{}, ""
	}
	if c := a.CancelRequest; c != nil && c.PipelineID == pipelineID {
		a.CancelRequest = nil
	}
}

// With returns w plus the writes of other; a record both write is
// written once, as other has it (one transaction writes an item once).
func (w RecordWrites) With(other RecordWrites) RecordWrites {
	return RecordWrites{
		Images:      mergeRecords(w.Images, other.Images, func(i Image) int64 { return i.Version }),
		Releases:    mergeRecords(w.Releases, other.Releases, func(r Release) int64 { return r.Version }),
		Deployments: mergeRecords(w.Deployments, other.Deployments, func(d Deployment) string { return d.ID }),
	}
}

func mergeRecords[T any, K comparable](a, b []T, key func(T) K) []T {
	out := make([]T, 0, len(a)+len(b))
	at := map[K]int{}
	for _, r := range append(append([]T(nil), a...), b...) {
		if i, ok := at[key(r)]; ok {
			out[i] = r
			continue
		}
		at[key(r)] = len(out)
		out = append(out, r)
	}
	return out
}

// LiveRelease returns the release running in the cluster: the release of
// the newest complete deployment, if that is the newest deployment.
func (a *Application) LiveRelease() (*Release, bool) {
	dep, rel := a.LatestDeployment, a.LatestRelease
	if dep == nil || rel == nil || !dep.Complete() || dep.ReleaseID != rel.ID {
		return nil, false
	}
	return rel, true
}

// ImageTag is the container image tag of an application's image version.
func ImageTag(appID string, version int64) string { return fmt.Sprintf("%s-v%d", appID, version) }

func copyMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ReleaseImageTagPrefix begins the tag of every released image: the image
// repository's lifecycle policy never expires an image that has one, and
// only an application's teardown removes its application's.
const ReleaseImageTagPrefix = "release-"

// ReleaseImageTag is the tag that keeps the image of an application's
// release version in the repository: "release-<app id>-v<version>".
func ReleaseImageTag(appID string, releaseVersion int64) string {
	return ReleaseImageTagPrefix + ImageTag(appID, releaseVersion)
}
