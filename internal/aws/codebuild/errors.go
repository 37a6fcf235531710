package codebuild

import "github.com/slipway-paas/slipway/internal/awsconf"

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
func classify(err error) error { return awsconf.Transient(err, retryableCodes) }
