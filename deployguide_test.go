package slipway_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// guideSection returns README.md's "## Deploy to AWS" section.
func guideSection(t *testing.T) string {
	t.Helper()
	readme := string(readFile(t, "README.md"))
	start := strings.Index(readme, "\n## Deploy to AWS\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Deploy to AWS" section`)
	}
	rest := readme[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+4]
	}
	return rest
}

// guideCode returns the lines of the section's fenced code blocks.
func guideCode(section string) []string {
	var lines []string
	in := false
	for _, l := range strings.Split(section, "\n") {
		if strings.HasPrefix(l, "```") {
			in = !in
			continue
		}
		if in {
			lines = append(lines, l)
		}
	}
	return lines
}

// guideAllowed are capitalized names the guide uses that are not the
// template's (AWS-managed things).
var guideAllowed = map[string]bool{"AmazonEC2ContainerRegistryReadOnly": true}

// guideContracted are slipway commands other parts of the issue deliver,
// with the flags their contract names; once the CLI defines one, its real
// flags are checked instead.
var guideContracted = map[string][]string{
	"bootstrap": {"table", "dynamodb-endpoint", "rotate"}, // issue #12 item 4
}

// TestDeployGuide checks the "Deploy to AWS" guide against what it names:
// every template name (parameter, output, resource) exists, the
// parameter_overrides set only template parameters, every slipway command
// and flag is the CLI's, and every API call is an operation of
// openapi.yaml.
func TestDeployGuide(t *testing.T) {
	section := guideSection(t)
	tpl := readYAML(t, "template.yaml")
	known := map[string]bool{}
	for _, part := range []string{"Parameters", "Outputs", "Resources"} {
		for k := range m(tpl[part]) {
			known[k] = true
		}
	}
	for _, w := range regexp.MustCompile("`([A-Z][a-z][A-Za-z0-9]*)`").FindAllStringSubmatch(section, -1) {
		if !known[w[1]] && !guideAllowed[w[1]] {
			t.Errorf("the guide names %s, which template.yaml does not have", w[1])
		}
	}
	params := m(tpl["Parameters"])
	overrides := regexp.MustCompile(`parameter_overrides = "([^"]*)"`).FindStringSubmatch(section)
	if overrides == nil {
		t.Fatal("the guide shows no parameter_overrides")
	}
	for _, kv := range strings.Fields(overrides[1]) {
		if name, _, _ := strings.Cut(kv, "="); params[name] == nil {
			t.Errorf("parameter_overrides sets %s, which is not a template parameter", name)
		}
	}
	for _, out := range []string{"ApiUrl", "TableName", "AlarmTopicArn"} {
		if m(tpl["Outputs"])[out] == nil {
			t.Errorf("the guide reads output %s, which the template lacks", out)
		}
	}

	code := guideCode(section)
	cli := cliFlags(t)
	slipwayCmd := regexp.MustCompile(`(?:^|\s)(?:slipway|\./cmd/slipway)\s+([a-z]+)((?:\s+--?[a-z-]+(?:[ =]\S+)?)*)`)
	flag := regexp.MustCompile(`--([a-z][a-z-]*)`)
	commands := 0
	for _, l := range code {
		for _, c := range slipwayCmd.FindAllStringSubmatch(l, -1) {
			commands++
			flags, defined := cli[c[1]]
			if !defined {
				if flags, defined = guideContracted[c[1]]; !defined {
					t.Errorf("the guide runs slipway %s, which the CLI does not have", c[1])
					continue
				}
				t.Logf("slipway %s is not in cmd/slipway yet: its flags are checked against its contract", c[1])
			}
			for _, f := range flag.FindAllStringSubmatch(c[2], -1) {
				if !slices.Contains(flags, f[1]) {
					t.Errorf("the guide runs slipway %s --%s; its flags are %v", c[1], f[1], flags)
				}
			}
		}
	}
	if commands == 0 {
		t.Error("the guide runs no slipway command")
	}

	ops := openAPIOperations(t)
	call := regexp.MustCompile(`curl .*?(?:-X (GET|POST|PUT|PATCH|DELETE) )?\$SLIPWAY(/[^\s"'?]*)`)
	calls := 0
	for _, l := range code {
		c := call.FindStringSubmatch(l)
		if c == nil {
			continue
		}
		calls++
		method := c[1]
		if method == "" {
			method = "GET"
		}
		if !ops.has(method, c[2]) {
			t.Errorf("the guide calls %s %s, which openapi.yaml does not define", method, c[2])
		}
	}
	if calls == 0 {
		t.Error("the guide makes no API call")
	}
}

// cliFlags maps each command of cmd/slipway to the flags it defines: the
// commands map's entries and the fs.<Type>("name", …) calls in the file
// that defines the command's function.
func cliFlags(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("cmd/slipway/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("cmd/slipway: %v", err)
	}
	src := map[string]string{}
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			src[f] = string(readFile(t, f))
		}
	}
	// A local command's entry: {Name: "dev", …, Run: flagCommand(runDev)}.
	entry := regexp.MustCompile(`Name:\s+"([a-z]+)",.*Run:\s+flagCommand\((run[A-Za-z]+)\)`)
	flagDef := regexp.MustCompile(`fs\.[A-Za-z0-9]+\("([a-z][a-z-]*)"`)
	out := map[string][]string{}
	for _, text := range src {
		for _, e := range entry.FindAllStringSubmatch(text, -1) {
			out[e[1]] = []string{}
			for _, body := range src {
				if strings.Contains(body, "func "+e[2]+"(") {
					for _, f := range flagDef.FindAllStringSubmatch(body, -1) {
						out[e[1]] = append(out[e[1]], f[1])
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no commands found in cmd/slipway")
	}
	return out
}

// operations are openapi.yaml's operations: method to path templates.
type operations map[string][]string

// openAPIOperations returns every operation of openapi.yaml.
func openAPIOperations(t *testing.T) operations {
	t.Helper()
	ops := operations{}
	for path, item := range m(readYAML(t, "openapi.yaml")["paths"]) {
		for method := range m(item) {
			ops[strings.ToUpper(method)] = append(ops[strings.ToUpper(method)], path)
		}
	}
	return ops
}

// has reports whether an operation's path template matches path, whose
// segments are literals or shell variables ($APP_ID).
func (ops operations) has(method, path string) bool {
	want := strings.Split(path, "/")
	for _, tmpl := range ops[method] {
		segs := strings.Split(tmpl, "/")
		if len(segs) != len(want) {
			continue
		}
		ok := true
		for i, s := range segs {
			variable := strings.HasPrefix(s, "{")
			if !(variable || s == want[i]) || (strings.HasPrefix(want[i], "$") && !variable) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
