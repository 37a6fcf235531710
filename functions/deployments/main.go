// Command deployments is DeploymentsFunction: Full Deploy, List
// Deployments, Pipeline Status and Pipeline Metrics.
package main

import (
	"os"

	"github.com/slipway-paas/slipway/internal/aws/stepfunctions"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
)

func main() {
	st := config.MustLoad()
	starter := stepfunctions.Starter{
		Client:          stepfunctions.NewClient(awsconf.FromEnv(), os.Getenv(config.EnvStepFunctionsEndpoint)),
		StateMachineARN: os.Getenv(config.EnvStateMachineARN),
	}
	lambdahttp.Start(httpapi.NewHandler(
		httpapi.Config{Tokens: st, Idempotency: st},
		deployments.Routes(deployments.Deps{Store: st, Starter: starter}),
	))
}
