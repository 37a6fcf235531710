// Command observability is ObservabilityFunction: an application's usage
// history from CloudWatch Container Insights.
package main

import (
	"os"

	"github.com/slipway-paas/slipway/internal/aws/cloudwatch"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
)

func main() {
	st := config.MustLoad()
	source := cloudwatch.Source{ // without EKS_CLUSTER_NAME nothing runs: every step is null
		Client:      cloudwatch.NewClient(awsconf.FromEnv(), os.Getenv(cloudwatch.EnvEndpoint)),
		ClusterName: os.Getenv(config.EnvEKSClusterName),
	}
	lambdahttp.Start(httpapi.NewHandler(
		httpapi.Config{Tokens: st, Idempotency: st},
		observability.Routes(observability.Deps{Store: st, Source: source}),
	))
}
