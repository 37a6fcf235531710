package github

import (
	"context"
	"strconv"

	"github.com/slipway-paas/slipway/internal/platform"
)

// PipelineReporter reports pipelines that a push started as GitHub
// Deployments of the pushed commit (the pipeline package's
// ProgressReporter). Pipelines started by hand, and applications without a
// GitHub App installation, are not reported.
type PipelineReporter struct {
	Reporter DeploymentReporter
	// AppsDomain names the application's default URL, reported as the
	// environment_url of a successful deployment with a web process
	// ("": none).
	AppsDomain string
}

func report(app platform.Application, img platform.Image) (Report, bool) {
	if img.Trigger != platform.TriggerAuto || app.GithubAppInstallationID == nil || app.GithubRepository == nil || img.CommitSHA == "" {
		return Report{}, false
	}
	env := app.OrganizationSlug + "/" + app.ProjectSlug + "/" + app.Slug
	if app.GithubEnvironmentName != nil {
		env = *app.GithubEnvironmentName
	}
	return Report{
		InstallationID: *app.GithubAppInstallationID, Repository: *app.GithubRepository, CommitSHA: img.CommitSHA,
		Environment: env, Description: "Slipway pipeline for image v" + strconv.FormatInt(img.Version, 10),
	}, true
}

// Started creates the GitHub Deployment and marks it in progress.
func (p PipelineReporter) Started(ctx context.Context, app platform.Application, img platform.Image) (int64, error) {
	r, ok := report(app, img)
	if !ok {
		return 0, nil
	}
	return p.Reporter.Started(ctx, r)
}

// Finished marks the GitHub Deployment successful (with the application's
// web URL as its environment URL) or failed with reason.
func (p PipelineReporter) Finished(ctx context.Context, app platform.Application, img platform.Image, ok bool, reason string) error {
	r, reported := report(app, img)
	if !reported || img.GithubDeploymentID == 0 {
		return nil
	}
	url := ""
	if ok {
		url = app.WebURL(p.AppsDomain)
	}
	return p.Reporter.Finished(ctx, r, img.GithubDeploymentID, ok, reason, url)
}
