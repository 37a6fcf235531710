package platform

import (
	"context"
	"time"
)

// PageRequest asks for one page of a list: at most Limit items after the
// opaque Cursor of the previous page ("" for the first page).
type PageRequest struct {
	Limit  int
	Cursor string
}

// Page is one page of a list, newest first. NextCursor is "" on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
	HasMore    bool
}

// Page size bounds shared by every paginated list.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// Organizations stores organizations. Slugs are unique: a duplicate is a
// conflict error.
type Organizations interface {
	CreateOrganization(ctx context.Context, org Organization) error
	GetOrganization(ctx context.Context, slug string) (Organization, error)
	ListOrganizations(ctx context.Context, page PageRequest) (Page[Organization], error)
}

// Projects stores projects. Slugs are unique within their organization.
type Projects interface {
	CreateProject(ctx context.Context, p Project) error
	GetProject(ctx context.Context, id string) (Project, error)
	ListProjects(ctx context.Context, orgSlug string, page PageRequest) (Page[Project], error)
}

// Applications stores applications. Slugs are unique within their project.
type Applications interface {
	// CreateApplication fails with not_found when the project does not
	// exist and conflict when the slug is taken.
	CreateApplication(ctx context.Context, app Application) error
	GetApplication(ctx context.Context, id string) (Application, error)
	GetApplicationBySlug(ctx context.Context, orgSlug, projectSlug, appSlug string) (Application, error)
	// ListApplications returns the project's applications sorted by slug,
	// or not_found when the project does not exist.
	ListApplications(ctx context.Context, orgSlug, projectSlug string) ([]Application, error)
	// UpdateApplication reads the application, calls mutate on it and
	// writes it back on the condition that nobody wrote it meanwhile,
	// retrying on a lost race, so no concurrent update is ever lost. With
	// ifVersion > 0 the application must be at that version
	// (precondition_failed otherwise). An error from mutate aborts the
	// update and is returned as is.
	UpdateApplication(ctx context.Context, id string, ifVersion int64, mutate func(*Application) error) (Application, error)
}

// Tokens stores API tokens by the hash of their secret.
type Tokens interface {
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the live token with the given secret hash.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// RevokeToken deletes a token of the organization; not_found when the
	// organization has no such token.
	RevokeToken(ctx context.Context, orgSlug, id string) error
	// TouchToken records that the token authenticated a request at now,
	// unless a use within TokenUseResolution is recorded already (a
	// conditional write: concurrent callers write once). A token revoked
	// meanwhile is left gone.
	TouchToken(ctx context.Context, t Token, now time.Time) error
	// ListTokens pages through an organization's tokens, newest first.
	ListTokens(ctx context.Context, orgSlug string, page PageRequest) (Page[Token], error)
}

// StoredResponse is a response kept for replay under an idempotency key.
type StoredResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// IdempotencyRecord is the state of one idempotency key.
type IdempotencyRecord struct {
	Key         string
	RequestHash string
	// Response is nil while the first request is still being processed.
	Response  *StoredResponse
	ExpiresAt time.Time
}

// Idempotency keeps the first response for each idempotency key.
type Idempotency interface {
	// ClaimIdempotencyKey claims key for a request with the given body hash
	// until claimUntil. When a live record already holds the key it is
	// returned with claimed false.
	ClaimIdempotencyKey(ctx context.Context, key, requestHash string, claimUntil time.Time) (existing IdempotencyRecord, claimed bool, err error)
	// CompleteIdempotencyKey stores the response to replay until keepUntil.
	CompleteIdempotencyKey(ctx context.Context, key string, resp StoredResponse, keepUntil time.Time) error
	// ReleaseIdempotencyKey forgets a claim whose request failed, so that a
	// retry runs again.
	ReleaseIdempotencyKey(ctx context.Context, key string) error
}

// RecordWrites are pipeline records to write together with an application.
type RecordWrites struct {
	Images      []Image
	Releases    []Release
	Deployments []Deployment
}

// Pipelines stores images, releases and deployments. Every write of a
// record goes through UpdateApplicationRecords, in one transaction with
// the application (whose Latest* fields and counters it keeps true), so
// versions are unique and gapless and no write is ever half done.
type Pipelines interface {
	// UpdateApplicationRecords is UpdateApplication whose mutate may also
	// return records to write in the same transaction.
	UpdateApplicationRecords(ctx context.Context, id string, ifVersion int64, mutate func(*Application) (RecordWrites, error)) (Application, error)
	// ListImages and ListReleases return the newest limit records, newest first.
	ListImages(ctx context.Context, appID string, limit int) ([]Image, error)
	ListReleases(ctx context.Context, appID string, limit int) ([]Release, error)
	// GetImage and GetRelease return one record by version (not_found
	// when there is none).
	GetImage(ctx context.Context, appID string, version int64) (Image, error)
	GetRelease(ctx context.Context, appID string, version int64) (Release, error)
	// ListDeployments pages through deployments, newest first.
	ListDeployments(ctx context.Context, appID string, page PageRequest) (Page[Deployment], error)
}

