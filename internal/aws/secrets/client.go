package secrets

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// API is the part of the Secrets Manager client the cache uses.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ API = (*secretsmanager.Client)(nil)

// NewClient returns a Secrets Manager client for cfg (awsconf.FromEnv in
// the functions); a non-empty endpoint points it at a local emulator.
func NewClient(cfg aws.Config, endpoint string, opts ...func(*secretsmanager.Options)) *secretsmanager.Client {
	if endpoint != "" {
		opts = append([]func(*secretsmanager.Options){withEndpoint(endpoint)}, opts...)
	}
	return secretsmanager.NewFromConfig(cfg, opts...)
}

func withEndpoint(endpoint string) func(*secretsmanager.Options) {
	return func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) }
}
