package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// Invoker runs the Lambda functions that Task states call.
type Invoker interface {
	// Invoke calls the Task's resource (a Lambda function ARN or name) with
	// the JSON payload and returns its JSON result. A failed invocation
	// returns an error; use *TaskError (Name, Cause) for a typed Lambda
	// error. The context carries the task's deadline (TimeoutSeconds) and
	// an Invocation (see InvocationFrom).
	Invoke(ctx context.Context, resource string, payload json.RawMessage) (json.RawMessage, error)
}

// InvokerFunc adapts a function to the Invoker interface.
type InvokerFunc func(ctx context.Context, resource string, payload json.RawMessage) (json.RawMessage, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, resource string, payload json.RawMessage) (json.RawMessage, error) {
	return f(ctx, resource, payload)
}

// TaskError is a typed task failure: the Task fails with error Name and
// cause Cause, which Retry and Catch match on Name.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// LambdaErrorType returns the error name the Go Lambda runtime
// (github.com/aws/aws-lambda-go) reports for a handler's error, which is
// what Step Functions then matches in Retry and Catch: the dynamic type's
// name without package or pointer star (*mypkg.BuildFailed gives
// "BuildFailed", errors.New gives "errorString", fmt.Errorf with %w gives
// "wrapError"). Like the runtime it does not unwrap errors, except that a
// messages.InvokeResponse_Error value reports its own Type field.
func LambdaErrorType(err error) string {
	if err == nil {
		return ""
	}
	t := reflect.TypeOf(err)
	if t.Kind() != reflect.Pointer && t.Name() == "InvokeResponse_Error" &&
		t.PkgPath() == "github.com/aws/aws-lambda-go/lambda/messages" {
		if f := reflect.ValueOf(err).FieldByName("Type"); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// NewLambdaTaskError returns the TaskError Step Functions reports when a Go
// Lambda handler returns err: Name is LambdaErrorType(err) and Cause the
// runtime's error document {"errorMessage":...,"errorType":...}.
func NewLambdaTaskError(err error) *TaskError {
	name := LambdaErrorType(err)
	doc := newObject(2)
	doc.put("errorMessage", err.Error())
	doc.put("errorType", name)
	return &TaskError{Name: name, Cause: string(encodeJSON(doc))}
}

// Invocation describes the task invocation in progress; Invokers get it from
// their context with InvocationFrom.
type Invocation struct {
	State      string // the Task state's name
	Resource   string // the Task's Resource field
	RetryCount int    // retries of the state so far ($$.State.RetryCount)
}

type invocationKey struct{}

// InvocationFrom returns the Invocation that ctx belongs to, if any.
func InvocationFrom(ctx context.Context) (Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(Invocation)
	return inv, ok
}

type taskKind int

const (
	// taskLambdaFunction: Resource is a Lambda function ARN; the effective
	// input is the payload and the function's result is the task result.
	taskLambdaFunction taskKind = iota
	// taskLambdaInvoke: arn:aws:states:::lambda:invoke with FunctionName and
	// Payload; the task result wraps the function's result.
	taskLambdaInvoke
)

type taskSpec struct {
	resource       string
	kind           taskKind
	timeout        time.Duration // 0: none
	staticFunction string        // see TaskInfo.Function
}

var (
	lambdaFunctionARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)
	lambdaInvokeARN   = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:states:::lambda:invoke$`)
)

// lambdaInvokeParameters are the lambda:invoke arguments this package
// implements; InvocationType, Qualifier, ClientContext and LogType are not.
var lambdaInvokeParameters = []string{"FunctionName", "Payload"}

func parseTask(r *fieldReader, st *state) *taskSpec {
	resource, ok := r.requiredString("Resource")
	if !ok {
		return nil
	}
	spec := &taskSpec{resource: resource}
	switch {
	case lambdaFunctionARN.MatchString(resource):
		spec.kind = taskLambdaFunction
		spec.staticFunction = resource
	case lambdaInvokeARN.MatchString(resource):
		spec.kind = taskLambdaInvoke
		checkLambdaInvokeParameters(r)
		if params, ok := r.obj.get("Parameters"); ok {
			if obj, ok := params.(*object); ok {
				if fn, ok := obj.get("FunctionName"); ok {
					spec.staticFunction, _ = fn.(string)
				}
			}
		}
	default:
		r.fail("Resource", fmt.Sprintf("%q is not supported (only Lambda function ARNs and arn:aws:states:::lambda:invoke)", resource))
		return nil
	}
	if secs, ok := r.integer("TimeoutSeconds", 1, maxTimeoutSeconds); ok {
		spec.timeout = time.Duration(secs) * time.Second
	}
	return spec
}

func checkLambdaInvokeParameters(r *fieldReader) {
	v, ok := r.obj.get("Parameters")
	params, isObject := v.(*object)
	if !ok || !isObject {
		r.fail("Parameters", "is required for arn:aws:states:::lambda:invoke (with FunctionName and Payload)")
		return
	}
	for _, key := range params.keys {
		if !containsString(lambdaInvokeParameters, strings.TrimSuffix(key, ".$")) {
			r.fail("Parameters", fmt.Sprintf("the lambda:invoke argument %q is not supported", key))
			return
		}
	}
	for _, arg := range lambdaInvokeParameters {
		literal, hasLiteral := params.get(arg)
		_, hasPath := params.get(arg + ".$")
		if hasLiteral == hasPath {
			r.fail("Parameters", fmt.Sprintf("needs exactly one of %s and %s.$ for lambda:invoke", arg, arg))
			return
		}
		if arg == "FunctionName" && hasLiteral {
			name, isString := literal.(string)
			if !isString {
				r.fail("Parameters", "FunctionName must be a string")
				return
			}
			if err := checkUnqualifiedFunction(name); err != nil {
				r.fail("Parameters", err.Error())
				return
			}
		}
	}
}

// checkUnqualifiedFunction refuses a lambda:invoke FunctionName with a
// version or alias qualifier: AWS reports the version that ran as
// ExecutedVersion, which the executor cannot know.
func checkUnqualifiedFunction(name string) error {
	parts := strings.Split(name, ":")
	var qualifier string
	switch {
	case strings.HasPrefix(name, "arn:") && len(parts) == 8:
		qualifier = parts[7]
	case !strings.HasPrefix(name, "arn:") && len(parts) == 4 && parts[1] == "function":
		qualifier = parts[3]
	case !strings.HasPrefix(name, "arn:") && len(parts) == 2:
		qualifier = parts[1]
	}
	if qualifier != "" && qualifier != "$LATEST" {
		return fmt.Errorf("FunctionName %q has the qualifier %q; only unqualified names (or $LATEST) are supported", name, qualifier)
	}
	return nil
}

// lambdaInvokeResult wraps a function's result the way the lambda:invoke
// integration does. The HTTP metadata is a placeholder: the executor has no
// real request, and the corpus has no expected value for it.
func lambdaInvokeResult(payload any, requestID string) *object {
	allHeaders := newObject(3)
	allHeaders.put("Content-Type", []any{"application/json"})
	allHeaders.put("X-Amz-Executed-Version", []any{"$LATEST"})
	allHeaders.put("x-amzn-RequestId", []any{requestID})
	headers := newObject(3)
	headers.put("Content-Type", "application/json")
	headers.put("X-Amz-Executed-Version", "$LATEST")
	headers.put("x-amzn-RequestId", requestID)
	httpMeta := newObject(3)
	httpMeta.put("AllHttpHeaders", allHeaders)
	httpMeta.put("HttpHeaders", headers)
	httpMeta.put("HttpStatusCode", json.Number("200"))
	responseMeta := newObject(1)
	responseMeta.put("RequestId", requestID)

	out := newObject(5)
	out.put("ExecutedVersion", "$LATEST")
	out.put("Payload", payload)
	out.put("SdkHttpMetadata", httpMeta)
	out.put("SdkResponseMetadata", responseMeta)
	out.put("StatusCode", json.Number("200"))
	return out
}

// taskFailureFromError turns an Invoker error into the task's failure.
// A *TaskError gives its Name and Cause; any other error is
// States.TaskFailed with the error text as the cause.
func taskFailureFromError(err error) *failure {
	var te *TaskError
	if errors.As(err, &te) {
		f := catchableFailure(te.Name, te.Cause)
		f.hasCause = te.Cause != ""
		return f
	}
	return catchableFailure(ErrorTaskFailed, err.Error())
}
