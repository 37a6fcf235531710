package ecr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/platform"
)

// pushed puts an image manifest under tag, as a build's push does, and
// returns the image's digest URI.
func pushed(t *testing.T, ctx context.Context, client *ecr.Client, repo, uri, tag, layer string) string {
	t.Helper()
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",`+
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:%s"},`+
		`"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1,"digest":"sha256:%s"}]}`, sum("config "+layer), sum(layer))
	out, err := client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String(repo), ImageManifest: aws.String(manifest), ImageTag: aws.String(tag)})
	if err != nil {
		t.Fatalf("PutImage: %v", err)
	}
	return uri + "@" + aws.ToString(out.Image.ImageId.ImageDigest)
}

func sum(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// tagsOf lists the tags of the image with the digest (none: gone).
func tagsOf(t *testing.T, ctx context.Context, client *ecr.Client, repo, imageURI string) []string {
	t.Helper()
	_, digest, _ := strings.Cut(imageURI, "@")
	out, err := client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(repo), ImageIds: []types.ImageIdentifier{{ImageDigest: aws.String(digest)}}})
	if err != nil || len(out.ImageDetails) == 0 {
		return nil
	}
	tags := out.ImageDetails[0].ImageTags
	sort.Strings(tags)
	return tags
}

// TestMotoTags: a release tag is added to a pushed image (twice is fine),
// a rollback's release tags the same image again, removal drops only the
// named tags (absent ones skipped), and images of another repository, by
// tag, or missing are refused. Skipped unless SLIPWAY_TEST_MOTO_ENDPOINT
// is set (scripts/with-moto.sh go test ./internal/aws/...).
func TestMotoTags(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := NewClient(awsconf.FromEnv(), endpoint, func(o *ecr.Options) { o.RetryMaxAttempts = 1 })
	repo := mototest.Name("slipway-test-")
	created, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo), ImageTagMutability: types.ImageTagMutabilityImmutable})
	if err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteRepository(context.Background(), &ecr.DeleteRepositoryInput{RepositoryName: aws.String(repo), Force: true})
	})
	uri := aws.ToString(created.Repository.RepositoryUri)
	tags := Tags{Client: client, Repository: repo}
	app := "01a2348a-a93f-72c9-845b-1e29b6fdc3b8"
	v1 := pushed(t, ctx, client, repo, uri, platform.ImageTag(app, 1), "one")
	v2 := pushed(t, ctx, client, repo, uri, platform.ImageTag(app, 2), "two")

	for range 2 { // a retried deploy step
		if err := tags.Tag(ctx, v1, platform.ReleaseImageTag(app, 1)); err != nil {
			t.Fatalf("Tag: %v", err)
		}
	}
	if err := tags.Tag(ctx, v2, platform.ReleaseImageTag(app, 2)); err != nil {
		t.Fatal(err)
	}
	if err := tags.Tag(ctx, v1, platform.ReleaseImageTag(app, 3)); err != nil { // rollback to v1
		t.Fatal(err)
	}
	want := []string{platform.ImageTag(app, 1), platform.ReleaseImageTag(app, 1), platform.ReleaseImageTag(app, 3)}
	sort.Strings(want)
	if got := tagsOf(t, ctx, client, repo, v1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tags of v1 = %v, want %v", got, want)
	}

	for _, bad := range []string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/other@" + strings.SplitN(v1, "@", 2)[1],
		uri + ":" + platform.ImageTag(app, 1),
		uri + "@sha256:" + sum("never pushed"),
	} {
		if err := tags.Tag(ctx, bad, "release-x"); !platform.IsCode(err, platform.CodeInvalid) {
			t.Errorf("Tag(%s) = %v, want an invalid error", bad, err)
		}
	}

	if err := tags.Untag(ctx, []string{platform.ReleaseImageTag(app, 1), platform.ReleaseImageTag(app, 2), platform.ReleaseImageTag(app, 3), platform.ReleaseImageTag(app, 9)}); err != nil {
		t.Fatalf("Untag: %v", err)
	}
	if got := tagsOf(t, ctx, client, repo, v1); fmt.Sprint(got) != fmt.Sprint([]string{platform.ImageTag(app, 1)}) {
		t.Fatalf("tags of v1 after Untag = %v", got)
	}
	if got := tagsOf(t, ctx, client, repo, v2); fmt.Sprint(got) != fmt.Sprint([]string{platform.ImageTag(app, 2)}) {
		t.Fatalf("tags of v2 after Untag = %v", got)
	}
	if err := tags.Untag(ctx, []string{platform.ReleaseImageTag(app, 1)}); err != nil {
		t.Fatalf("Untag again: %v", err)
	}
}
