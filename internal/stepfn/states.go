package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stateResult is the outcome of running one state.
type stateResult struct {
	output any
	next   string   // "" when the state ends its graph
	fail   *failure // the state failed (after Retry, not caught)
	caught *failure // a Catch handled this failure; output/next are the catcher's
}

// runState runs one state. step is true for Machine.Step, which runs the
// state once without retrying or waiting.
func (e *execution) runState(ctx context.Context, st *state, input any, step bool) stateResult {
	sc := e.enterState(st, input)
	if step {
		sc.stepRetrierCount = max(e.cfg.retrierCount, 0)
	}
	switch st.typ {
	case typePass:
		out, f := e.runPass(sc, st, input)
		return e.completed(st, out, st.next, f)
	case typeTask:
		return e.runWithErrorHandling(ctx, sc, st, input, func() (any, *failure) {
			return e.attemptTask(ctx, sc, st, input)
		})
	case typeParallel:
		return e.runWithErrorHandling(ctx, sc, st, input, func() (any, *failure) {
			return e.attemptParallel(ctx, sc, st, input)
		})
	case typeChoice:
		out, next, f := e.runChoice(sc, st, input)
		return e.completed(st, out, next, f)
	case typeWait:
		out, f := e.runWait(ctx, sc, st, input, step)
		return e.completed(st, out, st.next, f)
	case typeSucceed:
		out, f := e.runSucceed(sc, st, input)
		return e.completed(st, out, "", f)
	case typeFail:
		return stateResult{fail: e.runFail(sc, st, input)}
	}
	panic("stepfn: unknown state type " + st.typ)
}

func (e *execution) completed(st *state, out any, next string, f *failure) stateResult {
	if f != nil {
		return stateResult{fail: f}
	}
	e.exitState(st, out)
	return stateResult{output: out, next: next}
}

// runWithErrorHandling runs a Task or Parallel attempt under its Retry and
// Catch fields.
func (e *execution) runWithErrorHandling(ctx context.Context, sc *stateContext, st *state, input any, attempt func() (any, *failure)) stateResult {
	out, f := e.retry(ctx, sc, st, attempt)
	if f == nil {
		return e.completed(st, out, st.next, nil)
	}
	if f.kind != failState || !f.catchable || f.retriable {
		return stateResult{fail: f}
	}
	c := matchCatcher(st.catchers, f)
	if c == nil {
		return stateResult{fail: f}
	}
	caughtOut, ok := c.resultPath.apply(input, errorOutput(f))
	if !ok {
		return stateResult{fail: resultPathFailure(sc, c.resultPath, input)}
	}
	return stateResult{output: caughtOut, next: c.next, caught: f}
}

// retry runs attempt until it succeeds or no retrier applies.
func (e *execution) retry(ctx context.Context, sc *stateContext, st *state, attempt func() (any, *failure)) (any, *failure) {
	var attempts []int // retries made by each retrier
	for {
		out, f := attempt()
		if f == nil || f.kind != failState || !f.catchable {
			return out, f
		}
		i := matchRetrier(st.retriers, f)
		if i < 0 {
			return nil, f
		}
		rt := st.retriers[i]
		if sc.stepRetrierCount >= 0 { // Step reports instead of retrying
			if sc.stepRetrierCount < rt.maxAttempts {
				retriable := *f
				retriable.retriable = true
				return nil, &retriable
			}
			return nil, f
		}
		if attempts == nil {
			attempts = make([]int, len(st.retriers))
		}
		if attempts[i] >= rt.maxAttempts {
			return nil, f
		}
		delay := rt.delay(attempts[i], e.random)
		attempts[i]++
		sc.setRetryCount(sc.retryCount + 1)
		e.emit(eventSpec{typ: EventRetryScheduled, state: st.name, failure: f, retryCount: sc.retryCount, retryDelay: delay})
		if sf := e.sleep(ctx, delay); sf != nil {
			return nil, sf
		}
	}
}

// selectPath applies InputPath or OutputPath.
func selectPath(sc *stateContext, p ioPath, value any) (any, *failure) {
	if p.isNull {
		return newObject(0), nil
	}
	if p.path == nil {
		return value, nil
	}
	root := value
	if p.path.context {
		root = sc.contextObject()
	}
	v, miss := p.path.lookup(root)
	if miss != nil {
		return nil, runtimeFailure(sc, fmt.Sprintf("Invalid path '%s' : %s", p.path.raw, miss.message))
	}
	return v, nil
}

