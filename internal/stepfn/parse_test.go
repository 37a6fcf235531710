package stepfn

import (
	"slices"
	"strings"
	"testing"
)

const lambdaARN = "arn:aws:lambda:us-east-1:123456789012:function:Fn"

// oneState wraps one state definition into a machine whose StartAt is it.
func oneState(name, body string) string {
	return `{"StartAt":"` + name + `","States":{"` + name + `":` + body + `}}`
}

func TestParseRejectsUnsupported(t *testing.T) {
	tests := []struct {
		name       string
		definition string
		wantErr    string
	}{
		{"Map state", oneState("M", `{"Type":"Map","ItemProcessor":{},"End":true}`), `stepfn: state "M": field "Type" "Map" is not supported`},
		{"unknown state type", oneState("X", `{"Type":"Loop","End":true}`), `state "X": field "Type" "Loop" is not supported`},
		{"ItemSelector on Task", oneState("Build", `{"Type":"Task","Resource":"`+lambdaARN+`","ItemSelector":{},"End":true}`), `stepfn: state "Build": field "ItemSelector" is not supported`},
		{"HeartbeatSeconds", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","HeartbeatSeconds":10,"End":true}`), `state "T": field "HeartbeatSeconds" is not supported`},
		{"TimeoutSecondsPath", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","TimeoutSecondsPath":"$.t","End":true}`), `field "TimeoutSecondsPath" is not supported`},
		{"Credentials", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Credentials":{},"End":true}`), `field "Credentials" is not supported`},
		{"Assign (variables)", oneState("P", `{"Type":"Pass","Assign":{"x":1},"End":true}`), `state "P": field "Assign" is not supported`},
		{"Arguments (JSONata)", oneState("P", `{"Type":"Pass","Arguments":{},"End":true}`), `field "Arguments" is not supported`},
		{"unknown field", oneState("P", `{"Type":"Pass","Reslt":{},"End":true}`), `state "P": field "Reslt" is not supported`},
		{"Retry on Pass", oneState("P", `{"Type":"Pass","Retry":[],"End":true}`), `state "P": field "Retry" is not supported`},
		{"Catch on Wait", oneState("W", `{"Type":"Wait","Seconds":1,"Catch":[],"End":true}`), `state "W": field "Catch" is not supported`},
		{"ResultPath on Choice", oneState("C", `{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"C"}],"ResultPath":"$.x"}`), `state "C": field "ResultPath" is not supported`},
		{"top-level JSONata", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `stepfn: field "QueryLanguage" "JSONata" is not supported (only JSONPath)`},
		{"state-level JSONata", oneState("P", `{"Type":"Pass","QueryLanguage":"JSONata","End":true}`), `state "P": field "QueryLanguage" "JSONata" is not supported`},
		{"unknown top-level field", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}},"Foo":1}`, `stepfn: field "Foo" is not supported`},
		{"bad Version", `{"Version":"2.0","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `field "Version" must be "1.0"`},
		{"activity resource", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}`), `state "T": field "Resource" "arn:aws:states:us-east-1:123456789012:activity:a" is not supported`},
		{"lambda:invoke.waitForTaskToken", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{}},"End":true}`), `field "Resource" "arn:aws:states:::lambda:invoke.waitForTaskToken" is not supported`},
		{"other service", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","End":true}`), `is not supported (only Lambda function ARNs`},
		{"lambda:invoke without Payload", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}`), `needs exactly one of Payload and Payload.$`},
		{"lambda:invoke InvocationType", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{},"InvocationType":"Event"},"End":true}`), `the lambda:invoke argument "InvocationType" is not supported`},
		{"lambda:invoke qualified FunctionName", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f:prod","Payload":{}},"End":true}`), `has the qualifier "prod"`},
		{"lambda:invoke without Parameters", oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}`), `field "Parameters" is required for arn:aws:states:::lambda:invoke`},
		{"wildcard path", oneState("P", `{"Type":"Pass","InputPath":"$.items[*]","End":true}`), `state "P": field "InputPath" JSONPath "$.items[*]": the wildcard [*] is not supported`},
		{"dot wildcard", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"$.items.*"},"End":true}`), `the wildcard * is not supported`},
		{"slice", oneState("P", `{"Type":"Pass","OutputPath":"$[1:]","End":true}`), `"$[1:]": the subscript [1:] is not supported`},
		{"filter", oneState("P", `{"Type":"Pass","Parameters":{"u.$":"$.users[?(@.status == 0)]"},"End":true}`), `a filter expression is not supported`},
		{"recursive descent", oneState("P", `{"Type":"Pass","InputPath":"$..a","End":true}`), `recursive descent (..) is not supported`},
		{"negative index", oneState("P", `{"Type":"Pass","InputPath":"$.a[-1]","End":true}`), `a negative index is not supported`},
		{"union", oneState("P", `{"Type":"Pass","InputPath":"$['a','b']","End":true}`), `a union of names is not supported`},
		{"escaped quoted name", oneState("P", `{"Type":"Pass","InputPath":"$['a\\'b']","End":true}`), `an escape in a quoted name is not supported`},
		{"path function", oneState("P", `{"Type":"Pass","Parameters":{"n.$":"$.items.length()"},"End":true}`), `a path function is not supported`},
		{"$$.Task.Token", oneState("P", `{"Type":"Pass","Parameters":{"t.$":"$$.Task.Token"},"End":true}`), `the context object field ['Task'] is not supported`},
		{"$$.Map", oneState("P", `{"Type":"Pass","Parameters":{"t.$":"$$.Map.Item.Value"},"End":true}`), `the context object field ['Map'] is not supported`},
		{"unknown context field", oneState("P", `{"Type":"Pass","Parameters":{"t.$":"$$.Execution.Foo"},"End":true}`), `the context object field ['Execution']['Foo'] is not supported`},
		{"ResultPath into $$", oneState("P", `{"Type":"Pass","ResultPath":"$$.Execution","End":true}`), `ResultPath cannot refer to the context object`},
		{"ResultPath with index", oneState("P", `{"Type":"Pass","ResultPath":"$.a[0]","End":true}`), `array indexes are not supported`},
		{"unknown intrinsic", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.Reverse($.x)"},"End":true}`), `the function "States.Reverse" is not supported`},
		{"MathRandom with seed", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.MathRandom(1, 10, 3)"},"End":true}`), `States.MathRandom takes 2 arguments, got 3`},
		{"JsonMerge deep", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.JsonMerge($.a, $.b, true)"},"End":true}`), `only shallow merging`},
		{"Format placeholder count", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.Format('{} {}', $.a)"},"End":true}`), `the template has 2 {} placeholders but 1 values follow it`},
		{"Format template from path", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.Format($.t, $.a)"},"End":true}`), `the template must be a string literal`},
		{"unknown escape in intrinsic literal", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.Format('a\\nb')"},"End":true}`), `escape sequence \n is not supported`},
		{"unknown Hash algorithm", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"States.Hash($.a, 'SHA-3')"},"End":true}`), `is not one of MD5`},
		{"too deep nesting", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"`+strings.Repeat("States.Array(", 11)+"1"+strings.Repeat(")", 11)+`"},"End":true}`), `more than 10 nested intrinsic functions`},
		{"non-string .$ value", oneState("P", `{"Type":"Pass","Parameters":{"a.$":1},"End":true}`), `the value of a field ending in .$ must be a string`},
		{".$ value that is no path", oneState("P", `{"Type":"Pass","Parameters":{"a.$":"hello"},"End":true}`), `is not a JSONPath`},
		{"duplicate template field", oneState("P", `{"Type":"Pass","Parameters":{"a":1,"a.$":"$"},"End":true}`), `both produce "a"`},
		{"Parameters not an object", oneState("P", `{"Type":"Pass","Parameters":[1],"End":true}`), `field "Parameters" must be an object`},
		{"missing StartAt state", `{"StartAt":"Nope","States":{"P":{"Type":"Pass","End":true}}}`, `field "StartAt" names "Nope"`},
		{"dangling Next", oneState("P", `{"Type":"Pass","Next":"Nope"}`), `state "P": Next names "Nope"`},
		{"dangling Default", oneState("C", `{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"C"}],"Default":"Nope"}`), `state "C": Default names "Nope"`},
		{"dangling Catch Next", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Nope"}],"End":true}`), `Catch[0].Next names "Nope"`},
		{"Next into another branch", `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}},
			{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}}`, `state "A": Next names "B", which is not a state of the same States`},
		{"duplicate name across branches", `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
			{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}]}}}`, `state "A": the name is used by another state`},
		{"unreachable state", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}`, `state "B": is not reachable from StartAt "A"`},
		{"no Next or End", oneState("P", `{"Type":"Pass"}`), `state "P": needs Next or "End": true`},
		{"Next and End", oneState("P", `{"Type":"Pass","Next":"P","End":true}`), `has both Next and End`},
		{"End false", oneState("P", `{"Type":"Pass","End":false}`), `field "End" must be true`},
		{"Next on Succeed", `{"StartAt":"S","States":{"S":{"Type":"Succeed","Next":"S"}}}`, `state "S": field "Next" is not supported`},
		{"End on Fail", oneState("F", `{"Type":"Fail","End":true}`), `state "F": field "End" is not supported`},
		{"Error and ErrorPath", oneState("F", `{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`), `has both Error and ErrorPath`},
		{"States.ALL not alone", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}`), `Retry[0]: field "ErrorEquals" States.ALL must appear alone`},
		{"States.ALL not last", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Catch":[{"ErrorEquals":["States.ALL"],"Next":"T"},{"ErrorEquals":["X"],"Next":"T"}],"End":true}`), `Catch[0]: field "ErrorEquals" States.ALL must appear alone and in the last`},
		{"empty ErrorEquals", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":[]}],"End":true}`), `field "ErrorEquals" must not be empty`},
		{"unknown retrier field", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["X"],"Backoff":2}],"End":true}`), `Retry[0]: field "Backoff" is not supported`},
		{"BackoffRate below 1", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}],"End":true}`), `field "BackoffRate" must be a number of at least 1`},
		{"fractional IntervalSeconds", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["X"],"IntervalSeconds":1.5}],"End":true}`), `field "IntervalSeconds" must be an integer`},
		{"bad JitterStrategy", oneState("T", `{"Type":"Task","Resource":"`+lambdaARN+`","Retry":[{"ErrorEquals":["X"],"JitterStrategy":"HALF"}],"End":true}`), `must be FULL or NONE`},
		{"two wait fields", oneState("W", `{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}`), `needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath`},
		{"negative Seconds", oneState("W", `{"Type":"Wait","Seconds":-1,"End":true}`), `field "Seconds" must be an integer from 0`},
		{"invalid Timestamp", oneState("W", `{"Type":"Wait","Timestamp":"2016-03-14 01:59:00Z","End":true}`), `is not an ISO-8601 timestamp`},
		{"ambiguous Timestamp", oneState("W", `{"Type":"Wait","Timestamp":"2016-03-14T01:59Z","End":true}`), `cannot tell whether AWS accepts`},
		{"choice without operator", oneState("C", `{"Type":"Choice","Choices":[{"Variable":"$.a","Next":"C"}]}`), `Choices[0]: has no comparison operator`},
		{"choice with two operators", oneState("C", `{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"IsString":true,"Next":"C"}]}`), `has two comparison operators`},
		{"Next inside And", oneState("C", `{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsNull":true,"Next":"C"}],"Next":"C"}]}`), `Choices[0]: And[0]: field "Next" is only allowed`},
		{"empty Choices", oneState("C", `{"Type":"Choice","Choices":[]}`), `field "Choices" must not be empty`},
		{"numeric operand not a number", oneState("C", `{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"C"}]}`), `field "NumericEquals" must be a number`},
		{"bad StringMatches escape", oneState("C", `{"Type":"Choice","Choices":[{"Variable":"$.a","StringMatches":"a\\b","Next":"C"}]}`), `only \* and \\ may be escaped`},
		{"Condition (JSONata)", oneState("C", `{"Type":"Choice","Choices":[{"Condition":"{% true %}","Next":"C"}]}`), `field "Variable" is required`},
		{"empty Branches", oneState("P", `{"Type":"Parallel","Branches":[],"End":true}`), `field "Branches" must not be empty`},
		{"state name too long", oneState(strings.Repeat("n", 81), `{"Type":"Pass","End":true}`), `a state name must have 1 to 80 characters`},
		{"TimeoutSeconds zero", `{"TimeoutSeconds":0,"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `field "TimeoutSeconds" must be an integer from 1`},
		{"not JSON", `{"StartAt":`, `the definition is not valid JSON`},
		{"not an object", `[]`, `the definition must be a JSON object`},
		{"States missing", `{"StartAt":"P"}`, `field "States" is required`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.definition))
			if err == nil {
				t.Fatalf("Parse accepted the definition (%v)", m)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseAcceptsSupportedDefinition(t *testing.T) {
	m := mustParse(t, `{
		"Comment": "deploy", "Version": "1.0", "QueryLanguage": "JSONPath", "TimeoutSeconds": 3600,
		"StartAt": "Prepare",
		"States": {
			"Prepare": {"Type": "Pass", "Comment": "c", "QueryLanguage": "JSONPath", "InputPath": "$", "Parameters": {"app.$": "$.app", "when.$": "$$.Execution.StartTime"}, "ResultPath": "$.prepared", "OutputPath": "$", "Next": "Build"},
			"Build": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Build", "TimeoutSeconds": 900,
				"ResultSelector": {"image.$": "$.image"}, "ResultPath": "$.build",
				"Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 1.5, "MaxDelaySeconds": 30, "JitterStrategy": "FULL", "Comment": "c"}],
				"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed", "ResultPath": "$.error", "Comment": "c"}],
				"Next": "Deploy"},
			"Deploy": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Deploy", "Payload.$": "$"}, "OutputPath": "$.Payload", "Next": "Check"},
			"Check": {"Type": "Choice", "Choices": [
				{"Or": [{"Variable": "$.status", "StringMatches": "ok*"}, {"Not": {"Variable": "$.status", "IsPresent": true}}], "Next": "Done"},
				{"Variable": "$.retryAt", "IsTimestamp": true, "Next": "Pause"}],
				"Default": "Both"},
			"Pause": {"Type": "Wait", "TimestampPath": "$.retryAt", "Next": "Both"},
			"Both": {"Type": "Parallel", "Branches": [
				{"StartAt": "Left", "States": {"Left": {"Type": "Wait", "Seconds": 1, "End": true}}},
				{"StartAt": "Right", "Comment": "c", "States": {"Right": {"Type": "Succeed"}}}], "ResultPath": null, "Next": "Done"},
			"Done": {"Type": "Succeed"},
			"Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "States.Format('build failed: {}', $.error.Cause)"}
		}}`)
	wantStates := []string{"Prepare", "Build", "Deploy", "Check", "Pause", "Both", "Left", "Right", "Done", "Failed"}
	if !slices.Equal(m.States(), wantStates) {
		t.Errorf("States() = %q, want %q", m.States(), wantStates)
	}
	if m.StartAt() != "Prepare" || m.Comment() != "deploy" || m.Timeout().Seconds() != 3600 {
		t.Errorf("StartAt %q, Comment %q, Timeout %v", m.StartAt(), m.Comment(), m.Timeout())
	}
	if got := m.StateType("Right"); got != "Succeed" {
		t.Errorf("StateType(Right) = %q", got)
	}
	if got := m.String(); !strings.HasPrefix(got, `stepfn.Machine{StartAt: "Prepare", States: [Prepare, Build,`) {
		t.Errorf("String() = %q", got)
	}
	if got := m.StateType("Nope"); got != "" {
		t.Errorf("StateType(Nope) = %q", got)
	}
	wantTasks := []TaskInfo{
		{State: "Build", Resource: "arn:aws:lambda:us-east-1:123456789012:function:Build", Function: "arn:aws:lambda:us-east-1:123456789012:function:Build"},
		{State: "Deploy", Resource: "arn:aws:states:::lambda:invoke", Function: "Deploy"},
	}
	if !slices.Equal(m.Tasks(), wantTasks) {
		t.Errorf("Tasks() = %+v, want %+v", m.Tasks(), wantTasks)
	}
}

func TestParseTaskFunctionFromPathIsDynamic(t *testing.T) {
	m := mustParse(t, oneState("T", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn","Payload.$":"$"},"End":true}`))
	if got := m.Tasks(); len(got) != 1 || got[0].Function != "" {
		t.Errorf("Tasks() = %+v, want one task with no static Function", got)
	}
}