// Empty reports whether there is nothing to write.
func (w RecordWrites) Empty() bool {
	return len(w.Images) == 0 && len(w.Releases) == 0 && len(w.Deployments) == 0
}

// Delivery is the record of one GitHub webhook delivery.
type Delivery struct {
	GUID  string
	Event string
	// Done is true once every action of the delivery completed.
	Done bool
	// Outcomes maps an application id to what the delivery did to it
	// ("started <image id>", "skipped: ...").
	Outcomes map[string]string
	// Received is when the delivery was first claimed (millisecond
	// precision); redeliveries keep it.
	Received  time.Time
	ClaimedAt time.Time
}

// DeliveryLease is how long a claim on a delivery keeps others off it; a
// delivery whose processing died is processed again after it.
const DeliveryLease = 2 * time.Minute

// DeliveryRetention is how long deliveries are remembered.
const DeliveryRetention = 7 * 24 * time.Hour

// Webhooks stores what GitHub webhook processing needs.
type Webhooks interface {
	// ClaimDelivery records a delivery before anything else happens. It
	// returns claimed false with the existing record when the delivery is
	// done or another claim's lease is still running; an unfinished
	// delivery whose lease ran out is claimed again.
	ClaimDelivery(ctx context.Context, guid, event string, now time.Time) (existing Delivery, claimed bool, err error)
	// RecordDeliveryOutcome stores what the delivery did to an application.
	RecordDeliveryOutcome(ctx context.Context, guid, appID, outcome string) error
	// CompleteDelivery marks the delivery done.
	CompleteDelivery(ctx context.Context, guid string) error
	// ReleaseDelivery gives up the claim taken at claimedAt on a delivery
	// whose processing failed, so that a redelivery runs at once; what it
	// recorded stays.
	ReleaseDelivery(ctx context.Context, guid string, claimedAt time.Time) error
	// ApplicationsForPush returns the applications whose repository (case
	// insensitive) and auto-deploy branch match a push.
	ApplicationsForPush(ctx context.Context, repository, branch string) ([]Application, error)
	// ApplicationsForRepository returns the applications of a repository.
	ApplicationsForRepository(ctx context.Context, repository string) ([]Application, error)
	// ApplicationsForInstallation returns the applications that use a
	// GitHub App installation.
	ApplicationsForInstallation(ctx context.Context, installationID int64) ([]Application, error)
}

// Installations links GitHub App installations to organizations: one
// installation belongs to at most one organization.
type Installations interface {
	// LinkInstallation links in.ID to in.OrganizationSlug. Linking it
	// again to the same organization returns the existing link unchanged;
	// another organization's installation is a conflict error, and a
	// missing organization not_found.
	LinkInstallation(ctx context.Context, in Installation) (Installation, error)
	// GetInstallation returns the link of an installation (not_found when
	// no organization has it).
	GetInstallation(ctx context.Context, id int64) (Installation, error)
	// ListInstallations returns the organization's installations, by id;
	// not_found when the organization does not exist.
	ListInstallations(ctx context.Context, orgSlug string) ([]Installation, error)
	// UnlinkInstallation removes the organization's link (not_found when
	// the organization does not have the installation).
	UnlinkInstallation(ctx context.Context, orgSlug string, id int64) error
}

// ErrConfigChanged is the error of a config write that lost the race with
// another one, or of an If-Match that names an older config version.
var ErrConfigChanged = &Error{Code: CodePreconditionFailed, Message: "the config has changed since it was read (If-Match is stale)"}

// Configs stores immutable config versions in their application's
// partition.
type Configs interface {
	// CurrentConfig returns the application's newest config version (one
	// request), or version 0 without vars when it has none.
	CurrentConfig(ctx context.Context, appID string) (Config, error)
	// GetConfig returns one config version (0: the empty config);
	// not_found when it does not exist.
	GetConfig(ctx context.Context, appID string, version int64) (Config, error)
	// CreateConfig writes next, whose Version follows the current one, and
	// sets the application's ConfigVersion to it in one transaction:
	// ErrConfigChanged when another version was written meanwhile. app is
	// next's application as read (its slugs, which never change, locate
	// the store's copies of it).
	CreateConfig(ctx context.Context, app Application, next Config) error
	// ListConfigVersions pages through the history, newest first.
	ListConfigVersions(ctx context.Context, appID string, page PageRequest) (Page[ConfigVersion], error)
}
