package stepfn

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const stepMachine = `{"StartAt":"Start","States":{
	"Prepare":{"Type":"Pass","Parameters":{"app.$":"$.app"},"ResultPath":"$.prepared","Next":"Build"},
	"Build":{"Type":"Task","Resource":"` + lambdaARN + `","ResultPath":"$.build",
		"Retry":[{"ErrorEquals":["Throttled"],"MaxAttempts":2}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Failed","ResultPath":"$.error"}],"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.build.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Pause"},
	"Pause":{"Type":"Wait","Seconds":3600,"Next":"Build"},
	"Both":{"Type":"Parallel","Branches":[{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","Result":1,"End":true}}}],"Next":"Done"},
	"Done":{"Type":"Succeed"},
	"Failed":{"Type":"Fail","Error":"BuildFailed","CausePath":"$.error.Cause"},
	"Start":{"Type":"Choice","Choices":[{"Variable":"$.parallel","IsPresent":true,"Next":"Both"}],"Default":"Prepare"}}}`

func TestStep(t *testing.T) {
	m := mustParse(t, stepMachine)
	tests := []struct {
		name    string
		state   string
		input   string
		invoker *scriptedInvoker
		opts    []Option
		want    StepResult
	}{
		{"Pass", "Prepare", `{"app":"web"}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`{"app":"web","prepared":{"app":"web"}}`), NextState: "Build"}},
		{"Task succeeds", "Build", `{}`, newScriptedInvoker().on("Build", returns(`{"ok":true}`)), nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`{"build":{"ok":true}}`), NextState: "Check"}},
		{"Task error a Retry would handle", "Build", `{}`, newScriptedInvoker().on("Build", fails("Throttled", "slow down")), nil,
			StepResult{Status: StepRetriable, Error: "Throttled", Cause: "slow down"}},
		{"retrier exhausted, then caught", "Build", `{}`, newScriptedInvoker().on("Build", fails("Throttled", "slow down")), []Option{WithRetrierRetryCount(2)},
			StepResult{Status: StepCaughtError, Output: json.RawMessage(`{"error":{"Error":"Throttled","Cause":"slow down"}}`), Error: "Throttled", Cause: "slow down", NextState: "Failed"}},
		{"Task error caught", "Build", `{"x":1}`, newScriptedInvoker().on("Build", fails("Exception", "boom")), nil,
			StepResult{Status: StepCaughtError, Output: json.RawMessage(`{"x":1,"error":{"Error":"Exception","Cause":"boom"}}`), Error: "Exception", Cause: "boom", NextState: "Failed"}},
		{"Choice rule", "Check", `{"build":{"ok":true}}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`{"build":{"ok":true}}`), NextState: "Done"}},
		{"Choice Default", "Check", `{"build":{"ok":false}}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`{"build":{"ok":false}}`), NextState: "Pause"}},
		{"Choice runtime error", "Check", `{}`, nil, nil,
			StepResult{Status: StepFailed, Error: ErrorRuntime, Cause: "An error occurred while executing the state 'Check' (entered at the event id #2). Invalid path '$.build.ok': The choice state's condition path references an invalid value."}},
		{"Wait does not wait", "Pause", `{"a":1}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`{"a":1}`), NextState: "Build"}},
		{"Parallel runs its branches", "Both", `{}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`[1]`), NextState: "Done"}},
		{"state inside a branch", "Inner", `{}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`1`)}},
		{"Succeed", "Done", `{"a":1}`, nil, nil,
			StepResult{Status: StepSucceeded, Output: json.RawMessage(`{"a":1}`)}},
		{"Fail", "Failed", `{"error":{"Cause":"c"}}`, nil, nil,
			StepResult{Status: StepFailed, Error: "BuildFailed", Cause: "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewVirtualClock(testStart)
			opts := append([]Option{WithClock(clock)}, tc.opts...)
			if tc.invoker != nil {
				opts = append(opts, WithInvoker(tc.invoker))
			}
			got, err := m.Step(context.Background(), tc.state, json.RawMessage(tc.input), opts...)
			if err != nil {
				t.Fatalf("Step: %v", err)
			}
			if got.Status != tc.want.Status || got.Error != tc.want.Error || got.Cause != tc.want.Cause || got.NextState != tc.want.NextState {
				t.Errorf("got %+v (output %s), want %+v", got, got.Output, tc.want)
			}
			if tc.want.Output != nil {
				assertJSON(t, got.Output, string(tc.want.Output))
			} else if got.Output != nil {
				t.Errorf("output %s, want none", got.Output)
			}
			if !clock.Now().Equal(testStart) {
				t.Errorf("Step moved the clock by %v", clock.Now().Sub(testStart))
			}
			if tc.invoker != nil && len(tc.invoker.calls) != 1 {
				t.Errorf("%d invocations, want exactly 1 (Step never retries)", len(tc.invoker.calls))
			}
		})
	}
}

func TestStepMisuse(t *testing.T) {
	m := mustParse(t, stepMachine)
	if _, err := m.Step(context.Background(), "Nope", nil); err == nil || !strings.Contains(err.Error(), `no state named "Nope"`) {
		t.Errorf("unknown state: %v", err)
	}
	if _, err := m.Step(context.Background(), "Prepare", json.RawMessage(`{`)); err == nil {
		t.Error("invalid input accepted")
	}
	if _, err := m.Step(context.Background(), "Build", nil); err == nil || !strings.Contains(err.Error(), "WithInvoker") {
		t.Errorf("Task without invoker: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	inv := newScriptedInvoker().on("Build", func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
		cancel()
		return nil, ctx.Err()
	})
	if _, err := m.Step(ctx, "Build", nil, WithInvoker(inv)); err == nil || !strings.Contains(err.Error(), "aborted") {
		t.Errorf("cancelled step: %v", err)
	}
}
