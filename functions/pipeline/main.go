// Command pipeline is PipelineFunction: the deploy state machine's steps,
// and the EventBridge target that fails pipelines whose execution ended
// abnormally, the steps of the teardown state machine, and the route
// check of custom domains (scheduled, and invoked by domain changes).
package main

import (
	"context"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/aws/cloudwatchlogs"
	"github.com/slipway-paas/slipway/internal/aws/codebuild"
	"github.com/slipway-paas/slipway/internal/aws/ecr"
	"github.com/slipway-paas/slipway/internal/aws/kms"
	"github.com/slipway-paas/slipway/internal/aws/secrets"
	"github.com/slipway-paas/slipway/internal/aws/stepfunctions"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
	"github.com/slipway-paas/slipway/internal/teardown"
)

func main() {
	st := config.MustLoad()
	awsCfg := awsconf.FromEnv()
	poll, err := config.Int(config.EnvPollSeconds, 10)
	if err != nil {
		log.Fatal(err)
	}
	routing, err := kube.ParseRouting(os.Getenv(config.EnvAppsDomain), os.Getenv(config.EnvIngressClass),
		os.Getenv(config.EnvIngressTLS), os.Getenv(config.EnvCertManagerClusterIssuer))
	if err != nil {
		log.Fatal(err)
	}
	cluster, err := kube.NewEKS(awsCfg, os.Getenv(config.EnvEKSClusterName), os.Getenv(config.EnvEKSEndpoint), os.Getenv(config.EnvEKSCAData), routing)
	if err != nil {
		log.Fatal(err)
	}
	secretsClient := secrets.NewClient(awsCfg, os.Getenv(config.EnvSecretsManagerEndpoint))
	keyID := os.Getenv(config.EnvConfigKeyID)
	if keyID == "" {
		log.Fatalf("missing environment variable %s", config.EnvConfigKeyID)
	}
	images := ecr.Tags{Client: ecr.NewClient(awsCfg, os.Getenv(config.EnvECREndpoint)), Repository: os.Getenv(config.EnvImageRepository)}
	steps := &pipeline.Steps{
		Store: st, Cluster: cluster, IDs: &platform.IDGenerator{}, Now: time.Now, PollSeconds: poll,
		Builder: codebuild.Builder{
			Client:    codebuild.NewClient(awsCfg, os.Getenv(config.EnvCodeBuildEndpoint)),
			Project:   os.Getenv(config.EnvCodeBuildProject),
			Buildspec: string(slipway.Buildspec),
			Secrets:   secrets.BuildSecrets{Client: secretsClient, Prefix: os.Getenv(config.EnvBuildSecretPrefix)},
		},
		// The release and deploy stages' log lines (ObservabilityFunction reads them).
		Logs: cloudwatchlogs.Writer{
			Client: cloudwatchlogs.NewClient(awsCfg, os.Getenv(cloudwatchlogs.EnvEndpoint)),
			Group:  os.Getenv(cloudwatchlogs.EnvPipelineLogGroup),
		},
		// The queued push a pipeline leaves starts when it ends.
		Starter: stepfunctions.Starter{
			Client:          stepfunctions.NewClient(awsCfg, os.Getenv(config.EnvStepFunctionsEndpoint)),
			StateMachineARN: os.Getenv(config.EnvStateMachineARN),
		},
		// The only function that may Decrypt with the config key: it opens
		// the config each release and build is pinned to.
		Config: &pipeline.ConfigOpener{Store: st, Unsealer: kms.NewEnvelope(awsCfg, os.Getenv(config.EnvKMSEndpoint), keyID)},
		Images: images,
	}
	if appID, _ := strconv.ParseInt(os.Getenv(config.EnvGitHubAppID), 10, 64); appID > 0 {
		keys := &secrets.Cache{Client: secretsClient}
		arn := os.Getenv(config.EnvGitHubAppPrivateKeyARN)
		app := &github.LazyApp{
			AppID: appID, BaseURL: os.Getenv(config.EnvGitHubAPIURL),
			PrivateKey: func(ctx context.Context) ([]byte, error) { return keys.Get(ctx, arn) },
		}
		steps.Sources = app
		steps.Reporter = github.PipelineReporter{Reporter: &github.LazyReporter{App: app}, AppsDomain: routing.AppsDomain}
	}
	// The route check: the schedule's and the domain routes' invocations.
	routes := &pipeline.RouteCheck{Store: st, Router: cluster, Now: time.Now}
	lambda.Start(pipeline.RouteChecks(routes, pipeline.Handler(teardown.Route(&teardown.Steps{Store: st, Cluster: cluster, Images: images}, steps.HandleEvent))))
}
