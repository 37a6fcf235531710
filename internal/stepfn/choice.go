package stepfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Choice rules: data-test expressions (Variable plus one comparison
// operator), And/Or/Not, compiled at load.

type choiceRule struct {
	next string // top-level rules only

	// Boolean combinations.
	and, or []*choiceRule
	not     *choiceRule

	// Data-test expression.
	variable    *refPath
	op          *comparison
	operand     any      // literal operand (string, float64, bool, time.Time, or *wildcardPattern)
	operandPath *refPath // for the ...Path operators
}

type operandType int

const (
	operandString operandType = iota
	operandNumeric
	operandBoolean
	operandTimestamp
	operandPattern // StringMatches
	operandTypeTest
)

type comparison struct {
	name    string
	operand operandType
	isPath  bool
	// test decides from compareTyped(variable, operand): -1, 0 or 1, or
	// 2 for values that are unordered and unequal.
	test func(cmp int) bool
	// typeTest is set instead of test for the Is* operators.
	typeTest func(v any, present bool) (bool, error)
}

var comparisons = map[string]*comparison{}

func init() {
	orders := []struct {
		suffix string
		test   func(int) bool
	}{
		{"Equals", func(c int) bool { return c == 0 }},
		{"LessThan", func(c int) bool { return c < 0 }},
		{"GreaterThan", func(c int) bool { return c > 0 }},
		{"LessThanEquals", func(c int) bool { return c <= 0 }},
		{"GreaterThanEquals", func(c int) bool { return c >= 0 }},
	}
	for _, kind := range []struct {
		prefix  string
		operand operandType
	}{{"String", operandString}, {"Numeric", operandNumeric}, {"Timestamp", operandTimestamp}} {
		for _, o := range orders {
			name := kind.prefix + o.suffix
			comparisons[name] = &comparison{name: name, operand: kind.operand, test: o.test}
			comparisons[name+"Path"] = &comparison{name: name + "Path", operand: kind.operand, isPath: true, test: o.test}
		}
	}
	equals := func(c int) bool { return c == 0 }
	comparisons["BooleanEquals"] = &comparison{name: "BooleanEquals", operand: operandBoolean, test: equals}
	comparisons["BooleanEqualsPath"] = &comparison{name: "BooleanEqualsPath", operand: operandBoolean, isPath: true, test: equals}
	comparisons["StringMatches"] = &comparison{name: "StringMatches", operand: operandPattern}
	for name, test := range map[string]func(v any, present bool) (bool, error){
		"IsNull":    func(v any, _ bool) (bool, error) { return v == nil, nil },
		"IsPresent": func(_ any, present bool) (bool, error) { return present, nil },
		"IsNumeric": func(v any, _ bool) (bool, error) { _, ok := v.(json.Number); return ok, nil },
		"IsString":  func(v any, _ bool) (bool, error) { _, ok := v.(string); return ok, nil },
		"IsBoolean": func(v any, _ bool) (bool, error) { _, ok := v.(bool); return ok, nil },
		"IsTimestamp": func(v any, _ bool) (bool, error) {
			s, ok := v.(string)
			if !ok {
				return false, nil
			}
			_, kind := parseTimestamp(s)
			if kind == timestampAmbiguous {
				return false, ambiguousTimestampError(s)
			}
			return kind == timestampValid, nil
		},
	} {
		comparisons[name] = &comparison{name: name, operand: operandTypeTest, typeTest: test}
	}
}

func ambiguousTimestampError(s string) error {
	return fmt.Errorf("stepfn cannot tell whether AWS accepts %q as a timestamp (lowercase t/z, no seconds or an offset with seconds); write it as e.g. 2016-03-14T01:59:00Z", s)
}

// compileChoiceRule compiles one rule. top is true for the entries of
// Choices, which need a Next.
func compileChoiceRule(r *fieldReader, top bool) *choiceRule {
	rule := &choiceRule{}
	r.optionalString("Comment")
	if top {
		rule.next, _ = r.requiredString("Next")
	} else if r.has("Next") {
		r.fail("Next", "is only allowed on the top-level rules of Choices")
	}
	switch {
	case r.has("And"), r.has("Or"):
		key := "And"
		if r.has("Or") {
			key = "Or"
		}
		list := r.objectList(key)
		if list != nil && len(list) == 0 {
			r.fail(key, "must not be empty")
		}
		var children []*choiceRule
		for i, sub := range list {
			children = append(children, compileChoiceRule(r.child(fmt.Sprintf("%s[%d]", key, i), sub), false))
		}
		if key == "And" {
			rule.and = children
		} else {
			rule.or = children
		}
	case r.has("Not"):
		if sub := r.object("Not"); sub != nil {
			rule.not = compileChoiceRule(r.child("Not", sub), false)
		}
	default:
		compileDataTest(r, rule)
	}
	r.finish()
	return rule
}

func compileDataTest(r *fieldReader, rule *choiceRule) {
	variable, ok := r.requiredString("Variable")
	if ok {
		p, err := parseRefPath(variable)
		if err != nil {
			r.fail("Variable", err.Error())
		}
		rule.variable = p
	}
	var opName string
	for _, key := range r.obj.keys {
		if _, known := comparisons[key]; known {
			if opName != "" {
				r.failf("has two comparison operators, %q and %q", opName, key)
				return
			}
			opName = key
		}
	}
	if opName == "" {
		r.failf("has no comparison operator (or And/Or/Not)")
		return
	}
	op := comparisons[opName]
	rule.op = op
	raw, _ := r.raw(opName)
	if op.isPath {
		s, ok := r.requiredString(opName)
		if ok {
			p, err := parseRefPath(s)
			if err != nil {
				r.fail(opName, err.Error())
			}
			rule.operandPath = p
		}
		return
	}
	switch op.operand {
	case operandString:
		rule.operand, _ = r.requiredString(opName)
	case operandPattern:
		s, ok := r.requiredString(opName)
		if ok {
			pattern, err := compileWildcard(s)
			if err != nil {
				r.fail(opName, err.Error())
			}
			rule.operand = pattern
		}
	case operandNumeric:
		n, ok := raw.(json.Number)
		if !ok {
			r.fail(opName, "must be a number")
			return
		}
		rule.operand = numberValue(n)
	case operandBoolean, operandTypeTest:
		b, ok := raw.(bool)
		if !ok {
			r.fail(opName, "must be true or false")
			return
		}
		rule.operand = b
		r.markUsed(opName)
	case operandTimestamp:
		s, ok := r.requiredString(opName)
		if ok {
			t, kind := parseTimestamp(s)
			switch kind {
			case timestampInvalid:
				r.fail(opName, fmt.Sprintf("%q is not an ISO-8601 timestamp such as 2016-03-14T01:59:00Z", s))
			case timestampAmbiguous:
				r.fail(opName, ambiguousTimestampError(s).Error())
			}
			rule.operand = t
		}
	}
	r.markUsed(opName)
}

// matches evaluates the rule against the state's effective input.
func (rule *choiceRule) matches(env *evalEnv) (bool, *failure) {
	switch {
	case rule.and != nil:
		for _, c := range rule.and {
			ok, f := c.matches(env)
			if f != nil || !ok {
				return false, f
			}
		}
		return true, nil
	case rule.or != nil:
		for _, c := range rule.or {
			ok, f := c.matches(env)
			if f != nil || ok {
				return ok, f
			}
		}
		return false, nil
	case rule.not != nil:
		ok, f := rule.not.matches(env)
		return !ok && f == nil, f
	}
	return rule.testData(env)
}

func (rule *choiceRule) testData(env *evalEnv) (bool, *failure) {
	value, present := choiceLookup(env, rule.variable)
	op := rule.op
	if op.typeTest != nil {
		if !present && op.name != "IsPresent" {
			return false, choicePathFailure(env, rule.variable)
		}
		result, err := op.typeTest(value, present)
		if err != nil {
			return false, runtimeFailure(env.sc, err.Error())
		}
		return result == rule.operand.(bool), nil
	}
	if !present {
		return false, choicePathFailure(env, rule.variable)
	}
	operand := rule.operand
	if op.isPath {
		v, present := choiceLookup(env, rule.operandPath)
		if !present {
			return false, choicePathFailure(env, rule.operandPath)
		}
		typed, ok, err := typedOperand(op.operand, v)
		if err != nil {
			return false, runtimeFailure(env.sc, err.Error())
		}
		if !ok {
			return false, nil // an operand of another type never matches
		}
		operand = typed
	}
	if op.operand == operandPattern {
		s, ok := value.(string)
		return ok && operand.(*wildcardPattern).match(s), nil
	}
	typed, ok, err := typedOperand(op.operand, value)
	if err != nil {
		return false, runtimeFailure(env.sc, err.Error())
	}
	if !ok {
		return false, nil // a value of another type never matches
	}
	return op.test(compareTyped(op.operand, typed, operand)), nil
}

// typedOperand converts a JSON value to the comparison's operand type;
// ok is false when the value has another type.
func typedOperand(t operandType, v any) (any, bool, error) {
	switch t {
	case operandString:
		s, ok := v.(string)
		return s, ok, nil
	case operandNumeric:
		n, ok := v.(json.Number)
		if !ok {
			return nil, false, nil
		}
		return numberValue(n), true, nil
	case operandBoolean:
		b, ok := v.(bool)
		return b, ok, nil
	case operandTimestamp:
		s, ok := v.(string)
		if !ok {
			return nil, false, nil
		}
		ts, kind := parseTimestamp(s)
		switch kind {
		case timestampInvalid:
			return nil, false, nil
		case timestampAmbiguous:
			return nil, false, ambiguousTimestampError(s)
		}
		return ts, true, nil
	}
	return nil, false, errors.New("stepfn: no operand conversion")
}

func compareTyped(t operandType, a, b any) int {
	switch t {
	case operandString:
		return compareUTF16(a.(string), b.(string))
	case operandNumeric:
		x, y := a.(float64), b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		case x == y:
			return 0
		}
		return 2 // NaN compares unequal to everything
	case operandBoolean:
		if a.(bool) == b.(bool) {
			return 0
		}
		return 2
	case operandTimestamp:
		return a.(time.Time).Compare(b.(time.Time))
	}
	return 2
}

