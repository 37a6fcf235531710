package github

import (
	"context"
	"errors"
	"time"
)

// DeploymentReporter reports a pipeline's progress for one commit to GitHub.
type DeploymentReporter interface {
	// Started creates the GitHub Deployment and posts "in_progress".
	Started(ctx context.Context, r Report) (githubDeploymentID int64, err error)
	// Finished posts "success" or "failure" (reason as description).
	Finished(ctx context.Context, r Report, githubDeploymentID int64, ok bool, reason, environmentURL string) error
}

// Report names the commit a pipeline deploys and where GitHub shows it.
type Report struct {
	InstallationID int64
	Repository     string // "owner/repo"
	CommitSHA      string
	Environment    string // GitHub environment; "" is GitHub's default, "production"
	Description    string
}

// Reporter is the DeploymentReporter over a GitHub App. Each GitHub call is
// retried while it fails retryably, up to Attempts times with Backoff
// between attempts; the last error is returned. Callers log it and carry
// on: reporting never fails a deploy.
type Reporter struct {
	App      *App
	Attempts int                                              // 3 when 0
	Backoff  func(i int) time.Duration                        // 1 s, 2 s, 4 s, … capped at 10 s when nil
	Sleep    func(ctx context.Context, d time.Duration) error // Sleep when nil
}

var _ DeploymentReporter = (*Reporter)(nil)

// Started creates the deployment and posts in_progress. When only the
// status fails, it returns the deployment id with the error, so Finished
// can still close the deployment.
func (rp *Reporter) Started(ctx context.Context, r Report) (int64, error) {
	var id int64
	err := rp.retry(ctx, func() (err error) {
		id, err = rp.App.CreateDeployment(ctx, r.InstallationID, r.Repository, r.CommitSHA, r.Environment, r.Description)
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, rp.retry(ctx, func() error {
		return rp.App.CreateDeploymentStatus(ctx, r.InstallationID, r.Repository, id, StateInProgress, r.Description, "")
	})
}

// Finished posts success (with environmentURL, when set) or failure on the
// deployment Started created; reason is the description, or
// r.Description when reason is empty.
func (rp *Reporter) Finished(ctx context.Context, r Report, githubDeploymentID int64, ok bool, reason, environmentURL string) error {
	if githubDeploymentID <= 0 {
		return errors.New("github: no deployment to finish")
	}
	state, description := StateFailure, reason
	if ok {
		state = StateSuccess
	}
	if description == "" {
		description = r.Description
	}
	return rp.retry(ctx, func() error {
		return rp.App.CreateDeploymentStatus(ctx, r.InstallationID, r.Repository, githubDeploymentID, state, description, environmentURL)
	})
}

func (rp *Reporter) retry(ctx context.Context, f func() error) error {
	attempts, backoff, sleep := rp.Attempts, rp.Backoff, rp.Sleep
	if attempts <= 0 {
		attempts = 3
	}
	if backoff == nil {
		backoff = Exponential(time.Second, 10*time.Second)
	}
	if sleep == nil {
		sleep = Sleep
	}
	return Retry(ctx, attempts, backoff, sleep, f)
}
