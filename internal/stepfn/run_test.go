package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCatchOrdering(t *testing.T) {
	const catchers = `"Catch":[
		{"ErrorEquals":["Lambda.Unknown"],"Next":"Unknown"},
		{"ErrorEquals":["Custom","Other"],"Next":"Custom","ResultPath":"$.err"},
		{"ErrorEquals":["States.TaskFailed"],"Next":"TaskFailed"},
		{"ErrorEquals":["States.ALL"],"Next":"All","ResultPath":null}],"End":true`
	const handlers = `,"Unknown":{"Type":"Pass","End":true},"Custom":{"Type":"Pass","End":true},
		"TaskFailed":{"Type":"Pass","End":true},"All":{"Type":"Pass","End":true}`
	clock := NewVirtualClock(testStart)
	tests := []struct {
		name       string
		failure    func(context.Context, json.RawMessage) (json.RawMessage, error)
		wantState  string
		wantOutput string
	}{
		{"first matching catcher wins", fails("Other", "c"), "Custom", `{"in":1,"err":{"Error":"Other","Cause":"c"}}`},
		{"TaskFailed matches any task error", fails("Exception", "boom"), "TaskFailed", `{"Error":"Exception","Cause":"boom"}`},
		{"plain Go error is States.TaskFailed", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			return nil, errors.New("connection reset")
		}, "TaskFailed", `{"Error":"States.TaskFailed","Cause":"connection reset"}`},
		{"TaskFailed does not match States.Timeout; ALL does", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			clock.Advance(2 * time.Second) // longer than the task's TimeoutSeconds
			return json.RawMessage(`{}`), nil
		}, "All", `{"in":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := taskMachine(t, `"TimeoutSeconds":1,`+catchers, handlers)
			res := run(t, m, `{"in":1}`, WithClock(clock), WithInvoker(newScriptedInvoker().on("T", tc.failure)))
			assertSucceeded(t, res, tc.wantOutput)
			if want := []string{"T", tc.wantState}; !slices.Equal(res.Visited, want) {
				t.Errorf("visited %q, want %q", res.Visited, want)
			}
		})
	}
}

func TestUncaughtTaskErrorFailsExecution(t *testing.T) {
	m := taskMachine(t, `"Catch":[{"ErrorEquals":["Lambda.Unknown"],"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
	res := run(t, m, `{}`, WithInvoker(newScriptedInvoker().on("T", fails("Exception", "boom"))))
	assertFailed(t, res, "Exception", "boom")
}

func TestStatesRuntimeIsNeverCaught(t *testing.T) {
	for _, errorEquals := range []string{`["States.ALL"]`, `["States.Runtime"]`, `["States.TaskFailed"]`} {
		t.Run(errorEquals, func(t *testing.T) {
			m := taskMachine(t, `"OutputPath":"$.missing",
				"Retry":[{"ErrorEquals":`+errorEquals+`}],
				"Catch":[{"ErrorEquals":`+errorEquals+`,"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
			inv := newScriptedInvoker().on("T", returns(`{}`))
			res := run(t, m, `{}`, WithInvoker(inv))
			assertFailed(t, res, ErrorRuntime, "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']")
			if len(inv.calls) != 1 {
				t.Errorf("%d invocations, want 1 (States.Runtime is not retried)", len(inv.calls))
			}
		})
	}
}

func TestRuntimeErrorInParallelBranchIsNotCaught(t *testing.T) {
	m := mustParse(t, `{"StartAt":"Par","States":{
		"Par":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.nope","End":true}}}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},
		"H":{"Type":"Pass","End":true}}}`)
	assertFailed(t, run(t, m, `{}`), ErrorRuntime, "Invalid path '$.nope' : No results for path: $['nope']")
}

func TestDataLimitExceeded(t *testing.T) {
	big := `"` + strings.Repeat("a", maxPayloadBytes) + `"` // encodes to 262,146 bytes
	justFits := `"` + strings.Repeat("a", maxPayloadBytes-2) + `"`
	t.Run("a Pass result over the quota fails the execution", func(t *testing.T) {
		m := mustParse(t, oneState("P", `{"Type":"Pass","Result":`+big+`,"End":true}`))
		assertFailed(t, run(t, m, `{}`), ErrorDataLimitExceeded, "The state/task 'P' returned a result with a size exceeding the maximum number of bytes service limit.")
	})
	t.Run("a result of exactly 256 KiB is allowed", func(t *testing.T) {
		m := mustParse(t, oneState("P", `{"Type":"Pass","Result":`+justFits+`,"End":true}`))
		if res := run(t, m, `{}`); res.Status != StatusSucceeded {
			t.Fatalf("status %s: %s", res.Status, res.Cause)
		}
	})
	t.Run("a Task result over the quota is caught by States.ALL", func(t *testing.T) {
		m := taskMachine(t, `"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
		res := run(t, m, `{}`, WithInvoker(newScriptedInvoker().on("T", returns(big))))
		assertSucceeded(t, res, `{"Error":"States.DataLimitExceeded","Cause":"The state/task '`+lambdaARN+`' returned a result with a size exceeding the maximum number of bytes service limit."}`)
	})
	t.Run("an output over the quota after ResultPath is not caught", func(t *testing.T) {
		half := `"` + strings.Repeat("b", maxPayloadBytes/2+10) + `"`
		m := taskMachine(t, `"ResultPath":"$.result","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
		res := run(t, m, `{"input":`+half+`}`, WithInvoker(newScriptedInvoker().on("T", returns(half))))
		assertFailed(t, res, ErrorDataLimitExceeded, "The state/task 'T' returned")
	})
	t.Run("execution input over the quota", func(t *testing.T) {
		m := mustParse(t, oneState("P", `{"Type":"Pass","End":true}`))
		assertFailed(t, run(t, m, big), ErrorDataLimitExceeded, "input exceeds")
	})
}

func TestExecutionTimeout(t *testing.T) {
	t.Run("a Wait past TimeoutSeconds", func(t *testing.T) {
		m := mustParse(t, `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}}`)
		clock := NewVirtualClock(testStart)
		rec := &recorder{}
		res := run(t, m, `{}`, WithClock(clock), WithObserver(rec.observe))
		if res.Status != StatusTimedOut || res.Error != ErrorTimeout {
			t.Fatalf("status %s error %q, want TIMED_OUT States.Timeout", res.Status, res.Error)
		}
		if got := clock.Now().Sub(testStart); got != 10*time.Second {
			t.Errorf("the clock advanced %v, want exactly the 10s timeout", got)
		}
		if !slices.Equal(res.Visited, []string{"W"}) {
			t.Errorf("visited %q", res.Visited)
		}
		if types := rec.types(); types[len(types)-1] != EventExecutionTimedOut {
			t.Errorf("last event %s, want ExecutionTimedOut", types[len(types)-1])
		}
	})
	t.Run("a slow task past TimeoutSeconds is not caught", func(t *testing.T) {
		m := mustParse(t, `{"TimeoutSeconds":30,"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"`+lambdaARN+`","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},
			"H":{"Type":"Pass","End":true}}}`)
		clock := NewVirtualClock(testStart)
		slow := func(context.Context, json.RawMessage) (json.RawMessage, error) {
			clock.Advance(45 * time.Second) // the function runs longer than the execution may
			return json.RawMessage(`{}`), nil
		}
		res := run(t, m, `{}`, WithClock(clock), WithInvoker(newScriptedInvoker().on("T", slow)))
		if res.Status != StatusTimedOut {
			t.Fatalf("status %s (%s %s), want TIMED_OUT", res.Status, res.Error, res.Cause)
		}
	})
	t.Run("retries past TimeoutSeconds", func(t *testing.T) {
		m := mustParse(t, `{"TimeoutSeconds":5,"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":10}],"End":true}}}`)
		clock := NewVirtualClock(testStart)
		inv := newScriptedInvoker().on("T", fails("E", "c"))
		res := run(t, m, `{}`, WithClock(clock), WithInvoker(inv))
		if res.Status != StatusTimedOut {
			t.Fatalf("status %s, want TIMED_OUT", res.Status)
		}
		// Attempts at 0s and 2s; the next retry would start at 2+4 = 6s > 5s.
		if len(inv.calls) != 2 || clock.Now().Sub(testStart) != 5*time.Second {
			t.Errorf("%d calls, clock at +%v; want 2 calls and +5s", len(inv.calls), clock.Now().Sub(testStart))
		}
	})
}

func TestTaskTimeoutSeconds(t *testing.T) {
	m := taskMachine(t, `"TimeoutSeconds":10,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1}],
		"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
	clock := NewVirtualClock(testStart)
	var deadlines []time.Duration
	slow := func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
		if d, ok := ctx.Deadline(); ok {
			deadlines = append(deadlines, time.Until(d).Round(time.Second))
		}
		clock.Advance(11 * time.Second)
		return json.RawMessage(`"late"`), nil
	}
	rec := &recorder{}
	res := run(t, m, `{}`, WithClock(clock), WithInvoker(newScriptedInvoker().on("T", slow)), WithObserver(rec.observe))
	assertSucceeded(t, res, `{"Error":"States.Timeout"}`)
	if len(deadlines) != 2 || deadlines[0] != 10*time.Second {
		t.Errorf("invocation deadlines %v, want two of 10s", deadlines)
	}
	if got := len(rec.ofType(EventLambdaFunctionTimedOut)); got != 2 {
		t.Errorf("%d LambdaFunctionTimedOut events, want 2", got)
	}
}

