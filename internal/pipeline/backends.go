package pipeline

import (
	"context"
	"time"

	"github.com/slipway-paas/slipway/internal/platform"
)

// BuildRequest asks a builder to build one image from a commit.
type BuildRequest struct {
	ApplicationID string
	// ImageID names the pipeline run; builders use it to make StartBuild
	// idempotent (a retried start never launches a second build).
	ImageID string
	// Repository is "owner/repo" on GitHub.
	Repository string
	Private    bool
	// InstallationID is the application's GitHub App installation.
	InstallationID *int64
	// Credential reads the private repository; nil for a public one (the
	// build then clones without any credential).
	Credential *SourceCredential
	// Ref is the branch to build; CommitSHA, when set, pins the commit.
	Ref       string
	CommitSHA string
	// Subdirectory is the build context inside the repository ("" = root).
	Subdirectory string
	// ImageTag is the tag to push, e.g. "<app id>-v<image version>".
	ImageTag string
	// Config is the build and both-scope config the build gets (decrypted;
	// printing it shows the names only).
	Config BuildConfig
}

// BuildPhase is where a build is.
type BuildPhase string

// The build phases.
const (
	BuildRunning   BuildPhase = "running"
	BuildSucceeded BuildPhase = "succeeded"
	BuildFailed    BuildPhase = "failed"
)

// BuildStatus is a build's state. On success the image, the commit it was
// built from and the Procfile's processes are known.
type BuildStatus struct {
	Phase BuildPhase
	// ImageURI is the pushed image, by digest (repo@sha256:...).
	ImageURI  string
	CommitSHA string
	// Processes maps Procfile process names to their commands.
	Processes map[string]string
	// Reason explains a failure in one line.
	Reason string
}

// Builder builds container images from GitHub commits (CodeBuild in AWS, a
// simulator locally).
type Builder interface {
	// StartBuild starts a build and returns its reference; starting the
	// same ImageID again returns the same reference.
	StartBuild(ctx context.Context, req BuildRequest) (buildRef string, err error)
	BuildStatus(ctx context.Context, buildRef string) (BuildStatus, error)
	// StopBuild stops a running build (a canceled pipeline's); stopping a
	// build that already ended is success.
	StopBuild(ctx context.Context, buildRef string) error
}

// Workload is what the cluster runs for one release of an application.
type Workload struct {
	// Namespace is the Kubernetes namespace (platform.OrganizationNamespace).
	Namespace string
	// Name identifies the application in the cluster: "<project>-<app>".
	Name          string
	ApplicationID string
	// PipelineID names the pipeline that made the release (the image id
	// for builds, the release id otherwise): the key of its logs.
	PipelineID     string
	ReleaseID      string
	ReleaseVersion int64
	ImageURI       string
	// Processes maps process name to command (from the Procfile).
	Processes map[string]string
	// ProcessCounts maps process name to replicas (absent = 0).
	ProcessCounts map[string]int
	// PodClasses maps process name to its pod class (absent = default).
	PodClasses      map[string]platform.PodClass
	HealthCheckPath string
	HealthCheckHost string
	Privileged      bool
	// ConfigVersion is the config version the release is pinned to; Env
	// is that config's runtime and both-scope vars, decrypted, for Apply
	// (ConfigOpener.Workload; empty for RolloutStatus and Scale). Printing
	// a Workload shows Env's names only.
	ConfigVersion int64
	Env           Env
	// OrganizationSlug, ProjectSlug and ApplicationSlug name the default
	// hosts of the web processes (platform.DefaultHost); Domains are the
	// application's custom domains (hostnames, sorted), which its "web"
	// process serves.
	OrganizationSlug, ProjectSlug, ApplicationSlug string
	Domains                                        []string
}

// RouteReader reports how the cluster routes a workload's hosts: for each
// host of its ingresses (default hosts and custom domains), whether it is
// routed, the load balancer serving it and whether its certificate is
// issued (the Ingress status; the kube adapter and the simulator).
type RouteReader interface {
	RouteStatus(ctx context.Context, w Workload) (map[string]platform.RouteState, error)
}

