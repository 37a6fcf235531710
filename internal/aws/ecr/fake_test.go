package ecr

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/slipway-paas/slipway/internal/platform"
)

// fakeECR answers from canned results and records the requests.
type fakeECR struct {
	getErr, putErr error
	deleteFailures []types.ImageFailure
	puts           []*ecr.PutImageInput
	deletes        []int
}

func (f *fakeECR) BatchGetImage(_ context.Context, in *ecr.BatchGetImageInput, _ ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	return &ecr.BatchGetImageOutput{Images: []types.Image{{ImageId: &in.ImageIds[0], ImageManifest: aws.String(`{"m":1}`),
		ImageManifestMediaType: aws.String("application/vnd.oci.image.manifest.v1+json")}}}, nil
}

func (f *fakeECR) PutImage(_ context.Context, in *ecr.PutImageInput, _ ...func(*ecr.Options)) (*ecr.PutImageOutput, error) {
	f.puts = append(f.puts, in)
	return &ecr.PutImageOutput{}, f.putErr
}

func (f *fakeECR) BatchDeleteImage(_ context.Context, in *ecr.BatchDeleteImageInput, _ ...func(*ecr.Options)) (*ecr.BatchDeleteImageOutput, error) {
	f.deletes = append(f.deletes, len(in.ImageIds))
	return &ecr.BatchDeleteImageOutput{Failures: f.deleteFailures}, nil
}

func TestTagOutcomes(t *testing.T) {
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway-images@sha256:" + strings.Repeat("a", 64)
	for _, tc := range []struct {
		name           string
		getErr, putErr error
		want           platform.ErrorCode // "" = success
	}{
		{"tagged", nil, nil, ""},
		{"tagged already (a retried step)", nil, &types.ImageAlreadyExistsException{Message: aws.String("same")}, ""},
		{"the tag names another image", nil, &types.ImageTagAlreadyExistsException{Message: aws.String("taken")}, platform.CodeInvalid},
		{"throttled reading", &types.LimitExceededException{Message: aws.String("slow down")}, nil, platform.CodeUnavailable},
		{"server fault writing", nil, &types.ServerException{Message: aws.String("oops")}, platform.CodeUnavailable},
		{"denied", nil, errors.New("AccessDeniedException"), platform.CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeECR{getErr: tc.getErr, putErr: tc.putErr}
			err := Tags{Client: f, Repository: "slipway-images"}.Tag(context.Background(), image, "release-x-v1")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Tag: %v", err)
			case tc.want != "" && platform.CodeOf(err) != tc.want:
				t.Fatalf("Tag = %v (%s), want %s", err, platform.CodeOf(err), tc.want)
			}
			if tc.getErr == nil {
				put := f.puts[0]
				if aws.ToString(put.ImageTag) != "release-x-v1" || aws.ToString(put.ImageManifest) != `{"m":1}` ||
					aws.ToString(put.ImageDigest) != "sha256:"+strings.Repeat("a", 64) || aws.ToString(put.ImageManifestMediaType) == "" {
					t.Fatalf("PutImage %+v: not the same manifest and digest under the tag", put)
				}
			}
		})
	}
}

func TestUntagBatchesAndSkipsAbsentTags(t *testing.T) {
	f := &fakeECR{deleteFailures: []types.ImageFailure{{ImageId: &types.ImageIdentifier{ImageTag: aws.String("gone")}, FailureCode: types.ImageFailureCodeImageNotFound}}}
	tags := make([]string, 230)
	for i := range tags {
		tags[i] = platform.ReleaseImageTag("app", int64(i+1))
	}
	if err := (Tags{Client: f, Repository: "r"}).Untag(context.Background(), tags); err != nil {
		t.Fatal(err)
	}
	if len(f.deletes) != 3 || f.deletes[0] != 100 || f.deletes[2] != 30 {
		t.Fatalf("batches %v, want [100 100 30]", f.deletes)
	}
	f = &fakeECR{deleteFailures: []types.ImageFailure{{ImageId: &types.ImageIdentifier{ImageTag: aws.String("x")}, FailureCode: types.ImageFailureCodeInvalidImageTag}}}
	if err := (Tags{Client: f, Repository: "r"}).Untag(context.Background(), []string{"x"}); err == nil {
		t.Fatal("a failure other than a missing tag was ignored")
	}
}
