package stepfn

import (
	"slices"
	"testing"
	"time"
)

// sequenceRandom returns the given values in turn, then repeats the last.
func sequenceRandom(values ...float64) func() float64 {
	i := 0
	return func() float64 {
		v := values[min(i, len(values)-1)]
		i++
		return v
	}
}

func TestRetrySchedule(t *testing.T) {
	tests := []struct {
		name    string
		retrier string
		random  func() float64
		want    []time.Duration
	}{
		{"defaults: 1s, backoff 2, 3 attempts", `{"ErrorEquals":["E"]}`, nil,
			[]time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second}},
		{"BackoffRate 1.5", `{"ErrorEquals":["E"],"IntervalSeconds":2,"MaxAttempts":4,"BackoffRate":1.5}`, nil,
			[]time.Duration{2 * time.Second, 3 * time.Second, 4500 * time.Millisecond, 6750 * time.Millisecond}},
		{"MaxDelaySeconds caps the backoff", `{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":5,"BackoffRate":2,"MaxDelaySeconds":10}`, nil,
			[]time.Duration{3 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}},
		{"FULL jitter scales the capped delay", `{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":4,"BackoffRate":2,"MaxDelaySeconds":10,"JitterStrategy":"FULL"}`,
			sequenceRandom(0.25, 0.5, 0.75, 0),
			[]time.Duration{750 * time.Millisecond, 3 * time.Second, 7500 * time.Millisecond, 0}},
		{"JitterStrategy NONE ignores the random source", `{"ErrorEquals":["E"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":1,"JitterStrategy":"NONE"}`,
			sequenceRandom(0.1),
			[]time.Duration{time.Second, time.Second}},
		{"MaxAttempts 0 never retries", `{"ErrorEquals":["E"],"MaxAttempts":0}`, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := taskMachine(t, `"Retry":[`+tc.retrier+`],"End":true`, "")
			clock := NewVirtualClock(testStart)
			rec := &recorder{}
			inv := newScriptedInvoker().on("T", fails("E", "always"))
			opts := []Option{WithClock(clock), WithInvoker(inv), WithObserver(rec.observe)}
			if tc.random != nil {
				opts = append(opts, WithRandom(tc.random))
			}
			res := run(t, m, `{}`, opts...)
			assertFailed(t, res, "E", "always")
			var delays []time.Duration
			var total time.Duration
			for i, e := range rec.ofType(EventRetryScheduled) {
				delays = append(delays, e.RetryDelay)
				total += e.RetryDelay
				if e.RetryCount != i+1 || e.State != "T" || e.Error != "E" {
					t.Errorf("retry event %d: %+v", i, e)
				}
			}
			if !slices.Equal(delays, tc.want) {
				t.Errorf("delays %v, want %v", delays, tc.want)
			}
			if len(inv.calls) != len(tc.want)+1 {
				t.Errorf("%d invocations, want %d", len(inv.calls), len(tc.want)+1)
			}
			if got := clock.Now().Sub(testStart); got != total {
				t.Errorf("the clock advanced %v, want the sum of the delays %v", got, total)
			}
		})
	}
}

func TestRetriersCountSeparatelyAndDoNotFallThrough(t *testing.T) {
	m := taskMachine(t, `"Retry":[
		{"ErrorEquals":["A"],"MaxAttempts":1,"IntervalSeconds":1},
		{"ErrorEquals":["B"],"MaxAttempts":2,"IntervalSeconds":5},
		{"ErrorEquals":["States.ALL"],"MaxAttempts":5,"IntervalSeconds":100}],"End":true`, "")
	rec := &recorder{}
	// A, B, B: within budgets. Then A again: the A retrier is exhausted, and
	// the States.ALL retrier must not take over.
	inv := newScriptedInvoker().on("T", fails("A", "1"), fails("B", "2"), fails("B", "3"), fails("A", "4"))
	res := run(t, m, `{}`, WithInvoker(inv), WithObserver(rec.observe))
	assertFailed(t, res, "A", "4")
	var delays []time.Duration
	for _, e := range rec.ofType(EventRetryScheduled) {
		delays = append(delays, e.RetryDelay)
	}
	if want := []time.Duration{time.Second, 5 * time.Second, 10 * time.Second}; !slices.Equal(delays, want) {
		t.Errorf("delays %v, want %v", delays, want)
	}
}

func TestRetryThenCatch(t *testing.T) {
	m := taskMachine(t, `"Retry":[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":2}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H","ResultPath":"$.error"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
	inv := newScriptedInvoker().on("T", fails("Flaky", "x"))
	res := run(t, m, `{"in":true}`, WithInvoker(inv))
	assertSucceeded(t, res, `{"in":true,"error":{"Error":"Flaky","Cause":"x"}}`)
	if len(inv.calls) != 3 {
		t.Errorf("%d invocations, want 3", len(inv.calls))
	}
	if !slices.Equal(res.Visited, []string{"T", "H"}) {
		t.Errorf("visited %q", res.Visited)
	}
}

func TestRetrySucceedsEventually(t *testing.T) {
	m := taskMachine(t, `"Retry":[{"ErrorEquals":["Throttled"],"MaxAttempts":3}],"End":true`, "")
	inv := newScriptedInvoker().on("T", fails("Throttled", ""), fails("Throttled", ""), returns(`{"ok":1}`))
	assertSucceeded(t, run(t, m, `{}`, WithInvoker(inv)), `{"ok":1}`)
}

func TestRetryDelayBounds(t *testing.T) {
	rt := &retrier{intervalSeconds: maxRetryNumber, backoffRate: 1000, maxAttempts: 3}
	if d := rt.delay(50, nil); d != maxRetryDelay {
		t.Errorf("huge backoff gives %v, want the %v bound", d, maxRetryDelay)
	}
}
