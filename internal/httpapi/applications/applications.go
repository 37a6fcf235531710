package applications

import (
	"context"
	"net/http"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

func (a api) createApplication(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	obj, err := httpapi.DecodeObject(httpapi.Body(r))
	if err != nil {
		return err
	}
	name, slug, projectID := obj.String("name", true), obj.String("slug", true), obj.String("project_id", true)
	if err := obj.Done(); err != nil {
		return err
	}
	var v platform.Violations
	name = platform.NormalizeName(&v, "name", name)
	platform.CheckSlug(&v, "slug", slug)
	if projectID != "" && !platform.IsUUID(projectID) {
		v.Add("project_id", "must be a UUID")
	}
	if err := v.Err(); err != nil {
		return err
	}
	project, err := a.Store.GetProject(r.Context(), projectID)
	if err != nil {
		return err
	}
	if err := caller.Authorize(project.OrganizationSlug, true, "project"); err != nil {
		return err
	}
	now := a.Now().UTC()
	app := platform.Application{
		ID: a.IDs.NewID(), Name: name, Slug: slug,
		ProjectID: project.ID, ProjectSlug: project.Slug,
		OrganizationID: project.OrganizationID, OrganizationSlug: project.OrganizationSlug,
		Platform: platform.DefaultPlatform, ProcessCounts: map[string]int{}, ProcessPodClasses: map[string]string{},
		Settings: platform.DefaultSettings(), Created: now, Updated: now, Version: 1,
	}
	if err := a.Store.CreateApplication(r.Context(), app); err != nil {
		return err
	}
	httpapi.Location(w, "/applications/"+app.OrganizationSlug+"/"+app.ProjectSlug+"/"+app.Slug)
	w.Header().Set("ETag", httpapi.ETag(app.Version))
	httpapi.WriteJSON(w, http.StatusCreated, httpapi.Application(app).WithWebURL(app, a.AppsDomain))
	return nil
}

func (a api) listApplications(w http.ResponseWriter, r *http.Request) error {
	orgSlug, projectSlug := r.PathValue("org_slug"), r.PathValue("project_slug")
	apps, _, err := readVisible(r, orgSlug, "project", func(ctx context.Context) ([]platform.Application, error) {
		return a.Store.ListApplications(ctx, orgSlug, projectSlug)
	})
	if err != nil {
		return err
	}
	out := make([]httpapi.ApplicationSummaryView, len(apps))
	for i, app := range apps {
		out[i] = httpapi.ApplicationSummary(app)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a api) getApplication(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	app, _, err := readVisible(r, orgSlug, "application", func(ctx context.Context) (platform.Application, error) {
		return a.Store.GetApplicationBySlug(ctx, orgSlug, r.PathValue("project_slug"), r.PathValue("app_slug"))
	})
	if err != nil {
		return err
	}
	a.writeApplication(w, http.StatusOK, app)
	return nil
}

func (a api) writeApplication(w http.ResponseWriter, status int, app platform.Application) {
	w.Header().Set("ETag", httpapi.ETag(app.Version))
	httpapi.WriteJSON(w, status, httpapi.Application(app).WithWebURL(app, a.AppsDomain))
}

// update authorizes the caller against the application it reads and
// applies change under optimistic locking, honouring If-Match.
func (a api) update(r *http.Request, caller platform.Caller, change func(*platform.Application) error) (platform.Application, error) {
	id := r.PathValue("application_id")
	if !platform.IsUUID(id) {
		return platform.Application{}, platform.NotFound("application")
	}
	return a.Store.UpdateApplication(r.Context(), id, httpapi.IfMatch(r), func(app *platform.Application) error {
		if err := caller.Authorize(app.OrganizationSlug, true, "application"); err != nil {
			return err
		}
		return change(app)
	})
}

func (a api) updateSettings(w http.ResponseWriter, r *http.Request) error {
	obj, err := httpapi.DecodeObject(httpapi.Body(r))
	if err != nil {
		return a.unlessUnauthorized(r, err)
	}
	p := platform.SettingsPatch{
		GithubRepository:          obj.PatchString("github_repository"),
		GithubRepositoryIsPrivate: obj.PatchBool("github_repository_is_private"),
		AutoDeployBranch:          obj.PatchString("auto_deploy_branch"),
		Subdirectory:              obj.PatchString("subdirectory"),
		GithubEnvironmentName:     obj.PatchString("github_environment_name"),
		HealthCheckHost:           obj.PatchString("health_check_host"),
		GithubAppInstallationID:   obj.PatchInt64("github_app_installation_id"),
		DeploymentTimeout:         obj.PatchInt("deployment_timeout"),
		HealthCheckPath:           obj.PatchString("health_check_path"),
		AutoDeployPaused:          obj.PatchBool("auto_deploy_paused"),
	}
	if err := obj.Done(); err != nil {
		return a.unlessUnauthorized(r, err)
	}
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	app, err := a.update(r, caller, func(app *platform.Application) error {
		if err := p.Apply(&app.Settings); err != nil {
			return err
		}
		if f := p.GithubAppInstallationID; f.Present && !f.Null {
			return a.checkInstallation(r.Context(), app.OrganizationSlug, f.Value)
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.writeApplication(w, http.StatusOK, app)
	return nil
}

func (a api) scale(w http.ResponseWriter, r *http.Request) error {
	obj, err := httpapi.DecodeObject(httpapi.Body(r))
	if err != nil {
		return a.unlessUnauthorized(r, err)
	}
	req := platform.ScaleRequest{ProcessCounts: obj.IntMap("process_counts"), ProcessPodClasses: obj.StringMap("process_pod_classes")}
	if err := obj.Done(); err != nil {
		return a.unlessUnauthorized(r, err)
	}
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	app, err := a.update(r, caller, req.Apply)
	if err != nil {
		return err
	}
	if rel, live := app.LiveRelease(); live {
		if err := a.Cluster.Scale(r.Context(), pipeline.WorkloadOf(app, *rel)); err != nil {
			// The new scale is stored; the next scale or deploy applies it.
			e := platform.Unavailable(err)
			e.Message = "the new scale is saved but the cluster did not apply it yet; retry the request to apply it"
			return e
		}
	}
	a.writeApplication(w, http.StatusOK, app)
	return nil
}

// unlessUnauthorized reports a body error only to an authenticated caller.
func (a api) unlessUnauthorized(r *http.Request, bodyErr error) error {
	if _, err := httpapi.Caller(r); err != nil {
		return err
	}
	return bodyErr
}
