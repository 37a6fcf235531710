package platform

import "context"

// ClearInstallation sets github_app_installation_id to null on those of
// apps that belong to orgSlug ("" = any organization) and still use the
// installation, and returns the ids of the applications it changed. It is
// idempotent; applications deleted meanwhile are skipped.
func ClearInstallation(ctx context.Context, st interface {
	UpdateApplication(ctx context.Context, id string, ifVersion int64, mutate func(*Application) error) (Application, error)
}, apps []Application, orgSlug string, id int64) ([]string, error) {
	var cleared []string
	for _, app := range apps {
		changed := false
		_, err := st.UpdateApplication(ctx, app.ID, 0, func(app *Application) error {
			if cur := app.GithubAppInstallationID; cur != nil && *cur == id && (orgSlug == "" || app.OrganizationSlug == orgSlug) {
				app.GithubAppInstallationID, changed = nil, true
			}
			return nil
		})
		if err != nil && !IsCode(err, CodeNotFound) {
			return cleared, err
		}
		if changed {
			cleared = append(cleared, app.ID)
		}
	}
	return cleared, nil
}
