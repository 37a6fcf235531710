package stepfn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slipway-paas/slipway/internal/stepfn"
)

func ExampleMachine_Run() {
	machine, err := stepfn.Parse([]byte(`{
		"StartAt": "Build",
		"States": {
			"Build": {
				"Type": "Task",
				"Resource": "arn:aws:lambda:us-east-1:123456789012:function:Build",
				"ResultPath": "$.build",
				"Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 5}],
				"Next": "Settle"
			},
			"Settle": {"Type": "Wait", "Seconds": 30, "End": true}
		}}`))
	if err != nil {
		panic(err)
	}
	attempts := 0
	invoker := stepfn.InvokerFunc(func(ctx context.Context, function string, payload json.RawMessage) (json.RawMessage, error) {
		attempts++
		if attempts == 1 {
			return nil, &stepfn.TaskError{Name: "Throttled", Cause: "try again"}
		}
		return json.RawMessage(`{"image":"app:1.2.3"}`), nil
	})
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := stepfn.NewVirtualClock(start)
	res := machine.Run(context.Background(), json.RawMessage(`{"app":"web"}`),
		stepfn.WithInvoker(invoker),
		stepfn.WithClock(clock),
		stepfn.WithObserver(func(e stepfn.Event) {
			if e.Type == stepfn.EventRetryScheduled {
				fmt.Printf("retry %d of %s in %v after %s\n", e.RetryCount, e.State, e.RetryDelay, e.Error)
			}
		}))
	fmt.Println(res.Status, string(res.Output))
	fmt.Println("visited", res.Visited, "in", clock.Now().Sub(start))
	// Output:
	// retry 1 of Build in 5s after Throttled
	// SUCCEEDED {"app":"web","build":{"image":"app:1.2.3"}}
	// visited [Build Settle] in 35s
}

func ExampleParse_rejected() {
	_, err := stepfn.Parse([]byte(`{"StartAt": "Build", "States": {
		"Build": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Build",
			"ItemSelector": {}, "End": true}}}`))
	fmt.Println(err)
	// Output:
	// stepfn: state "Build": field "ItemSelector" is not supported
}
