// Command applications is ApplicationsFunction: health, OpenAPI,
// organizations, projects, tokens and the application routes.
package main

import (
	"log"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
)

func main() {
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	cfg.Logger()
	st := cfg.Store()
	lambdahttp.Start(httpapi.NewHandler(
		httpapi.Config{Tokens: st, Idempotency: st},
		applications.Routes(applications.Deps{Store: st, OpenAPI: slipway.OpenAPI}),
	))
}
