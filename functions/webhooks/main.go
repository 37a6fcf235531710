// Command webhooks is WebhooksFunction: POST /webhooks/github.
package main

import (
	"context"
	"os"

	"github.com/slipway-paas/slipway/internal/aws/secrets"
	"github.com/slipway-paas/slipway/internal/aws/stepfunctions"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/webhooks"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
	"github.com/slipway-paas/slipway/internal/pipeline"
)

func main() {
	st := config.MustLoad()
	awsCfg := awsconf.FromEnv()
	// The secret comes from Secrets Manager (fetched on the first delivery,
	// then cached); without an ARN, from the environment (sam local).
	secret := func(context.Context) ([]byte, error) { return []byte(os.Getenv(config.EnvLocalWebhookSecret)), nil }
	if arn := os.Getenv(config.EnvGitHubWebhookSecretARN); arn != "" {
		cache := &secrets.Cache{Client: secrets.NewClient(awsCfg, os.Getenv(config.EnvSecretsManagerEndpoint))}
		secret = func(ctx context.Context) ([]byte, error) { return cache.Get(ctx, arn) }
	}
	starter := stepfunctions.Starter{
		Client:          stepfunctions.NewClient(awsCfg, os.Getenv(config.EnvStepFunctionsEndpoint)),
		StateMachineARN: os.Getenv(config.EnvStateMachineARN),
	}
	lambdahttp.Start(httpapi.NewHandler(httpapi.Config{}, webhooks.Routes(webhooks.Deps{
		Store: st, Secret: secret, Launcher: &pipeline.Launcher{Store: st, Starter: starter},
	})))
}
