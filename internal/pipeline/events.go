package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
)

// executionStatusChange is the EventBridge event Step Functions sends when
// an execution changes status (source "aws.states", detail-type "Step
// Functions Execution Status Change").
type executionStatusChange struct {
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
	Detail     struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Input  string `json:"input"`
		Error  string `json:"error"`
		Cause  string `json:"cause"`
	} `json:"detail"`
}

// HandleEvent is PipelineFunction's entry point: a step invocation from
// the state machine, or an execution status change from EventBridge. An
// execution that ended abnormally (failed, timed out, aborted — including
// failures no Catch sees, such as States.Runtime) gets its records marked
// failed and its application freed, so no pipeline stays "in progress".
func (s *Steps) HandleEvent(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	var probe struct {
		Step string `json:"step"`
	}
	_ = json.Unmarshal(payload, &probe)
	if probe.Step != "" {
		return s.Handle(ctx, payload)
	}
	var ev executionStatusChange
	if err := json.Unmarshal(payload, &ev); err != nil || ev.Source != "aws.states" || ev.DetailType != "Step Functions Execution Status Change" {
		return nil, &InvalidInvocationError{Reason: ErrNotPipelineEvent.Error()}
	}
	switch ev.Detail.Status {
	case "FAILED", "TIMED_OUT", "ABORTED":
	default:
		return json.RawMessage(`{"ignored":true}`), nil
	}
	var run Run
	if err := json.Unmarshal([]byte(ev.Detail.Input), &run); err != nil || run.ApplicationID == "" || run.Pipeline() == "" {
		return nil, &InvalidInvocationError{Reason: "execution input is not a pipeline run"}
	}
	// An execution a cancel stopped (ABORTED) ends canceled: MarkFailed
	// sees the application's cancel request.
	reason := ExecutionEndedReason(ev.Detail.Status, ev.Detail.Error, ev.Detail.Cause)
	if err := s.MarkFailed(ctx, run.ApplicationID, run.Pipeline(), reason); err != nil {
		return nil, transient(err)
	}
	return json.RawMessage(`{"marked_failed":true}`), nil
}

// ExecutionEndedReason says why an execution that ended abnormally failed
// its pipeline.
func ExecutionEndedReason(status, errName, cause string) string {
	reason := fmt.Sprintf("the pipeline execution ended with status %s", status)
	if detail := failureReason(&Failure{Error: errName, Cause: cause}); errName != "" || cause != "" {
		reason += ": " + detail
	}
	return reason
}