// finishOutput applies ResultPath and OutputPath to a state's result.
func (e *execution) finishOutput(sc *stateContext, st *state, input, result any) (any, *failure) {
	merged, ok := st.resultPath.apply(input, result)
	if !ok {
		return nil, resultPathFailure(sc, st.resultPath, input)
	}
	if len(st.resultPath.steps) > 0 && exceedsPayloadLimit(merged) {
		return nil, dataLimitFailure(st.name, false)
	}
	return selectPath(sc, st.outputPath, merged)
}

func resultPathFailure(sc *stateContext, rp *resultPath, input any) *failure {
	return terminalFailure(ErrorResultPathMatchFailure, stateErrorPrefix(sc)+fmt.Sprintf(
		"Unable to apply ResultPath '%s' to input '%s'", rp.raw, encodeJSON(input)))
}

func (e *execution) env(sc *stateContext, input any) *evalEnv {
	return &evalEnv{input: input, sc: sc, exec: e}
}

// effectiveInput applies InputPath, then Parameters (if the state has them).
func (e *execution) effectiveInput(sc *stateContext, st *state, input any) (any, *failure) {
	effective, f := selectPath(sc, st.inputPath, input)
	if f != nil || st.parameters == nil {
		return effective, f
	}
	return st.parameters.eval(e.env(sc, effective))
}

// selectResult applies ResultSelector (if the state has one) to a result.
func (e *execution) selectResult(sc *stateContext, st *state, result any) (any, *failure) {
	if st.resultSelector == nil {
		return result, nil
	}
	return st.resultSelector.eval(e.env(sc, result))
}

// --- Pass ---

func (e *execution) runPass(sc *stateContext, st *state, input any) (any, *failure) {
	result, f := e.effectiveInput(sc, st, input)
	if f != nil {
		return nil, f
	}
	if st.hasResult {
		result = st.result
	}
	if (st.parameters != nil || st.hasResult) && exceedsPayloadLimit(result) {
		return nil, dataLimitFailure(st.name, false)
	}
	return e.finishOutput(sc, st, input, result)
}

// --- Task ---

func (e *execution) attemptTask(ctx context.Context, sc *stateContext, st *state, input any) (any, *failure) {
	payload, f := e.effectiveInput(sc, st, input)
	if f != nil {
		return nil, f
	}
	function := st.task.resource
	if st.task.kind == taskLambdaInvoke {
		if function, payload, f = lambdaInvokeArguments(sc, payload); f != nil {
			return nil, f
		}
	}
	result, f := e.invoke(ctx, sc, st, function, payload)
	if f != nil {
		return nil, f
	}
	source := st.task.resource
	if st.task.kind == taskLambdaInvoke {
		result = lambdaInvokeResult(result, e.nextRequestID())
		source = "lambda"
	}
	if exceedsPayloadLimit(result) {
		return nil, dataLimitFailure(source, true)
	}
	if result, f = e.selectResult(sc, st, result); f != nil {
		return nil, f
	}
	return e.finishOutput(sc, st, input, result)
}

func lambdaInvokeArguments(sc *stateContext, params any) (string, any, *failure) {
	args := params.(*object) // the loader requires an object template
	fn, ok := args.get("FunctionName")
	name, isString := fn.(string)
	if !ok || !isString {
		return "", nil, runtimeFailure(sc, fmt.Sprintf("The lambda:invoke FunctionName must be a string, got %s", jsonTypeName(fn)))
	}
	if err := checkUnqualifiedFunction(name); err != nil {
		return "", nil, runtimeFailure(sc, "stepfn: "+err.Error())
	}
	payload, _ := args.get("Payload")
	return name, payload, nil
}

type taskEventTypes struct {
	scheduled, started, succeeded, failed, timedOut EventType
}

var taskEvents = map[taskKind]taskEventTypes{
	taskLambdaFunction: {EventLambdaFunctionScheduled, EventLambdaFunctionStarted, EventLambdaFunctionSucceeded, EventLambdaFunctionFailed, EventLambdaFunctionTimedOut},
	taskLambdaInvoke:   {EventTaskScheduled, EventTaskStarted, EventTaskSucceeded, EventTaskFailed, EventTaskTimedOut},
}

