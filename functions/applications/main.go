// Command applications is ApplicationsFunction: health, OpenAPI,
// organizations, projects, tokens and the application routes.
package main

import (
	"context"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/aws/kms"
	"github.com/slipway-paas/slipway/internal/aws/lambdainvoke"
	"github.com/slipway-paas/slipway/internal/aws/secrets"
	"github.com/slipway-paas/slipway/internal/aws/stepfunctions"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/config"
	"github.com/slipway-paas/slipway/internal/github"
	"github.com/slipway-paas/slipway/internal/httpapi"
	"github.com/slipway-paas/slipway/internal/httpapi/applications"
	"github.com/slipway-paas/slipway/internal/kube"
	"github.com/slipway-paas/slipway/internal/lambdahttp"
)

func main() {
	st := config.MustLoad()
	awsCfg := awsconf.FromEnv()
	// Routing stays zero: this function only scales; the pipeline's route check applies Ingresses.
	cluster, err := kube.NewEKS(awsCfg, os.Getenv(config.EnvEKSClusterName), os.Getenv(config.EnvEKSEndpoint), os.Getenv(config.EnvEKSCAData), kube.Routing{})
	if err != nil {
		log.Fatal(err)
	}
	keyID, fingerprints, err := config.ConfigKeys()
	if err != nil {
		log.Fatal(err)
	}
	deps := applications.Deps{Store: st, OpenAPI: slipway.OpenAPI, Cluster: cluster,
		Sealer: kms.NewEnvelope(awsCfg, os.Getenv(config.EnvKMSEndpoint), keyID), Fingerprints: fingerprints}
	if appID, _ := strconv.ParseInt(os.Getenv(config.EnvGitHubAppID), 10, 64); appID > 0 {
		// Linking an installation reads its account from GitHub.
		keys := &secrets.Cache{Client: secrets.NewClient(awsCfg, os.Getenv(config.EnvSecretsManagerEndpoint))}
		arn := os.Getenv(config.EnvGitHubAppPrivateKeyARN)
		deps.GitHub = &github.LazyApp{
			AppID: appID, BaseURL: os.Getenv(config.EnvGitHubAPIURL),
			PrivateKey: func(ctx context.Context) ([]byte, error) { return keys.Get(ctx, arn) },
		}
	}
	// Custom domains: checked against the apps domain, applied by the pipeline's route check.
	deps.AppsDomain = strings.TrimSuffix(strings.ToLower(os.Getenv(config.EnvAppsDomain)), ".")
	deps.Routes = lambdainvoke.RouteTrigger{
		Client:       lambdainvoke.NewClient(awsCfg, os.Getenv(config.EnvLambdaEndpoint)),
		FunctionName: os.Getenv(config.EnvRouteCheckFunction),
	}
	deps.Teardowns = stepfunctions.TeardownStarter{
		Client:          stepfunctions.NewClient(awsCfg, os.Getenv(config.EnvStepFunctionsEndpoint)),
		StateMachineARN: os.Getenv(config.EnvTeardownStateMachineARN),
	}
	lambdahttp.Start(httpapi.NewHandler(httpapi.Config{Tokens: st, Idempotency: st}, applications.Routes(deps)))
}
