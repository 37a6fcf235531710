package platform

import "time"

// Organization is a tenant: it owns projects and tokens.
type Organization struct {
	ID      string
	Name    string
	Slug    string
	Created time.Time
}

// Project groups applications inside an organization.
type Project struct {
	ID               string
	OrganizationID   string
	OrganizationSlug string
	Name             string
	Slug             string
	Created          time.Time
}

// DefaultPlatform is the platform every application runs on.
const DefaultPlatform = "wind"

// Defaults of the application settings.
const (
	DefaultHealthCheckPath   = "/_health/"
	DefaultDeploymentTimeout = 180
)

// Settings are the nine user-editable settings of an application.
// Nil pointers are unset (null in the API).
type Settings struct {
	GithubRepository          *string
	GithubRepositoryIsPrivate bool
	AutoDeployBranch          *string
	Subdirectory              *string
	GithubEnvironmentName     *string
	HealthCheckHost           *string
	GithubAppInstallationID   *int64
	DeploymentTimeout         *int
	HealthCheckPath           string
	// AutoDeployPaused skips pushes (set by a rollback, cleared through
	// the settings).
	AutoDeployPaused bool
}

// DefaultSettings are the settings of a new application.
func DefaultSettings() Settings {
	timeout := DefaultDeploymentTimeout
	return Settings{HealthCheckPath: DefaultHealthCheckPath, DeploymentTimeout: &timeout}
}

// Application is a deployable unit: processes, their scale and pod classes,
// its GitHub source and the newest record of each pipeline stage.
type Application struct {
	ID               string
	Name             string
	Slug             string
	ProjectID        string
	ProjectSlug      string
	OrganizationID   string
	OrganizationSlug string
	Platform         string
	// ProcessCounts maps process name to replicas.
	ProcessCounts map[string]int
	// ProcessPodClasses maps process name to pod class name.
	ProcessPodClasses map[string]string
	Settings
	Privileged bool
	Created    time.Time
	Updated    time.Time
	// Version increases with every write of the application; it is the
	// optimistic-locking token and the ETag.
	Version int64

	LatestImage      *Image
	LatestRelease    *Release
	LatestDeployment *Deployment
	// ActivePipeline is the image id of the pipeline running now, if any:
	// the one-pipeline-at-a-time guard. ActivePipelineSince bounds it, so a
	// guard can never outlive its pipeline (see PipelineGuardTTL).
	ActivePipeline      string
	ActivePipelineSince time.Time
	// ImageSeq and ReleaseSeq are the newest image and release versions.
	ImageSeq   int64
	ReleaseSeq int64
	// ConfigVersion is the application's current config version (0: the
	// empty config). The store keeps it as an attribute of its own, written
	// in one transaction with the config version item.
	ConfigVersion int64 `json:"-"`

	// ActivePipelineKind is the kind of the running pipeline.
	ActivePipelineKind PipelineKind
	// LatestPipeline names the newest pipeline, running or ended.
	LatestPipeline *PipelineRef
	// CancelRequest is set once the running pipeline was asked to stop.
	CancelRequest *CancelRequest
	// QueuedPush is the one pending slot: the newest push that arrived
	// while a pipeline ran.
	QueuedPush *QueuedPush
	// ServingRelease is the release the cluster runs: the release of the
	// newest pipeline that completed. A canceled rollout reverts to it.
	ServingRelease *Release

	// Domains are the application's custom domains, by hostname; each
	// hostname is held by a guard item of its own (global uniqueness).
	Domains []Domain `json:",omitempty"`
	// RoutesSeq counts the changes of the domains; RoutesApplied is the
	// RoutesSeq whose routes were last applied to the cluster.
	RoutesSeq     int64 `json:",omitempty"`
	RoutesApplied int64 `json:",omitempty"`
}

// Status of a pipeline record.
type Status string

