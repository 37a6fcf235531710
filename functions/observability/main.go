// Command observability is ObservabilityFunction: an application's usage
// history from CloudWatch Container Insights, and its pipeline and runtime
// logs from CloudWatch Logs.
package main

import (
	"log"
	"os"

	"github.com/slipway-paas/slipway/internal/aws/cloudwatch"
	"github.com/slipway-paas/slipway/internal/aws/cloudwatchlogs"
	"github.com/slipway-paas/slipway/internal/aws/codebuild"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/observability"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
	"github.com/slipway-paas/slipway/internal/platform"
)

func main() {
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	st := cfg.Store()
	// The fingerprint key only: this function masks secrets by their
	// fingerprints and cannot decrypt them.
	_, fingerprints, err := config.ConfigKeys()
	if err != nil {
		log.Fatal(err)
	}
	awsCfg := awsconf.FromEnv()
	cluster := os.Getenv(config.EnvEKSClusterName)
	source := cloudwatch.Source{ // without EKS_CLUSTER_NAME nothing runs: every step is null
		Client:      cloudwatch.NewClient(awsCfg, os.Getenv(cloudwatch.EnvEndpoint)),
		ClusterName: cluster,
	}
	logs := cloudwatchlogs.Source{
		Logs:          cloudwatchlogs.NewClient(awsCfg, os.Getenv(cloudwatchlogs.EnvEndpoint)),
		Builds:        codebuild.NewClient(awsCfg, os.Getenv(config.EnvCodeBuildEndpoint)),
		PipelineGroup: os.Getenv(cloudwatchlogs.EnvPipelineLogGroup),
		RuntimeGroup:  cloudwatchlogs.RuntimeLogGroup(cluster),
	}
	lambdahttp.Start(httpapi.NewHandler(
		httpapi.Config{Tokens: st, Idempotency: st},
		observability.Routes(observability.Deps{Store: st, Source: source, Logs: observability.LogDeps{
			Store: st, Source: logs, Cursors: platform.CursorSigner{Key: cfg.CursorSigningKey}, Fingerprints: fingerprints,
			Settle: cloudwatchlogs.Settle,
		}}),
	))
}
