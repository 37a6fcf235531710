package stepfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Status is how an execution ended.
type Status string

// Execution statuses.
const (
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT" // the machine's TimeoutSeconds ran out
	StatusAborted   Status = "ABORTED"   // the context was cancelled
)

// Error names Run reports for executions that could not start.
const (
	// ErrorInvalidInput: the input is not JSON.
	ErrorInvalidInput = "InvalidExecutionInput"
	// ErrorNoInvoker: the machine has Task states and no WithInvoker option
	// was given.
	ErrorNoInvoker = "stepfn.NoInvoker"
)

// Result is the outcome of Run.
type Result struct {
	Status Status
	// Output is the execution's output (SUCCEEDED only), compact JSON that
	// keeps key order and the literal form of numbers.
	Output json.RawMessage
	// Error and Cause describe a failure ("" when AWS would report none,
	// e.g. a Fail state without Cause). A timed-out execution has Error
	// States.Timeout.
	Error string
	Cause string
	// Visited lists the states entered, in order, including retried states
	// once and Parallel branch states (interleaved as the branches ran).
	Visited []string
}

// execution is one run of a machine.
type execution struct {
	m     *Machine
	cfg   config
	clock Clock
	input any
	arn   string
	start time.Time
	// deadline is when TimeoutSeconds runs out; zero if none.
	deadline time.Time

	randomMu sync.Mutex

	mu           sync.Mutex // guards the fields below and observer calls
	lastEventID  int
	visited      []string
	requestCount int
}

func newExecution(m *Machine, cfg config, input any) *execution {
	e := &execution{m: m, cfg: cfg, clock: cfg.clock, input: input}
	e.start = e.clock.Now()
	e.arn = executionARN(cfg.stateMachineARN, cfg.name)
	if m.timeout > 0 {
		e.deadline = e.start.Add(m.timeout)
	}
	return e
}

// executionARN derives the execution ARN from the state machine ARN, as AWS
// does: ...:stateMachine:NAME becomes ...:execution:NAME:EXECUTION.
func executionARN(stateMachineARN, name string) string {
	if strings.Contains(stateMachineARN, ":stateMachine:") {
		return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
	}
	return stateMachineARN + ":" + name
}

func stateMachineName(arn string) string {
	return arn[strings.LastIndexByte(arn, ':')+1:]
}

// random returns the next number of the configured source, serialized.
func (e *execution) random() float64 {
	e.randomMu.Lock()
	defer e.randomMu.Unlock()
	return e.cfg.random()
}

// nextRequestID returns a placeholder request id for lambda:invoke results.
func (e *execution) nextRequestID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requestCount++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.requestCount)
}

// Run executes the machine with the given input (JSON; empty means {}).
func (m *Machine) Run(ctx context.Context, input json.RawMessage, opts ...Option) Result {
	cfg := newConfig(opts)
	in, res, ok := m.prepareInput(input, cfg)
	if !ok {
		return res
	}
	e := newExecution(m, cfg, in)
	e.emit(eventSpec{typ: EventExecutionStarted, input: in, hasInput: true})
	out, f := e.runGraph(ctx, m.top, in)
	return e.finish(out, f)
}

// prepareInput decodes the execution input and checks what must hold before
// an execution starts.
func (m *Machine) prepareInput(input json.RawMessage, cfg config) (any, Result, bool) {
	in, err := decodeInput(input)
	if err != nil {
		return nil, Result{Status: StatusFailed, Error: ErrorInvalidInput, Cause: err.Error()}, false
	}
	if len(input) > maxPayloadBytes { // AWS measures the input text as given
		return nil, Result{Status: StatusFailed, Error: ErrorDataLimitExceeded,
			Cause: "The execution input exceeds the maximum number of bytes service limit."}, false
	}
	if len(m.tasks) > 0 && cfg.invoker == nil {
		return nil, Result{Status: StatusFailed, Error: ErrorNoInvoker,
			Cause: "stepfn: the machine has Task states; pass WithInvoker"}, false
	}
	return in, Result{}, true
}

// decodeInput decodes an execution or step input; empty input is {}.
func decodeInput(input json.RawMessage) (any, error) {
	if len(strings.TrimSpace(string(input))) == 0 {
		return newObject(0), nil
	}
	in, err := decodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("the input is not valid JSON: %v", err)
	}
	return in, nil
}

