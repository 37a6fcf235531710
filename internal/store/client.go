package store

import (
	"context"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// NewClient returns a DynamoDB client; a non-empty endpoint (DYNAMODB_ENDPOINT)
// points it at a local or emulated DynamoDB instead of AWS. Such a client
// resolves every request to that endpoint directly: the SDK's rule engine,
// which would answer the same URL, costs about a sixth of the client's CPU
// per request (see docs/performance.md).
func NewClient(cfg aws.Config, endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		if endpoint == "" {
			return
		}
		o.BaseEndpoint = aws.String(endpoint)
		if u, err := url.Parse(endpoint); err == nil && u.Scheme != "" && u.Host != "" {
			o.EndpointResolverV2 = fixedEndpoint{uri: *u}
		}
	}}, opts...)...)
}

// fixedEndpoint resolves every request to one URL.
type fixedEndpoint struct{ uri url.URL }

func (f fixedEndpoint) ResolveEndpoint(context.Context, dynamodb.EndpointParameters) (smithyendpoints.Endpoint, error) {
	return smithyendpoints.Endpoint{URI: f.uri}, nil
}
