// Command deployments is DeploymentsFunction: Full Deploy, releases,
// rollback, cancel, List Deployments, Pipeline Status and Pipeline Metrics.
package main

import (
	"os"

	"github.com/slipway-paas/slipway/internal/aws/stepfunctions"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/deployments"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
	"github.com/slipway-paas/slipway/internal/pipeline"
)

func main() {
	st := config.MustLoad()
	client := stepfunctions.NewClient(awsconf.FromEnv(), os.Getenv(config.EnvStepFunctionsEndpoint))
	machine := os.Getenv(config.EnvStateMachineARN)
	launcher := &pipeline.Launcher{
		Store:   st,
		Starter: stepfunctions.Starter{Client: client, StateMachineARN: machine},
		Stopper: stepfunctions.Stopper{Client: client, StateMachineARN: machine},
	}
	lambdahttp.Start(httpapi.NewHandler(
		httpapi.Config{Tokens: st, Idempotency: st},
		deployments.Routes(deployments.Deps{Store: st, Launcher: launcher}),
	))
}
