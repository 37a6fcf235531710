package stepfn

import (
	"fmt"
	"strings"
)

// A payload template (Parameters, ResultSelector, lambda:invoke arguments)
// compiled at load: fields whose names end in ".$" take a path or an
// intrinsic function; everything else is copied literally. Subtrees without
// ".$" fields are kept as shared literal values.

type templateNode struct {
	literal any // used when the node is static
	static  bool
	fields  []templateField // object node
	items   []*templateNode // array node (items != nil)
	isArray bool
}

type templateField struct {
	key       string // output key (without ".$")
	sourceKey string // key as written in the definition
	node      *templateNode
	path      *refPath
	call      *intrinsicCall
}

// compileTemplate compiles a payload template.
func compileTemplate(v any) (*templateNode, error) {
	switch t := v.(type) {
	case *object:
		node := &templateNode{}
		static := true
		seen := make(map[string]string, t.len())
		for i, key := range t.keys {
			field := templateField{key: key, sourceKey: key}
			if strings.HasSuffix(key, ".$") {
				field.key = strings.TrimSuffix(key, ".$")
				expr, ok := t.vals[i].(string)
				if !ok {
					return nil, fmt.Errorf("field %q: the value of a field ending in .$ must be a string, got %s", key, jsonTypeName(t.vals[i]))
				}
				if field.key == "" {
					return nil, fmt.Errorf("field %q: the name before .$ is empty", key)
				}
				var err error
				if isIntrinsic(expr) {
					field.call, err = parseIntrinsic(expr)
				} else {
					field.path, err = parseRefPath(expr)
				}
				if err != nil {
					return nil, fmt.Errorf("field %q: %w", key, err)
				}
				static = false
			} else {
				child, err := compileTemplate(t.vals[i])
				if err != nil {
					return nil, fmt.Errorf("field %q: %w", key, err)
				}
				field.node = child
				static = static && child.static
			}
			if other, dup := seen[field.key]; dup {
				return nil, fmt.Errorf("fields %q and %q both produce %q", other, key, field.key)
			}
			seen[field.key] = key
			node.fields = append(node.fields, field)
		}
		if static {
			return &templateNode{literal: t, static: true}, nil
		}
		return node, nil
	case []any:
		node := &templateNode{isArray: true}
		static := true
		for i, e := range t {
			child, err := compileTemplate(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			node.items = append(node.items, child)
			static = static && child.static
		}
		if static {
			return &templateNode{literal: t, static: true}, nil
		}
		return node, nil
	}
	return &templateNode{literal: v, static: true}, nil
}

// eval builds the payload for env.
func (n *templateNode) eval(env *evalEnv) (any, *failure) {
	if n.static {
		return n.literal, nil
	}
	if n.isArray {
		out := make([]any, len(n.items))
		for i, item := range n.items {
			v, f := item.eval(env)
			if f != nil {
				return nil, f
			}
			out[i] = v
		}
		return out, nil
	}
	out := newObject(len(n.fields))
	for _, f := range n.fields {
		var v any
		var fail *failure
		switch {
		case f.node != nil:
			v, fail = f.node.eval(env)
		case f.path != nil:
			v, fail = env.withField(f.sourceKey).lookup(f.path)
		default:
			v, fail = f.call.eval(env.withField(f.sourceKey))
		}
		if fail != nil {
			return nil, fail
		}
		out.put(f.key, v)
	}
	return out, nil
}

// evalEnv is what paths and intrinsic functions are evaluated against.
type evalEnv struct {
	input any // what $ refers to
	sc    *stateContext
	exec  *execution
	field string // the field being evaluated, for error messages
}

func (env *evalEnv) withField(field string) *evalEnv {
	c := *env
	c.field = field
	return &c
}

// lookup evaluates a path; a path that selects nothing is a States.Runtime
// failure worded as AWS words it for payload template fields.
func (env *evalEnv) lookup(p *refPath) (any, *failure) {
	root := env.input
	if p.context {
		root = env.sc.contextObject()
	}
	v, miss := p.lookup(root)
	if miss != nil {
		return nil, runtimeFailure(env.sc, fmt.Sprintf(
			"The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
			p.raw, env.field, encodeJSON(env.input)))
	}
	return v, nil
}

// valueExpr is a field that takes either a path or an intrinsic function
// (ErrorPath, CausePath).
type valueExpr struct {
	field string
	path  *refPath
	call  *intrinsicCall
}

func compileValueExpr(field, expr string) (*valueExpr, error) {
	e := &valueExpr{field: field}
	var err error
	if isIntrinsic(expr) {
		e.call, err = parseIntrinsic(expr)
	} else {
		e.path, err = parseRefPath(expr)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (e *valueExpr) eval(env *evalEnv) (any, *failure) {
	env = env.withField(e.field)
	if e.call != nil {
		return e.call.eval(env)
	}
	return env.lookup(e.path)
}
