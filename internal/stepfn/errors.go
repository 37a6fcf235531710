package stepfn

import "fmt"

// Error names that Step Functions defines and this package raises or matches.
const (
	ErrorAll                    = "States.ALL"
	ErrorTaskFailed             = "States.TaskFailed"
	ErrorTimeout                = "States.Timeout"
	ErrorRuntime                = "States.Runtime"
	ErrorDataLimitExceeded      = "States.DataLimitExceeded"
	ErrorNoChoiceMatched        = "States.NoChoiceMatched"
	ErrorResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrorIntrinsicFailure       = "States.IntrinsicFailure"
)

// failureKind says how a failure propagates.
type failureKind int

const (
	// failState is an ordinary state failure: it fails the state, then the
	// enclosing Parallel state or the execution, unless Retry/Catch handle
	// it (when catchable).
	failState failureKind = iota
	// failTimedOut is the execution's TimeoutSeconds running out.
	failTimedOut
	// failAborted is the caller's context being cancelled.
	failAborted
)

// failure is an error raised while running a state.
type failure struct {
	name     string
	cause    string
	hasCause bool
	// catchable failures may be retried and caught. States.Runtime and the
	// other failures AWS treats as terminal are not.
	catchable bool
	kind      failureKind
	// retriable marks, for Step only, a failure a retrier would retry.
	retriable bool
}

// catchableFailure is an error that Retry and Catch can handle, such as a
// task error.
func catchableFailure(name, cause string) *failure {
	return &failure{name: name, cause: cause, hasCause: true, catchable: true}
}

// terminalFailure is an error that no Retry or Catch handles.
func terminalFailure(name, cause string) *failure {
	return &failure{name: name, cause: cause, hasCause: true}
}

// runtimeFailure is a States.Runtime failure worded like AWS's:
// "An error occurred while executing the state 'S' (entered at the event id #N). detail".
func runtimeFailure(sc *stateContext, detail string) *failure {
	return terminalFailure(ErrorRuntime, stateErrorPrefix(sc)+detail)
}

// intrinsicFailure is a failure of an intrinsic function at run time.
func intrinsicFailure(sc *stateContext, detail string) *failure {
	return terminalFailure(ErrorIntrinsicFailure, stateErrorPrefix(sc)+detail)
}

func stateErrorPrefix(sc *stateContext) string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", sc.name, sc.enteredEventID)
}

// dataLimitFailure is States.DataLimitExceeded for a result produced by
// source (a state name, or a task's resource).
func dataLimitFailure(source string, catchable bool) *failure {
	f := terminalFailure(ErrorDataLimitExceeded, fmt.Sprintf(
		"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", source))
	f.catchable = catchable
	return f
}

var (
	errTimedOut = &failure{name: ErrorTimeout, kind: failTimedOut}
	errAborted  = &failure{name: "States.Aborted", kind: failAborted}
)
