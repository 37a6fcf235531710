package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
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

// A protocol-level fake for the stopper: DescribeExecution of the
// execution named after the pipeline, then StopExecution when it runs.
func TestStopper(t *testing.T) {
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:slipway-deploy"
	const execution = "arn:aws:states:us-east-1:123456789012:execution:slipway-deploy:0193aaaa-0000-7000-8000-000000000002"
	missing := `{"__type":"com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist","message":"Execution Does Not Exist"}`
	for _, tc := range []struct {
		name     string
		describe string // "" answers ExecutionDoesNotExist
		stop     int    // status of StopExecution's answer (0: must not be called)
		want     error
		wantErr  bool
	}{
		{"running", `{"status":"RUNNING"}`, 200, nil, false},
		{"ended", `{"status":"SUCCEEDED"}`, 0, pipeline.ErrNotRunning, true},
		{"never started", "", 0, pipeline.ErrNotRunning, true},
		{"ended meanwhile", `{"status":"RUNNING"}`, 400, pipeline.ErrNotRunning, true},
		{"throttled", `{"status":"RUNNING"}`, 500, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			var stopped map[string]any
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				target := r.Header.Get("X-Amz-Target")
				calls = append(calls, target)
				body, _ := io.ReadAll(r.Body)
				var got map[string]any
				_ = json.Unmarshal(body, &got)
				if got["executionArn"] != execution {
					t.Errorf("%s of %v", target, got["executionArn"])
				}
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				switch {
				case target == "AWSStepFunctions.DescribeExecution" && tc.describe == "":
					w.WriteHeader(400)
					_, _ = io.WriteString(w, missing)
				case target == "AWSStepFunctions.DescribeExecution":
					_, _ = io.WriteString(w, tc.describe)
				case tc.stop == 200:
					stopped = got
					_, _ = io.WriteString(w, `{"stopDate":1.7e9}`)
				case tc.stop == 400:
					w.WriteHeader(400)
					_, _ = io.WriteString(w, missing)
				default:
					w.WriteHeader(tc.stop)
					_, _ = io.WriteString(w, `{"__type":"ServiceUnavailable","message":"try later"}`)
				}
			}))
			defer srv.Close()
			client := NewClient(awsconf.FromEnv(), srv.URL, func(o *sfn.Options) { o.RetryMaxAttempts = 1 })
			err := Stopper{Client: client, StateMachineARN: machine}.Stop(context.Background(), "0193aaaa-0000-7000-8000-000000000002", "canceled by alice")
			if (err != nil) != tc.wantErr || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (error %v)", err, tc.want, tc.wantErr)
			}
			if tc.stop == 0 && len(calls) != 1 {
				t.Fatalf("calls %v: a pipeline not running is not stopped", calls)
			}
			if tc.stop == 200 && (stopped["cause"] != "canceled by alice" || stopped["error"] != "Canceled") {
				t.Fatalf("StopExecution %v", stopped)
			}
		})
	}
	if _, err := ExecutionARN("arn:aws:states:us-east-1:1:activity:x", "p"); err == nil {
		t.Fatal("an activity ARN made an execution ARN")
	}
}
