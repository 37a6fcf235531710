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

// PipelineRequest starts a pipeline: who asked, and the commit to build
// (empty: the head of the auto-deploy branch).
type PipelineRequest struct {
	Trigger     string
	TriggeredBy string
	CommitSHA   string
	// ImageID names the pipeline; empty makes a new one. A caller that may
	// retry (a webhook redelivery) passes the same id every time, so the
	// retry finds the pipeline it already started.
	ImageID string
}

// PipelineStartGrace is how long a pipeline may take to start its build.
// A guard whose image still has no build after it belongs to a pipeline
// whose start was lost (the process died between recording the image and
// starting the execution), so it no longer blocks deploys.
const PipelineStartGrace = 5 * time.Minute

// RunningPipeline returns the image id of the pipeline running now ("" when
// none). A guard older than PipelineGuardTTL, or whose build never started
// within PipelineStartGrace, counts as none.
func (a *Application) RunningPipeline(now time.Time) string {
	if a.ActivePipeline == "" || now.Sub(a.ActivePipelineSince) > PipelineGuardTTL {
		return ""
	}
	if img := a.LatestImage; img != nil && img.ID == a.ActivePipeline && img.Status == StatusInProgress &&
		img.BuildRef == "" && now.Sub(a.ActivePipelineSince) > PipelineStartGrace {
		return ""
	}
	return a.ActivePipeline
}

// StartPipeline records a new in-progress image for req and takes the
// application's pipeline guard. It fails with validation_failed when the
// application has no repository or branch (or a private repository
// without an installation), and with conflict (naming the
// running image_id) while another pipeline runs. The records of a pipeline
// whose guard went stale are marked failed; the writes include them.
func (a *Application) StartPipeline(req PipelineRequest, imageID string, now time.Time) (Image, RecordWrites, error) {
	var v Violations
	if a.GithubRepository == nil {
		v.Add("github_repository", "must be set before deploying")
	}
	if a.AutoDeployBranch == nil {
		v.Add("auto_deploy_branch", "must be set before deploying")
	}
	if a.GithubRepositoryIsPrivate && a.GithubAppInstallationID == nil {
		// Builds read source only with the application's own installation.
		v.Add("github_repository_is_private", "a private repository needs github_app_installation_id: without an installation only public repositories build")
	}
	if err := v.Err(); err != nil {
		return Image{}, RecordWrites{}, err
	}
	if running := a.RunningPipeline(now); running != "" {
		e := Errorf(CodeConflict, "a pipeline of this application is still running")
		e.Extra = map[string]any{"image_id": running}
		return Image{}, RecordWrites{}, e
	}
	var w RecordWrites
	if stale := a.ActivePipeline; stale != "" {
		w = a.FailPipeline(stale, "the pipeline stopped reporting progress and was abandoned", now)
	}
	a.ImageSeq++
	img := Image{
		ID: imageID, Version: a.ImageSeq, Status: StatusInProgress, CommitSHA: req.CommitSHA,
		Processes: map[string]string{}, Created: now, Updated: now,
		Repository: *a.GithubRepository, Ref: *a.AutoDeployBranch, Trigger: req.Trigger, TriggeredBy: req.TriggeredBy,
	}
	a.LatestImage = &img
	a.ActivePipeline, a.ActivePipelineSince = imageID, now
	w.Images = append(w.Images, img)
	return img, w, nil
}

// ErrSuperseded is returned by pipeline transitions whose pipeline no
// longer owns the application's newest records.
var ErrSuperseded = Errorf(CodeConflict, "the pipeline is no longer the application's current pipeline")

