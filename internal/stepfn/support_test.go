package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want timestampKind
		utc  string
	}{
		{"2016-03-14T01:59:00Z", timestampValid, "2016-03-14T01:59:00Z"},
		{"2016-03-05T21:29:29.243167252Z", timestampValid, "2016-03-05T21:29:29.243167252Z"},
		{"2012-10-09T19:00:55+01:00", timestampValid, "2012-10-09T18:00:55Z"},
		{"2012-10-09T19:00:55-05:30", timestampValid, "2012-10-10T00:30:55Z"},
		{"2016-02-29T00:00:00Z", timestampValid, "2016-02-29T00:00:00Z"},
		{"2016-12-05 21:29:29Z", timestampInvalid, ""},
		{"2016-12-05T21:29:29", timestampInvalid, ""},
		{"2016-13-05T21:29:29Z", timestampInvalid, ""},
		{"05-12-2016T21:29:29Z", timestampInvalid, ""},
		{"2015-02-29T00:00:00Z", timestampInvalid, ""},
		{"2016-03-14T24:00:00Z", timestampInvalid, ""},
		{"2016-03-14T01:59:60Z", timestampInvalid, ""},
		{"2016-03-14T01:59:00.1234567890Z", timestampInvalid, ""},
		{"2016-03-14T01:59:00.Z", timestampInvalid, ""},
		{"2016-03-14T01:59:00+19:00", timestampInvalid, ""},
		{"2016-03-14T01:59:00Zjunk", timestampInvalid, ""},
		{"2023-02-24", timestampInvalid, ""},
		{"", timestampInvalid, ""},
		{"2016-03-14t01:59:00Z", timestampAmbiguous, ""},
		{"2016-03-14T01:59:00z", timestampAmbiguous, ""},
		{"2016-03-14T01:59Z", timestampAmbiguous, ""},
		{"2016-03-14T01:59:00+01:00:30", timestampAmbiguous, ""},
	}
	for _, tc := range tests {
		ts, kind := parseTimestamp(tc.in)
		if kind != tc.want {
			t.Errorf("parseTimestamp(%q) kind %d, want %d", tc.in, kind, tc.want)
			continue
		}
		if tc.utc != "" {
			if got := ts.UTC().Format(time.RFC3339Nano); got != tc.utc {
				t.Errorf("parseTimestamp(%q) = %s, want %s", tc.in, got, tc.utc)
			}
		}
	}
}

type BuildFailed struct{ Stage string }

func (e *BuildFailed) Error() string { return "build failed at " + e.Stage }

type valueError struct{}

func (valueError) Error() string { return "value" }

func TestLambdaErrorType(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&BuildFailed{Stage: "compile"}, "BuildFailed"},
		{errors.New("x"), "errorString"},
		{fmt.Errorf("wrapped: %w", &BuildFailed{}), "wrapError"}, // the runtime does not unwrap
		{valueError{}, "valueError"},
		{&TaskError{Name: "Custom"}, "TaskError"},
		{context.DeadlineExceeded, "deadlineExceededError"},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := LambdaErrorType(tc.err); got != tc.want {
			t.Errorf("LambdaErrorType(%T) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestNewLambdaTaskError(t *testing.T) {
	te := NewLambdaTaskError(&BuildFailed{Stage: `"lint"`})
	if te.Name != "BuildFailed" || te.Cause != `{"errorMessage":"build failed at \"lint\"","errorType":"BuildFailed"}` {
		t.Errorf("got %+v", te)
	}
	m := taskMachine(t, `"Catch":[{"ErrorEquals":["BuildFailed"],"Next":"H"}],"End":true`, `,"H":{"Type":"Pass","End":true}`)
	inv := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return nil, fmt.Errorf("invoke: %w", te) // TaskError is found through wrapping
	})
	assertSucceeded(t, run(t, m, `{}`, WithInvoker(inv)), `{"Error":"BuildFailed","Cause":"{\"errorMessage\":\"build failed at \\\"lint\\\"\",\"errorType\":\"BuildFailed\"}"}`)
	if got := (&TaskError{Name: "N", Cause: "C"}).Error(); got != "N: C" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&TaskError{Name: "N"}).Error(); got != "N" {
		t.Errorf("Error() = %q", got)
	}
}

func TestVirtualClock(t *testing.T) {
	c := NewVirtualClock(testStart)
	if err := c.Sleep(context.Background(), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.Sleep(context.Background(), -time.Second); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Millisecond)
	if got := c.Now().Sub(testStart); got != 90*time.Second+time.Millisecond {
		t.Errorf("advanced %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context: %v", err)
	}
	if c.Now().Sub(testStart) > 91*time.Second {
		t.Error("a cancelled Sleep advanced the clock")
	}
}

func TestRealClockSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (RealClock{}).Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep: %v", err)
	}
	if err := (RealClock{}).Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0): %v", err)
	}
}

func TestJSONEncoding(t *testing.T) {
	v, err := decodeJSON([]byte(`{"s":"<a&b> \"q\" \\ \n\t\r\b\f \u0001 é 😀","n":-0.0e+1,"a":[true,false,null],"o":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"s":"<a&b> \"q\" \\ \n\t\r\b\f \u0001 é 😀","n":-0.0e+1,"a":[true,false,null],"o":{}}`
	if got := string(encodeJSON(v)); got != want {
		t.Errorf("encodeJSON = %s\nwant        %s", got, want)
	}
	if got := encodedSize(v, 1<<30); got != len(want) {
		t.Errorf("encodedSize = %d, want %d", got, len(want))
	}
	if got := string(appendJSONString(nil, "bad\xffutf8")); got != `"bad\ufffdutf8"` {
		t.Errorf("invalid UTF-8 encoded as %s", got)
	}
	for _, s := range []string{"", "plain", "bad\xffutf8\xc3", "\x00\x1f\x7f\"\\/", "é😀\u2028"} {
		if got, want := jsonStringSize(s), len(appendJSONString(nil, s)); got != want {
			t.Errorf("jsonStringSize(%q) = %d, want %d", s, got, want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1} x`, `[1,]`, `{1:2}`} {
		if _, err := decodeJSON([]byte(bad)); err == nil {
			t.Errorf("decodeJSON(%q) succeeded", bad)
		}
	}
}

func TestLargeObjectIndex(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 40; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteString(`,"k7":"again"}`)
	v, err := decodeJSON([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	obj := v.(*object)
	if got, _ := obj.get("k7"); got != "again" || obj.len() != 40 || obj.index == nil {
		t.Errorf("k7 = %v, len %d, indexed %v", got, obj.len(), obj.index != nil)
	}
	if got, ok := obj.get("k39"); !ok || got != json.Number("39") {
		t.Errorf("k39 = %v", got)
	}
}
