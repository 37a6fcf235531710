// Package standard loads the AWS SDK's standard configuration chain —
// environment variables, the shared config and credentials files
// (AWS_PROFILE), SSO, web identity, container and instance roles — for
// commands a person runs against a deployed stack (`slipway bootstrap`).
// Lambda functions use awsconf.FromEnv instead, which links none of this.
package standard

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/slipway-paas/slipway/internal/awsconf"
)

// Load returns the configuration the AWS CLI would use, its HTTP client
// wrapped by awsconf.HTTPClient. Without a region configured anywhere it is us-east-1, as
// awsconf.FromEnv has it.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	// Wrapped after loading, so that the loader may configure the client
	// it made (AWS_CA_BUNDLE adds root CAs to its transport).
	cfg.HTTPClient = awsconf.HTTPClient(cfg.HTTPClient)
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}
