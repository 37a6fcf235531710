package stepfn

import (
	"encoding/json"
	"fmt"
	"math"
)

// loader collects the first error found while loading a definition.
type loader struct {
	err error
}

func (l *loader) failf(where, format string, args ...any) {
	if l.err != nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if where == "" {
		l.err = fmt.Errorf("stepfn: %s", msg)
		return
	}
	l.err = fmt.Errorf("stepfn: %s: %s", where, msg)
}

// fieldReader reads the fields of one JSON object of the definition and,
// in finish, rejects every field that was not read: the loader is
// fail-closed, so a field it does not implement is an error, never ignored.
type fieldReader struct {
	l     *loader
	obj   *object
	where string // e.g. `state "Build"`, `state "Build": Retry[0]`
	used  []bool
}

func (l *loader) reader(where string, obj *object) *fieldReader {
	return &fieldReader{l: l, obj: obj, where: where, used: make([]bool, obj.len())}
}

// child reads a nested object, e.g. a retrier or a choice rule.
func (r *fieldReader) child(name string, obj *object) *fieldReader {
	where := name
	if r.where != "" {
		where = r.where + ": " + name
	}
	return r.l.reader(where, obj)
}

func (r *fieldReader) ok() bool { return r.l.err == nil }

func (r *fieldReader) fail(field, msg string) {
	r.l.failf(r.where, "field %q %s", field, msg)
}

func (r *fieldReader) failf(format string, args ...any) {
	r.l.failf(r.where, format, args...)
}

func (r *fieldReader) has(key string) bool { return r.obj.find(key) >= 0 }

func (r *fieldReader) markUsed(key string) {
	if i := r.obj.find(key); i >= 0 {
		r.used[i] = true
	}
}

// raw returns a field's value and marks it read.
func (r *fieldReader) raw(key string) (any, bool) {
	i := r.obj.find(key)
	if i < 0 {
		return nil, false
	}
	r.used[i] = true
	return r.obj.vals[i], true
}

func (r *fieldReader) optionalString(key string) (string, bool) {
	v, ok := r.raw(key)
	if !ok {
		return "", false
	}
	s, isString := v.(string)
	if !isString {
		r.fail(key, "must be a string, got "+jsonTypeName(v))
		return "", false
	}
	return s, true
}

func (r *fieldReader) requiredString(key string) (string, bool) {
	if !r.has(key) {
		r.fail(key, "is required")
		return "", false
	}
	return r.optionalString(key)
}

// nullableString reads a field that may be a string or null (InputPath,
// OutputPath, ResultPath).
func (r *fieldReader) nullableString(key string) (s string, isNull, present bool) {
	v, ok := r.raw(key)
	if !ok {
		return "", false, false
	}
	if v == nil {
		return "", true, true
	}
	s, isString := v.(string)
	if !isString {
		r.fail(key, "must be a string or null, got "+jsonTypeName(v))
		return "", false, false
	}
	return s, false, true
}

func (r *fieldReader) object(key string) *object {
	v, ok := r.raw(key)
	if !ok {
		return nil
	}
	o, isObject := v.(*object)
	if !isObject {
		r.fail(key, "must be an object, got "+jsonTypeName(v))
		return nil
	}
	return o
}

// objectList reads an array of objects; nil when absent.
func (r *fieldReader) objectList(key string) []*object {
	v, ok := r.raw(key)
	if !ok {
		return nil
	}
	arr, isArray := v.([]any)
	if !isArray {
		r.fail(key, "must be an array, got "+jsonTypeName(v))
		return nil
	}
	out := make([]*object, 0, len(arr))
	for i, e := range arr {
		o, isObject := e.(*object)
		if !isObject {
			r.fail(key, fmt.Sprintf("[%d] must be an object, got %s", i, jsonTypeName(e)))
			return nil
		}
		out = append(out, o)
	}
	return out
}

func (r *fieldReader) stringList(key string) []string {
	v, ok := r.raw(key)
	if !ok {
		return nil
	}
	arr, isArray := v.([]any)
	if !isArray {
		r.fail(key, "must be an array of strings, got "+jsonTypeName(v))
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, isString := e.(string)
		if !isString {
			r.fail(key, "must be an array of strings")
			return nil
		}
		out = append(out, s)
	}
	return out
}

// integer reads an integer field within [lo, hi].
func (r *fieldReader) integer(key string, lo, hi int64) (int64, bool) {
	v, ok := r.raw(key)
	if !ok {
		return 0, false
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		r.fail(key, "must be an integer, got "+jsonTypeName(v))
		return 0, false
	}
	f := numberValue(n)
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		r.fail(key, fmt.Sprintf("must be an integer from %d to %d, got %s", lo, hi, n))
		return 0, false
	}
	return int64(f), true
}

// number reads a numeric field that is at least lo.
func (r *fieldReader) number(key string, lo float64) (float64, bool) {
	v, ok := r.raw(key)
	if !ok {
		return 0, false
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		r.fail(key, "must be a number, got "+jsonTypeName(v))
		return 0, false
	}
	f := numberValue(n)
	if f < lo || math.IsInf(f, 0) {
		r.fail(key, fmt.Sprintf("must be a number of at least %g, got %s", lo, n))
		return 0, false
	}
	return f, true
}

// finish rejects the fields that were not read.
func (r *fieldReader) finish() {
	for i, used := range r.used {
		if !used {
			r.fail(r.obj.keys[i], "is not supported")
			return
		}
	}
}
