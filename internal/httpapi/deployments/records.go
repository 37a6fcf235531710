package deployments

import (
	"net/http"

	"github.com/slipway-paas/slipway/internal/httpapi"
)

// recordRoutes are the reads of an application's images and releases.
func (a api) recordRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: "GET", Pattern: "/applications/{application_id}/releases", Handle: a.listReleases},
		{Method: "GET", Pattern: "/applications/{application_id}/images", Handle: a.listImages},
	}
}

func (a api) listReleases(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteApplicationPage(w, r, a.Store.GetApplication, a.Store.PageReleases, httpapi.Release)
}

func (a api) listImages(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteApplicationPage(w, r, a.Store.GetApplication, a.Store.PageImages, httpapi.Image)
}
