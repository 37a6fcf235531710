package stepfn

import (
	"testing"
)

func TestRefPathLookup(t *testing.T) {
	const doc = `{"a":{"b":[10,{"c":"x"}],"n":null,"s":"str"},"my key":1,"$weird":2}`
	root, err := decodeJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want, wantMiss string
	}{
		{"$", doc, ""},
		{"$.a.b[1].c", `"x"`, ""},
		{"$['a']['b'][0]", `10`, ""},
		{`$["a"].n`, `null`, ""},
		{"$['my key']", `1`, ""},
		{"$['$weird']", `2`, ""},
		{"$.zzz", "", "No results for path: $['zzz']"},
		{"$.zzz.y", "", "Missing property in path $['zzz']"},
		{"$.a.zzz.y", "", "Missing property in path $['a']['zzz']"},
		{"$.a.b[5]", "", "No results for path: $['a']['b'][5]"},
		{"$.a.s.x", "", "Expected to find an object with property ['x'] in path $['a']['s'] but found 'string'. This is not a json object."},
		{"$.a.n.x", "", "Expected to find an object with property ['x'] in path $['a']['n'] but found 'null'. This is not a json object."},
		{"$.a.n[0]", "", "The path $['a']['n'] is null"},
		{"$.a[0]", "", `Filter: [0] can only be applied to arrays. Current context is: {"b":[10,{"c":"x"}],"n":null,"s":"str"}`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			p, err := parseRefPath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			v, miss := p.lookup(root)
			switch {
			case tc.wantMiss != "":
				if miss == nil || miss.message != tc.wantMiss {
					t.Errorf("miss %+v, want %q", miss, tc.wantMiss)
				}
			case miss != nil:
				t.Errorf("unexpected miss %q", miss.message)
			default:
				assertJSON(t, encodeJSON(v), tc.want)
			}
		})
	}
}

func TestParseRefPathErrors(t *testing.T) {
	for _, p := range []string{
		"a.b", "", "$.", "$.a.", "$[", "$['a'", "$[a]", "$.a b", "$.a*", "$$.Execution.Input.x[*]",
		"$$.State.Name.x", "$$[0]", "$.a[99999999999999999999]",
	} {
		if _, err := parseRefPath(p); err == nil {
			t.Errorf("parseRefPath(%q) succeeded", p)
		}
	}
	for _, p := range []string{"$$", "$$.Execution", "$$.Execution.Input.deep[0]['k']", "$$.StateMachine.Name", "$.a-b_c.d9", "$.ünï"} {
		if _, err := parseRefPath(p); err != nil {
			t.Errorf("parseRefPath(%q): %v", p, err)
		}
	}
}

func TestResultPathApplyIsCopyOnWrite(t *testing.T) {
	input, _ := decodeJSON([]byte(`{"a":{"b":1},"c":2}`))
	rp, err := parseResultPath("$.a.x")
	if err != nil {
		t.Fatal(err)
	}
	out, ok := rp.apply(input, "v")
	if !ok {
		t.Fatal("apply failed")
	}
	assertJSON(t, encodeJSON(out), `{"a":{"b":1,"x":"v"},"c":2}`)
	assertJSON(t, encodeJSON(input), `{"a":{"b":1},"c":2}`) // the input is unchanged
	if _, ok := rp.apply([]any{}, "v"); ok {
		t.Error("applying $.a.x to an array succeeded")
	}
}
