// Package stepfn runs AWS Step Functions state machines in-process: the same
// Amazon States Language definition that runs as a STANDARD workflow in AWS
// runs here on a developer's machine, with Task states handed to an
// injected Invoker and time taken from an injected Clock.
//
// # Fail-closed
//
// The executor must never give an answer AWS would not give, so Parse loads
// only what it implements and tests against AWS-recorded behaviour (the
// corpus in testdata/asl-conformance), and rejects everything else when the
// definition is loaded, with an error naming the state and field:
//
//	stepfn: state "Build": field "ItemSelector" is not supported
//
// Where AWS's behaviour is not pinned down by the corpus or the
// documentation, the executor fails rather than guesses: a timestamp that
// only Java's lenient parser would accept (lowercase t, no seconds) is an
// error, and errors whose catchability is unknown are not caught.
//
// # What is supported
//
//   - Query language JSONPath only. Top level: StartAt, States, Comment,
//     TimeoutSeconds (an execution that runs out is TIMED_OUT with
//     States.Timeout), Version "1.0".
//   - States Pass, Task, Choice, Wait, Succeed, Fail and Parallel (branches
//     run concurrently; the output is the array of branch outputs in branch
//     order; the first branch to fail fails the state).
//   - InputPath, Parameters, ResultSelector, ResultPath (null keeps the
//     input; missing objects on the way are created), OutputPath, with null
//     InputPath/OutputPath giving {}; Pass Result.
//   - Reference paths $, $.a.b, $.a[0], $['a'] and the context object $$
//     (Execution.Id/Input/Name/RoleArn/StartTime/RedriveCount,
//     State.EnteredTime/Name/RetryCount, StateMachine.Id/Name). A path that
//     selects nothing fails with States.Runtime, worded as AWS words it.
//   - Intrinsic functions States.Format, StringToJson, JsonToString, Array,
//     ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength,
//     ArrayUnique, Base64Encode, Base64Decode, Hash, JsonMerge (shallow),
//     MathRandom (two arguments), MathAdd, StringSplit and UUID, nested.
//   - Choice: every String/Numeric/Boolean/Timestamp comparison with its
//     Path form, StringMatches, IsNull/IsPresent/IsNumeric/IsString/
//     IsBoolean/IsTimestamp, And/Or/Not, Default; States.NoChoiceMatched.
//   - Wait: Seconds, SecondsPath, Timestamp, TimestampPath.
//   - Task: a Lambda function ARN, or arn:aws:states:::lambda:invoke with
//     FunctionName and Payload (the result wraps the function's result in
//     {"ExecutedVersion","Payload","SdkHttpMetadata","SdkResponseMetadata",
//     "StatusCode"}, the metadata being placeholders); TimeoutSeconds.
//   - Retry (ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate,
//     MaxDelaySeconds, JitterStrategy) and Catch (ErrorEquals, Next,
//     ResultPath) on Task and Parallel. States.ALL matches every catchable
//     error, States.TaskFailed every one but States.Timeout.
//   - The 256 KiB payload quota: States.DataLimitExceeded.
//
// # What is not
//
// Map and any other state type; JSONata; variables (Assign); Arguments,
// Output, ItemSelector, ItemProcessor, Credentials, HeartbeatSeconds,
// TimeoutSecondsPath and HeartbeatSecondsPath; task resources other than
// Lambda (activities, .sync, .waitForTaskToken, other services) and
// lambda:invoke arguments other than FunctionName and Payload (or a
// qualified FunctionName); JSONPath wildcards, recursive descent, slices,
// unions, filters, negative indexes and escaped quoted names; $$.Task and
// $$.Map; States.MathRandom with a seed and States.JsonMerge deep merging.
//
// # Errors that are never caught
//
// States.Runtime (AWS: not even by a catcher naming it), and, because the
// corpus does not show AWS catching them, States.IntrinsicFailure,
// States.ResultPathMatchFailure, States.NoChoiceMatched and
// States.DataLimitExceeded for a state's output. A Task result over the
// quota is caught like a task error, as the corpus shows.
//
// # Running
//
// Run executes a whole machine and returns a Result (status, output,
// error, cause, the states visited); Step runs one state like AWS's
// TestState API. Options set the execution name, the Invoker, the Clock
// (VirtualClock makes tests deterministic: waits and retries take no real
// time), the random source used for jitter, and an Observer that receives
// history-like events (numbered like AWS history events, so States.Runtime
// causes read "entered at the event id #N" as in AWS).
package stepfn
