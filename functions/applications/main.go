// Command applications is ApplicationsFunction: health, OpenAPI,
// organizations, projects, tokens and the application routes.
package main

import (
	"log"
	"os"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
)

func main() {
	st := config.MustLoad()
	cluster, err := kube.NewEKS(awsconf.FromEnv(), os.Getenv(config.EnvEKSClusterName), os.Getenv(config.EnvEKSEndpoint), os.Getenv(config.EnvEKSCAData))
	if err != nil {
		log.Fatal(err)
	}
	lambdahttp.Start(httpapi.NewHandler(
		httpapi.Config{Tokens: st, Idempotency: st},
		applications.Routes(applications.Deps{Store: st, OpenAPI: slipway.OpenAPI, Cluster: cluster}),
	))
}
