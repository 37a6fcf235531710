package stepfn

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// StepStatus is the outcome of Step, named like the statuses of AWS's
// TestState API.
type StepStatus string

// Step statuses.
const (
	StepSucceeded   StepStatus = "SUCCEEDED"
	StepFailed      StepStatus = "FAILED"
	StepRetriable   StepStatus = "RETRIABLE"    // a Retry would run the state again
	StepCaughtError StepStatus = "CAUGHT_ERROR" // a Catch handled the error
)

// StepResult is the outcome of running one state with Step.
type StepResult struct {
	Status StepStatus
	// Output is the state's output (SUCCEEDED), or the catcher's output
	// (CAUGHT_ERROR).
	Output json.RawMessage
	// Error and Cause describe the error (FAILED, RETRIABLE, CAUGHT_ERROR).
	Error string
	Cause string
	// NextState is where the execution would go next: Next, the matching
	// Choice rule or Default, or the catcher's Next; "" when the state ends
	// the execution or failed.
	NextState string
}

// Step runs the named state once with the given input (JSON; empty means
// {}), like AWS's TestState: it does not retry (a failure a Retry would
// handle is RETRIABLE; see WithRetrierRetryCount), does not sleep in Wait
// states, and ignores the machine's TimeoutSeconds. The state may be inside
// a Parallel branch; a Parallel state runs its branches completely. The
// input is also $$.Execution.Input. The error is for misuse: an unknown
// state, input that is not JSON, a Task state without an Invoker, or a
// cancelled context.
func (m *Machine) Step(ctx context.Context, stateName string, input json.RawMessage, opts ...Option) (StepResult, error) {
	st, ok := m.states[stateName]
	if !ok {
		return StepResult{}, fmt.Errorf("stepfn: no state named %q", stateName)
	}
	cfg := newConfig(opts)
	in, err := decodeInput(input)
	if err != nil {
		return StepResult{}, fmt.Errorf("stepfn: %v", err)
	}
	if cfg.invoker == nil && hasTask(st) {
		return StepResult{}, fmt.Errorf("stepfn: state %q runs Task states; pass WithInvoker", stateName)
	}
	e := newExecution(m, cfg, in)
	e.deadline = time.Time{}
	e.lastEventID = 1 // as if ExecutionStarted were event 1, so causes read like Run's
	res := e.runState(ctx, st, in, true)
	switch {
	case res.fail != nil && res.fail.kind == failAborted:
		return StepResult{}, fmt.Errorf("stepfn: step aborted: %w", context.Cause(ctx))
	case res.fail != nil:
		status := StepFailed
		if res.fail.retriable {
			status = StepRetriable
		}
		return StepResult{Status: status, Error: res.fail.name, Cause: res.fail.cause}, nil
	case res.caught != nil:
		return StepResult{Status: StepCaughtError, Output: encodeJSON(res.output), Error: res.caught.name,
			Cause: res.caught.cause, NextState: res.next}, nil
	}
	return StepResult{Status: StepSucceeded, Output: encodeJSON(res.output), NextState: res.next}, nil
}

// hasTask reports whether running st may run a Task state.
func hasTask(st *state) bool {
	if st.typ == typeTask {
		return true
	}
	for _, g := range st.branches {
		for _, inner := range g.states {
			if hasTask(inner) {
				return true
			}
		}
	}
	return false
}
