package codebuild

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/slipway-paas/slipway/internal/platform"
)

// retryableCodes are CodeBuild error codes worth retrying later.
var retryableCodes = map[string]bool{
	"ThrottlingException":           true,
	"Throttling":                    true,
	"TooManyRequestsException":      true,
	"RequestLimitExceeded":          true,
	"ServiceUnavailableException":   true,
	"InternalFailure":               true,
	"AccountLimitExceededException": true, // e.g. too many concurrent builds
}

// classify wraps errors worth retrying (throttling, service faults, the
// concurrent-build limit, network failures) as platform "unavailable";
// others (a missing project, invalid input) stay final.
func classify(err error) error {
	var apiErr smithy.APIError
	var respErr *smithyhttp.ResponseError
	var sendErr *smithyhttp.RequestSendError
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &apiErr) && retryableCodes[apiErr.ErrorCode()],
		errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500,
		errors.As(err, &sendErr):
		return platform.Unavailable(err)
	}
	return err
}
