package stepfn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The conformance corpus: AWS-recorded executions (see
// testdata/asl-conformance/README.md). Every vector must pass, or be listed
// in rejectedAtLoad and be rejected by Parse.

const corpusPath = "testdata/asl-conformance/vectors.jsonl"

// rejectedAtLoad lists the vectors the executor deliberately refuses to
// load, with the reason. The test asserts that Parse rejects each of them,
// so none can silently produce an answer.
var rejectedAtLoad = map[string]string{}

type conformanceVector struct {
	Name          string                       `json:"name"`
	Group         string                       `json:"group"`
	Definition    json.RawMessage              `json:"definition"`
	Input         json.RawMessage              `json:"input"`
	LambdaResults map[string][]json.RawMessage `json:"lambda_results"`
	Expected      struct {
		Status      string          `json:"status"`
		Output      json.RawMessage `json:"output"`
		Error       *string         `json:"error"`
		Cause       *string         `json:"cause"`
		CausePrefix *string         `json:"cause_prefix"`
	} `json:"expected"`
	Visited []string `json:"visited"`
}

func loadConformanceVectors(t testing.TB) []conformanceVector {
	t.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vectors []conformanceVector
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var v conformanceVector
			if jerr := json.Unmarshal(line, &v); jerr != nil {
				t.Fatalf("vector %d: %v", len(vectors)+1, jerr)
			}
			vectors = append(vectors, v)
		}
		if err != nil {
			break
		}
	}
	return vectors
}

// lambdaStub returns the recorded results of each Task state in order.
type lambdaStub struct {
	mu        sync.Mutex
	remaining map[string][]json.RawMessage
	problems  []string
}

func newLambdaStub(results map[string][]json.RawMessage) *lambdaStub {
	s := &lambdaStub{remaining: map[string][]json.RawMessage{}}
	for state, list := range results {
		s.remaining[state] = slices.Clone(list)
	}
	return s
}

func (s *lambdaStub) Invoke(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, error) {
	inv, ok := InvocationFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		s.problems = append(s.problems, "invocation without an Invocation in its context")
		return nil, &TaskError{Name: "Stub.NoInvocation"}
	}
	list := s.remaining[inv.State]
	if len(list) == 0 {
		s.problems = append(s.problems, fmt.Sprintf("state %q invoked more often than recorded", inv.State))
		return nil, &TaskError{Name: "Stub.Overrun"}
	}
	next := list[0]
	s.remaining[inv.State] = list[1:]
	var failed struct {
		Error *string `json:"error"`
		Cause *string `json:"cause"`
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(next, &keys) == nil && len(keys) == 2 && json.Unmarshal(next, &failed) == nil &&
		failed.Error != nil && failed.Cause != nil {
		return nil, &TaskError{Name: *failed.Error, Cause: *failed.Cause}
	}
	return next, nil
}

func (s *lambdaStub) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		t.Error(p)
	}
	for state, list := range s.remaining {
		if len(list) > 0 {
			t.Errorf("state %q: %d recorded invocation(s) left over", state, len(list))
		}
	}
}

