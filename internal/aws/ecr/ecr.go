package ecr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// API is the part of the ECR client Tags uses.
type API interface {
	BatchGetImage(ctx context.Context, in *ecr.BatchGetImageInput, opts ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
	PutImage(ctx context.Context, in *ecr.PutImageInput, opts ...func(*ecr.Options)) (*ecr.PutImageOutput, error)
	BatchDeleteImage(ctx context.Context, in *ecr.BatchDeleteImageInput, opts ...func(*ecr.Options)) (*ecr.BatchDeleteImageOutput, error)
}

var _ API = (*ecr.Client)(nil)

// NewClient returns an ECR client for cfg (awsconf.FromEnv in the
// functions); a non-empty endpoint points it at a local emulator.
func NewClient(cfg aws.Config, endpoint string, opts ...func(*ecr.Options)) *ecr.Client {
	if endpoint != "" {
		opts = append([]func(*ecr.Options){func(o *ecr.Options) { o.BaseEndpoint = aws.String(endpoint) }}, opts...)
	}
	return ecr.NewFromConfig(cfg, opts...)
}

// Tags implements pipeline.ImageTags on one repository.
type Tags struct {
	Client API
	// Repository is the repository's name (not its URI).
	Repository string
}

var _ pipeline.ImageTags = Tags{}

// manifestTypes are the manifest media types BatchGetImage may answer
// with: ECR converts an image to the first accepted type it can, so every
// type a build can push is listed and the manifest comes back as pushed.
var manifestTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// transientCodes are ECR error codes worth retrying later.
var transientCodes = map[string]bool{
	"ThrottlingException": true, "TooManyRequestsException": true, "ServerException": true,
	"ServiceUnavailableException": true, "LimitExceededException": true,
}

// maxDeleteBatch is the most image ids one BatchDeleteImage takes.
const maxDeleteBatch = 100

// Tag puts the image's manifest again under tag: the image gains the tag
// (repositories with immutable tags allow a new tag on an existing image).
// The image must be of this repository and referenced by digest.
func (t Tags) Tag(ctx context.Context, imageURI, tag string) error {
	digest, err := t.digestOf(imageURI)
	if err != nil {
		return err
	}
	got, err := t.Client.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RepositoryName: aws.String(t.Repository), ImageIds: []types.ImageIdentifier{{ImageDigest: aws.String(digest)}},
		AcceptedMediaTypes: manifestTypes,
	})
	if err != nil {
		return awsconf.Transient(fmt.Errorf("ecr: reading image %s: %w", digest, err), transientCodes)
	}
	if len(got.Images) == 0 || aws.ToString(got.Images[0].ImageManifest) == "" {
		reason := "not found"
		if len(got.Failures) > 0 {
			reason = aws.ToString(got.Failures[0].FailureReason)
		}
		return platform.Errorf(platform.CodeInvalid, "image %s is not in repository %s (%s): it may have expired before it was released", digest, t.Repository, reason)
	}
	img := got.Images[0]
	_, err = t.Client.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName: aws.String(t.Repository), ImageManifest: img.ImageManifest,
		ImageManifestMediaType: img.ImageManifestMediaType, ImageDigest: aws.String(digest), ImageTag: aws.String(tag),
	})
	var same *types.ImageAlreadyExistsException
	var taken *types.ImageTagAlreadyExistsException
	switch {
	case err == nil, errors.As(err, &same): // same manifest, same tag: tagged already
		return nil
	case errors.As(err, &taken):
		return platform.Errorf(platform.CodeInvalid, "tag %s of repository %s is held by another image", tag, t.Repository)
	}
	return awsconf.Transient(fmt.Errorf("ecr: tagging image %s %s: %w", digest, tag, err), transientCodes)
}

// Untag deletes the tags, 100 per request. ECR deletes an image whose
// last tag goes; a tag no image holds is reported as a failure, which is
// what "already removed" looks like and is skipped.
func (t Tags) Untag(ctx context.Context, tags []string) error {
	for len(tags) > 0 {
		n := min(len(tags), maxDeleteBatch)
		ids := make([]types.ImageIdentifier, n)
		for i, tag := range tags[:n] {
			ids[i] = types.ImageIdentifier{ImageTag: aws.String(tag)}
		}
		out, err := t.Client.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String(t.Repository), ImageIds: ids})
		if err != nil {
			return awsconf.Transient(fmt.Errorf("ecr: removing %d tags: %w", n, err), transientCodes)
		}
		for _, f := range out.Failures {
			if f.FailureCode != types.ImageFailureCodeImageNotFound && f.FailureCode != types.ImageFailureCodeImageTagDoesNotMatchDigest {
				return fmt.Errorf("ecr: removing tag %s: %s %s", aws.ToString(f.ImageId.ImageTag), f.FailureCode, aws.ToString(f.FailureReason))
			}
		}
		tags = tags[n:]
	}
	return nil
}

// digestOf returns the digest of "<registry>/<repository>@sha256:<hex>",
// refusing an image of another repository or one referenced by tag.
func (t Tags) digestOf(imageURI string) (string, error) {
	name, digest, ok := strings.Cut(imageURI, "@")
	if !ok || !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
		return "", platform.Errorf(platform.CodeInvalid, "image %q is not referenced by digest (<repository>@sha256:<hex>)", imageURI)
	}
	if _, repo, _ := strings.Cut(name, "/"); repo != t.Repository {
		return "", platform.Errorf(platform.CodeInvalid, "image %q is not of repository %s", imageURI, t.Repository)
	}
	return digest, nil
}
