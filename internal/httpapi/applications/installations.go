package applications

import (
	"context"
	"net/http"
	"strconv"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// InstallationAccounts looks GitHub App installations up at GitHub (the
// App, authenticated by its JWT, in AWS).
type InstallationAccounts interface {
	// InstallationAccount returns the login of the account the App is
	// installed on; a not_found error when the App has no such
	// installation.
	InstallationAccount(ctx context.Context, installationID int64) (string, error)
}

// installationID parses the {installation_id} path variable.
func installationID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("installation_id"), 10, 64)
	return id, err == nil && id > 0
}

// linksInstallations returns nil when the caller may link and unlink the
// organization's installations: the platform only. Who cannot see the
// organization gets the not_found of what (no existence leak).
func linksInstallations(r *http.Request, orgSlug, what string) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	if err := caller.Authorize(orgSlug, false, what); err != nil {
		return err
	}
	if !caller.IsPlatform() {
		return platform.Errorf(platform.CodeForbidden, "only a platform token may link or unlink GitHub App installations")
	}
	return nil
}

func (a api) linkInstallation(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	if err := linksInstallations(r, orgSlug, "organization"); err != nil {
		return err
	}
	id, ok := installationID(r)
	if !ok {
		return platform.Invalid("installation_id", "must be a positive integer")
	}
	if _, err := a.Store.GetOrganization(r.Context(), orgSlug); err != nil {
		return err // before GitHub is asked anything
	}
	account := ""
	if a.GitHub != nil {
		login, err := a.GitHub.InstallationAccount(r.Context(), id)
		if platform.IsCode(err, platform.CodeNotFound) {
			return platform.Invalid("installation_id", "is not an installation of the GitHub App")
		}
		if err != nil {
			return platform.Unavailable(err)
		}
		account = login
	}
	in, err := a.Store.LinkInstallation(r.Context(), platform.Installation{ID: id, OrganizationSlug: orgSlug, Account: account, Created: a.Now().UTC()})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.Installation(in))
	return nil
}

func (a api) listInstallations(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	list, _, err := readVisible(r, orgSlug, "organization", func(ctx context.Context) ([]platform.Installation, error) {
		return a.Store.ListInstallations(ctx, orgSlug)
	})
	if err != nil {
		return err
	}
	items := make([]httpapi.InstallationView, 0, len(list))
	for _, in := range list {
		items = append(items, httpapi.Installation(in))
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// unlinkInstallation clears the installation from the organization's
// applications first, then removes the link: a call that fails half-way
// is completed by its retry, and no application keeps an installation its
// organization no longer has.
func (a api) unlinkInstallation(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	if err := linksInstallations(r, orgSlug, "installation"); err != nil {
		return err
	}
	id, ok := installationID(r)
	if !ok {
		return platform.NotFound("installation")
	}
	in, err := a.Store.GetInstallation(r.Context(), id)
	if err != nil {
		return err
	}
	if in.OrganizationSlug != orgSlug {
		return platform.NotFound("installation")
	}
	apps, err := a.Store.ApplicationsForInstallation(r.Context(), id)
	if err != nil {
		return err
	}
	if _, err := platform.ClearInstallation(r.Context(), a.Store, apps, orgSlug, id); err != nil {
		return err
	}
	if err := a.Store.UnlinkInstallation(r.Context(), orgSlug, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkInstallation fails with a validation error naming
// github_app_installation_id unless id is an installation linked to the
// organization (another organization's installation answers as a missing
// one: nothing leaks about who has it).
func (a api) checkInstallation(ctx context.Context, orgSlug string, id int64) error {
	in, err := a.Store.GetInstallation(ctx, id)
	if err != nil && !platform.IsCode(err, platform.CodeNotFound) {
		return err
	}
	if err != nil || in.OrganizationSlug != orgSlug {
		return platform.Invalid("github_app_installation_id", "is not a GitHub App installation linked to organization "+orgSlug)
	}
	return nil
}