func TestWaitAdvancesVirtualClockExactly(t *testing.T) {
	tests := []struct {
		name  string
		wait  string
		input string
		want  time.Duration
	}{
		{"Seconds", `"Seconds":90`, `{}`, 90 * time.Second},
		{"SecondsPath", `"SecondsPath":"$.delay"`, `{"delay":7}`, 7 * time.Second},
		{"SecondsPath 0", `"SecondsPath":"$.delay"`, `{"delay":0}`, 0},
		{"Timestamp in the future", `"Timestamp":"2024-01-02T03:05:05.5Z"`, `{}`, 60*time.Second + 500*time.Millisecond},
		{"TimestampPath with offset", `"TimestampPath":"$.at"`, `{"at":"2024-01-02T04:04:05+01:00"}`, 0},
		{"TimestampPath in the future", `"TimestampPath":"$.at"`, `{"at":"2024-01-02T03:14:05.000000001Z"}`, 10*time.Minute + time.Nanosecond},
		{"Timestamp in the past", `"Timestamp":"2016-03-14T01:59:00Z"`, `{}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, oneState("W", `{"Type":"Wait",`+tc.wait+`,"End":true}`))
			clock := NewVirtualClock(testStart)
			res := run(t, m, tc.input, WithClock(clock))
			assertSucceeded(t, res, tc.input)
			if got := clock.Now().Sub(testStart); got != tc.want {
				t.Errorf("waited %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWaitRuntimeErrors(t *testing.T) {
	tests := []struct {
		wait, input, wantCause string
	}{
		{`"SecondsPath":"$.s"`, `{"s":"5"}`, "The SecondsPath parameter cannot be parsed as a long value: $.s == 5"},
		{`"SecondsPath":"$.s"`, `{"s":1.0}`, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.0"},
		{`"SecondsPath":"$.s"`, `{"s":-3}`, "The SecondsPath parameter references a negative value: $.s == -3"},
		{`"SecondsPath":"$.s"`, `{}`, "Invalid path '$.s' : No results for path: $['s']"},
		{`"TimestampPath":"$.at"`, `{"at":5}`, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.at == 5"},
		{`"TimestampPath":"$.at"`, `{"at":"2016-02-30T00:00:00Z"}`, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.at == 2016-02-30T00:00:00Z"},
		{`"TimestampPath":"$.at"`, `{"at":"2016-03-14t01:59:00Z"}`, `stepfn cannot tell whether AWS accepts "2016-03-14t01:59:00Z" as a timestamp`},
	}
	for _, tc := range tests {
		t.Run(tc.input, func(t *testing.T) {
			m := mustParse(t, oneState("W", `{"Type":"Wait",`+tc.wait+`,"End":true}`))
			assertFailed(t, run(t, m, tc.input), ErrorRuntime, "(entered at the event id #2). "+tc.wantCause)
		})
	}
}

func TestContextCancelAborts(t *testing.T) {
	t.Run("cancelled during a task", func(t *testing.T) {
		m := taskMachine(t, `"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"Next":"H"`, `,"H":{"Type":"Pass","End":true}`)
		ctx, cancel := context.WithCancel(context.Background())
		rec := &recorder{}
		inv := newScriptedInvoker().on("T", func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		})
		res := m.Run(ctx, json.RawMessage(`{}`), WithClock(NewVirtualClock(testStart)), WithInvoker(inv), WithObserver(rec.observe))
		if res.Status != StatusAborted {
			t.Fatalf("status %s (%s), want ABORTED", res.Status, res.Error)
		}
		if !slices.Equal(res.Visited, []string{"T"}) {
			t.Errorf("visited %q, want only T (the Catch must not run)", res.Visited)
		}
		if types := rec.types(); types[len(types)-1] != EventExecutionAborted {
			t.Errorf("last event %s", types[len(types)-1])
		}
	})
	t.Run("cancelled before the start", func(t *testing.T) {
		m := mustParse(t, oneState("P", `{"Type":"Pass","End":true}`))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if res := m.Run(ctx, nil); res.Status != StatusAborted || len(res.Visited) != 0 {
			t.Errorf("status %s visited %q, want ABORTED before any state", res.Status, res.Visited)
		}
	})
	t.Run("cancelled during a real wait", func(t *testing.T) {
		m := mustParse(t, oneState("W", `{"Type":"Wait","Seconds":3600,"End":true}`))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan Result)
		observer := func(e Event) {
			if e.Type == EventWaitStateEntered {
				cancel()
			}
		}
		go func() { done <- m.Run(ctx, nil, WithObserver(observer)) }()
		if res := <-done; res.Status != StatusAborted {
			t.Errorf("status %s, want ABORTED", res.Status)
		}
	})
}

