package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/slipway-paas/slipway/internal/teardown"
)

// TeardownStarter starts executions of the teardown state machine
// (teardown.Starter).
type TeardownStarter struct {
	Client          API
	StateMachineARN string
}

// StartTeardown starts the execution named run.ExecutionName;
// ExecutionAlreadyExists is success (that teardown runs or ran).
func (s TeardownStarter) StartTeardown(ctx context.Context, run teardown.Run) error {
	input, err := json.Marshal(run)
	if err != nil {
		return err
	}
	_, err = s.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(run.ExecutionName),
		Input:           aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return nil
	}
	return err
}
