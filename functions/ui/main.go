// Command ui is UiFunction: the dashboard's embedded static files (package
// web, served by internal/webui) behind the HTTP API's GET /ui and
// GET /ui/{proxy+} routes, on the API's own origin. It reads no table and
// calls no AWS service: the page in the browser calls the API itself.
package main

import (
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
	"github.com/slipway-paas/slipway/internal/webui"
	"github.com/slipway-paas/slipway/web"
)

func main() {
	lambdahttp.Start(httpapi.Frame(webui.MustNew(web.Files)))
}