func (e *execution) finish(out any, f *failure) Result {
	res := Result{}
	switch {
	case f == nil:
		res.Status = StatusSucceeded
		res.Output = encodeJSON(out)
		e.emit(eventSpec{typ: EventExecutionSucceeded, output: out, hasOutput: true})
	case f.kind == failTimedOut:
		res.Status, res.Error = StatusTimedOut, ErrorTimeout
		e.emit(eventSpec{typ: EventExecutionTimedOut, failure: f})
	case f.kind == failAborted:
		res.Status = StatusAborted
		e.emit(eventSpec{typ: EventExecutionAborted})
	default:
		res.Status, res.Error, res.Cause = StatusFailed, f.name, f.cause
		e.emit(eventSpec{typ: EventExecutionFailed, failure: f})
	}
	e.mu.Lock()
	res.Visited = append([]string(nil), e.visited...)
	e.mu.Unlock()
	return res
}

// runGraph runs states from g's StartAt until one ends the graph.
func (e *execution) runGraph(ctx context.Context, g *stateGraph, input any) (any, *failure) {
	st := g.states[g.startAt]
	for {
		if f := e.checkLive(ctx); f != nil {
			return nil, f
		}
		res := e.runState(ctx, st, input, false)
		if res.fail != nil {
			return nil, res.fail
		}
		if res.next == "" {
			return res.output, nil
		}
		st, input = g.states[res.next], res.output
	}
}

// checkLive reports an abort or an execution timeout.
func (e *execution) checkLive(ctx context.Context) *failure {
	if ctx.Err() != nil {
		return errAborted
	}
	if !e.deadline.IsZero() && !e.clock.Now().Before(e.deadline) {
		return errTimedOut
	}
	return nil
}

// sleep waits d on the execution's clock, stopping at the execution
// deadline (then reporting the timeout).
func (e *execution) sleep(ctx context.Context, d time.Duration) *failure {
	if !e.deadline.IsZero() {
		if remaining := e.deadline.Sub(e.clock.Now()); d >= remaining {
			if remaining > 0 && e.clock.Sleep(ctx, remaining) != nil {
				return errAborted
			}
			return errTimedOut
		}
	}
	if d > 0 && e.clock.Sleep(ctx, d) != nil {
		return errAborted
	}
	return e.checkLive(ctx)
}

// runBranches runs Parallel branches concurrently on the same input and
// returns their outputs in branch order. The first branch to fail cancels
// the others and its failure is the Parallel state's.
func (e *execution) runBranches(ctx context.Context, branches []*stateGraph, input any) ([]any, *failure) {
	branchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	outputs := make([]any, len(branches))
	var (
		wg        sync.WaitGroup
		once      sync.Once
		firstFail *failure
	)
	for i, g := range branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, f := e.runGraph(branchCtx, g, input)
			if f != nil {
				once.Do(func() {
					firstFail = f
					cancel()
				})
				return
			}
			outputs[i] = out
		}()
	}
	wg.Wait()
	if firstFail != nil {
		return nil, firstFail
	}
	return outputs, nil
}

// stateContext is one entry into a state: what $$ shows and what error
// messages need.
type stateContext struct {
	exec           *execution
	name           string
	enteredEventID int
	enteredTime    time.Time
	retryCount     int
	// Step only: the retrier's retry count, or -1 when running normally.
	stepRetrierCount int

	contextObj *object // built on first use, reset when retryCount changes
}

func (e *execution) enterState(st *state, input any) *stateContext {
	e.mu.Lock()
	e.visited = append(e.visited, st.name)
	e.mu.Unlock()
	sc := &stateContext{exec: e, name: st.name, enteredTime: e.clock.Now(), stepRetrierCount: -1}
	sc.enteredEventID = e.emit(eventSpec{typ: EventType(st.typ + "StateEntered"), state: st.name, input: input, hasInput: true})
	return sc
}

func (e *execution) exitState(st *state, output any) {
	e.emit(eventSpec{typ: EventType(st.typ + "StateExited"), state: st.name, output: output, hasOutput: true})
}

func (sc *stateContext) setRetryCount(n int) {
	sc.retryCount = n
	sc.contextObj = nil
}

// contextObject returns the context object ($$) for this state entry.
func (sc *stateContext) contextObject() *object {
	if sc.contextObj != nil {
		return sc.contextObj
	}
	e := sc.exec
	exec := newObject(6)
	exec.put("Id", e.arn)
	exec.put("Input", e.input)
	exec.put("Name", e.cfg.name)
	exec.put("RoleArn", e.cfg.roleARN)
	exec.put("StartTime", formatContextTime(e.start))
	exec.put("RedriveCount", json.Number("0"))
	st := newObject(3)
	st.put("EnteredTime", formatContextTime(sc.enteredTime))
	st.put("Name", sc.name)
	st.put("RetryCount", numberFromInt(int64(sc.retryCount)))
	machine := newObject(2)
	machine.put("Id", e.cfg.stateMachineARN)
	machine.put("Name", stateMachineName(e.cfg.stateMachineARN))
	obj := newObject(3)
	obj.put("Execution", exec)
	obj.put("State", st)
	obj.put("StateMachine", machine)
	sc.contextObj = obj
	return obj
}
