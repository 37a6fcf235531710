// Package stepfunctions is the AWS Step Functions adapter: it starts
// executions of the deploy state machine (pipeline.Starter) and stops
// them (pipeline.Stopper).
package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/slipway-paas/slipway/internal/pipeline"
)

// API is the part of the Step Functions client the starter uses.
type API interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// StopAPI is the part of the Step Functions client the stopper uses.
type StopAPI interface {
	StopExecution(ctx context.Context, in *sfn.StopExecutionInput, opts ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
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

// Start starts the execution named after the run's pipeline id. Step
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
		Name:            aws.String(run.Pipeline()),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return nil
	}
	return err
}

// Stopper stops executions of one state machine.
type Stopper struct {
	Client          StopAPI
	StateMachineARN string
}

// ExecutionARN is the ARN of the execution named name of the state
// machine machineARN (arn:…:stateMachine:<machine> becomes
// arn:…:execution:<machine>:<name>).
func ExecutionARN(machineARN, name string) (string, error) {
	prefix, machine, ok := strings.Cut(machineARN, ":stateMachine:")
	if !ok || machine == "" || strings.Contains(machine, ":") {
		return "", fmt.Errorf("stepfunctions: %q is not a state machine ARN", machineARN)
	}
	return prefix + ":execution:" + machine + ":" + name, nil
}

// Stop stops the pipeline's running execution with cause (StopExecution;
// the execution ends ABORTED and EventBridge reports it to the pipeline
// function). An execution that does not exist or already ended is
// pipeline.ErrNotRunning.
func (s Stopper) Stop(ctx context.Context, pipelineID, cause string) error {
	arn, err := ExecutionARN(s.StateMachineARN, pipelineID)
	if err != nil {
		return err
	}
	desc, err := s.Client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		return pipeline.ErrNotRunning
	case err != nil:
		return err
	case desc.Status != types.ExecutionStatusRunning:
		return pipeline.ErrNotRunning
	}
	_, err = s.Client.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(arn), Error: aws.String("Canceled"), Cause: aws.String(cause),
	})
	if errors.As(err, &missing) {
		return pipeline.ErrNotRunning
	}
	return err
}