func TestEventSequenceAndIDs(t *testing.T) {
	m := mustParse(t, `{"StartAt":"P","States":{
		"P":{"Type":"Pass","Next":"T"},
		"T":{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["E"]}],"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"S"}],"Default":"F"},
		"S":{"Type":"Succeed"},
		"F":{"Type":"Fail","Error":"NotOK"}}}`)
	rec := &recorder{}
	inv := newScriptedInvoker().on("T", fails("E", "c"), returns(`{"ok":true}`))
	res := run(t, m, `{}`, WithInvoker(inv), WithObserver(rec.observe))
	assertSucceeded(t, res, `{"ok":true}`)
	want := []EventType{
		EventExecutionStarted, EventPassStateEntered, EventPassStateExited,
		EventTaskStateEntered, EventLambdaFunctionScheduled, EventLambdaFunctionStarted, EventLambdaFunctionFailed,
		EventRetryScheduled,
		EventLambdaFunctionScheduled, EventLambdaFunctionStarted, EventLambdaFunctionSucceeded, EventTaskStateExited,
		EventChoiceStateEntered, EventChoiceStateExited, EventSucceedStateEntered, EventSucceedStateExited,
		EventExecutionSucceeded,
	}
	if got := rec.types(); !slices.Equal(got, want) {
		t.Fatalf("events\n%v\nwant\n%v", got, want)
	}
	id := 0
	for _, e := range rec.events {
		if e.Type == EventRetryScheduled {
			if e.ID != 0 || e.RetryCount != 1 || e.RetryDelay != time.Second || e.Error != "E" {
				t.Errorf("RetryScheduled %+v", e)
			}
			continue
		}
		id++
		if e.ID != id {
			t.Errorf("%s has id %d, want %d", e.Type, e.ID, id)
		}
	}
	if e := rec.events[4]; string(e.Input) != `{}` || e.Resource != lambdaARN || e.State != "T" {
		t.Errorf("LambdaFunctionScheduled %+v", e)
	}
	if len(inv.calls) != 2 || inv.calls[1].RetryCount != 1 {
		t.Errorf("calls %+v", inv.calls)
	}
}

