package applications

import (
	"log/slog"
	"net/http"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// The custom domain routes: an application's domains are part of its item
// (one GetItem to list them), each hostname held by a guard item written
// in the same transaction (global uniqueness). A change reaches the
// cluster through a route check the API starts (Deps.Routes) and never
// waits for: the API has no cluster access of its own.
func (a api) domainRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: "GET", Pattern: "/applications/{application_id}/domains", Handle: a.listDomains},
		{Method: "POST", Pattern: "/applications/{application_id}/domains", Handle: a.addDomain},
		{Method: "DELETE", Pattern: "/applications/{application_id}/domains/{hostname}", Handle: a.removeDomain},
	}
}

func (a api) listDomains(w http.ResponseWriter, r *http.Request) error {
	app, err := httpapi.VisibleApplication(r, a.Store.GetApplication)
	if err != nil {
		return err
	}
	items := make([]httpapi.DomainView, 0, len(app.Domains))
	for _, d := range app.Domains {
		items = append(items, httpapi.Domain(app, d, a.AppsDomain))
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (a api) addDomain(w http.ResponseWriter, r *http.Request) error {
	obj, err := httpapi.DecodeObject(httpapi.Body(r))
	if err != nil {
		return a.unlessUnauthorized(r, err)
	}
	host := obj.String("hostname", true)
	if err := obj.Done(); err != nil {
		return a.unlessUnauthorized(r, err)
	}
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	var added platform.Domain
	app, err := a.update(r, caller, func(app *platform.Application) error {
		added, err = app.AddDomain(host, a.AppsDomain, a.Now().UTC())
		return err
	})
	if err != nil {
		return err
	}
	a.routeCheck(r, app.ID)
	httpapi.Location(w, "/applications/"+app.ID+"/domains/"+added.Hostname)
	httpapi.WriteJSON(w, http.StatusCreated, httpapi.Domain(app, added, a.AppsDomain))
	return nil
}

func (a api) removeDomain(w http.ResponseWriter, r *http.Request) error {
	caller, err := httpapi.Caller(r)
	if err != nil {
		return err
	}
	host := r.PathValue("hostname")
	app, err := a.update(r, caller, func(app *platform.Application) error { return app.RemoveDomain(host) })
	if err != nil {
		return err
	}
	a.routeCheck(r, app.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// routeCheck starts the route check that applies the change. Its failure
// fails nothing: the change is stored, and the scheduled check (every
// minute) applies it.
func (a api) routeCheck(r *http.Request, appID string) {
	if a.Routes == nil {
		return
	}
	if err := a.Routes.TriggerRouteCheck(r.Context(), appID); err != nil {
		slog.WarnContext(r.Context(), "starting a route check failed; the scheduled check applies the change", "application_id", appID, "error", err.Error())
	}
}
