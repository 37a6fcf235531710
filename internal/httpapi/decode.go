package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Object is a request body being decoded strictly: every member must be
// read by exactly one typed accessor, a wrong JSON type is a field error,
// and Done reports members nobody asked for as unknown fields.
type Object struct {
	members map[string]json.RawMessage
	read    map[string]bool
	prefix  string
	v       *platform.Violations
}

// DecodeObject parses body as one JSON object. Malformed JSON is a
// bad_request; valid JSON that is not an object, or trailing data after
// it, is a validation error.
func DecodeObject(body []byte) (*Object, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, platform.Errorf(platform.CodeBadRequest, "a JSON request body is required")
	}
	if !json.Valid(body) {
		dec := json.NewDecoder(bytes.NewReader(body))
		var first json.RawMessage
		if err := dec.Decode(&first); err == nil {
			return nil, platform.Invalid("body", "has trailing data after the JSON value")
		}
		return nil, platform.Errorf(platform.CodeBadRequest, "the request body is not valid JSON")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return nil, platform.Invalid("body", "must be a JSON object")
	}
	return &Object{members: members, read: map[string]bool{}, v: &platform.Violations{}}, nil
}

func (o *Object) field(name string) string { return o.prefix + name }

// raw returns a member; present is false when it is absent.
func (o *Object) raw(name string) (json.RawMessage, bool) {
	o.read[name] = true
	m, ok := o.members[name]
	return m, ok
}

func isNull(m json.RawMessage) bool { return string(bytes.TrimSpace(m)) == "null" }

// typed decodes a member into a T, recording a violation with want on a
// type mismatch.
func typed[T any](o *Object, name, want string, m json.RawMessage) (T, bool) {
	var v T
	if err := strictUnmarshal(m, &v); err != nil {
		o.v.Add(o.field(name), "must be "+want)
		return v, false
	}
	return v, true
}

func strictUnmarshal(m json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(m))
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return nil
}

// String reads a required or optional string member.
func (o *Object) String(name string, required bool) string {
	m, ok := o.raw(name)
	if !ok || isNull(m) {
		if required {
			o.v.Add(o.field(name), "is required")
		}
		return ""
	}
	s, _ := typed[string](o, name, "a string", m)
	return s
}

// PatchString reads a merge-patch string member (absent, null or a string).
func (o *Object) PatchString(name string) platform.Patch[string] {
	return patch[string](o, name, "a string or null")
}

// PatchBool reads a merge-patch boolean member.
func (o *Object) PatchBool(name string) platform.Patch[bool] {
	return patch[bool](o, name, "a boolean")
}

// PatchInt64 reads a merge-patch integer member.
func (o *Object) PatchInt64(name string) platform.Patch[int64] {
	return patch[int64](o, name, "an integer or null")
}

// PatchInt reads a merge-patch integer member that fits an int32.
func (o *Object) PatchInt(name string) platform.Patch[int] {
	p := patch[int32](o, name, "an integer or null")
	return platform.Patch[int]{Present: p.Present, Null: p.Null, Value: int(p.Value)}
}

func patch[T any](o *Object, name, want string) platform.Patch[T] {
	m, ok := o.raw(name)
	if !ok {
		return platform.Patch[T]{}
	}
	if isNull(m) {
		return platform.Patch[T]{Present: true, Null: true}
	}
	v, ok := typed[T](o, name, want, m)
	if !ok {
		return platform.Patch[T]{}
	}
	return platform.Patch[T]{Present: true, Value: v}
}

// IntMap reads an optional object of integers ("process_counts"): absent
// is nil, null is a violation.
func (o *Object) IntMap(name string) map[string]int {
	return objectMap(o, name, "an integer", func(m json.RawMessage) (int, bool) {
		var n int32
		if isNull(m) || strictUnmarshal(m, &n) != nil {
			return 0, false
		}
		return int(n), true
	})
}

// StringMap reads an optional object of strings ("process_pod_classes"):
// absent is nil, null is a violation.
func (o *Object) StringMap(name string) map[string]string {
	return objectMap(o, name, "a string", func(m json.RawMessage) (string, bool) {
		var s string
		if isNull(m) || strictUnmarshal(m, &s) != nil {
			return "", false
		}
		return s, true
	})
}

func objectMap[T any](o *Object, name, want string, decode func(json.RawMessage) (T, bool)) map[string]T {
	m, ok := o.raw(name)
	if !ok {
		return nil
	}
	var members map[string]json.RawMessage
	if err := strictUnmarshal(m, &members); err != nil || members == nil {
		o.v.Add(o.field(name), "must be an object")
		return nil
	}
	out := make(map[string]T, len(members))
	for k, raw := range members {
		v, ok := decode(raw)
		if !ok {
			o.v.Add(o.field(name)+"."+k, "must be "+want)
			continue
		}
		out[k] = v
	}
	return out
}

// Done returns every violation so far plus one per unknown member.
func (o *Object) Done() error {
	var unknown []string
	for name := range o.members {
		if !o.read[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		o.v.Add(o.field(name), "is not a known field")
	}
	return o.v.Err()
}

// RawMap reads an object member as its raw members: nil when it is absent
// or null, a field error when it is not an object.
func (o *Object) RawMap(name string) map[string]json.RawMessage {
	return objectMap(o, name, "JSON", func(m json.RawMessage) (json.RawMessage, bool) { return m, true })
}
