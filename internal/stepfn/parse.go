package stepfn

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Machine is a validated state machine definition, ready to run. It is
// immutable and safe for concurrent use.
type Machine struct {
	comment string
	timeout time.Duration // 0: none
	top     *stateGraph
	states  map[string]*state // every state, including Parallel branch states
	names   []string          // every state name, depth-first in definition order
	tasks   []TaskInfo
}

// TaskInfo describes a Task state and what its invoker will be asked to call.
type TaskInfo struct {
	State    string // the Task state's name
	Resource string // the Resource field as written
	// Function is the resource the Invoker receives: the Lambda function ARN
	// for a bare ARN, the FunctionName for lambda:invoke. It is empty when
	// FunctionName comes from a path or intrinsic at run time.
	Function string
}

// stateGraph is a StartAt plus States: the top level or a Parallel branch.
type stateGraph struct {
	startAt string
	states  map[string]*state
}

const (
	typePass     = "Pass"
	typeTask     = "Task"
	typeChoice   = "Choice"
	typeWait     = "Wait"
	typeSucceed  = "Succeed"
	typeFail     = "Fail"
	typeParallel = "Parallel"
)

type state struct {
	name string
	typ  string
	next string // "" when the state ends its graph
	end  bool

	inputPath, outputPath ioPath
	parameters            *templateNode
	resultSelector        *templateNode
	resultPath            *resultPath
	retriers              []*retrier
	catchers              []*catcher

	// Pass
	result    any
	hasResult bool
	// Task
	task *taskSpec
	// Choice
	choices     []*choiceRule
	defaultNext string
	// Wait
	wait *waitSpec
	// Fail
	errorName, cause     string
	hasError, hasCause   bool
	errorPath, causePath *valueExpr
	// Parallel
	branches []*stateGraph
}

// ioPath is InputPath or OutputPath: absent means "$", null means {}.
type ioPath struct {
	path   *refPath
	isNull bool
}

type waitSpec struct {
	seconds       int64
	secondsPath   *refPath
	timestamp     time.Time
	hasTimestamp  bool
	timestampPath *refPath
}

// Limits AWS applies to definitions.
const (
	maxStateNameLength = 80
	maxTimeoutSeconds  = 99999999
)

// Parse loads and validates a definition. Anything the executor does not
// implement (a state type, a field, a JSONPath feature, a resource, an
// intrinsic function) is an error naming the state and field.
func Parse(definition []byte) (*Machine, error) {
	doc, err := decodeJSON(definition)
	if err != nil {
		return nil, fmt.Errorf("stepfn: the definition is not valid JSON: %v", err)
	}
	obj, ok := doc.(*object)
	if !ok {
		return nil, fmt.Errorf("stepfn: the definition must be a JSON object, got %s", jsonTypeName(doc))
	}
	l := &loader{}
	m := &Machine{states: map[string]*state{}}
	r := l.reader("", obj)
	m.comment, _ = r.optionalString("Comment")
	if v, ok := r.optionalString("Version"); ok && v != "1.0" {
		r.fail("Version", fmt.Sprintf("must be \"1.0\", got %q", v))
	}
	parseQueryLanguage(r)
	if secs, ok := r.integer("TimeoutSeconds", 1, maxTimeoutSeconds); ok {
		m.timeout = time.Duration(secs) * time.Second
	}
	m.top = m.parseGraph(r)
	r.finish()
	if l.err != nil {
		return nil, l.err
	}
	return m, nil
}

func parseQueryLanguage(r *fieldReader) {
	if ql, ok := r.optionalString("QueryLanguage"); ok && ql != "JSONPath" {
		r.fail("QueryLanguage", fmt.Sprintf("%q is not supported (only JSONPath)", ql))
	}
}

// parseGraph reads StartAt and States from r (the top level or a branch).
func (m *Machine) parseGraph(r *fieldReader) *stateGraph {
	g := &stateGraph{states: map[string]*state{}}
	g.startAt, _ = r.requiredString("StartAt")
	if !r.has("States") {
		r.fail("States", "is required")
		return g
	}
	states := r.object("States")
	if states == nil || !r.ok() {
		return g
	}
	if states.len() == 0 {
		r.fail("States", "must not be empty")
		return g
	}
	for i, name := range states.keys {
		st := m.parseState(r.l, name, states.vals[i])
		if st == nil {
			return g
		}
		g.states[name] = st
	}
	if r.ok() {
		m.validateGraph(r, g)
	}
	return g
}

