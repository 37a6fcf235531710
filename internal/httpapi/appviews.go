package httpapi

import "github.com/slipway-paas/slipway/internal/platform"

// ApplicationView is the JSON of an application (Get, Create, Scale,
// Update Settings). Unset optional fields are present as null.
type ApplicationView struct {
	ID                        string            `json:"id"`
	Name                      string            `json:"name"`
	Slug                      string            `json:"slug"`
	ProjectID                 string            `json:"project_id"`
	ProjectSlug               string            `json:"project_slug"`
	OrganizationSlug          string            `json:"organization_slug"`
	Platform                  string            `json:"platform"`
	ProcessCounts             map[string]int    `json:"process_counts"`
	ProcessPodClasses         map[string]string `json:"process_pod_classes"`
	GithubRepository          *string           `json:"github_repository"`
	GithubRepositoryIsPrivate bool              `json:"github_repository_is_private"`
	AutoDeployBranch          *string           `json:"auto_deploy_branch"`
	Subdirectory              *string           `json:"subdirectory"`
	GithubEnvironmentName     *string           `json:"github_environment_name"`
	HealthCheckHost           *string           `json:"health_check_host"`
	GithubAppInstallationID   *int64            `json:"github_app_installation_id"`
	DeploymentTimeout         *int              `json:"deployment_timeout"`
	HealthCheckPath           string            `json:"health_check_path"`
	Privileged                bool              `json:"privileged"`
	AutoDeployPaused          bool              `json:"auto_deploy_paused"`
	Created                   Timestamp         `json:"created"`
	Updated                   Timestamp         `json:"updated"`
	LatestImage               *ImageView        `json:"latest_image"`
	LatestRelease             *ReleaseView      `json:"latest_release"`
	LatestDeployment          *DeploymentView   `json:"latest_deployment"`
	// WebURL is set by WithWebURL (it needs the platform's apps domain).
	WebURL *string `json:"web_url"`
}

// Application renders an application.
func Application(a platform.Application) ApplicationView {
	v := ApplicationView{
		ID: a.ID, Name: a.Name, Slug: a.Slug, ProjectID: a.ProjectID, ProjectSlug: a.ProjectSlug,
		OrganizationSlug: a.OrganizationSlug, Platform: a.Platform,
		ProcessCounts: a.ProcessCounts, ProcessPodClasses: a.ProcessPodClasses,
		GithubRepository: a.GithubRepository, GithubRepositoryIsPrivate: a.GithubRepositoryIsPrivate,
		AutoDeployBranch: a.AutoDeployBranch, Subdirectory: a.Subdirectory,
		GithubEnvironmentName: a.GithubEnvironmentName, HealthCheckHost: a.HealthCheckHost,
		GithubAppInstallationID: a.GithubAppInstallationID, DeploymentTimeout: a.DeploymentTimeout,
		HealthCheckPath: a.HealthCheckPath, Privileged: a.Privileged, AutoDeployPaused: a.AutoDeployPaused,
		Created: Timestamp(a.Created), Updated: Timestamp(a.Updated),
	}
	if v.ProcessCounts == nil {
		v.ProcessCounts = map[string]int{}
	}
	if v.ProcessPodClasses == nil {
		v.ProcessPodClasses = map[string]string{}
	}
	if a.LatestImage != nil {
		img := Image(*a.LatestImage)
		v.LatestImage = &img
	}
	if a.LatestRelease != nil {
		rel := Release(*a.LatestRelease)
		v.LatestRelease = &rel
	}
	if a.LatestDeployment != nil {
		dep := Deployment(*a.LatestDeployment)
		v.LatestDeployment = &dep
	}
	return v
}

// ApplicationSummaryView is one entry of List Applications.
type ApplicationSummaryView struct {
	ID                       string    `json:"id"`
	Name                     string    `json:"name"`
	Slug                     string    `json:"slug"`
	ProjectID                string    `json:"project_id"`
	Platform                 string    `json:"platform"`
	Created                  Timestamp `json:"created"`
	LatestImageVersion       *int64    `json:"latest_image_version"`
	LatestReleaseVersion     *int64    `json:"latest_release_version"`
	LatestDeploymentComplete *bool     `json:"latest_deployment_complete"`
}

// ApplicationSummary renders a list entry.
func ApplicationSummary(a platform.Application) ApplicationSummaryView {
	v := ApplicationSummaryView{ID: a.ID, Name: a.Name, Slug: a.Slug, ProjectID: a.ProjectID, Platform: a.Platform, Created: Timestamp(a.Created)}
	if a.LatestImage != nil {
		v.LatestImageVersion = &a.LatestImage.Version
	}
	if a.LatestRelease != nil {
		v.LatestReleaseVersion = &a.LatestRelease.Version
	}
	if a.LatestDeployment != nil {
		complete := a.LatestDeployment.Complete()
		v.LatestDeploymentComplete = &complete
	}
	return v
}

