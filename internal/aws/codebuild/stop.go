package codebuild

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/smithy-go"
)

// StopAPI is the part of the CodeBuild client StopBuild uses.
type StopAPI interface {
	StopBuild(ctx context.Context, in *cb.StopBuildInput, opts ...func(*cb.Options)) (*cb.StopBuildOutput, error)
}

// StopBuild stops a running build of a canceled pipeline. A build that
// already ended (CodeBuild answers InvalidInputException: only a build in
// progress can be stopped) or that CodeBuild does not know
// (ResourceNotFoundException) needs no stop: that is success.
func (b Builder) StopBuild(ctx context.Context, ref string) error {
	if ref == "" {
		return nil
	}
	_, err := b.Client.StopBuild(ctx, &cb.StopBuildInput{Id: aws.String(ref)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "InvalidInputException" || apiErr.ErrorCode() == "ResourceNotFoundException") {
		return nil
	}
	if err != nil {
		return classify(fmt.Errorf("codebuild: stopping build %s: %w", ref, err))
	}
	return nil
}
