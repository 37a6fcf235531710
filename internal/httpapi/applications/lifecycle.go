package applications

import (
	"context"
	"net/http"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// lifecycleRoutes are GET and DELETE of an application by id and the
// organization's token list.
func (a api) lifecycleRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: "GET", Pattern: "/applications/{application_id}", Handle: a.getApplicationByID},
		{Method: "DELETE", Pattern: "/applications/{application_id}", Handle: a.deleteApplication},
		{Method: "GET", Pattern: "/organizations/{org_slug}/tokens", Handle: a.listTokens},
	}
}

// getApplicationByID: one GetItem, concurrent with the token lookup.
func (a api) getApplicationByID(w http.ResponseWriter, r *http.Request) error {
	app, err := httpapi.VisibleApplication(r, a.Store.GetApplication)
	if err != nil {
		return err
	}
	a.writeApplication(w, http.StatusOK, app)
	return nil
}

func (a api) deleteApplication(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	id := r.PathValue("application_id")
	if !platform.IsUUID(id) {
		return platform.NotFound("application")
	}
	svc := teardown.Service{Store: a.Store, Starter: a.Teardowns, Now: a.Now}
	if err := svc.Delete(r.Context(), id, caller); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]bool{"ok": true})
	return nil
}

// listTokens is for the organization's admins: one Query, concurrent with
// the token lookup.
func (a api) listTokens(w http.ResponseWriter, r *http.Request) error {
	orgSlug := r.PathValue("org_slug")
	page, err := httpapi.PageRequest(r)
	if err != nil {
		return a.unlessUnauthorized(r, err)
	}
	tokens, caller, err := readVisible(r, orgSlug, "organization", func(ctx context.Context) (platform.Page[platform.Token], error) {
		return a.Store.ListTokens(ctx, orgSlug, page)
	})
	if err != nil {
		return err
	}
	if err := caller.Authorize(orgSlug, true, "organization"); err != nil {
		return err
	}
	if len(tokens.Items) == 0 && page.Cursor == "" && caller.IsPlatform() {
		if _, err := a.Store.GetOrganization(r.Context(), orgSlug); err != nil {
			return err // 404 for an organization that does not exist
		}
	}
	httpapi.WritePage(w, r, page, tokens, httpapi.TokenSummary)
	return nil
}