func choiceLookup(env *evalEnv, p *refPath) (any, bool) {
	root := env.input
	if p.context {
		root = env.sc.contextObject()
	}
	v, miss := p.lookup(root)
	return v, miss == nil
}

func choicePathFailure(env *evalEnv, p *refPath) *failure {
	return runtimeFailure(env.sc, fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", p.raw))
}

// compareUTF16 orders strings by UTF-16 code units, like Java's
// String.compareTo, which AWS uses.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return compareRunesUTF16(ra, rb)
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func compareRunesUTF16(a, b rune) int {
	const supplementary = 0x10000
	if (a >= supplementary) != (b >= supplementary) {
		// A supplementary rune starts with a high surrogate (0xD800-0xDBFF).
		if a >= supplementary {
			if b >= 0xE000 {
				return -1
			}
			return 1
		}
		if a >= 0xE000 {
			return 1
		}
		return -1
	}
	if a < b {
		return -1
	}
	return 1
}

// wildcardPattern is a StringMatches pattern: * matches any run of
// characters; \* and \\ are literal.
type wildcardPattern struct {
	parts []string // literal runs between the * wildcards
}

func compileWildcard(s string) (*wildcardPattern, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, errors.New(`only \* and \\ may be escaped in a StringMatches pattern`)
			}
			cur.WriteByte(s[i+1])
			i++
		case '*':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	return &wildcardPattern{parts: parts}, nil
}

func (p *wildcardPattern) match(s string) bool {
	if len(p.parts) == 1 {
		return s == p.parts[0]
	}
	first, last := p.parts[0], p.parts[len(p.parts)-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	for _, mid := range p.parts[1 : len(p.parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, last)
}