func TestParallel(t *testing.T) {
	m := mustParse(t, `{"StartAt":"Par","States":{"Par":{"Type":"Parallel",
		"Parameters":{"n.$":"$.n"},
		"Branches":[
			{"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":5,"Next":"Double"},"Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($.n, $.n)"},"End":true}}},
			{"StartAt":"Fetch","States":{"Fetch":{"Type":"Task","Resource":"`+lambdaARN+`","End":true}}}],
		"ResultSelector":{"first.$":"$[0].v","second.$":"$[1]"},
		"ResultPath":"$.results","End":true}}}`)
	inv := newScriptedInvoker().on("Fetch", echo())
	res := run(t, m, `{"n":21}`, WithInvoker(inv))
	assertSucceeded(t, res, `{"n":21,"results":{"first":42,"second":{"n":21}}}`)
	slices.Sort(res.Visited)
	if want := []string{"Double", "Fetch", "Par", "Slow"}; !slices.Equal(res.Visited, want) {
		t.Errorf("visited %q, want %q", res.Visited, want)
	}
}

func TestParallelFailureCancelsOtherBranches(t *testing.T) {
	m := mustParse(t, `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[
			{"StartAt":"Block","States":{"Block":{"Type":"Task","Resource":"`+lambdaARN+`","End":true}}},
			{"StartAt":"Boom","States":{"Boom":{"Type":"Task","Resource":"`+lambdaARN+`","Next":"Fail"},"Fail":{"Type":"Fail","Error":"Broken","Cause":"branch 2"}}}],
		"Retry":[{"ErrorEquals":["Broken"],"MaxAttempts":1}],
		"Catch":[{"ErrorEquals":["Broken"],"Next":"Caught","ResultPath":"$.error"}],"End":true},
		"Caught":{"Type":"Pass","End":true}}}`)
	started := make(chan struct{})
	cancelled := 0
	block := func(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
		started <- struct{}{}
		<-ctx.Done() // only a cancellation by the failing sibling ends this
		cancelled++
		return nil, ctx.Err()
	}
	boom := func(context.Context, json.RawMessage) (json.RawMessage, error) {
		<-started // fail only once the other branch is running
		return json.RawMessage(`{}`), nil
	}
	inv := newScriptedInvoker().on("Block", block).on("Boom", boom)
	res := run(t, m, `{"x":1}`, WithInvoker(inv))
	assertSucceeded(t, res, `{"x":1,"error":{"Error":"Broken","Cause":"branch 2"}}`)
	if cancelled != 2 {
		t.Errorf("the blocking branch was cancelled %d times, want 2 (the Parallel is retried once)", cancelled)
	}
}