func (m *Machine) parseState(l *loader, name string, v any) *state {
	where := fmt.Sprintf("state %q", name)
	if _, dup := m.states[name]; dup {
		l.failf(where, "the name is used by another state (names must be unique in the whole machine)")
		return nil
	}
	if name == "" || len(name) > maxStateNameLength {
		l.failf(where, "a state name must have 1 to %d characters", maxStateNameLength)
		return nil
	}
	obj, ok := v.(*object)
	if !ok {
		l.failf(where, "must be an object, got %s", jsonTypeName(v))
		return nil
	}
	st := &state{name: name, resultPath: defaultResultPath}
	m.states[name] = st
	m.names = append(m.names, name)
	r := l.reader(where, obj)
	typ, ok := r.requiredString("Type")
	if !ok {
		return nil
	}
	st.typ = typ
	r.optionalString("Comment")
	parseQueryLanguage(r)
	switch typ {
	case typePass:
		parseTransition(r, st)
		parseIOPaths(r, st)
		st.parameters = parseTemplateField(r, "Parameters")
		st.result, st.hasResult = r.raw("Result")
		st.resultPath = parseResultPathField(r)
	case typeTask:
		parseTransition(r, st)
		parseIOPaths(r, st)
		st.parameters = parseTemplateField(r, "Parameters")
		st.resultSelector = parseTemplateField(r, "ResultSelector")
		st.resultPath = parseResultPathField(r)
		st.task = parseTask(r, st)
		st.retriers = parseRetriers(r)
		st.catchers = parseCatchers(r)
		if st.task != nil {
			m.tasks = append(m.tasks, TaskInfo{State: name, Resource: st.task.resource, Function: st.task.staticFunction})
		}
	case typeChoice:
		parseIOPaths(r, st)
		parseChoices(r, st)
	case typeWait:
		parseTransition(r, st)
		parseIOPaths(r, st)
		st.wait = parseWait(r)
	case typeSucceed:
		parseIOPaths(r, st)
	case typeFail:
		parseFail(r, st)
	case typeParallel:
		parseTransition(r, st)
		parseIOPaths(r, st)
		st.parameters = parseTemplateField(r, "Parameters")
		st.resultSelector = parseTemplateField(r, "ResultSelector")
		st.resultPath = parseResultPathField(r)
		st.retriers = parseRetriers(r)
		st.catchers = parseCatchers(r)
		m.parseBranches(r, st)
	default:
		r.fail("Type", fmt.Sprintf("%q is not supported", typ))
		return nil
	}
	r.finish()
	if l.err != nil {
		return nil
	}
	return st
}

func parseTransition(r *fieldReader, st *state) {
	next, hasNext := r.optionalString("Next")
	endValue, hasEnd := r.raw("End")
	switch {
	case hasNext && hasEnd:
		r.failf("has both Next and End")
	case hasEnd:
		if endValue != true {
			r.fail("End", "must be true")
		}
		st.end = true
	case hasNext:
		st.next = next
	default:
		r.failf("needs Next or \"End\": true")
	}
}

func parseIOPaths(r *fieldReader, st *state) {
	st.inputPath = parseIOPath(r, "InputPath")
	st.outputPath = parseIOPath(r, "OutputPath")
}

func parseIOPath(r *fieldReader, key string) ioPath {
	s, isNull, present := r.nullableString(key)
	switch {
	case !present:
		return ioPath{}
	case isNull:
		return ioPath{isNull: true}
	}
	p, err := parseRefPath(s)
	if err != nil {
		r.fail(key, err.Error())
		return ioPath{}
	}
	if p.isRoot() {
		return ioPath{}
	}
	return ioPath{path: p}
}

func parseResultPathField(r *fieldReader) *resultPath {
	s, isNull, present := r.nullableString("ResultPath")
	switch {
	case !present:
		return defaultResultPath
	case isNull:
		return &resultPath{discard: true}
	}
	rp, err := parseResultPath(s)
	if err != nil {
		r.fail("ResultPath", err.Error())
		return defaultResultPath
	}
	return rp
}

func parseTemplateField(r *fieldReader, key string) *templateNode {
	obj := r.object(key)
	if obj == nil {
		return nil
	}
	node, err := compileTemplate(obj)
	if err != nil {
		r.fail(key, err.Error())
		return nil
	}
	return node
}

func parseChoices(r *fieldReader, st *state) {
	list := r.objectList("Choices")
	if !r.has("Choices") {
		r.fail("Choices", "is required")
		return
	}
	if list != nil && len(list) == 0 {
		r.fail("Choices", "must not be empty")
	}
	for i, obj := range list {
		st.choices = append(st.choices, compileChoiceRule(r.child(fmt.Sprintf("Choices[%d]", i), obj), true))
	}
	st.defaultNext, _ = r.optionalString("Default")
}

func parseWait(r *fieldReader) *waitSpec {
	w := &waitSpec{}
	count := 0
	if secs, ok := r.integer("Seconds", 0, maxTimeoutSeconds); ok {
		w.seconds = secs
		count++
	}
	if s, ok := r.optionalString("SecondsPath"); ok {
		w.secondsPath = parsePathField(r, "SecondsPath", s)
		count++
	}
	if s, ok := r.optionalString("Timestamp"); ok {
		t, kind := parseTimestamp(s)
		switch kind {
		case timestampInvalid:
			r.fail("Timestamp", fmt.Sprintf("%q is not an ISO-8601 timestamp such as 2016-03-14T01:59:00Z", s))
		case timestampAmbiguous:
			r.fail("Timestamp", ambiguousTimestampError(s).Error())
		}
		w.timestamp, w.hasTimestamp = t, true
		count++
	}
	if s, ok := r.optionalString("TimestampPath"); ok {
		w.timestampPath = parsePathField(r, "TimestampPath", s)
		count++
	}
	if r.ok() && count != 1 {
		r.failf("needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath")
	}
	return w
}