func TestConformance(t *testing.T) {
	vectors := loadConformanceVectors(t)
	if len(vectors) != 467 {
		t.Errorf("corpus has %d vectors, want 467", len(vectors))
	}
	names := map[string]bool{}
	for _, v := range vectors {
		names[v.Name] = true
	}
	for name := range rejectedAtLoad {
		if !names[name] {
			t.Errorf("rejectedAtLoad names %q, which is not in the corpus", name)
		}
	}
	var passed, rejected int
	for _, v := range vectors {
		reason, mustReject := rejectedAtLoad[v.Name]
		ok := t.Run(v.Name, func(t *testing.T) {
			m, err := Parse(v.Definition)
			if mustReject {
				if err == nil {
					t.Fatalf("expected Parse to reject the definition (%s)", reason)
				}
				t.Logf("rejected at load as intended (%s): %v", reason, err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			runConformanceVector(t, m, v)
		})
		switch {
		case ok && mustReject:
			rejected++
		case ok:
			passed++
		}
	}
	t.Logf("conformance: %d passed, %d rejected at load, %d total", passed, rejected, len(vectors))
}

func runConformanceVector(t *testing.T, m *Machine, v conformanceVector) {
	stub := newLambdaStub(v.LambdaResults)
	clock := NewVirtualClock(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	res := m.Run(context.Background(), v.Input,
		WithInvoker(stub), WithClock(clock), WithRandom(fixedRandom(0.5)), WithName("conformance"))
	stub.check(t)

	want := v.Expected
	if string(res.Status) != want.Status {
		t.Fatalf("status %s (error %q, cause %q), want %s", res.Status, res.Error, res.Cause, want.Status)
	}
	if res.Status == StatusSucceeded {
		if d := jsonDifference(res.Output, want.Output, false); d != "" {
			t.Errorf("output %s, want %s: %s", res.Output, want.Output, d)
		} else if d := jsonDifference(res.Output, want.Output, true); d != "" {
			t.Errorf("output %s has other number literals than %s: %s", res.Output, want.Output, d)
		}
	}
	if res.Status == StatusFailed {
		if want.Error == nil {
			if res.Error != "" {
				t.Errorf("error %q, want none", res.Error)
			}
		} else if res.Error != *want.Error {
			t.Errorf("error %q, want %q", res.Error, *want.Error)
		}
		switch {
		case want.CausePrefix != nil:
			if !strings.HasPrefix(res.Cause, *want.CausePrefix) {
				t.Errorf("cause %q, want the prefix %q", res.Cause, *want.CausePrefix)
			}
		case want.Cause != nil:
			if res.Cause != *want.Cause {
				t.Errorf("cause %q, want %q", res.Cause, *want.Cause)
			}
		default:
			if res.Cause != "" {
				t.Errorf("cause %q, want none", res.Cause)
			}
		}
	}
	if v.Visited != nil && !slices.Equal(res.Visited, v.Visited) {
		t.Errorf("visited %q, want %q", res.Visited, v.Visited)
	}
}

// fixedRandom is a random source that always returns f.
func fixedRandom(f float64) func() float64 { return func() float64 { return f } }

// jsonDifference compares two JSON texts canonically: key order ignored,
// numbers by value, or, when literal is set, by their literal form. It
// returns "" when they are equal.
func jsonDifference(got, want []byte, literal bool) string {
	g, err := decodeJSON(got)
	if err != nil {
		return "got: " + err.Error()
	}
	w, err := decodeJSON(want)
	if err != nil {
		return "want: " + err.Error()
	}
	return valueDifference("$", g, w, literal)
}

func valueDifference(at string, g, w any, literal bool) string {
	switch wv := w.(type) {
	case json.Number:
		gv, ok := g.(json.Number)
		if !ok || (literal && gv != wv) || (!literal && numberValue(gv) != numberValue(wv)) {
			return fmt.Sprintf("at %s: %s vs %s", at, encodeJSON(g), wv)
		}
		return ""
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("at %s: %s vs %s", at, encodeJSON(g), encodeJSON(w))
		}
		for i := range wv {
			if d := valueDifference(fmt.Sprintf("%s[%d]", at, i), gv[i], wv[i], literal); d != "" {
				return d
			}
		}
		return ""
	case *object:
		gv, ok := g.(*object)
		if !ok || gv.len() != wv.len() {
			return fmt.Sprintf("at %s: %s vs %s", at, encodeJSON(g), encodeJSON(w))
		}
		for i, k := range wv.keys {
			gField, ok := gv.get(k)
			if !ok {
				return fmt.Sprintf("at %s: missing key %q", at, k)
			}
			if d := valueDifference(at+"."+k, gField, wv.vals[i], literal); d != "" {
				return d
			}
		}
		return ""
	}
	if !jsonEqual(g, w) {
		return fmt.Sprintf("at %s: %s vs %s", at, encodeJSON(g), encodeJSON(w))
	}
	return ""
}
