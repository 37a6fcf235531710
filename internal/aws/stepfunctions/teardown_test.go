package stepfunctions

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/slipway-paas/slipway"
	"github.com/slipway-paas/slipway/internal/aws/mototest"
	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/teardown"
)

var teardownRun = teardown.Run{ApplicationID: "0193aaaa-0000-7000-8000-000000000001", ExecutionName: "0193aaaa-0000-7000-8000-000000000001-1796126400000"}

// The teardown starter against the protocol-level fake: the execution is
// named run.ExecutionName with the run as input; an existing execution
// of that name is success.
func TestTeardownStarter(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:slipway-teardown"
	for _, tc := range []struct {
		name     string
		status   int
		response string
		wantErr  bool
	}{
		{"started", 200, `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:slipway-teardown:x","startDate":1.7e9}`, false},
		{"already exists", 400, `{"__type":"com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists","message":"Execution Already Exists"}`, false},
		{"throttled", 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]any
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(body, &got)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.response)
			}))
			defer srv.Close()
			s := TeardownStarter{Client: NewClient(awsconf.FromEnv(), srv.URL, func(o *sfn.Options) { o.RetryMaxAttempts = 1 }), StateMachineARN: arn}
			if err := s.StartTeardown(context.Background(), teardownRun); (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var input teardown.Run
			if got["stateMachineArn"] != arn || got["name"] != teardownRun.ExecutionName ||
				json.Unmarshal([]byte(got["input"].(string)), &input) != nil || input != teardownRun {
				t.Fatalf("request %v", got)
			}
		})
	}
}

// TestTeardownMoto registers the real teardown definition in moto and
// starts a run twice: one execution. Skipped unless
// SLIPWAY_TEST_MOTO_ENDPOINT is set (make check sets it).
func TestTeardownMoto(t *testing.T) {
	endpoint, ctx := mototest.Endpoint(t)
	client := NewClient(awsconf.FromEnv(), endpoint, func(o *sfn.Options) { o.RetryMaxAttempts = 1 })
	machine, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(mototest.Name("slipway-teardown-")),
		Definition: aws.String(string(slipway.TeardownStateMachine)),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/slipway-teardown"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteStateMachine(context.Background(), &sfn.DeleteStateMachineInput{StateMachineArn: machine.StateMachineArn})
	})
	starter := TeardownStarter{Client: client, StateMachineARN: *machine.StateMachineArn}
	for i := range 2 {
		if err := starter.StartTeardown(ctx, teardownRun); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
	}
	list, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: machine.StateMachineArn})
	if err != nil {
		t.Fatalf("ListExecutions: %v", err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != teardownRun.ExecutionName {
		t.Fatalf("executions %+v, want one named %s", list.Executions, teardownRun.ExecutionName)
	}
}
