package stepfn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// refPath is a compiled JSONPath reference path: `$` or `$$` followed by
// `.name`, `['name']` and `[index]` steps. Wildcards, recursive descent,
// slices, unions, filters, negative indexes and functions are rejected when
// the definition is parsed.
type refPath struct {
	raw     string
	context bool // $$: the path reads the context object
	steps   []pathStep
}

type pathStep struct {
	name    string
	index   int
	isIndex bool
}

// jaywayString renders the step the way the Jayway JsonPath library (used
// by AWS) prints evaluated paths: ['name'] or [index].
func (s pathStep) jaywayString() string {
	if s.isIndex {
		return "[" + strconv.Itoa(s.index) + "]"
	}
	return "['" + s.name + "']"
}

func (p *refPath) isRoot() bool { return !p.context && len(p.steps) == 0 }

// jaywayPrefix renders `$` plus the first n steps.
func (p *refPath) jaywayPrefix(n int) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range p.steps[:n] {
		b.WriteString(s.jaywayString())
	}
	return b.String()
}

func parseRefPath(raw string) (*refPath, error) {
	if !strings.HasPrefix(raw, "$") {
		return nil, fmt.Errorf("%q is not a JSONPath (it must start with $)", raw)
	}
	p := &refPath{raw: raw}
	rest := raw[1:]
	if strings.HasPrefix(rest, "$") {
		p.context = true
		rest = rest[1:]
	}
	for rest != "" {
		var step pathStep
		var err error
		switch rest[0] {
		case '.':
			step, rest, err = parseDotStep(raw, rest[1:])
		case '[':
			step, rest, err = parseBracketStep(raw, rest[1:])
		default:
			err = fmt.Errorf("JSONPath %q: unexpected %q", raw, rest[:1])
		}
		if err != nil {
			return nil, err
		}
		p.steps = append(p.steps, step)
	}
	if p.context {
		if err := checkContextPath(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func unsupportedPathFeature(raw, what string) error {
	return fmt.Errorf("JSONPath %q: %s is not supported", raw, what)
}

func parseDotStep(raw, rest string) (pathStep, string, error) {
	if rest == "" {
		return pathStep{}, "", fmt.Errorf("JSONPath %q: ends with '.'", raw)
	}
	if rest[0] == '.' {
		return pathStep{}, "", unsupportedPathFeature(raw, "recursive descent (..)")
	}
	end := strings.IndexAny(rest, ".[")
	if end < 0 {
		end = len(rest)
	}
	name := rest[:end]
	if name == "*" {
		return pathStep{}, "", unsupportedPathFeature(raw, "the wildcard *")
	}
	if strings.HasSuffix(name, ")") {
		return pathStep{}, "", unsupportedPathFeature(raw, "a path function")
	}
	for _, r := range name {
		if !isPathNameRune(r) {
			return pathStep{}, "", fmt.Errorf("JSONPath %q: character %q in %q is not supported in a dotted name (use ['...'])", raw, r, name)
		}
	}
	return pathStep{name: name}, rest[end:], nil
}

// isPathNameRune reports whether r may appear in a dotted property name.
// Characters that have a meaning somewhere in JSONPath are refused.
func isPathNameRune(r rune) bool {
	if unicode.IsSpace(r) || unicode.IsControl(r) {
		return false
	}
	return !strings.ContainsRune(".[]*?@()'\",:\\$=!<>&|", r)
}

func parseBracketStep(raw, rest string) (pathStep, string, error) {
	if rest == "" {
		return pathStep{}, "", fmt.Errorf("JSONPath %q: unterminated [", raw)
	}
	switch c := rest[0]; {
	case c == '\'' || c == '"':
		end := strings.IndexByte(rest[1:], c)
		if end < 0 {
			return pathStep{}, "", fmt.Errorf("JSONPath %q: unterminated quoted name", raw)
		}
		name := rest[1 : 1+end]
		after := rest[2+end:]
		if strings.ContainsRune(name, '\\') {
			return pathStep{}, "", unsupportedPathFeature(raw, "an escape in a quoted name")
		}
		if !strings.HasPrefix(after, "]") {
			return pathStep{}, "", unsupportedPathFeature(raw, "a union of names")
		}
		return pathStep{name: name}, after[1:], nil
	case c >= '0' && c <= '9':
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return pathStep{}, "", fmt.Errorf("JSONPath %q: unterminated [", raw)
		}
		digits := rest[:end]
		for _, d := range digits {
			if d < '0' || d > '9' {
				return pathStep{}, "", unsupportedPathFeature(raw, fmt.Sprintf("the subscript [%s]", digits))
			}
		}
		i, err := strconv.Atoi(digits)
		if err != nil {
			return pathStep{}, "", fmt.Errorf("JSONPath %q: index %s is out of range", raw, digits)
		}
		return pathStep{index: i, isIndex: true}, rest[end+1:], nil
	case c == '*':
		return pathStep{}, "", unsupportedPathFeature(raw, "the wildcard [*]")
	case c == '?':
		return pathStep{}, "", unsupportedPathFeature(raw, "a filter expression")
	case c == '-':
		return pathStep{}, "", unsupportedPathFeature(raw, "a negative index")
	case c == ':':
		return pathStep{}, "", unsupportedPathFeature(raw, "an array slice")
	}
	return pathStep{}, "", unsupportedPathFeature(raw, "this subscript")
}

// contextFields lists the context object fields this package provides.
// Execution.Input may be followed by any path into the input.
var contextFields = map[string][]string{
	"Execution":    {"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount"},
	"State":        {"EnteredTime", "Name", "RetryCount"},
	"StateMachine": {"Id", "Name"},
}

func checkContextPath(p *refPath) error {
	if len(p.steps) == 0 {
		return nil
	}
	top := p.steps[0]
	fields, ok := contextFields[top.name]
	if top.isIndex || !ok {
		return fmt.Errorf("JSONPath %q: the context object field %s is not supported", p.raw, top.jaywayString())
	}
	if len(p.steps) == 1 {
		return nil
	}
	second := p.steps[1]
	if second.isIndex || !containsString(fields, second.name) {
		return fmt.Errorf("JSONPath %q: the context object field %s%s is not supported", p.raw, top.jaywayString(), second.jaywayString())
	}
	if len(p.steps) > 2 && !(top.name == "Execution" && second.name == "Input") {
		return fmt.Errorf("JSONPath %q: %s%s has no fields", p.raw, top.jaywayString(), second.jaywayString())
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// pathMiss describes why a path selected nothing, in the words of the
// Jayway JsonPath library that AWS reports in States.Runtime causes.
type pathMiss struct {
	message string
}

// lookup evaluates the path against root (the state input, or the context
// object for $$ paths).
func (p *refPath) lookup(root any) (any, *pathMiss) {
	cur := root
	for i, step := range p.steps {
		leaf := i == len(p.steps)-1
		if step.isIndex {
			arr, ok := cur.([]any)
			if !ok {
				if cur == nil {
					return nil, &pathMiss{"The path " + p.jaywayPrefix(i) + " is null"}
				}
				return nil, &pathMiss{fmt.Sprintf("Filter: %s can only be applied to arrays. Current context is: %s",
					step.jaywayString(), encodeJSON(cur))}
			}
			if step.index >= len(arr) {
				return nil, &pathMiss{"No results for path: " + p.jaywayPrefix(len(p.steps))}
			}
			cur = arr[step.index]
			continue
		}
		obj, ok := cur.(*object)
		if !ok {
			found := "null"
			if cur != nil {
				found = jsonTypeName(cur)
			}
			return nil, &pathMiss{fmt.Sprintf("Expected to find an object with property %s in path %s but found '%s'. This is not a json object.",
				step.jaywayString(), p.jaywayPrefix(i), found)}
		}
		v, ok := obj.get(step.name)
		if !ok {
			if leaf {
				return nil, &pathMiss{"No results for path: " + p.jaywayPrefix(len(p.steps))}
			}
			return nil, &pathMiss{"Missing property in path " + p.jaywayPrefix(i+1)}
		}
		cur = v
	}
	return cur, nil
}

// resultPath is a compiled ResultPath: where a state's result goes in its
// input. discard is ResultPath: null (keep the input); an empty steps list is
// `$` (replace the input).
type resultPath struct {
	raw     string
	discard bool
	steps   []string
}

func parseResultPath(raw string) (*resultPath, error) {
	p, err := parseRefPath(raw)
	if err != nil {
		return nil, err
	}
	if p.context {
		return nil, errors.New("ResultPath cannot refer to the context object ($$)")
	}
	rp := &resultPath{raw: raw}
	for _, s := range p.steps {
		if s.isIndex {
			return nil, fmt.Errorf("ResultPath %q: array indexes are not supported", raw)
		}
		rp.steps = append(rp.steps, s.name)
	}
	return rp, nil
}

// defaultResultPath is ResultPath "$".
var defaultResultPath = &resultPath{raw: "$"}

// apply places result into input as AWS does, creating missing intermediate
// objects. It returns false when the input (or a value on the way) is not an
// object.
func (rp *resultPath) apply(input, result any) (any, bool) {
	if rp.discard {
		return input, true
	}
	return setPath(input, rp.steps, result)
}

func setPath(target any, steps []string, value any) (any, bool) {
	if len(steps) == 0 {
		return value, true
	}
	obj, ok := target.(*object)
	if !ok {
		return nil, false
	}
	child, exists := obj.get(steps[0])
	if !exists {
		child = newObject(1)
	}
	newChild, ok := setPath(child, steps[1:], value)
	if !ok {
		return nil, false
	}
	out := obj.clone()
	out.put(steps[0], newChild)
	return out, true
}