// The statuses of images, releases and deployments.
const (
	StatusInProgress Status = "in_progress"
	StatusComplete   Status = "complete"
	StatusError      Status = "error"
	StatusCanceled   Status = "canceled"
)

// Image is the build stage's record: one container image built from a commit.
type Image struct {
	ID          string
	Version     int64
	Status      Status
	BuildRef    string
	CommitSHA   string
	Processes   map[string]string
	ErrorDetail *string
	Created     time.Time
	Updated     time.Time
	// Source of the build: repository, branch and the pushed commit (if
	// the pipeline was started for one).
	Repository string
	Ref        string
	// ImageURI is the pushed image by digest, once built.
	ImageURI string
	// Trigger and TriggeredBy say who started the pipeline.
	Trigger     string
	TriggeredBy string
	// GithubDeploymentID is the GitHub Deployment that reports this
	// pipeline's progress on the commit (0: none).
	GithubDeploymentID int64
}

// Release is an image plus the configuration it runs with.
type Release struct {
	ID           string
	Version      int64
	Status       Status
	ImageID      string
	ImageVersion int64
	// Processes are the image's Procfile processes (name to command).
	Processes   map[string]string
	ErrorDetail *string
	Created     time.Time
	Updated     time.Time
	// The snapshot the release runs with.
	ImageURI          string
	ProcessCounts     map[string]int
	ProcessPodClasses map[string]string
	HealthCheckPath   string
	HealthCheckHost   *string
	DeploymentTimeout int
	Privileged        bool
	// Kind is the kind of the pipeline that made the release; PipelineID
	// names that pipeline (the image id for builds, the release id
	// otherwise; empty in releases older than kinds, which were builds).
	Kind       PipelineKind
	PipelineID string
	// RollbackOf is the version a rollback release copies.
	RollbackOf *int64
	// ConfigVersion is the config version the release runs with (0: none).
	ConfigVersion int64
	// RunReleaseCommand says whether the release phase runs the release
	// command (a rollback skips it unless asked).
	RunReleaseCommand bool
	// ReleaseCommandStarted is when the release command's job started
	// (nil: it did not, or the release runs none).
	ReleaseCommandStarted *time.Time
	// CommitSHA, Trigger and TriggeredBy are copied onto the deployment.
	CommitSHA   string
	Trigger     string
	TriggeredBy string
	// Domains are the custom domains' hostnames when the release was made
	// (a rollback restores them).
	Domains []string `json:",omitempty"`
}

// Deployment rolls a release out to the cluster.
type Deployment struct {
	ID             string
	ReleaseID      string
	ReleaseVersion int64
	ImageVersion   int64
	CommitSHA      string
	Status         Status
	ErrorDetail    *string
	Trigger        string
	TriggeredBy    string
	Created        time.Time
	Updated        time.Time
}

// Complete reports whether the deployment finished successfully.
func (d *Deployment) Complete() bool { return d.Status == StatusComplete }

// Role is what a token may do.
type Role string

// The token roles: platform (everything), admin (an organization's
// everything), member (read an organization).
const (
	RolePlatform Role = "platform"
	RoleAdmin    Role = "admin"
	RoleMember   Role = "member"
)

// Token is an API credential. The secret itself is never stored: only its
// SHA-256 hash.
type Token struct {
	ID               string
	Name             string
	Role             Role
	OrganizationID   string // empty for platform tokens
	OrganizationSlug string
	Hash             string
	Created          time.Time
	// LastUsed is when the token last authenticated a request, at most
	// TokenUseResolution stale; nil when it never did (or not since
	// uses were recorded). Stored apart from the document.
	LastUsed *time.Time `json:"-"`
}

// Installation is a GitHub App installation linked to the one
// organization whose applications may build and deploy with it.
type Installation struct {
	ID               int64
	OrganizationSlug string
	// Account is the GitHub login the App is installed on; "" when it is
	// not known (the local system has no GitHub App).
	Account string
	Created time.Time
}
