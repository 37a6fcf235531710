package stepfn

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// testStart is the virtual clock's start in unit tests.
var testStart = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func mustParse(t testing.TB, definition string) *Machine {
	t.Helper()
	m, err := Parse([]byte(definition))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// recorder collects the events of an execution.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) observe(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) types() []EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]EventType, len(r.events))
	for i, e := range r.events {
		out[i] = e.Type
	}
	return out
}

func (r *recorder) ofType(t EventType) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// scriptedInvoker answers each invocation with the next step of a script
// (per state; the last step repeats), recording what it was called with.
type scriptedInvoker struct {
	mu      sync.Mutex
	script  map[string][]func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)
	calls   []invokeCall
	unknown []string
}

type invokeCall struct {
	State, Resource string
	Payload         string
	RetryCount      int
}

func newScriptedInvoker() *scriptedInvoker {
	return &scriptedInvoker{script: map[string][]func(context.Context, json.RawMessage) (json.RawMessage, error){}}
}

func (s *scriptedInvoker) on(state string, steps ...func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)) *scriptedInvoker {
	s.script[state] = append(s.script[state], steps...)
	return s
}

func (s *scriptedInvoker) Invoke(ctx context.Context, resource string, payload json.RawMessage) (json.RawMessage, error) {
	inv, _ := InvocationFrom(ctx)
	s.mu.Lock()
	s.calls = append(s.calls, invokeCall{State: inv.State, Resource: resource, Payload: string(payload), RetryCount: inv.RetryCount})
	steps := s.script[inv.State]
	if len(steps) == 0 {
		s.unknown = append(s.unknown, inv.State)
		s.mu.Unlock()
		return nil, &TaskError{Name: "Test.Unscripted", Cause: inv.State}
	}
	step := steps[0]
	if len(steps) > 1 {
		s.script[inv.State] = steps[1:]
	}
	s.mu.Unlock()
	return step(ctx, payload)
}

func returns(result string) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(context.Context, json.RawMessage) (json.RawMessage, error) { return json.RawMessage(result), nil }
}

func fails(name, cause string) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return nil, &TaskError{Name: name, Cause: cause}
	}
}

func echo() func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(_ context.Context, payload json.RawMessage) (json.RawMessage, error) { return payload, nil }
}

// run executes m on a virtual clock with a fixed name and random source.
func run(t testing.TB, m *Machine, input string, opts ...Option) Result {
	t.Helper()
	base := []Option{WithClock(NewVirtualClock(testStart)), WithName("test-exec"), WithRandom(fixedRandom(0.5))}
	return m.Run(context.Background(), json.RawMessage(input), append(base, opts...)...)
}

// assertJSON compares JSON canonically (key order ignored, numbers by value).
func assertJSON(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	if d := jsonDifference(got, []byte(want), false); d != "" {
		t.Errorf("got %s, want %s (%s)", got, want, d)
	}
}

func assertSucceeded(t testing.TB, res Result, wantOutput string) {
	t.Helper()
	if res.Status != StatusSucceeded {
		t.Fatalf("status %s (error %q, cause %q), want SUCCEEDED", res.Status, res.Error, res.Cause)
	}
	assertJSON(t, res.Output, wantOutput)
}

func assertFailed(t testing.TB, res Result, wantError, wantCauseContains string) {
	t.Helper()
	if res.Status != StatusFailed {
		t.Fatalf("status %s (output %s), want FAILED with %s", res.Status, res.Output, wantError)
	}
	if res.Error != wantError {
		t.Errorf("error %q (cause %q), want %q", res.Error, res.Cause, wantError)
	}
	if !strings.Contains(res.Cause, wantCauseContains) {
		t.Errorf("cause %q, want it to contain %q", res.Cause, wantCauseContains)
	}
}

// taskMachine is a one-Task machine around the given Task fields.
func taskMachine(t testing.TB, taskFields string, extraStates string) *Machine {
	t.Helper()
	return mustParse(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Fn",`+
		taskFields+`}`+extraStates+`}}`)
}
