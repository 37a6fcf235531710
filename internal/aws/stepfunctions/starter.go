// Package stepfunctions is the AWS Step Functions adapter: it starts Full
// Deploy executions of the deploy state machine (pipeline.Starter).
package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// API is the part of the Step Functions client the starter uses.
type API interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// Starter starts executions of one state machine.
type Starter struct {
	Client          API
	StateMachineARN string
}

// NewClient returns a Step Functions client; a non-empty endpoint points it
// at a local emulator.
func NewClient(cfg aws.Config, endpoint string, opts ...func(*sfn.Options)) *sfn.Client {
	return sfn.NewFromConfig(cfg, append([]func(*sfn.Options){func(o *sfn.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, opts...)...)
}

// Start starts the execution named after the run's image id. Step
// Functions treats a repeated start with the same name and input as the
// same execution; ExecutionAlreadyExists (same name, other input) is also
// success: one pipeline per image id.
func (s Starter) Start(ctx context.Context, run pipeline.Run) error {
	input, err := json.Marshal(run)
	if err != nil {
		return err
	}
	_, err = s.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(run.ImageID),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return nil
	}
	return err
}
