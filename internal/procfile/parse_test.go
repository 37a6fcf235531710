package procfile

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"
)

// parseCase is one Procfile and what parsing it gives: the processes, or
// the error message. The Python twin in infra/buildspec.yml must agree on
// every case (see TestBuildspecParserTwin).
type parseCase struct {
	name    string
	input   string
	want    map[string]string
	wantErr string
}

func parseCases() []parseCase {
	fifty := make([]string, 0, 51)
	for i := range 51 {
		fifty = append(fifty, fmt.Sprintf("p%d: run %d", i, i))
	}
	return []parseCase{
		{name: "web and worker", input: "web: ./bin/web\nworker: ./bin/worker\n",
			want: map[string]string{"web": "./bin/web", "worker": "./bin/worker"}},
		{name: "comments, blanks, CRLF and surrounding space", input: "# processes\r\n\r\n  web :  gunicorn app:app -b 0.0.0.0:$PORT \r\n\t# worker: off\n",
			want: map[string]string{"web": "gunicorn app:app -b 0.0.0.0:$PORT"}},
		{name: "splits at the first colon only", input: "release: sh -c 'echo a:b'",
			want: map[string]string{"release": "sh -c 'echo a:b'"}},
		{name: "hash inside a command is kept", input: "web: run # not a comment",
			want: map[string]string{"web": "run # not a comment"}},
		{name: "tab inside a command is kept", input: "web: a\tb",
			want: map[string]string{"web": "a\tb"}},
		{name: "unicode command", input: "web: echo héllo ✓",
			want: map[string]string{"web": "echo héllo ✓"}},
		{name: "63-character name", input: strings.Repeat("a", 63) + ": x",
			want: map[string]string{strings.Repeat("a", 63): "x"}},
		{name: "fifty processes", input: strings.Join(fifty[:50], "\n"), want: fiftyWant()},
		{name: "empty", input: "", wantErr: "Procfile: declares no processes"},
		{name: "only comments", input: "# web: x\n\n", wantErr: "Procfile: declares no processes"},
		{name: "no colon", input: "web: ok\nworker ./bin/worker", wantErr: `Procfile: line 2: expected "name: command"`},
		{name: "upper-case name", input: "Web: x", wantErr: `Procfile: line 1: process name "Web" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{name: "underscore name", input: "web_1: x", wantErr: `Procfile: line 1: process name "web_1" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{name: "empty name", input: ": x", wantErr: `Procfile: line 1: process name "" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{name: "trailing dash", input: "web-: x", wantErr: `Procfile: line 1: process name "web-" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{name: "64-character name", input: strings.Repeat("a", 64) + ": x", wantErr: `Procfile: line 1: process name "` + strings.Repeat("a", 64) + `" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{name: "non-ASCII name", input: "wéb: x", wantErr: `Procfile: line 1: process name "wéb" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{name: "empty command", input: "web:   ", wantErr: `Procfile: line 1: process "web" has an empty command`},
		{name: "control character", input: "web: a\x00b", wantErr: `Procfile: line 1: command of process "web" contains a control character`},
		{name: "inner carriage return", input: "web: a\rb", wantErr: `Procfile: line 1: command of process "web" contains a control character`},
		{name: "DEL character", input: "web: a\x7fb", wantErr: `Procfile: line 1: command of process "web" contains a control character`},
		{name: "duplicate", input: "web: a\n\nweb: b", wantErr: `Procfile: line 3: process "web" is declared twice`},
		{name: "fifty-one processes", input: strings.Join(fifty, "\n"), wantErr: "Procfile: line 51: more than 50 processes"},
		{name: "invalid UTF-8", input: "web: \xff", wantErr: "Procfile: not valid UTF-8"},
		{name: "too large", input: "web: " + strings.Repeat("x", MaxSize), wantErr: "Procfile: larger than 65536 bytes"},
	}
}

func fiftyWant() map[string]string {
	m := map[string]string{}
	for i := range 50 {
		m[fmt.Sprintf("p%d", i)] = fmt.Sprintf("run %d", i)
	}
	return m
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.input))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if err := Validate(got); err != nil {
				t.Fatalf("parsed processes do not validate: %v", err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		procs   map[string]string
		wantErr string
	}{
		{"valid", map[string]string{"web": "./web", "release": "./migrate"}, ""},
		{"none", map[string]string{}, "Procfile: declares no processes"},
		{"too many", fiftyOne(), "Procfile: more than 50 processes"},
		{"bad name", map[string]string{"Web": "x"}, `Procfile: process name "Web" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`},
		{"empty command", map[string]string{"web": ""}, `Procfile: process "web" has an empty command`},
		{"newline in command", map[string]string{"web": "a\nb"}, `Procfile: command of process "web" contains a control character`},
		{"untrimmed command", map[string]string{"web": " a"}, `Procfile: command of process "web" has surrounding whitespace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.procs)
			if got := errString(err); got != tc.wantErr {
				t.Fatalf("Validate = %q, want %q", got, tc.wantErr)
			}
		})
	}
}

func fiftyOne() map[string]string {
	m := fiftyWant()
	m["p50"] = "x"
	return m
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		name        string
		kind        Kind
		longRunning bool
		serves      bool
	}{
		{"web", KindWeb, true, true},
		{"web-api", KindWeb, true, true},
		{"webhooks", KindWeb, true, true},
		{"worker", KindWorker, true, false},
		{"worker-emails", KindWorker, true, false},
		{"tcp", KindTCP, true, true},
		{"tcp-mqtt", KindTCP, true, true},
		{"release", KindOneOff, false, false},
		{"migrate", KindOneOff, false, false},
		{"clock", KindOneOff, false, false},
		{"w", KindOneOff, false, false},
	} {
		k := KindOf(tc.name)
		if k != tc.kind || k.LongRunning() != tc.longRunning || k.Serves() != tc.serves {
			t.Errorf("KindOf(%q) = %q (long-running %v, serves %v)", tc.name, k, k.LongRunning(), k.Serves())
		}
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts is
// valid and survives a round trip through the canonical text form.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases() {
		if len(tc.input) < 4096 {
			f.Add([]byte(tc.input))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		procs, err := Parse(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := Validate(procs); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v", err)
		}
		again, err := Parse([]byte(canonical(procs)))
		if err != nil || !maps.Equal(again, procs) {
			t.Fatalf("round trip: %v, %v != %v", err, again, procs)
		}
	})
}

func canonical(procs map[string]string) string {
	names := make([]string, 0, len(procs))
	for n := range procs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + ": " + procs[n] + "\n")
	}
	return b.String()
}