// invoke calls the Invoker under the task's TimeoutSeconds and the
// execution's deadline.
func (e *execution) invoke(ctx context.Context, sc *stateContext, st *state, function string, payload any) (any, *failure) {
	events := taskEvents[st.task.kind]
	e.emit(eventSpec{typ: events.scheduled, state: st.name, resource: function, input: payload, hasInput: true})
	limit, executionLimited, f := e.invokeLimit(st.task)
	if f != nil {
		return nil, f
	}
	e.emit(eventSpec{typ: events.started, state: st.name, resource: function})
	invokeCtx := context.WithValue(ctx, invocationKey{}, Invocation{State: st.name, Resource: st.task.resource, RetryCount: sc.retryCount})
	if limit > 0 {
		var cancel context.CancelFunc
		invokeCtx, cancel = context.WithTimeout(invokeCtx, limit)
		defer cancel()
	}
	begin := e.clock.Now()
	raw, err := e.cfg.invoker.Invoke(invokeCtx, function, encodeJSON(payload))
	elapsed := e.clock.Now().Sub(begin)
	if ctx.Err() != nil {
		return nil, errAborted
	}
	if limit > 0 && (elapsed >= limit || errors.Is(invokeCtx.Err(), context.DeadlineExceeded)) {
		if executionLimited {
			return nil, errTimedOut
		}
		timeout := &failure{name: ErrorTimeout, catchable: true}
		e.emit(eventSpec{typ: events.timedOut, state: st.name, resource: function, failure: timeout})
		return nil, timeout
	}
	if err != nil {
		tf := taskFailureFromError(err)
		e.emit(eventSpec{typ: events.failed, state: st.name, resource: function, failure: tf})
		return nil, tf
	}
	result, err := decodeInvokerResult(raw)
	if err != nil {
		tf := catchableFailure(ErrorTaskFailed, "stepfn: the invoker returned invalid JSON: "+err.Error())
		e.emit(eventSpec{typ: events.failed, state: st.name, resource: function, failure: tf})
		return nil, tf
	}
	e.emit(eventSpec{typ: events.succeeded, state: st.name, resource: function, output: result, hasOutput: true})
	return result, nil
}

// invokeLimit returns how long an invocation may take: the task's
// TimeoutSeconds or what is left of the execution's, whichever is shorter
// (executionLimited tells which). 0 means no limit.
func (e *execution) invokeLimit(t *taskSpec) (limit time.Duration, executionLimited bool, f *failure) {
	if e.deadline.IsZero() {
		return t.timeout, false, nil
	}
	remaining := e.deadline.Sub(e.clock.Now())
	if remaining <= 0 {
		return 0, false, errTimedOut
	}
	if t.timeout == 0 || remaining < t.timeout {
		return remaining, true, nil
	}
	return t.timeout, false, nil
}

func decodeInvokerResult(raw json.RawMessage) (any, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, nil // a function that returns nothing returns null
	}
	return decodeJSON(raw)
}

// --- Parallel ---

func (e *execution) attemptParallel(ctx context.Context, sc *stateContext, st *state, input any) (any, *failure) {
	effective, f := e.effectiveInput(sc, st, input)
	if f != nil {
		return nil, f
	}
	e.emit(eventSpec{typ: EventParallelStateStarted, state: st.name})
	outputs, f := e.runBranches(ctx, st.branches, effective)
	if f != nil {
		if f.kind == failState {
			e.emit(eventSpec{typ: EventParallelStateFailed, state: st.name, failure: f})
		}
		return nil, f
	}
	e.emit(eventSpec{typ: EventParallelStateSucceeded, state: st.name})
	if exceedsPayloadLimit(outputs) {
		return nil, dataLimitFailure(st.name, false)
	}
	result, f := e.selectResult(sc, st, outputs)
	if f != nil {
		return nil, f
	}
	return e.finishOutput(sc, st, input, result)
}

// --- Choice ---

func (e *execution) runChoice(sc *stateContext, st *state, input any) (any, string, *failure) {
	effective, f := selectPath(sc, st.inputPath, input)
	if f != nil {
		return nil, "", f
	}
	env := e.env(sc, effective)
	next := st.defaultNext
	for _, rule := range st.choices {
		matched, f := rule.matches(env)
		if f != nil {
			return nil, "", f
		}
		if matched {
			next = rule.next
			break
		}
	}
	if next == "" {
		return nil, "", terminalFailure(ErrorNoChoiceMatched, stateErrorPrefix(sc)+
			"No Choice rule matched the input and the state has no Default.")
	}
	out, f := selectPath(sc, st.outputPath, effective)
	return out, next, f
}