// RolloutStatus is how far a rollout got.
type RolloutStatus struct {
	// Done is true when every process's Deployment is fully rolled out
	// (observed generation current; updated, ready and available replicas
	// equal to the desired count).
	Done bool
	// Failed is true when the rollout cannot succeed (e.g.
	// ProgressDeadlineExceeded, a crash loop); Reason says why.
	Failed bool
	Reason string
	// Desired and Ready count pods over all processes.
	Desired, Ready int
}

// Cluster runs workloads (EKS through the Kubernetes API in AWS, a
// simulator locally).
type Cluster interface {
	// Apply creates or updates the workload's objects (server-side apply;
	// applying the same workload twice changes nothing).
	Apply(ctx context.Context, w Workload) error
	// RolloutStatus reports the rollout of the workload's release.
	RolloutStatus(ctx context.Context, w Workload) (RolloutStatus, error)
	// Scale changes replicas and pod resources of a running workload
	// without a new release.
	Scale(ctx context.Context, w Workload) error
	// Remove deletes every object of the application (found by its
	// application-id label) in the namespace: the teardown of a deleted
	// application. Objects already gone are not an error, so a retried
	// Remove is safe.
	Remove(ctx context.Context, namespace, applicationID string) error
	// RunJob starts the one-off job of a release's process (server-side
	// apply: starting the same job again changes nothing).
	RunJob(ctx context.Context, j Job) error
	// JobStatus reports how the job's run went.
	JobStatus(ctx context.Context, j Job) (JobStatus, error)
	// StopJob deletes the job and its pod (a canceled pipeline's); a job
	// already gone is success.
	StopJob(ctx context.Context, j Job) error
	// JobLogs returns the output lines of the job's container from line
	// index from on (0: all), so a poller copies each line once. The
	// output read is bounded (the kube adapter reads at most the first
	// kube.JobLogLimitBytes); a job whose pod has not started, or has no
	// pod, has no lines yet (not an error).
	JobLogs(ctx context.Context, j Job, from int) ([]string, error)
}

// Job is a one-off run of one process of a release, with the release's
// image, config and pod class: the release command before the rollout,
// postdeploy after it. It is never retried.
type Job struct {
	Workload Workload
	// Process is the Procfile process (platform.ProcessRelease or
	// platform.ProcessPostdeploy).
	Process string
	// DeadlineSeconds bounds the run (the release's deployment_timeout).
	DeadlineSeconds int
}

// JobPhase is where a job is.
type JobPhase string

// The job phases.
const (
	JobRunning   JobPhase = "running"
	JobSucceeded JobPhase = "succeeded"
	JobFailed    JobPhase = "failed"
)

// JobStatus is a job's state. A failed job has the exit code of its
// container when it exited (0: it did not), TimedOut when it missed its
// deadline, and Reason in one line otherwise.
type JobStatus struct {
	Phase    JobPhase
	ExitCode int
	TimedOut bool
	Reason   string
}

// SourceCredential is a short-lived GitHub token that reads exactly one
// repository, minted for one build from the application's own
// installation. It is a secret: its String and LogValue hide the token.
type SourceCredential struct {
	Token string
	// Repository is the one "owner/repo" the token may read.
	Repository string
	ExpiresAt  time.Time
}

// String hides the token.
func (c SourceCredential) String() string {
	return "SourceCredential{" + c.Repository + ", expires " + c.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// SourceCredentials mints build credentials (the GitHub App in AWS, a
// simulator locally).
type SourceCredentials interface {
	// RepositoryToken mints a token of the installation restricted to
	// read the repository ("owner/repo"). It fails when the installation
	// cannot read it; a platform unavailable error is worth a retry.
	RepositoryToken(ctx context.Context, installationID int64, repository string) (SourceCredential, error)
}
