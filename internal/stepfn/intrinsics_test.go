package stepfn

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// evalIntrinsic runs a Pass state whose Parameters compute expr on input.
func evalIntrinsic(t *testing.T, expr, input string, opts ...Option) Result {
	t.Helper()
	m := mustParse(t, oneState("P", `{"Type":"Pass","Parameters":{"r.$":`+strconv.Quote(expr)+`},"End":true}`))
	return run(t, m, input, opts...)
}

func TestIntrinsicFunctions(t *testing.T) {
	tests := []struct {
		expr, input, want string
	}{
		// Examples from the AWS documentation.
		{"States.ArrayPartition($.a, 4)", `{"a":[1,2,3,4,5,6,7,8,9]}`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"States.ArrayPartition($.a, 2)", `{"a":[]}`, `[]`},
		{"States.ArrayContains($.a, $.v)", `{"a":[1,2,3,4,5,6,7,8,9],"v":5}`, `true`},
		{"States.ArrayContains($.a, $.v)", `{"a":[{"k":[1]},"x"],"v":{"k":[1.0]}}`, `true`},
		{"States.ArrayContains($.a, 'y')", `{"a":["x"]}`, `false`},
		{"States.ArrayRange(1, 9, 2)", `{}`, `[1,3,5,7,9]`},
		{"States.ArrayRange(0, 10, 3)", `{}`, `[0,3,6,9]`},
		{"States.ArrayRange(9, 1, -4)", `{}`, `[9,5,1]`},
		{"States.ArrayRange(1, 0, 1)", `{}`, `[]`},
		{"States.ArrayGetItem($.a, 5)", `{"a":[1,2,3,4,5,6,7,8,9]}`, `6`},
		{"States.ArrayLength($.a)", `{"a":[1,2,3]}`, `3`},
		{"States.ArrayUnique($.a)", `{"a":[1,2,3,3,3,3,3,3,4]}`, `[1,2,3,4]`},
		{"States.ArrayUnique($.a)", `{"a":[null,null,true,1,1.0,"x","x",[],[],{"a":1},{"a":1},{"a":2}]}`, `[null,true,1,"x",[],{"a":1},{"a":2}]`},
		{"States.Array()", `{}`, `[]`},
		{"States.Array('a', 1, -2.5, true, false, null, $, $$.State.Name)", `{"x":1}`, `["a",1,-2.5,true,false,null,{"x":1},"P"]`},
		{"States.Base64Encode($.s)", `{"s":"Data to encode"}`, `"RGF0YSB0byBlbmNvZGU="`},
		{"States.Base64Decode($.s)", `{"s":"RGF0YSB0byBlbmNvZGU="}`, `"Data to encode"`},
		{"States.Hash($.Data, $.Algorithm)", `{"Data":"input data","Algorithm":"SHA-1"}`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"States.Hash('input data', 'MD5')", `{}`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{"States.Hash('', 'SHA-256')", `{}`, `"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`},
		{"States.JsonMerge($.a, $.b, false)", `{"a":{"x":1,"n":{"p":1}},"b":{"n":{"q":2},"y":2}}`, `{"x":1,"n":{"q":2},"y":2}`},
		{"States.StringToJson($.s)", `{"s":"{\"number\": 20}"}`, `{"number":20}`},
		{"States.JsonToString($.o)", `{"o":{"b":[1,"<&>"],"a":null}}`, `"{\"b\":[1,\"<&>\"],\"a\":null}"`},
		{"States.MathAdd($.v, -1)", `{"v":111}`, `110`},
		{"States.MathAdd(2147483646, 1)", `{}`, `2147483647`},
		{"States.MathRandom($.start, $.end)", `{"start":1,"end":999}`, `500`},
		{"States.StringSplit($.s, ',')", `{"s":"1,2,3,4,5"}`, `["1","2","3","4","5"]`},
		{"States.StringSplit($.s, $.d)", `{"s":"This.is+a,test=string","d":".+,="}`, `["This","is","a","test","string"]`},
		{"States.StringSplit(',a,,b,', ',')", `{}`, `["a","b"]`},
		{"States.Format('{} and {}', $.a, $.b)", `{"a":"x","b":[1,{"k":"v","n":null}]}`, `"x and [1, {k=v, n=null}]"`},
		{`States.Format('\{\} {} it\'s \\', $.a)`, `{"a":true}`, `"{} true it's \\"`},
		{"States.Format('{}', States.ArrayLength(States.StringSplit($.s, '/')))", `{"s":"a/b/c"}`, `"3"`},
		{"States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 0)", `{"arn":"arn:x/recipe/name.v1"}`, `"name"`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			res := evalIntrinsic(t, tc.expr, tc.input)
			assertSucceeded(t, res, `{"r":`+tc.want+`}`)
		})
	}
}

func TestMathRandomStaysBelowEnd(t *testing.T) {
	res := evalIntrinsic(t, "States.MathRandom(1, 3)", `{}`, WithRandom(fixedRandom(0.9999999999)))
	assertSucceeded(t, res, `{"r":2}`)
	res = evalIntrinsic(t, "States.MathRandom(1, 3)", `{}`, WithRandom(fixedRandom(1))) // a source breaking its contract
	assertSucceeded(t, res, `{"r":2}`)
}

