package devstack

import (
	"net/http"
	"strings"

	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/webui"
	"github.com/slipway-paas/slipway/web"
)

// withDashboard serves the dashboard at /ui and /ui/… on the API's origin,
// as the HTTP API does in AWS; every other path goes to api. The
// dashboard's handler (the embedded files, framed as the API's answers
// are) is built here, when a stack starts, not at package init: every
// CLI command links this package, and most never serve it. The embedded
// files are checked by package webui's tests, so building it cannot fail.
func withDashboard(api http.Handler) http.Handler {
	dashboard := httpapi.Frame(webui.MustNew(web.Files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, webui.Prefix) {
			dashboard.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// DashboardURL is where the stack serves the dashboard.
func (s *Stack) DashboardURL() string { return s.URL + webui.Prefix }
