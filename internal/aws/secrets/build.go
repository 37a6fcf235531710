package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// WriteAPI is the part of the Secrets Manager client BuildSecrets uses.
type WriteAPI interface {
	CreateSecret(ctx context.Context, in *secretsmanager.CreateSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	DeleteSecret(ctx context.Context, in *secretsmanager.DeleteSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DeleteSecretOutput, error)
}

var _ WriteAPI = (*secretsmanager.Client)(nil)

// BuildSecrets keeps each build's source token and build-scope config vars
// in a secret of its own,
// named Prefix + the build's key, which the build reads by reference (a
// SECRETS_MANAGER environment variable: CodeBuild resolves it inside the
// build and masks it in the logs) and which is deleted, without recovery
// window, when the build ends. The pipeline's role may write and delete
// only names under Prefix; the build's role may only read them.
type BuildSecrets struct {
	Client WriteAPI
	Prefix string // e.g. "<stack>/build/"
}

// PutBuildSecret stores value as the secret Prefix+key (a new version when
// it exists: a retried start) and returns its name.
func (b BuildSecrets) PutBuildSecret(ctx context.Context, key, value string) (string, error) {
	name := b.Prefix + key
	if b.Prefix == "" || key == "" || strings.Contains(key, "/") {
		return "", fmt.Errorf("secrets: build secret %q is not under a prefix", name)
	}
	_, err := b.Client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(value),
		Description: aws.String("Source token and build config of one Slipway build; deleted when the build ends"),
	})
	var exists *types.ResourceExistsException
	if errors.As(err, &exists) {
		_, err = b.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
	}
	if err != nil {
		return "", fmt.Errorf("secrets: storing build secret %s: %w", name, err)
	}
	return name, nil
}

// DeleteBuildSecret deletes the secret name at once; one that is gone
// already is fine. Names outside Prefix are refused.
func (b BuildSecrets) DeleteBuildSecret(ctx context.Context, name string) error {
	if b.Prefix == "" || !strings.HasPrefix(name, b.Prefix) {
		return fmt.Errorf("secrets: %q is not a build secret", name)
	}
	_, err := b.Client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	var gone *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &gone) {
		return fmt.Errorf("secrets: deleting build secret %s: %w", name, err)
	}
	return nil
}
