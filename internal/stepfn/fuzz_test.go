package stepfn

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"
)

// fuzzRun runs m on input with a virtual clock, a deterministic random
// source and an echoing invoker, cancelled after a bounded number of
// history events (a definition may loop forever).
func fuzzRun(t *testing.T, m *Machine, input []byte) Result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var events atomic.Int64
	res := m.Run(ctx, input,
		WithClock(NewVirtualClock(testStart)),
		WithRandom(func() float64 { return 0.5 }),
		WithInvoker(InvokerFunc(func(_ context.Context, resource string, payload json.RawMessage) (json.RawMessage, error) {
			if strings.HasSuffix(resource, ":fail") {
				return nil, &TaskError{Name: "Boom", Cause: "fuzz"}
			}
			return payload, nil
		})),
		WithObserver(func(Event) {
			if events.Add(1) > 500 {
				cancel()
			}
		}),
	)
	switch res.Status {
	case StatusSucceeded:
		if !json.Valid(res.Output) {
			t.Fatalf("succeeded with output %q, not JSON", res.Output)
		}
	case StatusFailed, StatusTimedOut:
		if res.Error == "" && res.Cause == "" && res.Status == StatusTimedOut {
			t.Fatalf("timed out without an error")
		}
	case StatusAborted:
	default:
		t.Fatalf("status %q", res.Status)
	}
	return res
}

