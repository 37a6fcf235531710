package deployments

import (
	"context"
	"net/http"
	"sync"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/platform"
)

// recordRoutes are the reads of an application's images and releases.
func (a api) recordRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: "GET", Pattern: "/applications/{application_id}/releases", Handle: a.listReleases},
		{Method: "GET", Pattern: "/applications/{application_id}/images", Handle: a.listImages},
	}
}

func (a api) listReleases(w http.ResponseWriter, r *http.Request) error {
	return listRecords(w, r, a.Store, a.Store.PageReleases, httpapi.Release)
}

func (a api) listImages(w http.ResponseWriter, r *http.Request) error {
	return listRecords(w, r, a.Store, a.Store.PageImages, httpapi.Image)
}

// listRecords answers one page of an application's records, newest first:
// the page, the application and the token are read at once (one round
// trip of latency); nothing is shown unless the caller may view the
// application.
func listRecords[T, V any](w http.ResponseWriter, r *http.Request, st Store,
	list func(context.Context, string, platform.PageRequest) (platform.Page[T], error), view func(T) V) error {
	page, err := httpapi.PageRequest(r)
	if err != nil {
		if _, authErr := httpapi.Caller(r); authErr != nil {
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
	_, err = httpapi.VisibleApplication(r, st.GetApplication)
	wg.Wait()
	if err != nil {
		return err
	}
	if listErr != nil {
		return listErr
	}
	httpapi.WritePage(w, r, page, items, view)
	return nil
}