// PipelineImage returns the image of the pipeline imageID, which must be
// the application's newest image.
func (a *Application) PipelineImage(imageID string) (*Image, error) {
	if a.LatestImage == nil || a.LatestImage.ID != imageID {
		return nil, ErrSuperseded
	}
	return a.LatestImage, nil
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
	if rel := a.LatestRelease; rel != nil && rel.ImageID == imageID {
		return *rel, RecordWrites{}, nil
	}
	if img.Status != StatusComplete {
		return Release{}, RecordWrites{}, Errorf(CodeConflict, "image v%d is %s, not built", img.Version, img.Status)
	}
	a.ProcessCounts = withDefaultCounts(a.ProcessCounts, img.Processes)
	a.ReleaseSeq++
	rel := Release{
		ID: releaseID, Version: a.ReleaseSeq, Status: StatusInProgress, ImageID: img.ID, ImageVersion: img.Version,
		Processes: img.Processes, Created: now, Updated: now,
		ImageURI: img.ImageURI, ProcessCounts: copyMap(a.ProcessCounts), ProcessPodClasses: copyMap(a.ProcessPodClasses),
		HealthCheckPath: a.HealthCheckPath, HealthCheckHost: a.HealthCheckHost,
		DeploymentTimeout: a.EffectiveDeploymentTimeout(), Privileged: a.Privileged,
	}
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
func (a *Application) CreateDeployment(imageID, deploymentID string, now time.Time) (Deployment, RecordWrites, error) {
	img, err := a.PipelineImage(imageID)
	if err != nil {
		return Deployment{}, RecordWrites{}, err
	}
	rel := a.LatestRelease
	if rel == nil || rel.ImageID != imageID {
		return Deployment{}, RecordWrites{}, Errorf(CodeConflict, "image v%d has no release", img.Version)
	}
	if dep := a.LatestDeployment; dep != nil && dep.ReleaseID == rel.ID {
		return *dep, RecordWrites{}, nil
	}
	var w RecordWrites
	if rel.Status == StatusInProgress {
		done := *rel
		done.Status, done.Updated = StatusComplete, now
		a.LatestRelease, rel = &done, &done
		w.Releases = append(w.Releases, done)
	}
	dep := Deployment{
		ID: deploymentID, ReleaseID: rel.ID, ReleaseVersion: rel.Version, ImageVersion: img.Version,
		CommitSHA: img.CommitSHA, Status: StatusInProgress, Trigger: img.Trigger, TriggeredBy: img.TriggeredBy,
		Created: now, Updated: now,
	}
	a.LatestDeployment = &dep
	w.Deployments = append(w.Deployments, dep)
	return dep, w, nil
}

// CompletePipeline marks the pipeline's deployment complete and releases
// the guard.
func (a *Application) CompletePipeline(imageID string, now time.Time) (RecordWrites, error) {
	if _, err := a.PipelineImage(imageID); err != nil {
		return RecordWrites{}, err
	}
	dep := a.LatestDeployment
	if dep == nil || a.LatestRelease == nil || dep.ReleaseID != a.LatestRelease.ID || a.LatestRelease.ImageID != imageID {
		return RecordWrites{}, Errorf(CodeConflict, "the pipeline has no deployment to complete")
	}
	var w RecordWrites
	if dep.Status == StatusInProgress {
		next := *dep
		next.Status, next.Updated = StatusComplete, now
		a.LatestDeployment = &next
		w.Deployments = append(w.Deployments, next)
	}
	a.PruneStaleProcesses()
	a.releaseGuard(imageID)
	return w, nil
}

// FailPipeline records reason on every record of the pipeline that is still
// in progress and releases the guard. It is safe to call more than once and
// after the pipeline ended.
func (a *Application) FailPipeline(imageID, reason string, now time.Time) RecordWrites {
	var w RecordWrites
	img, err := a.PipelineImage(imageID)
	if err != nil {
		a.releaseGuard(imageID)
		return w
	}
	detail := reason
	if img.Status == StatusInProgress {
		next := *img
		next.Status, next.ErrorDetail, next.Updated = StatusError, &detail, now
		a.LatestImage = &next
		w.Images = append(w.Images, next)
	}
	if rel := a.LatestRelease; rel != nil && rel.ImageID == imageID && rel.Status == StatusInProgress {
		next := *rel
		next.Status, next.ErrorDetail, next.Updated = StatusError, &detail, now
		a.LatestRelease = &next
		w.Releases = append(w.Releases, next)
	}
	if dep := a.LatestDeployment; dep != nil && a.LatestRelease != nil && dep.ReleaseID == a.LatestRelease.ID &&
		a.LatestRelease.ImageID == imageID && dep.Status == StatusInProgress {
		next := *dep
		next.Status, next.ErrorDetail, next.Updated = StatusError, &detail, now
		a.LatestDeployment = &next
		w.Deployments = append(w.Deployments, next)
	}
	a.releaseGuard(imageID)
	return w
}

func (a *Application) releaseGuard(imageID string) {
	if a.ActivePipeline == imageID {
		a.ActivePipeline, a.ActivePipelineSince = "", time.Time{}
	}
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
