// Package localrun is the local system's pipeline starter: it runs the
// deploy state machine definition in-process with the stepfn executor. It
// lives apart from package pipeline so that no Lambda links the executor.
package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/slipway-paas/slipway/internal/pipeline"
	"github.com/slipway-paas/slipway/internal/stepfn"
)

// FunctionARN stands for PipelineFunction in the local system's copy
// of the state machine definition.
const FunctionARN = "arn:aws:lambda:us-east-1:000000000000:function:slipway-pipeline"

// Substitute replaces ${Name} placeholders in a definition the way
// CloudFormation's DefinitionSubstitutions does.
func Substitute(definition []byte, values map[string]string) []byte {
	for name, v := range values {
		definition = bytes.ReplaceAll(definition, []byte("${"+name+"}"), []byte(v))
	}
	return definition
}

// Runner is the local system's pipeline.Starter: it runs the same deploy state
// machine definition in-process with the stepfn executor, calling the step
// handlers through their Lambda JSON boundary (errors named as the Go
// Lambda runtime names them). An execution that ends abnormally gets its
// pipeline marked failed, as EventBridge does in AWS.
type Runner struct {
	machine *stepfn.Machine
	steps   *pipeline.Steps
	opts    []stepfn.Option
	invoker stepfn.Invoker

	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	names   map[string]bool
	running map[string]context.CancelFunc // by execution name
	wg      sync.WaitGroup
}

// New loads definition (with ${PipelineFunctionArn} still in it)
// for steps. opts (a clock, an observer) apply to every execution. A
// steps without a Starter gets the runner, so the queued push a pipeline
// leaves starts here too.
func New(definition []byte, steps *pipeline.Steps, opts ...stepfn.Option) (*Runner, error) {
	m, err := stepfn.Parse(Substitute(definition, map[string]string{"PipelineFunctionArn": FunctionARN}))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Runner{machine: m, steps: steps, opts: opts, ctx: ctx, cancel: cancel, names: map[string]bool{}, running: map[string]context.CancelFunc{}}
	if steps.Starter == nil {
		steps.Starter = l
	}
	l.invoker = stepfn.InvokerFunc(func(ctx context.Context, _ string, payload json.RawMessage) (json.RawMessage, error) {
		// As in AWS, where StopExecution never interrupts a running Lambda
		// invocation, a stopped execution lets its running step finish (a
		// build it started is recorded, so the abort path can stop it);
		// only the task's own time limit still ends the step.
		ctx, cancel := detached(ctx)
		defer cancel()
		out, err := l.steps.HandleEvent(ctx, payload)
		if err != nil {
			return nil, stepfn.NewLambdaTaskError(err)
		}
		return out, nil
	})
	return l, nil
}

// WrapInvoker puts middleware around the Lambda boundary, e.g. to inject
// Lambda service errors in tests. Call it before Start.
func (l *Runner) WrapInvoker(wrap func(stepfn.Invoker) stepfn.Invoker) {
	l.invoker = wrap(l.invoker)
}

// Start runs the execution, named after the run's pipeline id, in the
// background; a name that already started is a no-op, as in Step
// Functions.
func (l *Runner) Start(_ context.Context, run pipeline.Run) error {
	input, err := json.Marshal(run)
	if err != nil {
		return err
	}
	name := run.Pipeline()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.names[name] {
		return nil
	}
	l.names[name] = true
	ctx, cancel := context.WithCancel(l.ctx)
	l.running[name] = cancel
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.execute(ctx, name, run, input)
	}()
	return nil
}

// Stop aborts the running execution of the pipeline, as StopExecution
// does: the running step's context is cancelled and the execution ends
// ABORTED, which ends the pipeline through the same path as any abnormal
// end. It is pipeline.ErrNotRunning when no execution of it runs.
func (l *Runner) Stop(_ context.Context, pipelineID, _ string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cancel, ok := l.running[pipelineID]
	if !ok {
		return pipeline.ErrNotRunning
	}
	cancel()
	return nil
}

func (l *Runner) execute(ctx context.Context, name string, run pipeline.Run, input []byte) {
	opts := append([]stepfn.Option{stepfn.WithName(name), stepfn.WithInvoker(l.invoker)}, l.opts...)
	res := l.machine.Run(ctx, input, opts...)
	l.mu.Lock()
	l.running[name]()
	delete(l.running, name)
	l.mu.Unlock()
	if res.Status == stepfn.StatusSucceeded {
		return
	}
	reason := pipeline.ExecutionEndedReason(string(res.Status), res.Error, res.Cause)
	if err := l.steps.MarkFailed(context.WithoutCancel(ctx), run.ApplicationID, name, reason); err != nil {
		slog.Error("marking an ended pipeline failed", "pipeline_id", name, "error", err.Error())
	}
}

// Wait blocks until every started execution has ended.
func (l *Runner) Wait() { l.wg.Wait() }

// Close aborts running executions (their pipelines are marked failed) and
// waits for them.
func (l *Runner) Close() {
	l.cancel()
	l.wg.Wait()
}

// detached is ctx without its cancellation but with its deadline (the
// task's TimeoutSeconds) and values.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, deadline)
	}
	return context.WithCancel(d)
}
