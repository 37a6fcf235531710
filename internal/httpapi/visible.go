package httpapi

import (
	"context"
	"net/http"
	"sync"

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

// WriteApplicationPage answers one page of an application's records,
// newest first: the page, the application and the token are read at once
// (one round trip of latency); nothing is shown unless the caller may view
// the application, and a bad token answers 401 before a bad page query.
func WriteApplicationPage[T, V any](w http.ResponseWriter, r *http.Request, get func(ctx context.Context, id string) (platform.Application, error),
	list func(context.Context, string, platform.PageRequest) (platform.Page[T], error), view func(T) V) error {
	page, err := PageRequest(r)
	if err != nil {
		if _, authErr := Caller(r); authErr != nil {
			return authErr
		}
		return err
	}
	var items platform.Page[T]
	var listErr error
	var wg sync.WaitGroup
	if id := r.PathValue("application_id"); platform.IsUUID(id) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			items, listErr = list(r.Context(), id, page)
		}()
	}
	_, err = VisibleApplication(r, get)
	wg.Wait()
	if err != nil {
		return err
	}
	if listErr != nil {
		return listErr
	}
	WritePage(w, r, page, items, view)
	return nil
}
