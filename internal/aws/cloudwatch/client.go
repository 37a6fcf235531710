package cloudwatch

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/slipway-paas/slipway/internal/awsconf"
)

// EnvEndpoint names the variable that points the client at another
// CloudWatch endpoint (an emulator); empty is AWS.
const EnvEndpoint = "CLOUDWATCH_ENDPOINT"

// API is the part of the CloudWatch client Source uses.
type API interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ API = (*cloudwatch.Client)(nil)

// NewClient returns a CloudWatch client for cfg (awsconf.FromEnv in the
// functions). A non-empty endpoint points it there and switches it to the
// query protocol (QueryProtocol), which emulators speak; AWS speaks it too.
func NewClient(cfg aws.Config, endpoint string, opts ...func(*cloudwatch.Options)) *cloudwatch.Client {
	if endpoint != "" {
		opts = append([]func(*cloudwatch.Options){QueryProtocol, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(endpoint) }}, opts...)
	}
	return cloudwatch.NewFromConfig(cfg, opts...)
}

// QueryProtocol makes a client speak CloudWatch's query protocol (form
// requests, XML responses) instead of the SDK's default, Smithy RPC v2 CBOR.
func QueryProtocol(o *cloudwatch.Options) {
	o.Protocol = awsquery.New(schemas.GraniteServiceVersion20100801)
}

// transientCodes are CloudWatch error codes worth retrying later.
var transientCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "LimitExceeded": true, "LimitExceededException": true,
	"RequestLimitExceeded": true, "ServiceUnavailable": true, "InternalServiceFault": true, "InternalServiceError": true,
}

// classify makes throttling, service faults and network failures (after
// the SDK's own retries) platform "unavailable" errors: a 503 the caller
// may retry. Anything else (denied access, a bad request) is a fault of
// the deployment and stays an internal error.
func classify(err error) error { return awsconf.Transient(err, transientCodes) }
