package stepfunctions

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/slipway-paas/slipway/internal/awsconf"
	"github.com/slipway-paas/slipway/internal/pipeline"
)

// A protocol-level fake of Step Functions (AWS JSON 1.0): it checks the
// request the starter sends and answers as the service does.
func TestStarter(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:slipway-deploy"
	for _, tc := range []struct {
		name     string
		status   int
		response string
		wantErr  bool
	}{
		{"started", 200, `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:slipway-deploy:img","startDate":1.7e9}`, false},
		{"already exists", 400, `{"__type":"com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists","message":"Execution Already Exists"}`, false},
		{"throttled", 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`, true},
		{"missing machine", 400, `{"__type":"StateMachineDoesNotExist","message":"State Machine Does Not Exist"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]any
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if target := r.Header.Get("X-Amz-Target"); target != "AWSStepFunctions.StartExecution" {
					t.Errorf("target %q", target)
				}
				body, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(body, &got)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.response)
			}))
			defer srv.Close()
			client := NewClient(awsconf.FromEnv(), srv.URL, func(o *sfn.Options) { o.RetryMaxAttempts = 1 })
			s := Starter{Client: client, StateMachineARN: arn}
			err := s.Start(context.Background(), pipeline.Run{ApplicationID: "0193aaaa-0000-7000-8000-000000000001", ImageID: "0193aaaa-0000-7000-8000-000000000002"})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got["stateMachineArn"] != arn || got["name"] != "0193aaaa-0000-7000-8000-000000000002" {
				t.Fatalf("request %v", got)
			}
			var input pipeline.Run
			if err := json.Unmarshal([]byte(got["input"].(string)), &input); err != nil || input.ApplicationID != "0193aaaa-0000-7000-8000-000000000001" {
				t.Fatalf("input %v (%v)", got["input"], err)
			}
		})
	}
}
