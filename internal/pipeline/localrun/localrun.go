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

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	names  map[string]bool
	wg     sync.WaitGroup
}

// New loads definition (with ${PipelineFunctionArn} still in it)
// for steps. opts (a clock, an observer) apply to every execution.
func New(definition []byte, steps *pipeline.Steps, opts ...stepfn.Option) (*Runner, error) {
	m, err := stepfn.Parse(Substitute(definition, map[string]string{"PipelineFunctionArn": FunctionARN}))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Runner{machine: m, steps: steps, opts: opts, ctx: ctx, cancel: cancel, names: map[string]bool{}}
	l.invoker = stepfn.InvokerFunc(func(ctx context.Context, _ string, payload json.RawMessage) (json.RawMessage, error) {
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

// Start runs the execution in the background; a name that already started
// is a no-op, as in Step Functions.
func (l *Runner) Start(_ context.Context, run pipeline.Run) error {
	input, err := json.Marshal(run)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.names[run.ImageID] {
		return nil
	}
	l.names[run.ImageID] = true
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.execute(run, input)
	}()
	return nil
}

func (l *Runner) execute(run pipeline.Run, input []byte) {
	opts := append([]stepfn.Option{stepfn.WithName(run.ImageID), stepfn.WithInvoker(l.invoker)}, l.opts...)
	res := l.machine.Run(l.ctx, input, opts...)
	if res.Status == stepfn.StatusSucceeded {
		return
	}
	reason := pipeline.ExecutionEndedReason(string(res.Status), res.Error, res.Cause)
	if err := l.steps.MarkFailed(context.WithoutCancel(l.ctx), run.ApplicationID, run.ImageID, reason); err != nil {
		slog.Error("marking an ended pipeline failed", "image_id", run.ImageID, "error", err.Error())
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