func parsePathField(r *fieldReader, key, s string) *refPath {
	p, err := parseRefPath(s)
	if err != nil {
		r.fail(key, err.Error())
	}
	return p
}

func parseFail(r *fieldReader, st *state) {
	st.errorName, st.hasError = r.optionalString("Error")
	st.cause, st.hasCause = r.optionalString("Cause")
	for _, f := range []struct {
		key, exclusive string
		target         **valueExpr
	}{{"ErrorPath", "Error", &st.errorPath}, {"CausePath", "Cause", &st.causePath}} {
		s, ok := r.optionalString(f.key)
		if !ok {
			continue
		}
		if r.has(f.exclusive) {
			r.failf("has both %s and %s", f.exclusive, f.key)
			return
		}
		e, err := compileValueExpr(f.key, s)
		if err != nil {
			r.fail(f.key, err.Error())
			return
		}
		*f.target = e
	}
}

func (m *Machine) parseBranches(r *fieldReader, st *state) {
	list := r.objectList("Branches")
	if !r.has("Branches") {
		r.fail("Branches", "is required")
		return
	}
	if list != nil && len(list) == 0 {
		r.fail("Branches", "must not be empty")
	}
	for i, obj := range list {
		br := r.child(fmt.Sprintf("Branches[%d]", i), obj)
		br.optionalString("Comment")
		parseQueryLanguage(br)
		g := m.parseGraph(br)
		br.finish()
		if !br.ok() {
			return
		}
		st.branches = append(st.branches, g)
	}
}

// validateGraph checks that StartAt and every transition name a state of the
// same graph, and that every state is reachable (as AWS requires).
func (m *Machine) validateGraph(r *fieldReader, g *stateGraph) {
	if _, ok := g.states[g.startAt]; !ok {
		r.fail("StartAt", fmt.Sprintf("names %q, which is not a state of these States", g.startAt))
		return
	}
	names := make([]string, 0, len(g.states))
	for name := range g.states {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic error messages
	for _, name := range names {
		st := g.states[name]
		for _, t := range st.transitions() {
			if _, ok := g.states[t.target]; !ok {
				r.l.failf(fmt.Sprintf("state %q", name), "%s names %q, which is not a state of the same States", t.field, t.target)
				return
			}
		}
	}
	reached := map[string]bool{g.startAt: true}
	queue := []string{g.startAt}
	for len(queue) > 0 {
		st := g.states[queue[0]]
		queue = queue[1:]
		for _, t := range st.transitions() {
			if !reached[t.target] {
				reached[t.target] = true
				queue = append(queue, t.target)
			}
		}
	}
	for _, name := range names {
		if !reached[name] {
			r.l.failf(fmt.Sprintf("state %q", name), "is not reachable from StartAt %q", g.startAt)
			return
		}
	}
}

type transition struct {
	field, target string
}

func (st *state) transitions() []transition {
	var out []transition
	if st.next != "" {
		out = append(out, transition{"Next", st.next})
	}
	if st.defaultNext != "" {
		out = append(out, transition{"Default", st.defaultNext})
	}
	for i, c := range st.choices {
		out = append(out, transition{fmt.Sprintf("Choices[%d].Next", i), c.next})
	}
	for i, c := range st.catchers {
		out = append(out, transition{fmt.Sprintf("Catch[%d].Next", i), c.next})
	}
	return out
}

// States returns the names of every state, including those inside Parallel
// branches, depth-first in definition order.
func (m *Machine) States() []string {
	return append([]string(nil), m.names...)
}

// StartAt returns the name of the first state.
func (m *Machine) StartAt() string { return m.top.startAt }

// Comment returns the definition's top-level Comment.
func (m *Machine) Comment() string { return m.comment }

// Timeout returns the execution timeout (TimeoutSeconds), 0 if none.
func (m *Machine) Timeout() time.Duration { return m.timeout }

// StateType returns the Type of the named state ("Pass", "Task", ...), or ""
// if there is no such state.
func (m *Machine) StateType(name string) string {
	if st, ok := m.states[name]; ok {
		return st.typ
	}
	return ""
}

// Tasks describes every Task state, in the order of States.
func (m *Machine) Tasks() []TaskInfo {
	return append([]TaskInfo(nil), m.tasks...)
}

// String returns a one-line summary, for logs.
func (m *Machine) String() string {
	return fmt.Sprintf("stepfn.Machine{StartAt: %q, States: [%s]}", m.top.startAt, strings.Join(m.names, ", "))
}