// --- Wait ---

func (e *execution) runWait(ctx context.Context, sc *stateContext, st *state, input any, step bool) (any, *failure) {
	effective, f := selectPath(sc, st.inputPath, input)
	if f != nil {
		return nil, f
	}
	d, f := e.waitDuration(sc, st.wait, effective)
	if f != nil {
		return nil, f
	}
	if !step {
		if f := e.sleep(ctx, d); f != nil {
			return nil, f
		}
	}
	return selectPath(sc, st.outputPath, effective)
}

var longLiteral = regexp.MustCompile(`^-?[0-9]+$`)

func (e *execution) waitDuration(sc *stateContext, w *waitSpec, input any) (time.Duration, *failure) {
	switch {
	case w.secondsPath != nil:
		v, f := lookupWaitPath(sc, w.secondsPath, input)
		if f != nil {
			return 0, f
		}
		secs, ok := longValue(v)
		if !ok {
			return 0, runtimeFailure(sc, fmt.Sprintf("The SecondsPath parameter cannot be parsed as a long value: %s == %s", w.secondsPath.raw, formatValue(v)))
		}
		if secs < 0 {
			return 0, runtimeFailure(sc, fmt.Sprintf("The SecondsPath parameter references a negative value: %s == %s", w.secondsPath.raw, formatValue(v)))
		}
		return secondsDuration(secs), nil
	case w.timestampPath != nil:
		v, f := lookupWaitPath(sc, w.timestampPath, input)
		if f != nil {
			return 0, f
		}
		s, isString := v.(string)
		t, kind := parseTimestamp(s)
		if !isString || kind == timestampInvalid {
			return 0, runtimeFailure(sc, fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", w.timestampPath.raw, formatValue(v)))
		}
		if kind == timestampAmbiguous {
			return 0, runtimeFailure(sc, ambiguousTimestampError(s).Error())
		}
		return t.Sub(e.clock.Now()), nil
	case w.hasTimestamp:
		return w.timestamp.Sub(e.clock.Now()), nil
	}
	return secondsDuration(w.seconds), nil
}

// longValue reads a SecondsPath value the way AWS does: as the literal of a
// Java long, so 1.5 and 1.0 are refused.
func longValue(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok || !longLiteral.MatchString(string(n)) {
		return 0, false
	}
	secs, err := strconv.ParseInt(string(n), 10, 64)
	return secs, err == nil
}

// secondsDuration converts whole seconds, saturating instead of overflowing.
func secondsDuration(secs int64) time.Duration {
	if secs > math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(secs) * time.Second
}

func lookupWaitPath(sc *stateContext, p *refPath, input any) (any, *failure) {
	return selectPath(sc, ioPath{path: p}, input)
}

// formatValue renders a value as AWS does in Wait messages (Java toString).
func formatValue(v any) string {
	var b strings.Builder
	writeFormatValue(&b, v)
	return b.String()
}

// --- Succeed, Fail ---

func (e *execution) runSucceed(sc *stateContext, st *state, input any) (any, *failure) {
	effective, f := selectPath(sc, st.inputPath, input)
	if f != nil {
		return nil, f
	}
	return selectPath(sc, st.outputPath, effective)
}

func (e *execution) runFail(sc *stateContext, st *state, input any) *failure {
	out := &failure{catchable: true, name: st.errorName, cause: st.cause, hasCause: st.hasCause}
	env := e.env(sc, input)
	for _, field := range []struct {
		expr   *valueExpr
		target *string
		has    *bool
	}{{st.errorPath, &out.name, nil}, {st.causePath, &out.cause, &out.hasCause}} {
		if field.expr == nil {
			continue
		}
		v, f := field.expr.eval(env)
		if f != nil {
			return f
		}
		s, ok := v.(string)
		if !ok {
			return runtimeFailure(sc, fmt.Sprintf("The %s field must resolve to a string, got %s", field.expr.field, jsonTypeName(v)))
		}
		*field.target = s
		if field.has != nil {
			*field.has = true
		}
	}
	return out
}