func TestUUIDIsVersion4(t *testing.T) {
	res := evalIntrinsic(t, "States.UUID()", `{}`, WithRandom(sequenceRandom(0.1, 0.9, 0.3, 0.7)))
	v4 := regexp.MustCompile(`^\{"r":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"\}$`)
	if !v4.Match(res.Output) {
		t.Errorf("output %s is not a version 4 UUID", res.Output)
	}
}

func TestIntrinsicFailures(t *testing.T) {
	tests := []struct {
		expr, input, wantError, wantCause string
	}{
		{"States.ArrayGetItem($.a, 3)", `{"a":[1,2,3]}`, ErrorIntrinsicFailure, "The intrinsic function States.ArrayGetItem failed: the index 3 is out of bounds"},
		{"States.ArrayGetItem($.a, 1.5)", `{"a":[1,2,3]}`, ErrorIntrinsicFailure, "the index argument must be an integer, got 1.5"},
		{"States.ArrayLength($.a)", `{"a":"abc"}`, ErrorIntrinsicFailure, "the first argument must be an array, got string"},
		{"States.ArrayPartition($.a, 0)", `{"a":[1]}`, ErrorIntrinsicFailure, "the chunk size must be a positive integer"},
		{"States.ArrayRange(0, 1000, 1)", `{}`, ErrorIntrinsicFailure, "more than 1000 items"},
		{"States.ArrayRange(0, 10, 0)", `{}`, ErrorIntrinsicFailure, "the step must not be 0"},
		{"States.StringToJson($.s)", `{"s":"{nope"}`, ErrorIntrinsicFailure, "the argument is not JSON text"},
		{"States.StringToJson($.s)", `{"s":1}`, ErrorIntrinsicFailure, "the first argument must be a string, got number"},
		{"States.JsonMerge($.a, $.b, false)", `{"a":{},"b":[]}`, ErrorIntrinsicFailure, "both arguments must be objects"},
		{"States.JsonMerge($.a, $.b, $.deep)", `{"a":{},"b":{},"deep":true}`, ErrorIntrinsicFailure, "only shallow merging"},
		{"States.MathAdd($.a, 1)", `{"a":2147483648}`, ErrorIntrinsicFailure, "outside the range"},
		{"States.MathAdd(2147483647, 1)", `{}`, ErrorIntrinsicFailure, "the sum 2147483648 is outside the range"},
		{"States.MathAdd($.a, 1)", `{"a":"1"}`, ErrorIntrinsicFailure, "must be a number, got string"},
		{"States.MathRandom(5, 5)", `{}`, ErrorIntrinsicFailure, "the end 5 must be greater than the start 5"},
		{"States.Base64Decode($.s)", `{"s":"%%%"}`, ErrorIntrinsicFailure, "the argument is not base64"},
		{"States.Base64Encode($.s)", `{"s":"` + strings.Repeat("x", 10001) + `"}`, ErrorIntrinsicFailure, "more than 10000"},
		{"States.Hash($.s, $.alg)", `{"s":"x","alg":"SHA-3"}`, ErrorIntrinsicFailure, `the algorithm "SHA-3" is not one of`},
		{"States.Format('{}', $.missing)", `{"a":1}`, ErrorRuntime, `The JSONPath '$.missing' specified for the field 'r.$' could not be found in the input '{"a":1}'`},
	}
	for _, tc := range tests {
		t.Run(tc.expr+" "+tc.input[:min(len(tc.input), 40)], func(t *testing.T) {
			assertFailed(t, evalIntrinsic(t, tc.expr, tc.input), tc.wantError, tc.wantCause)
		})
	}
}

func TestIntrinsicFailureIsNotCaught(t *testing.T) {
	m := taskMachine(t, `"Parameters":{"x.$":"States.ArrayGetItem($.a, 9)"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
	inv := newScriptedInvoker()
	assertFailed(t, run(t, m, `{"a":[]}`, WithInvoker(inv)), ErrorIntrinsicFailure, "(entered at the event id #2)")
	if len(inv.calls) != 0 {
		t.Errorf("the task was invoked %d times", len(inv.calls))
	}
}

func TestParseIntrinsicSyntax(t *testing.T) {
	for _, expr := range []string{
		"States.Format('unterminated)",
		"States.Array(1 2)",
		"States.Array(1,)",
		"States.Array(",
		"States.Array(1) trailing",
		"States.Array(bogus)",
		"States.ArrayLength()",
		"States.UUID(1)",
		"States.Array($.a[*])",
	} {
		if _, err := parseIntrinsic(expr); err == nil {
			t.Errorf("parseIntrinsic(%q) succeeded", expr)
		}
	}
	call, err := parseIntrinsic("States.Array( $['a b'] , 'x,y' , States.Array() )")
	if err != nil {
		t.Fatal(err)
	}
	if len(call.args) != 3 || call.args[0].path.steps[0].name != "a b" || call.args[1].literal != "x,y" || call.args[2].call == nil {
		t.Errorf("parsed %+v", call.args)
	}
}
