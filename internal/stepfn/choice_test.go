package stepfn

import (
	"testing"
)

// choiceOutcome runs a Choice with one rule and reports which way it went.
func choiceOutcome(t *testing.T, rule, input string) Result {
	t.Helper()
	m := mustParse(t, `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[`+rule+`],"Default":"No"},
		"Yes":{"Type":"Pass","Result":"yes","End":true},
		"No":{"Type":"Pass","Result":"no","End":true}}}`)
	return run(t, m, input)
}

func TestChoiceRules(t *testing.T) {
	tests := []struct {
		name, rule, input string
		want              bool
	}{
		{"StringMatches wildcard", `{"Variable":"$.f","StringMatches":"log-*.txt","Next":"Yes"}`, `{"f":"log-2024.txt"}`, true},
		{"StringMatches needs the whole string", `{"Variable":"$.f","StringMatches":"log-*.txt","Next":"Yes"}`, `{"f":"log-2024.txt.gz"}`, false},
		{"StringMatches several wildcards", `{"Variable":"$.f","StringMatches":"*a*b*","Next":"Yes"}`, `{"f":"xxaxxbxx"}`, true},
		{"StringMatches escaped star", `{"Variable":"$.f","StringMatches":"a\\*b","Next":"Yes"}`, `{"f":"a*b"}`, true},
		{"StringMatches escaped star is literal", `{"Variable":"$.f","StringMatches":"a\\*b","Next":"Yes"}`, `{"f":"axxb"}`, false},
		{"StringMatches escaped backslash", `{"Variable":"$.f","StringMatches":"a\\\\*","Next":"Yes"}`, `{"f":"a\\bc"}`, true},
		{"StringMatches a non-string", `{"Variable":"$.f","StringMatches":"*","Next":"Yes"}`, `{"f":1}`, false},
		{"Or: one is enough", `{"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","NumericEquals":2}],"Next":"Yes"}`, `{"a":0,"b":2}`, true},
		{"Or: none", `{"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","NumericEquals":2}],"Next":"Yes"}`, `{"a":0,"b":0}`, false},
		{"Or short-circuits before a missing path", `{"Or":[{"Variable":"$.a","IsPresent":true},{"Variable":"$.zzz","IsNull":true}],"Next":"Yes"}`, `{"a":0}`, true},
		{"And with Not", `{"And":[{"Variable":"$.a","IsPresent":true},{"Not":{"Variable":"$.a","StringEquals":"x"}}],"Next":"Yes"}`, `{"a":"y"}`, true},
		{"IsPresent false on a missing path", `{"Variable":"$.x.y","IsPresent":false,"Next":"Yes"}`, `{}`, true},
		{"IsTimestamp", `{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}`, `{"t":"2016-03-14T01:59:00.123Z"}`, true},
		{"IsTimestamp with offset", `{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}`, `{"t":"2012-10-09T19:00:55+01:00"}`, true},
		{"IsTimestamp on a date", `{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}`, `{"t":"2023-02-24"}`, false},
		{"IsTimestamp on a number", `{"Variable":"$.t","IsTimestamp":false,"Next":"Yes"}`, `{"t":1}`, true},
		{"TimestampEquals compares instants", `{"Variable":"$.t","TimestampEquals":"2012-10-09T18:00:55Z","Next":"Yes"}`, `{"t":"2012-10-09T19:00:55+01:00"}`, true},
		{"TimestampLessThanPath", `{"Variable":"$.a","TimestampLessThanPath":"$.b","Next":"Yes"}`, `{"a":"2012-10-09T19:00:55Z","b":"2012-10-09T19:00:55.5Z"}`, true},
		{"TimestampGreaterThan on an invalid string", `{"Variable":"$.a","TimestampGreaterThan":"2012-10-09T19:00:55Z","Next":"Yes"}`, `{"a":"tomorrow"}`, false},
		{"NumericLessThanEqualsPath int vs float", `{"Variable":"$.a","NumericLessThanEqualsPath":"$.b","Next":"Yes"}`, `{"a":1,"b":1.0}`, true},
		{"NumericGreaterThan large", `{"Variable":"$.a","NumericGreaterThan":1e300,"Next":"Yes"}`, `{"a":1e301}`, true},
		{"NumericEqualsPath with a string operand", `{"Variable":"$.a","NumericEqualsPath":"$.b","Next":"Yes"}`, `{"a":1,"b":"1"}`, false},
		{"StringEqualsPath", `{"Variable":"$.a","StringEqualsPath":"$.b","Next":"Yes"}`, `{"a":"x","b":"x"}`, true},
		{"StringLessThan by UTF-16 code units", `{"Variable":"$.a","StringLessThan":"\uffff","Next":"Yes"}`, `{"a":"😀"}`, true},
		{"StringGreaterThan by UTF-16 code units", `{"Variable":"$.a","StringGreaterThan":"😀","Next":"Yes"}`, `{"a":"\uffff"}`, true},
		{"BooleanEqualsPath", `{"Variable":"$.a","BooleanEqualsPath":"$.b","Next":"Yes"}`, `{"a":false,"b":false}`, true},
		{"context object Variable", `{"Variable":"$$.Execution.Input.a","StringEquals":"x","Next":"Yes"}`, `{"a":"x"}`, true},
		{"bracket path Variable", `{"Variable":"$['a b'][0]","NumericEquals":3,"Next":"Yes"}`, `{"a b":[3]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := choiceOutcome(t, tc.rule, tc.input)
			want := `"no"`
			if tc.want {
				want = `"yes"`
			}
			assertSucceeded(t, res, want)
		})
	}
}

func TestChoiceRuntimeErrors(t *testing.T) {
	tests := []struct {
		name, rule, input, wantCause string
	}{
		{"missing Variable", `{"Variable":"$.x","StringEquals":"a","Next":"Yes"}`, `{}`,
			"Invalid path '$.x': The choice state's condition path references an invalid value."},
		{"missing Variable under Not", `{"Not":{"Variable":"$.x","IsNull":true},"Next":"Yes"}`, `{}`,
			"Invalid path '$.x': The choice state's condition path references an invalid value."},
		{"missing operand path", `{"Variable":"$.a","NumericEqualsPath":"$.b","Next":"Yes"}`, `{"a":1}`,
			"Invalid path '$.b': The choice state's condition path references an invalid value."},
		{"ambiguous timestamp", `{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}`, `{"t":"2016-03-14T01:59Z"}`,
			`stepfn cannot tell whether AWS accepts "2016-03-14T01:59Z" as a timestamp`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertFailed(t, choiceOutcome(t, tc.rule, tc.input), ErrorRuntime,
				"An error occurred while executing the state 'C' (entered at the event id #2). "+tc.wantCause)
		})
	}
}

func TestNoChoiceMatched(t *testing.T) {
	m := mustParse(t, `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":1,"Next":"Yes"}]},
		"Yes":{"Type":"Succeed"}}}`)
	res := run(t, m, `{"a":2}`)
	assertFailed(t, res, ErrorNoChoiceMatched, "(entered at the event id #2). No Choice rule matched")
}

func TestChoicePaths(t *testing.T) {
	m := mustParse(t, `{"StartAt":"C","States":{
		"C":{"Type":"Choice","InputPath":"$.in","OutputPath":"$.v","Choices":[{"Variable":"$.v","IsPresent":true,"Next":"Done"}]},
		"Done":{"Type":"Succeed"}}}`)
	assertSucceeded(t, run(t, m, `{"in":{"v":[1]}}`), `[1]`)
}

func TestCompareUTF16(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "b", -1}, {"b", "a", 1}, {"a", "ab", -1}, {"ab", "a", 1},
		{"\uffff", "😀", 1}, // U+FFFF > the high surrogate of U+1F600
		{"\u00e9", "😀", -1},
		{"😀", "😁", -1},
		{"é", "é", 0},
	}
	for _, tc := range tests {
		if got := compareUTF16(tc.a, tc.b); got != tc.want {
			t.Errorf("compareUTF16(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
