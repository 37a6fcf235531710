package codebuild

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// The environment variables a build gets.
const (
	EnvImageTag      = "SLIPWAY_IMAGE_TAG"
	EnvSubdirectory  = "SLIPWAY_SUBDIRECTORY"
	EnvApplicationID = "SLIPWAY_APPLICATION_ID"
	EnvImageID       = "SLIPWAY_IMAGE_ID"
	// EnvRepository and EnvSourceVersion say what the buildspec clones
	// (the project has no source: no CodeBuild source credential, which
	// is account-wide, is ever used).
	EnvRepository    = "SLIPWAY_REPOSITORY"
	EnvSourceVersion = "SLIPWAY_SOURCE_VERSION"
	// EnvSourceToken is the private repository's per-build token, by
	// reference (SECRETS_MANAGER, the "token" key of the per-build secret,
	// which also holds the build config: EnvBuildConfig): the build
	// definition and console show the secret's name, never the token.
	EnvSourceToken = "SLIPWAY_SOURCE_TOKEN"
)

// SecretStore keeps a build's source token and build config in a
// per-build secret (secrets.BuildSecrets).
type SecretStore interface {
	// PutBuildSecret stores value under key and returns the name the
	// build references it by.
	PutBuildSecret(ctx context.Context, key, value string) (string, error)
	// DeleteBuildSecret deletes it (gone already is fine).
	DeleteBuildSecret(ctx context.Context, name string) error
}

// API is the part of the CodeBuild client the builder uses.
type API interface {
	StartBuild(ctx context.Context, in *cb.StartBuildInput, opts ...func(*cb.Options)) (*cb.StartBuildOutput, error)
	BatchGetBuilds(ctx context.Context, in *cb.BatchGetBuildsInput, opts ...func(*cb.Options)) (*cb.BatchGetBuildsOutput, error)
	StopAPI
}

// Builder starts and watches builds of one CodeBuild project.
type Builder struct {
	Client  API
	Project string
	// Buildspec, when set, is sent as every build's buildspecOverride (the
	// content of infra/buildspec.yml); empty uses the project's buildspec.
	Buildspec string
	// Secrets holds private repositories' source tokens while their builds
	// run; nil refuses builds that carry a credential.
	Secrets SecretStore
}

var _ pipeline.Builder = Builder{}

// NewClient returns a CodeBuild client; a non-empty endpoint points it at
// another endpoint (an emulator, a test server).
func NewClient(cfg aws.Config, endpoint string, opts ...func(*cb.Options)) *cb.Client {
	return cb.NewFromConfig(cfg, append([]func(*cb.Options){func(o *cb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, opts...)...)
}

// StartBuild starts a build of the request's repository at CommitSHA (or
// the head of Ref) and returns the build id. The buildspec clones the
// repository itself: without any credential for a public repository, with
// the request's one-repository token (stored in a per-build secret that
// BuildStatus deletes when the build ends) for a private one. The build
// config travels in the same secret (EnvBuildConfig).
//
// The idempotency token is the image id. CodeBuild documents it (StartBuild,
// idempotencyToken) as "a unique, case sensitive identifier you provide to
// ensure the idempotency of the StartBuild request. The token is included
// in the StartBuild request and is valid for 5 minutes. If you repeat the
// StartBuild request with the same token, but change a parameter, CodeBuild
// returns a parameter mismatch error." So a retried start within 5 minutes
// returns the first build instead of launching a second one (the secret's
// name, not the token, is the parameter, so a re-minted token changes
// nothing); later retries are covered by the pipeline, which records the
// build id and never starts twice once it has one.
func (b Builder) StartBuild(ctx context.Context, req pipeline.BuildRequest) (string, error) {
	if err := checkRequest(req); err != nil {
		return "", err
	}
	version := req.CommitSHA
	if version == "" {
		version = req.Ref // a full ref ("refs/tags/v1") as given
		if !strings.HasPrefix(version, "refs/") {
			version = "refs/heads/" + version
		}
	}
	env := []types.EnvironmentVariable{
		plaintext(EnvImageTag, req.ImageTag),
		plaintext(EnvSubdirectory, req.Subdirectory),
		plaintext(EnvApplicationID, req.ApplicationID),
		plaintext(EnvImageID, req.ImageID),
		plaintext(EnvRepository, req.Repository),
		plaintext(EnvSourceVersion, version),
	}
	secret, err := buildSecretOf(req)
	if err != nil {
		return "", err
	}
	if secret != "" {
		if b.Secrets == nil {
			return "", errors.New("codebuild: the build carries a source credential or build secrets but no secret store is configured")
		}
		name, err := b.Secrets.PutBuildSecret(ctx, req.ImageID, secret)
		if err != nil {
			return "", classify(err)
		}
		env = append(env, buildSecretEnv(req, name)...)
	}
	in := &cb.StartBuildInput{
		ProjectName:                  aws.String(b.Project),
		IdempotencyToken:             aws.String(req.ImageID),
		EnvironmentVariablesOverride: env,
	}
	if b.Buildspec != "" {
		in.BuildspecOverride = aws.String(b.Buildspec)
	}
	out, err := b.Client.StartBuild(ctx, in)
	if err != nil {
		return "", classify(fmt.Errorf("codebuild: starting a build of %s in project %s: %w", req.Repository, b.Project, err))
	}
	if out.Build == nil || aws.ToString(out.Build.Id) == "" {
		return "", errors.New("codebuild: StartBuild answered without a build id")
	}
	return aws.ToString(out.Build.Id), nil
}

func checkRequest(req pipeline.BuildRequest) error {
	switch {
	case !platform.IsGitHubRepository(req.Repository):
		return fmt.Errorf("codebuild: repository %q is not owner/name", req.Repository)
	case req.ImageID == "":
		return errors.New("codebuild: the build request has no image id")
	case req.CommitSHA == "" && req.Ref == "":
		return errors.New("codebuild: the build request has neither a commit nor a branch")
	case req.ImageTag == "":
		return errors.New("codebuild: the build request has no image tag")
	}
	return nil
}

func plaintext(name, value string) types.EnvironmentVariable {
	return types.EnvironmentVariable{Name: aws.String(name), Value: aws.String(value), Type: types.EnvironmentVariableTypePlaintext}
}