// conformanceSeeds returns up to n definitions and inputs of the AWS
// conformance corpus.
func conformanceSeeds(f *testing.F, n int) [][2][]byte {
	file, err := os.Open("testdata/asl-conformance/vectors.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	var out [][2][]byte
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(out) < n {
		var v struct {
			Definition json.RawMessage
			Input      json.RawMessage
		}
		if json.Unmarshal(sc.Bytes(), &v) == nil && len(v.Definition) < 4096 {
			out = append(out, [2][]byte{v.Definition, v.Input})
		}
	}
	return out
}

// FuzzParseDefinition: the ASL loader. Parse never panics; a rejected
// definition is an error prefixed "stepfn:" and no machine; an accepted one
// is a consistent machine (StartAt is one of its states, every state has a
// known type, every task names its state) that runs on any input without
// panicking and ends in a known status.
func FuzzParseDefinition(f *testing.F) {
	deploy, err := os.ReadFile("../../infra/statemachine/deploy.asl.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(deploy, []byte(`{"application_id":"a","image_id":"i"}`))
	for _, s := range conformanceSeeds(f, 60) {
		f.Add(s[0], s[1])
	}
	for _, d := range []string{
		`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"Next":"A"}},"TimeoutSeconds":5}`,
		`{"StartAt":"A","States":{"A":{"Type":"Map","End":true}}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:fail","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":3}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"}],"End":true},"B":{"Type":"Fail","Error":"E"}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},{"StartAt":"Y","States":{"Y":{"Type":"Fail"}}}],"End":true}}}`,
		`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","TimestampLessThan":"2024-01-01T00:00:00Z","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"r.$":"States.Format('{}', $.x)"},"ResultPath":"$.a.b","End":true}}}`,
		`{"StartAt":"A","States":{}}`, `[]`, `{`, `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}} x`,
	} {
		f.Add([]byte(d), []byte(`{"x":1}`))
	}
	f.Fuzz(func(t *testing.T, definition, input []byte) {
		m, err := Parse(definition)
		if err != nil {
			if m != nil {
				t.Fatal("an error and a machine")
			}
			if !strings.HasPrefix(err.Error(), "stepfn: ") {
				t.Fatalf("error %q does not start with stepfn:", err)
			}
			return
		}
		states := m.States()
		if !slices.Contains(states, m.StartAt()) {
			t.Fatalf("StartAt %q is not among %v", m.StartAt(), states)
		}
		for _, s := range states {
			switch m.StateType(s) {
			case typePass, typeTask, typeChoice, typeWait, typeSucceed, typeFail, typeParallel:
			default:
				t.Fatalf("state %q has type %q", s, m.StateType(s))
			}
		}
		for _, task := range m.Tasks() {
			if m.StateType(task.State) != typeTask || task.Resource == "" {
				t.Fatalf("task %+v", task)
			}
		}
		if m.Timeout() < 0 {
			t.Fatalf("timeout %v", m.Timeout())
		}
		_ = m.String()
		res := fuzzRun(t, m, input)
		for _, s := range res.Visited {
			if !slices.Contains(states, s) {
				t.Fatalf("visited %q, not a state", s)
			}
		}
	})
}

// jaywayRender renders a parsed path the way AWS prints it, as a path
// parseRefPath reads again.
func jaywayRender(p *refPath) string {
	s := p.jaywayPrefix(len(p.steps))
	if p.context {
		s = "$" + s
	}
	return s
}

// FuzzRefPath: reference paths (InputPath, OutputPath, ResultPath, ".$"
// fields, Choice variables). Parsing never panics; an accepted path
// renders (Jayway form, as in AWS causes) to a path that parses to the
// same steps; ResultPath accepts exactly the accepted paths without $$ or
// indexes; looking a path up in any document never panics and a miss has a
// message; and a ResultPath applied to an object input puts the result
// where the same reference path finds it.
func FuzzRefPath(f *testing.F) {
	for _, p := range []string{
		"$", "$.a.b", "$.a[0]", "$['a']['b c']", `$["a"]`, "$$.Execution.Input.x", "$$.State.Name", "$$.Task.Token",
		"$..a", "$.a[*]", "$.a[?(@.b)]", "$.a[-1]", "$.a[0:2]", "$[99999999999999999999]", "$.a.", "a", "",
		"$.é", "$['']", "$.a[01]", "$['a'].b['c']", "$$", "$$.Execution.Id.x", "$['it''s']", `$["it's"]`,
	} {
		f.Add(p, []byte(`{"a":{"b":[1,{"c":null}],"b c":true},"x":"y","":0}`), []byte(`{"r":1}`))
	}
	f.Fuzz(func(t *testing.T, raw string, doc, result []byte) {
		p, err := parseRefPath(raw)
		rp, rerr := parseResultPath(raw)
		if err != nil {
			if p != nil || rerr == nil {
				t.Fatalf("%q: path refused (%v) but %v, ResultPath %v", raw, err, p, rerr)
			}
			return
		}
		wantResult := !p.context && !slices.ContainsFunc(p.steps, func(s pathStep) bool { return s.isIndex })
		if (rerr == nil) != wantResult {
			t.Fatalf("%q: ResultPath error %v, want accepted=%v", raw, rerr, wantResult)
		}
		if !slices.ContainsFunc(p.steps, func(s pathStep) bool { return strings.ContainsAny(s.name, `'\`) }) {
			rendered := jaywayRender(p)
			again, err := parseRefPath(rendered)
			if err != nil {
				t.Fatalf("%q renders as %q, which is refused: %v", raw, rendered, err)
			}
			if again.context != p.context || !slices.Equal(again.steps, p.steps) {
				t.Fatalf("%q renders as %q, which parses differently", raw, rendered)
			}
		}
		root, err := decodeJSON(doc)
		if err != nil {
			return
		}
		if _, miss := p.lookup(root); miss != nil && miss.message == "" {
			t.Fatalf("%q: a miss without a message", raw)
		}
		res, err := decodeJSON(result)
		if err != nil || rp == nil {
			return
		}
		if _, isObj := root.(*object); !isObj && len(rp.steps) > 0 {
			if _, ok := rp.apply(root, res); ok {
				t.Fatalf("ResultPath %q applied to a %s input", raw, jsonTypeName(root))
			}
			return
		}
		out, ok := rp.apply(root, res)
		if !ok {
			// A value on the way is not an object.
			return
		}
		got, miss := p.lookup(out)
		if miss != nil || !jsonEqual(got, res) {
			t.Fatalf("ResultPath %q: the result is not where the path finds it (%v)", raw, miss)
		}
		if !jsonEqual(root, mustDecode(t, doc)) {
			t.Fatal("apply changed its input")
		}
	})
}

func mustDecode(t *testing.T, b []byte) any {
	t.Helper()
	v, err := decodeJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzIntrinsic: intrinsic function expressions. The parser never panics
// and its errors name the expression; a Pass state with the expression in a
// ".$" field loads exactly when the expression parses; running it on any
// input never panics and either succeeds or fails with one of the errors
// intrinsics raise (States.IntrinsicFailure, States.Runtime for a missing
// path, States.DataLimitExceeded).
func FuzzIntrinsic(f *testing.F) {
	for _, e := range []string{
		"States.Format('{} and {}', $.a, $.b)", "States.StringToJson($.s)", "States.JsonToString($.o)",
		"States.Array('a', 1, -2.5, true, false, null, $, $$.State.Name)", "States.ArrayPartition($.arr, 2)",
		"States.ArrayContains($.arr, 1)", "States.ArrayRange(1, 9, 2)", "States.ArrayRange(0, 1000000, 1)",
		"States.ArrayGetItem($.arr, 5)", "States.ArrayLength($.arr)", "States.ArrayUnique($.arr)",
		"States.Base64Encode($.s)", "States.Base64Decode($.s)", "States.Hash($.s, 'SHA-256')",
		"States.JsonMerge($.o, $.o, false)", "States.MathRandom(1, 999)", "States.MathAdd($.n, -1)",
		"States.StringSplit($.s, ',')", "States.UUID()", `States.Format('\{\} {} it\'s \\', $.a)`,
		"States.Format('{}', States.ArrayLength(States.StringSplit($.s, '/')))",
		"States.Format(", "States.Nope()", "States.Array(1,)", "States.MathAdd(1e400, 1)", "States.ArrayRange(1, 2, 0)",
		"States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array()))))))))))",
	} {
		f.Add(e, []byte(`{"a":"x","b":[1,{"k":"v"}],"s":"e30=","o":{"k":1},"arr":[1,2,2,3],"n":2147483647}`))
	}
	f.Fuzz(func(t *testing.T, expr string, input []byte) {
		call, err := parseIntrinsic(expr)
		if err != nil {
			if call != nil || !strings.HasPrefix(err.Error(), "intrinsic function ") {
				t.Fatalf("%q: %v", expr, err)
			}
		}
		if !utf8.ValidString(expr) {
			return // a definition is JSON text: its strings are UTF-8
		}
		quoted, _ := json.Marshal(expr)
		def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":` + string(quoted) + `},"End":true}}}`
		m, perr := Parse([]byte(def))
		if isIntrinsic(expr) && (perr == nil) != (err == nil) {
			t.Fatalf("%q: parseIntrinsic %v, the definition %v", expr, err, perr)
		}
		if perr != nil {
			return
		}
		res := fuzzRun(t, m, input)
		if res.Status == StatusFailed && res.Error != ErrorInvalidInput {
			known := []string{ErrorIntrinsicFailure, ErrorRuntime, ErrorDataLimitExceeded}
			if !slices.Contains(known, res.Error) {
				t.Fatalf("%q failed with %q: %s", expr, res.Error, res.Cause)
			}
		}
	})
}
