package httpapi

import (
	"context"
	"net/http"

	"github.com/slipway-paas/slipway/internal/platform"
)

// VisibleApplication reads the application named by the path's
// {application_id} while the request's token lookup is under way (one round
// trip of latency for both) and returns it when the caller may view it. A
// missing, invisible or malformed id is the same not_found; a bad token
// answers 401 before anything about the application.
func VisibleApplication(r *http.Request, get func(ctx context.Context, id string) (platform.Application, error)) (platform.Application, error) {
	id := r.PathValue("application_id")
	var app platform.Application
	readErr := error(platform.NotFound("application"))
	if platform.IsUUID(id) {
		app, readErr = get(r.Context(), id)
	}
	caller, err := Caller(r)
	switch {
	case err != nil:
		return app, err
	case readErr != nil:
		return app, readErr
	}
	return app, caller.Authorize(app.OrganizationSlug, false, "application")
}
