package awsconf

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Transient makes an AWS SDK error worth retrying later a platform
// unavailable error: a network failure, a deadline, a 5xx answer, or an
// API error whose code is in codes (the service's throttling and fault
// codes). Anything else (denied access, a bad request) is returned as it
// is: a fault of the deployment or of the input.
func Transient(err error, codes map[string]bool) error {
	var apiErr smithy.APIError
	var respErr *smithyhttp.ResponseError
	var sendErr *smithyhttp.RequestSendError
	switch {
	case err == nil || errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &sendErr), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &apiErr) && codes[apiErr.ErrorCode()],
		errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500:
		return platform.Unavailable(err)
	}
	return err
}
