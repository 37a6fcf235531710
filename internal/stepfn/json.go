package stepfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// The executor works on its own JSON value model so that it can keep what AWS
// keeps: object key order (visible through States.JsonToString and
// States.Format) and the literal form of numbers that pass through unchanged
// (input 0.0 comes out as 0.0).
//
// A value is one of:
//
//	nil          JSON null
//	bool         true / false
//	string       a string
//	json.Number  a number, in its literal form
//	[]any        an array
//	*object      an object, keys in document order
//
// Values are immutable once built: every transformation copies what it
// changes, so values can be shared between states and Parallel branches.

// maxPayloadBytes is the Step Functions payload quota (256 KiB) on state
// results, state outputs and execution input.
const maxPayloadBytes = 256 * 1024

// indexThreshold is the object size from which lookups use a map.
const indexThreshold = 12

type object struct {
	keys  []string
	vals  []any
	index map[string]int // nil for small objects
}

func newObject(capacity int) *object {
	return &object{keys: make([]string, 0, capacity), vals: make([]any, 0, capacity)}
}

func (o *object) len() int { return len(o.keys) }

func (o *object) find(key string) int {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

func (o *object) get(key string) (any, bool) {
	if i := o.find(key); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// put sets key to v, replacing an existing value in place or appending a new
// key. It must only be used on an object that is still being built (not yet
// shared).
func (o *object) put(key string, v any) {
	if i := o.find(key); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
	if o.index != nil {
		o.index[key] = len(o.keys) - 1
	} else if len(o.keys) > indexThreshold {
		o.index = make(map[string]int, len(o.keys)*2)
		for i, k := range o.keys {
			o.index[k] = i
		}
	}
}

// clone returns a shallow copy that may be modified with put.
func (o *object) clone() *object {
	c := newObject(len(o.keys) + 1)
	for i, k := range o.keys {
		c.put(k, o.vals[i])
	}
	return c
}

// decodeJSON parses exactly one JSON value.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := newObject(4)
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := keyTok.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %v, not a string", keyTok)
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				obj.put(key, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return obj, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	default:
		return tok, nil // nil, bool, string or json.Number
	}
}

// encodeJSON returns the compact JSON text of v.
func encodeJSON(v any) []byte {
	return appendJSON(nil, v)
}

func appendJSON(buf []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		if t {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case string:
		return appendJSONString(buf, t)
	case json.Number:
		return append(buf, t...)
	case []any:
		buf = append(buf, '[')
		for i, e := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSON(buf, e)
		}
		return append(buf, ']')
	case *object:
		buf = append(buf, '{')
		for i, k := range t.keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, k)
			buf = append(buf, ':')
			buf = appendJSON(buf, t.vals[i])
		}
		return append(buf, '}')
	}
	panic(fmt.Sprintf("stepfn: not a JSON value: %T", v))
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string the way Jackson does: no HTML
// escaping, short escapes for the usual control characters.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// exceedsPayloadLimit reports whether the serialized form of v is larger than
// the 256 KiB payload quota.
func exceedsPayloadLimit(v any) bool {
	return encodedSize(v, maxPayloadBytes+1) > maxPayloadBytes
}

// encodedSize returns the length of encodeJSON(v), stopping early once it
// passes limit.
func encodedSize(v any, limit int) int {
	switch t := v.(type) {
	case nil:
		return 4
	case bool:
		if t {
			return 4
		}
		return 5
	case string:
		return jsonStringSize(t)
	case json.Number:
		return len(t)
	case []any:
		n := 2
		for i, e := range t {
			if i > 0 {
				n++
			}
			n += encodedSize(e, limit-n)
			if n > limit {
				return n
			}
		}
		return n
	case *object:
		n := 2
		for i, k := range t.keys {
			if i > 0 {
				n++
			}
			n += jsonStringSize(k) + 1
			n += encodedSize(t.vals[i], limit-n)
			if n > limit {
				return n
			}
		}
		return n
	}
	return 0
}

// jsonStringSize returns len(appendJSONString(nil, s)) without building it.
func jsonStringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 0x20 && c != '"' && c != '\\':
				n++
			case c == '"', c == '\\', c == '\n', c == '\r', c == '\t', c == '\b', c == '\f':
				n += 2
			default:
				n += 6
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

// jsonTypeName names the JSON type of v for messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case *object:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// numberValue returns the float64 value of a JSON number.
func numberValue(n json.Number) float64 {
	// Out-of-range literals parse to ±Inf (with an error): keep the Inf.
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}

// integerValue returns the value of a JSON number whose literal is a plain
// integer (no fraction or exponent) that fits in an int64.
func integerValue(n json.Number) (int64, bool) {
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
}

// numberFromInt returns the JSON number for i.
func numberFromInt(i int64) json.Number {
	return json.Number(strconv.FormatInt(i, 10))
}

// roundHalfUp rounds like Java's Math.round: to the nearest integer, ties
// towards positive infinity.
func roundHalfUp(f float64) float64 {
	r := math.Floor(f)
	if f-r >= 0.5 {
		r++
	}
	return r
}

// jsonEqual reports whether two values are equal as JSON: numbers by value,
// objects regardless of key order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && (x == y || numberValue(x) == numberValue(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *object:
		y, ok := b.(*object)
		if !ok || x.len() != y.len() {
			return false
		}
		for i, k := range x.keys {
			v, ok := y.get(k)
			if !ok || !jsonEqual(x.vals[i], v) {
				return false
			}
		}
		return true
	}
	return false
}
