package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/platform"
)

// TestMoto registers the real deploy state machine definition and starts
// one run twice through the real SDK client: the second start is the same
// execution, not an error and not a second execution. Then the stopper
// stops it (ABORTED); stopping it again, or a pipeline that never started,
// is pipeline.ErrNotRunning. Skipped unless SLIPWAY_TEST_MOTO_ENDPOINT is
// set (make check sets it).
func TestMoto(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := NewClient(awsconf.FromEnv(), endpoint, func(o *sfn.Options) { o.RetryMaxAttempts = 1 })
	machine, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(mototest.Name("slipway-deploy-")),
		Definition: aws.String(string(slipway.DeployStateMachine)),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/slipway-deploy"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteStateMachine(context.Background(), &sfn.DeleteStateMachineInput{StateMachineArn: machine.StateMachineArn})
	})
	starter := Starter{Client: client, StateMachineARN: *machine.StateMachineArn}
	run := pipeline.Run{ApplicationID: "0193aaaa-0000-7000-8000-000000000001", ImageID: "0193aaaa-0000-7000-8000-000000000002",
		PipelineID: "0193aaaa-0000-7000-8000-000000000002", Kind: platform.KindBuild}
	for i := range 2 {
		if err := starter.Start(ctx, run); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
	}
	list, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: machine.StateMachineArn})
	if err != nil {
		t.Fatalf("ListExecutions: %v", err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != run.ImageID {
		t.Fatalf("executions %+v, want one named %s", list.Executions, run.ImageID)
	}
	exec, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: list.Executions[0].ExecutionArn})
	if err != nil {
		t.Fatalf("DescribeExecution: %v", err)
	}
	var input pipeline.Run
	if err := json.Unmarshal([]byte(aws.ToString(exec.Input)), &input); err != nil || input != run {
		t.Fatalf("execution input %q (%v), want %+v", aws.ToString(exec.Input), err, run)
	}
	stopper := Stopper{Client: client, StateMachineARN: *machine.StateMachineArn}
	if err := stopper.Stop(ctx, run.PipelineID, "canceled by alice"); err != nil {
		t.Fatalf("stop: %v", err)
	}
	stopped, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: list.Executions[0].ExecutionArn})
	if err != nil || stopped.Status != types.ExecutionStatusAborted {
		t.Fatalf("after the stop: %+v %v", stopped, err)
	}
	for _, id := range []string{run.PipelineID, "0193aaaa-0000-7000-8000-0000000000ff"} {
		if err := stopper.Stop(ctx, id, "again"); !errors.Is(err, pipeline.ErrNotRunning) {
			t.Fatalf("stopping %s: %v, want ErrNotRunning", id, err)
		}
	}
	missing := Starter{Client: client, StateMachineARN: *machine.StateMachineArn + "-missing"}
	if err := missing.Start(ctx, run); err == nil {
		t.Fatal("starting a missing state machine succeeded")
	}
}
