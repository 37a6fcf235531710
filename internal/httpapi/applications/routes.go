package applications

import (
	"context"
	"net/http"
	"time"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// Store is what this group reads and writes.
type Store interface {
	platform.Organizations
	platform.Projects
	platform.Applications
	platform.Tokens
	platform.Installations
	// ApplicationsForInstallation returns the applications that use a
	// GitHub App installation (see platform.Webhooks).
	ApplicationsForInstallation(ctx context.Context, installationID int64) ([]platform.Application, error)
	platform.Configs
	platform.Lifecycle
}

// Deps are the group's dependencies.
type Deps struct {
	Store Store
	IDs   *platform.IDGenerator
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
	// OpenAPI is the document served at /openapi.yaml.
	OpenAPI []byte
	// Cluster receives scale changes of applications with a live
	// deployment.
	Cluster pipeline.Cluster
	// GitHub, when set, names the account of an installation being linked
	// (and refuses ids the GitHub App does not have); nil leaves the
	// account unknown (null), as in the local system.
	GitHub InstallationAccounts
	// Sealer encrypts secret config values before they are stored.
	Sealer platform.Sealer
	// Fingerprints computes the keyed fingerprints of config values.
	Fingerprints platform.Fingerprinter
	// Teardowns starts the background teardown of deleted applications.
	Teardowns teardown.Starter
	// AppsDomain is the platform's apps domain: default hosts (web_url)
	// and the names custom domains may not take ("": no web_url).
	AppsDomain string
	// Routes gets a domain change to the cluster (a route check); nil
	// leaves it to the scheduled check.
	Routes pipeline.RouteTrigger
}

type api struct{ Deps }

// Routes returns the group's routes.
func Routes(d Deps) []httpapi.Route {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IDs == nil {
		d.IDs = &platform.IDGenerator{Now: d.Now}
	}
	a := api{d}
	return append([]httpapi.Route{
		{Method: "GET", Pattern: "/healthz", Public: true, Handle: a.health},
		{Method: "GET", Pattern: "/openapi.yaml", Public: true, Handle: a.openAPI},
		{Method: "POST", Pattern: "/organizations", Handle: a.createOrganization},
		{Method: "GET", Pattern: "/organizations", Handle: a.listOrganizations},
		{Method: "POST", Pattern: "/organizations/{org_slug}/projects", Handle: a.createProject},
		{Method: "GET", Pattern: "/organizations/{org_slug}/projects", Handle: a.listProjects},
		{Method: "POST", Pattern: "/organizations/{org_slug}/tokens", SecretResponse: true, Handle: a.createToken},
		{Method: "DELETE", Pattern: "/organizations/{org_slug}/tokens/{token_id}", Handle: a.revokeToken},
		{Method: "PUT", Pattern: "/organizations/{org_slug}/github-installations/{installation_id}", Handle: a.linkInstallation},
		{Method: "GET", Pattern: "/organizations/{org_slug}/github-installations", Handle: a.listInstallations},
		{Method: "DELETE", Pattern: "/organizations/{org_slug}/github-installations/{installation_id}", Handle: a.unlinkInstallation},
		{Method: "POST", Pattern: "/applications", Handle: a.createApplication},
		{Method: "GET", Pattern: "/applications/{org_slug}/{project_slug}", Handle: a.listApplications},
		{Method: "GET", Pattern: "/applications/{org_slug}/{project_slug}/{app_slug}", Handle: a.getApplication},
		{Method: "PATCH", Pattern: "/applications/{application_id}/settings", Handle: a.updateSettings},
		{Method: "POST", Pattern: "/applications/{application_id}/scale", Handle: a.scale},
		{Method: "GET", Pattern: "/applications/{application_id}/config", Handle: a.getConfig},
		{Method: "PATCH", Pattern: "/applications/{application_id}/config", MaxBody: platform.MaxConfigPatchBody, Handle: a.patchConfig},
		{Method: "GET", Pattern: "/applications/{application_id}/config/versions", Handle: a.listConfigVersions},
	}, append(append(a.lifecycleRoutes(), a.domainRoutes()...), a.callerRoutes()...)...)
}

func (a api) health(w http.ResponseWriter, _ *http.Request) error {
	httpapi.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

func (a api) openAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(a.OpenAPI)
	return err
}

// readVisible runs read while the request's token lookup is under way (one
// round trip of latency for both), then checks that the caller may view the
// organization's resources before it reports anything read, errors included.
func readVisible[T any](r *http.Request, orgSlug, what string, read func(context.Context) (T, error)) (T, platform.Caller, error) {
	var zero T
	v, readErr := read(r.Context())
	caller, err := httpapi.Caller(r)
	if err != nil {
		return zero, caller, err
	}
	if err := caller.Authorize(orgSlug, false, what); err != nil {
		return zero, caller, err
	}
	if readErr != nil {
		return zero, caller, readErr
	}
	return v, caller, nil
}
