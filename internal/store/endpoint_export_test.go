package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// EndpointOf returns the URL a client resolves every request to, or
// "(the SDK's rule engine)" when it uses the SDK's resolver.
func EndpointOf(c *dynamodb.Client) (string, error) {
	r, fixed := c.Options().EndpointResolverV2.(fixedEndpoint)
	if !fixed {
		return "(the SDK's rule engine)", nil
	}
	e, err := r.ResolveEndpoint(context.Background(), dynamodb.EndpointParameters{})
	return e.URI.String(), err
}
