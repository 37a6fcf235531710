//go:build linux

package smoke

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// createImageRepository creates the repository in moto with the image the
// CodeBuild fake reports (fakeImageURI's digest), as a build would have
// pushed it; what exists already is kept (moto may be shared).
func createImageRepository(ctx context.Context, client *awsecr.Client, name string) error {
	_, err := client.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(name), ImageTagMutability: types.ImageTagMutabilityImmutable})
	var exists *types.RepositoryAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return err
	}
	_, digest, _ := strings.Cut(fakeImageURI, "@")
	_, err = client.PutImage(ctx, &awsecr.PutImageInput{
		RepositoryName: aws.String(name), ImageDigest: aws.String(digest), ImageTag: aws.String("smoke-build"),
		ImageManifest: aws.String(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",` +
			`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"` + digest + `"},"layers":[]}`),
	})
	var pushed *types.ImageAlreadyExistsException
	if err != nil && !errors.As(err, &pushed) {
		return err
	}
	return nil
}