// ImageView is the JSON of an image.
type ImageView struct {
	ID          string            `json:"id"`
	Version     int64             `json:"version"`
	Status      platform.Status   `json:"status"`
	BuildRef    string            `json:"build_ref"`
	CommitSHA   string            `json:"commit_sha"`
	Processes   map[string]string `json:"processes"`
	ErrorDetail *string           `json:"error_detail"`
	Created     Timestamp         `json:"created"`
	Updated     Timestamp         `json:"updated"`
}

// Image renders an image.
func Image(i platform.Image) ImageView {
	v := ImageView{ID: i.ID, Version: i.Version, Status: i.Status, BuildRef: i.BuildRef, CommitSHA: i.CommitSHA,
		Processes: i.Processes, ErrorDetail: i.ErrorDetail, Created: Timestamp(i.Created), Updated: Timestamp(i.Updated)}
	if v.Processes == nil {
		v.Processes = map[string]string{}
	}
	return v
}

// ReleaseView is the JSON of a release.
type ReleaseView struct {
	ID           string          `json:"id"`
	Version      int64           `json:"version"`
	Status       platform.Status `json:"status"`
	ImageID      string          `json:"image_id"`
	ImageVersion int64           `json:"image_version"`
	ErrorDetail  *string         `json:"error_detail"`
	Created      Timestamp       `json:"created"`
	Updated      Timestamp       `json:"updated"`
	// Kind is the kind of the pipeline that made the release.
	Kind              platform.PipelineKind `json:"kind"`
	RollbackOf        *int64                `json:"rollback_of"`
	ConfigVersion     int64                 `json:"config_version"`
	Processes         map[string]string     `json:"processes"`
	ProcessCounts     map[string]int        `json:"process_counts"`
	ProcessPodClasses map[string]string     `json:"process_pod_classes"`
}

// Release renders a release; releases older than kinds were builds.
func Release(r platform.Release) ReleaseView {
	v := ReleaseView{ID: r.ID, Version: r.Version, Status: r.Status, ImageID: r.ImageID, ImageVersion: r.ImageVersion,
		ErrorDetail: r.ErrorDetail, Created: Timestamp(r.Created), Updated: Timestamp(r.Updated),
		Kind: r.Kind, RollbackOf: r.RollbackOf, ConfigVersion: r.ConfigVersion,
		Processes: r.Processes, ProcessCounts: r.ProcessCounts, ProcessPodClasses: r.ProcessPodClasses}
	if v.Kind == "" {
		v.Kind = platform.KindBuild
	}
	if v.Processes == nil {
		v.Processes = map[string]string{}
	}
	if v.ProcessCounts == nil {
		v.ProcessCounts = map[string]int{}
	}
	if v.ProcessPodClasses == nil {
		v.ProcessPodClasses = map[string]string{}
	}
	return v
}

// DeploymentView is the JSON of a deployment.
type DeploymentView struct {
	ID             string          `json:"id"`
	ReleaseID      string          `json:"release_id"`
	ReleaseVersion int64           `json:"release_version"`
	ImageVersion   int64           `json:"image_version"`
	CommitSHA      string          `json:"commit_sha"`
	Status         platform.Status `json:"status"`
	Complete       bool            `json:"complete"`
	ErrorDetail    *string         `json:"error_detail"`
	Trigger        string          `json:"trigger"`
	TriggeredBy    string          `json:"triggered_by"`
	Created        Timestamp       `json:"created"`
	Updated        Timestamp       `json:"updated"`
	DurationSecs   *float64        `json:"duration_secs"`
}

// Deployment renders a deployment; duration_secs is null while it runs.
func Deployment(d platform.Deployment) DeploymentView {
	v := DeploymentView{ID: d.ID, ReleaseID: d.ReleaseID, ReleaseVersion: d.ReleaseVersion, ImageVersion: d.ImageVersion,
		CommitSHA: d.CommitSHA, Status: d.Status, Complete: d.Complete(), ErrorDetail: d.ErrorDetail, Trigger: d.Trigger,
		TriggeredBy: d.TriggeredBy, Created: Timestamp(d.Created), Updated: Timestamp(d.Updated)}
	if d.Status != platform.StatusInProgress {
		secs := d.Updated.Sub(d.Created).Seconds()
		v.DurationSecs = &secs
	}
	return v
}
