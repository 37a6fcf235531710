package platform

import (
	"fmt"
	"time"
)

// The Procfile processes of the release phase: ProcessRelease runs once
// for every new release before its rollout (a failure fails the release
// and nothing rolls out); ProcessPostdeploy runs once after a successful
// rollout (a failure is reported on the deployment and undoes nothing).
const (
	ProcessRelease    = "release"
	ProcessPostdeploy = "postdeploy"
)

// IsReleasePhaseProcess reports whether the Procfile process runs in the
// release phase (as a one-off job per release): such a process is never
// scaled, so its count stays 0 (its pod class still applies to the job).
func IsReleasePhaseProcess(name string) bool {
	return name == ProcessRelease || name == ProcessPostdeploy
}

// RunsReleaseCommand reports whether the release phase runs the release
// command: the image declares a release process and the release was not
// told to skip it (a rollback skips it unless asked).
func (r *Release) RunsReleaseCommand() bool {
	return r.RunReleaseCommand && r.Processes[ProcessRelease] != ""
}

// HasPostdeploy reports whether the image declares a postdeploy process.
func (r *Release) HasPostdeploy() bool { return r.Processes[ProcessPostdeploy] != "" }

// ReleaseCommandFailure is the error_detail of a release command that
// failed: exitCode is the container's exit code (0 when unknown), timeout
// the deployment_timeout it missed (0: it did not time out), reason what
// the cluster said otherwise.
func ReleaseCommandFailure(process string, exitCode int, timeout int, reason string) string {
	what := "release command"
	if process == ProcessPostdeploy {
		what = "postdeploy command"
	}
	switch {
	case timeout > 0:
		return fmt.Sprintf("%s failed: timed out after %d s", what, timeout)
	case exitCode != 0:
		return fmt.Sprintf("%s failed: exit code %d", what, exitCode)
	case reason != "":
		return what + " failed: " + reason
	}
	return what + " failed"
}

// RecordReleaseCommandStarted records that the release command of the
// pipeline's release started (idempotent: a retried call writes nothing).
func (a *Application) RecordReleaseCommandStarted(pipelineID string, now time.Time) (RecordWrites, error) {
	rel, err := a.PipelineRelease(pipelineID)
	if err != nil {
		return RecordWrites{}, err
	}
	if rel.ReleaseCommandStarted != nil {
		return RecordWrites{}, nil
	}
	if err := a.CancelRequested(pipelineID); err != nil {
		return RecordWrites{}, err
	}
	if rel.Status != StatusInProgress {
		return RecordWrites{}, ErrSuperseded
	}
	next := *rel
	at := now
	next.ReleaseCommandStarted, next.Updated = &at, now
	a.LatestRelease = &next
	return RecordWrites{Releases: []Release{next}}, nil
}

// RecordPostdeployFailure puts detail on the pipeline's deployment while
// it is in progress (its rollout succeeded; the postdeploy command did
// not): the deployment still completes, carrying the detail.
func (a *Application) RecordPostdeployFailure(pipelineID, detail string, now time.Time) (RecordWrites, error) {
	rel, err := a.PipelineRelease(pipelineID)
	if err != nil {
		return RecordWrites{}, err
	}
	dep := a.LatestDeployment
	if dep == nil || dep.ReleaseID != rel.ID || dep.Status != StatusInProgress {
		return RecordWrites{}, ErrSuperseded
	}
	if dep.ErrorDetail != nil && *dep.ErrorDetail == detail {
		return RecordWrites{}, nil
	}
	next := *dep
	d := detail
	next.ErrorDetail, next.Updated = &d, now
	a.LatestDeployment = &next
	return RecordWrites{Deployments: []Deployment{next}}, nil
}