func TestDataFlow(t *testing.T) {
	tests := []struct {
		name, state, input, want string
	}{
		{"ResultPath null keeps the input", `{"Type":"Pass","Result":{"r":1},"ResultPath":null,"End":true}`, `{"a":1}`, `{"a":1}`},
		{"ResultPath creates intermediate objects", `{"Type":"Pass","Result":"v","ResultPath":"$.x.y.z","End":true}`, `{"a":1}`, `{"a":1,"x":{"y":{"z":"v"}}}`},
		{"ResultPath replaces a field", `{"Type":"Pass","Result":2,"ResultPath":"$['a']","End":true}`, `{"a":1,"b":1}`, `{"a":2,"b":1}`},
		{"InputPath then Parameters then OutputPath", `{"Type":"Pass","InputPath":"$.in","Parameters":{"v.$":"$.v","k":"const","nested":{"w.$":"$.v"},"list":[{"x.$":"$.v"},2]},"OutputPath":"$.nested","End":true}`, `{"in":{"v":3}}`, `{"w":3}`},
		{"InputPath null gives {}", `{"Type":"Pass","InputPath":null,"End":true}`, `{"a":1}`, `{}`},
		{"OutputPath null gives {}", `{"Type":"Pass","OutputPath":null,"End":true}`, `{"a":1}`, `{}`},
		{"Result ignores Parameters", `{"Type":"Pass","Parameters":{"p":1},"Result":{"r":1},"End":true}`, `{}`, `{"r":1}`},
		{"Succeed applies paths", `{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}`, `{"a":{"b":[1]}}`, `[1]`},
		{"bracket and index paths", `{"Type":"Pass","Parameters":{"v.$":"$['my key'][1].x"},"End":true}`, `{"my key":[0,{"x":"y"}]}`, `{"v":"y"}`},
		{"non-object input passes through", `{"Type":"Pass","End":true}`, `[1,"a",null]`, `[1,"a",null]`},
		{"number literals kept", `{"Type":"Pass","Parameters":{"a.$":"$.a","b":1.50},"End":true}`, `{"a":1.0e2}`, `{"a":1.0e2,"b":1.50}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, mustParse(t, oneState("S", tc.state)), tc.input)
			assertSucceeded(t, res, tc.want)
			if d := jsonDifference(res.Output, []byte(tc.want), true); d != "" {
				t.Errorf("literal forms differ: %s", d)
			}
		})
	}
}

func TestResultPathMatchFailure(t *testing.T) {
	m := mustParse(t, oneState("P", `{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}`))
	assertFailed(t, run(t, m, `{"a":"text"}`), ErrorResultPathMatchFailure, `Unable to apply ResultPath '$.a.b' to input '{"a":"text"}'`)
}

func TestContextObject(t *testing.T) {
	m := mustParse(t, `{"StartAt":"Wait","States":{
		"Wait":{"Type":"Wait","Seconds":3,"Next":"P"},
		"P":{"Type":"Pass","Parameters":{"all.$":"$$","input.$":"$$.Execution.Input.a","id.$":"$$.Execution.Id","state.$":"$$.State.Name"},"End":true}}}`)
	res := run(t, m, `{"a":[1]}`, WithName("exec-1"), WithStateMachineARN("arn:aws:states:eu-west-1:111122223333:stateMachine:deploy"),
		WithRoleARN("arn:aws:iam::111122223333:role/deployer"))
	assertSucceeded(t, res, `{
		"all":{
			"Execution":{"Id":"arn:aws:states:eu-west-1:111122223333:execution:deploy:exec-1","Input":{"a":[1]},"Name":"exec-1",
				"RoleArn":"arn:aws:iam::111122223333:role/deployer","StartTime":"2024-01-02T03:04:05.000Z","RedriveCount":0},
			"State":{"EnteredTime":"2024-01-02T03:04:08.000Z","Name":"P","RetryCount":0},
			"StateMachine":{"Id":"arn:aws:states:eu-west-1:111122223333:stateMachine:deploy","Name":"deploy"}},
		"input":[1],"id":"arn:aws:states:eu-west-1:111122223333:execution:deploy:exec-1","state":"P"}`)
}

func TestRetryCountInContextObject(t *testing.T) {
	m := taskMachine(t, `"Parameters":{"attempt.$":"$$.State.RetryCount"},"ResultSelector":{"final.$":"$$.State.RetryCount","r.$":"$"},
		"Retry":[{"ErrorEquals":["E"],"MaxAttempts":5}],"End":true`, "")
	inv := newScriptedInvoker().on("T", fails("E", ""), fails("E", ""), echo())
	res := run(t, m, `{}`, WithInvoker(inv))
	assertSucceeded(t, res, `{"final":2,"r":{"attempt":2}}`)
	var payloads []string
	for _, c := range inv.calls {
		payloads = append(payloads, c.Payload)
	}
	if want := []string{`{"attempt":0}`, `{"attempt":1}`, `{"attempt":2}`}; !slices.Equal(payloads, want) {
		t.Errorf("payloads %q, want %q", payloads, want)
	}
}

func TestLambdaInvokeTask(t *testing.T) {
	m := mustParse(t, oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName.$":"$.fn","Payload":{"x.$":"$.x"}},
		"ResultSelector":{"payload.$":"$.Payload","status.$":"$.StatusCode","version.$":"$.ExecutedVersion"},"End":true}`))
	inv := newScriptedInvoker().on("T", func(_ context.Context, payload json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"got":` + string(payload) + `}`), nil
	})
	res := run(t, m, `{"fn":"Deploy","x":1}`, WithInvoker(inv))
	assertSucceeded(t, res, `{"payload":{"got":{"x":1}},"status":200,"version":"$LATEST"}`)
	if len(inv.calls) != 1 || inv.calls[0].Resource != "Deploy" || inv.calls[0].Payload != `{"x":1}` {
		t.Errorf("calls %+v", inv.calls)
	}

	t.Run("qualified FunctionName from a path", func(t *testing.T) {
		res := run(t, m, `{"fn":"Deploy:live","x":1}`, WithInvoker(inv))
		assertFailed(t, res, ErrorRuntime, `has the qualifier "live"`)
	})
	t.Run("full result shape", func(t *testing.T) {
		m := mustParse(t, oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"F","Payload.$":"$"},"End":true}`))
		res := run(t, m, `{}`, WithInvoker(newScriptedInvoker().on("T", returns(`"ok"`))))
		var out map[string]json.RawMessage
		if err := json.Unmarshal(res.Output, &out); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range out {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}; !slices.Equal(keys, want) {
			t.Errorf("keys %q, want %q", keys, want)
		}
	})
}

