package stepfn

import (
	"encoding/json"
	"time"
)

// EventType names a history event. The names are AWS's history event
// types, plus RetryScheduled, which AWS does not record.
type EventType string

// History event types.
const (
	EventExecutionStarted   EventType = "ExecutionStarted"
	EventExecutionSucceeded EventType = "ExecutionSucceeded"
	EventExecutionFailed    EventType = "ExecutionFailed"
	EventExecutionTimedOut  EventType = "ExecutionTimedOut"
	EventExecutionAborted   EventType = "ExecutionAborted"

	// <Type>StateEntered / <Type>StateExited, e.g. PassStateEntered.
	EventPassStateEntered     EventType = "PassStateEntered"
	EventPassStateExited      EventType = "PassStateExited"
	EventTaskStateEntered     EventType = "TaskStateEntered"
	EventTaskStateExited      EventType = "TaskStateExited"
	EventChoiceStateEntered   EventType = "ChoiceStateEntered"
	EventChoiceStateExited    EventType = "ChoiceStateExited"
	EventWaitStateEntered     EventType = "WaitStateEntered"
	EventWaitStateExited      EventType = "WaitStateExited"
	EventSucceedStateEntered  EventType = "SucceedStateEntered"
	EventSucceedStateExited   EventType = "SucceedStateExited"
	EventFailStateEntered     EventType = "FailStateEntered"
	EventParallelStateEntered EventType = "ParallelStateEntered"
	EventParallelStateExited  EventType = "ParallelStateExited"

	EventParallelStateStarted   EventType = "ParallelStateStarted"
	EventParallelStateSucceeded EventType = "ParallelStateSucceeded"
	EventParallelStateFailed    EventType = "ParallelStateFailed"

	// Task with a Lambda function ARN as Resource.
	EventLambdaFunctionScheduled EventType = "LambdaFunctionScheduled"
	EventLambdaFunctionStarted   EventType = "LambdaFunctionStarted"
	EventLambdaFunctionSucceeded EventType = "LambdaFunctionSucceeded"
	EventLambdaFunctionFailed    EventType = "LambdaFunctionFailed"
	EventLambdaFunctionTimedOut  EventType = "LambdaFunctionTimedOut"

	// Task with arn:aws:states:::lambda:invoke as Resource.
	EventTaskScheduled EventType = "TaskScheduled"
	EventTaskStarted   EventType = "TaskStarted"
	EventTaskSucceeded EventType = "TaskSucceeded"
	EventTaskFailed    EventType = "TaskFailed"
	EventTaskTimedOut  EventType = "TaskTimedOut"

	// EventRetryScheduled is local (ID 0): a Retry matched a failure and
	// the state will run again after RetryDelay.
	EventRetryScheduled EventType = "RetryScheduled"
)

// Event is one history-like event of an execution.
type Event struct {
	// ID numbers the events the way AWS numbers history events
	// (1 = ExecutionStarted); it is 0 for local events (RetryScheduled).
	ID        int
	Type      EventType
	Timestamp time.Time
	State     string          // the state concerned, if any
	Resource  string          // task events: the resource invoked
	Input     json.RawMessage // ExecutionStarted, *StateEntered, *Scheduled
	Output    json.RawMessage // ExecutionSucceeded, *StateExited, *Succeeded
	Error     string          // failure events, RetryScheduled
	Cause     string
	// RetryCount and RetryDelay describe a RetryScheduled event: the
	// state's retry number (1 for the first retry) and the wait before it.
	RetryCount int
	RetryDelay time.Duration
}

// Observer receives every event of an execution, one at a time (calls are
// serialized even when Parallel branches run concurrently). It must not
// block for long: the execution waits for it.
type Observer func(Event)

// eventSpec is an event to emit; input/output are encoded only when an
// observer is listening.
type eventSpec struct {
	typ                 EventType
	state, resource     string
	input, output       any
	hasInput, hasOutput bool
	failure             *failure
	retryCount          int
	retryDelay          time.Duration
}

// emit records an event and returns its id.
func (e *execution) emit(spec eventSpec) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := 0
	if spec.typ != EventRetryScheduled {
		e.lastEventID++
		id = e.lastEventID
	}
	if e.cfg.observer == nil {
		return id
	}
	ev := Event{
		ID:         id,
		Type:       spec.typ,
		Timestamp:  e.clock.Now(),
		State:      spec.state,
		Resource:   spec.resource,
		RetryCount: spec.retryCount,
		RetryDelay: spec.retryDelay,
	}
	if spec.hasInput {
		ev.Input = encodeJSON(spec.input)
	}
	if spec.hasOutput {
		ev.Output = encodeJSON(spec.output)
	}
	if f := spec.failure; f != nil {
		ev.Error, ev.Cause = f.name, f.cause
	}
	e.cfg.observer(ev)
	return id
}
