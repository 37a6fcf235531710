// Package lambdainvoke is the AWS Lambda adapter: it starts a route check
// of one application (pipeline.RouteTrigger) as an asynchronous invocation
// of PipelineFunction, so that ApplicationsFunction, which has no cluster
// access, gets a domain change to the cluster at once.
package lambdainvoke

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// API is the part of the Lambda client the trigger uses.
type API interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// RouteTrigger invokes the function FunctionName with a route check payload.
type RouteTrigger struct {
	Client       API
	FunctionName string
}

var _ pipeline.RouteTrigger = RouteTrigger{}

// NewClient returns a Lambda client; a non-empty endpoint points it at a
// local emulator.
func NewClient(cfg aws.Config, endpoint string) *lambda.Client {
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// TriggerRouteCheck queues the invocation (InvocationType Event: Lambda
// answers 202 and runs it, retrying a failed run twice; the schedule's
// check catches what is lost). A failure to queue is unavailable.
func (t RouteTrigger) TriggerRouteCheck(ctx context.Context, appID string) error {
	if t.FunctionName == "" {
		return platform.Unavailable(fmt.Errorf("lambdainvoke: no function to run route checks is configured"))
	}
	payload, err := json.Marshal(pipeline.RouteCheckPayload{Step: pipeline.StepCheckRoutes, ApplicationID: appID})
	if err != nil {
		return err
	}
	out, err := t.Client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(t.FunctionName),
		InvocationType: types.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return platform.Unavailable(fmt.Errorf("lambdainvoke: invoking %s: %w", t.FunctionName, err))
	}
	if out.StatusCode != 202 {
		return platform.Unavailable(fmt.Errorf("lambdainvoke: invoking %s: status %d, want 202", t.FunctionName, out.StatusCode))
	}
	return nil
}