func TestFailState(t *testing.T) {
	tests := []struct {
		name, state, input, wantError, wantCause string
	}{
		{"Error and Cause", `{"Type":"Fail","Error":"E","Cause":"C"}`, `{}`, "E", "C"},
		{"neither", `{"Type":"Fail"}`, `{}`, "", ""},
		{"paths", `{"Type":"Fail","ErrorPath":"$.e","CausePath":"$$.Execution.Input.c"}`, `{"e":"E1","c":"C1"}`, "E1", "C1"},
		{"intrinsic", `{"Type":"Fail","Error":"E","CausePath":"States.Format('{} of {}', $.n, $.m)"}`, `{"n":1,"m":2}`, "E", "1 of 2"},
		{"path to a non-string", `{"Type":"Fail","ErrorPath":"$.e"}`, `{"e":1}`, ErrorRuntime, "The ErrorPath field must resolve to a string, got number"},
		{"missing path", `{"Type":"Fail","CausePath":"$.c"}`, `{"x":1}`, ErrorRuntime, `The JSONPath '$.c' specified for the field 'CausePath' could not be found in the input '{"x":1}'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, mustParse(t, oneState("F", tc.state)), tc.input)
			if res.Status != StatusFailed || res.Error != tc.wantError || !strings.Contains(res.Cause, tc.wantCause) || (tc.wantCause == "" && res.Cause != "") {
				t.Errorf("got %s %q %q, want FAILED %q %q", res.Status, res.Error, res.Cause, tc.wantError, tc.wantCause)
			}
		})
	}
}

func TestRunInputAndInvokerChecks(t *testing.T) {
	task := taskMachine(t, `"End":true`, "")
	if res := task.Run(context.Background(), json.RawMessage(`{}`)); res.Status != StatusFailed || res.Error != ErrorNoInvoker {
		t.Errorf("no invoker: %+v", res)
	}
	pass := mustParse(t, oneState("P", `{"Type":"Pass","End":true}`))
	if res := pass.Run(context.Background(), json.RawMessage(`{"a":`)); res.Status != StatusFailed || res.Error != ErrorInvalidInput {
		t.Errorf("bad input: %+v", res)
	}
	if res := pass.Run(context.Background(), nil); res.Status != StatusSucceeded || string(res.Output) != `{}` {
		t.Errorf("empty input: %+v", res)
	}
	if res := pass.Run(context.Background(), json.RawMessage(`"text"`)); string(res.Output) != `"text"` {
		t.Errorf("string input: %+v", res)
	}
}

func TestInvokerGetsInvocationAndRawJSON(t *testing.T) {
	m := taskMachine(t, `"Parameters":{"html":"<a&b>"},"End":true`, "")
	inv := newScriptedInvoker().on("T", returns(``))
	res := run(t, m, `{}`, WithInvoker(inv))
	assertSucceeded(t, res, `null`)
	if c := inv.calls[0]; c.State != "T" || c.Resource != lambdaARN || c.Payload != `{"html":"<a&b>"}` {
		t.Errorf("call %+v", c)
	}
	res = run(t, m, `{}`, WithInvoker(newScriptedInvoker().on("T", returns(`{not json`))))
	assertFailed(t, res, ErrorTaskFailed, "the invoker returned invalid JSON")
}

func TestMachineIsSafeForConcurrentRuns(t *testing.T) {
	m := mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($.n, 1)"},"Next":"Par"},
		"Par":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1,"End":true}}}],"End":true}}}`)
	done := make(chan Result, 8)
	for i := 0; i < cap(done); i++ {
		go func() { done <- run(t, m, `{"n":1}`) }()
	}
	for i := 0; i < cap(done); i++ {
		assertSucceeded(t, <-done, `[{"v":2},{"v":2}]`)
	}
}
