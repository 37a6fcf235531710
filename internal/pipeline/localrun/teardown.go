package localrun

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/slipway-paas/slipway/internal/stepfn"
	"github.com/slipway-paas/slipway/internal/teardown"
)

// Teardowns is the local system's teardown.Starter: it runs the teardown
// state machine definition in-process with the stepfn executor, calling the
// teardown steps through their Lambda JSON boundary, as Step Functions
// calls PipelineFunction in AWS.
type Teardowns struct {
	machine *stepfn.Machine
	invoker stepfn.Invoker
	opts    []stepfn.Option

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	names  map[string]bool
	ended  map[string]stepfn.Status
	wg     sync.WaitGroup
}

// NewTeardowns loads definition (with ${PipelineFunctionArn} still in it)
// for steps. opts (a clock, an observer) apply to every execution.
func NewTeardowns(definition []byte, steps *teardown.Steps, opts ...stepfn.Option) (*Teardowns, error) {
	m, err := stepfn.Parse(Substitute(definition, map[string]string{"PipelineFunctionArn": FunctionARN}))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Teardowns{machine: m, opts: opts, ctx: ctx, cancel: cancel, names: map[string]bool{}, ended: map[string]stepfn.Status{}}
	t.invoker = stepfn.InvokerFunc(func(ctx context.Context, _ string, payload json.RawMessage) (json.RawMessage, error) {
		out, err := steps.Handle(ctx, payload)
		if err != nil {
			return nil, stepfn.NewLambdaTaskError(err)
		}
		return out, nil
	})
	return t, nil
}

// StartTeardown runs the execution in the background; a name that already
// started is a no-op, as in Step Functions.
func (t *Teardowns) StartTeardown(_ context.Context, run teardown.Run) error {
	input, err := json.Marshal(run)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.names[run.ExecutionName] {
		return nil
	}
	t.names[run.ExecutionName] = true
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		opts := append([]stepfn.Option{stepfn.WithName(run.ExecutionName), stepfn.WithInvoker(t.invoker)}, t.opts...)
		res := t.machine.Run(t.ctx, input, opts...)
		if res.Status != stepfn.StatusSucceeded {
			slog.Error("a teardown ended unsuccessfully; repeat the DELETE to start it again",
				"application_id", run.ApplicationID, "status", string(res.Status), "error", res.Error, "cause", res.Cause)
		}
		t.mu.Lock()
		t.ended[run.ExecutionName] = res.Status
		t.mu.Unlock()
	}()
	return nil
}

// Status returns how the named execution ended ("" while it runs or when
// it never started).
func (t *Teardowns) Status(name string) stepfn.Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ended[name]
}

// Wait blocks until every started execution has ended.
func (t *Teardowns) Wait() { t.wg.Wait() }

// Close aborts running executions (their tombstones stay; a repeated
// DELETE resumes them) and waits for them.
func (t *Teardowns) Close() {
	t.cancel()
	t.wg.Wait()
}
