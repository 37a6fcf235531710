package stepfn

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// An intrinsic function call such as States.Format('{}', $.x), compiled at
// load. Only the functions in intrinsicFunctions exist; any other name is
// rejected when the definition is parsed.

type intrinsicCall struct {
	fn   *intrinsicFunc
	args []intrinsicArg
}

// intrinsicArg is one argument: a literal, a path or a nested call.
type intrinsicArg struct {
	literal   any // when path and call are nil
	path      *refPath
	call      *intrinsicCall
	isLiteral bool
	// formatParts is set for a string literal: the text split at unescaped
	// {} placeholders (used when it is a States.Format template).
	formatParts []string
}

type intrinsicFunc struct {
	name             string
	minArgs, maxArgs int // maxArgs < 0: variadic
	// check validates literal arguments at load (optional).
	check func(args []intrinsicArg) error
	eval  func(env *evalEnv, call *intrinsicCall, args []any) (any, error)
}

// maxIntrinsicNesting is AWS's limit on nested intrinsic calls in a field.
const maxIntrinsicNesting = 10

var intrinsicFunctions = map[string]*intrinsicFunc{}

func init() {
	for _, f := range []*intrinsicFunc{
		{name: "States.Format", minArgs: 1, maxArgs: -1, check: checkFormat, eval: evalFormat},
		{name: "States.StringToJson", minArgs: 1, maxArgs: 1, eval: evalStringToJSON},
		{name: "States.JsonToString", minArgs: 1, maxArgs: 1, eval: evalJSONToString},
		{name: "States.Array", minArgs: 0, maxArgs: -1, eval: evalArray},
		{name: "States.ArrayPartition", minArgs: 2, maxArgs: 2, eval: evalArrayPartition},
		{name: "States.ArrayContains", minArgs: 2, maxArgs: 2, eval: evalArrayContains},
		{name: "States.ArrayRange", minArgs: 3, maxArgs: 3, eval: evalArrayRange},
		{name: "States.ArrayGetItem", minArgs: 2, maxArgs: 2, eval: evalArrayGetItem},
		{name: "States.ArrayLength", minArgs: 1, maxArgs: 1, eval: evalArrayLength},
		{name: "States.ArrayUnique", minArgs: 1, maxArgs: 1, eval: evalArrayUnique},
		{name: "States.Base64Encode", minArgs: 1, maxArgs: 1, eval: evalBase64Encode},
		{name: "States.Base64Decode", minArgs: 1, maxArgs: 1, eval: evalBase64Decode},
		{name: "States.Hash", minArgs: 2, maxArgs: 2, check: checkHash, eval: evalHash},
		{name: "States.JsonMerge", minArgs: 3, maxArgs: 3, check: checkJSONMerge, eval: evalJSONMerge},
		{name: "States.MathRandom", minArgs: 2, maxArgs: 2, eval: evalMathRandom},
		{name: "States.MathAdd", minArgs: 2, maxArgs: 2, eval: evalMathAdd},
		{name: "States.StringSplit", minArgs: 2, maxArgs: 2, eval: evalStringSplit},
		{name: "States.UUID", minArgs: 0, maxArgs: 0, eval: evalUUID},
	} {
		intrinsicFunctions[f.name] = f
	}
}

// isIntrinsic reports whether a `.$` value is an intrinsic function call
// rather than a path.
func isIntrinsic(s string) bool { return strings.HasPrefix(s, "States.") }

// parseIntrinsic compiles an intrinsic function expression.
func parseIntrinsic(src string) (*intrinsicCall, error) {
	p := &intrinsicParser{src: src}
	call, err := p.parseCall(1)
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %w", src, err)
	}
	p.skipSpace()
	if p.pos != len(src) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q after the call", src, src[p.pos:])
	}
	return call, nil
}

type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *intrinsicParser) parseCall(depth int) (*intrinsicCall, error) {
	if depth > maxIntrinsicNesting {
		return nil, fmt.Errorf("more than %d nested intrinsic functions", maxIntrinsicNesting)
	}
	open := strings.IndexByte(p.src[p.pos:], '(')
	if open < 0 {
		return nil, errors.New("missing '('")
	}
	name := p.src[p.pos : p.pos+open]
	fn, ok := intrinsicFunctions[name]
	if !ok {
		return nil, fmt.Errorf("the function %q is not supported", name)
	}
	p.pos += open + 1
	call := &intrinsicCall{fn: fn}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			arg, err := p.parseArg(depth)
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, arg)
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, fmt.Errorf("%s: missing ')'", name)
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			if p.src[p.pos] != ',' {
				return nil, fmt.Errorf("%s: expected ',' or ')' at %q", name, p.src[p.pos:])
			}
			p.pos++
		}
	}
	if len(call.args) < fn.minArgs || (fn.maxArgs >= 0 && len(call.args) > fn.maxArgs) {
		return nil, fmt.Errorf("%s takes %s, got %d", name, argCountText(fn), len(call.args))
	}
	if fn.check != nil {
		if err := fn.check(call.args); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return call, nil
}

func argCountText(fn *intrinsicFunc) string {
	switch {
	case fn.maxArgs < 0:
		return fmt.Sprintf("at least %d arguments", fn.minArgs)
	case fn.minArgs == fn.maxArgs:
		return fmt.Sprintf("%d arguments", fn.minArgs)
	}
	return fmt.Sprintf("%d to %d arguments", fn.minArgs, fn.maxArgs)
}

func (p *intrinsicParser) parseArg(depth int) (intrinsicArg, error) {
	rest := p.src[p.pos:]
	switch {
	case rest == "":
		return intrinsicArg{}, errors.New("missing argument")
	case rest[0] == '\'':
		return p.parseStringLiteral()
	case rest[0] == '$':
		end := pathArgEnd(rest)
		path, err := parseRefPath(rest[:end])
		if err != nil {
			return intrinsicArg{}, err
		}
		p.pos += end
		return intrinsicArg{path: path}, nil
	case strings.HasPrefix(rest, "States."):
		call, err := p.parseCall(depth + 1)
		if err != nil {
			return intrinsicArg{}, err
		}
		return intrinsicArg{call: call}, nil
	}
	end := strings.IndexAny(rest, ",) \t\r\n")
	if end < 0 {
		end = len(rest)
	}
	word := rest[:end]
	p.pos += end
	switch word {
	case "true":
		return intrinsicArg{literal: true, isLiteral: true}, nil
	case "false":
		return intrinsicArg{literal: false, isLiteral: true}, nil
	case "null":
		return intrinsicArg{literal: nil, isLiteral: true}, nil
	}
	if v, err := decodeJSON([]byte(word)); err == nil {
		if n, ok := v.(json.Number); ok {
			return intrinsicArg{literal: n, isLiteral: true}, nil
		}
	}
	return intrinsicArg{}, fmt.Errorf("argument %q is not a string, number, boolean, null, path or function", word)
}

// pathArgEnd finds where a path argument ends: at a ',' or ')' (or
// whitespace) outside brackets and quotes.
func pathArgEnd(s string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0 && (c == ',' || c == ')' || c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return i
		}
	}
	return len(s)
}

// parseStringLiteral reads a '...' literal. Backslash escapes \' \{ \} and
// \\ are the only ones AWS documents; others are rejected.
func (p *intrinsicParser) parseStringLiteral() (intrinsicArg, error) {
	p.pos++ // opening quote
	var value strings.Builder
	var part strings.Builder
	var parts []string
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return intrinsicArg{}, errors.New("unterminated string literal")
			}
			e := p.src[p.pos+1]
			if e != '\'' && e != '{' && e != '}' && e != '\\' {
				return intrinsicArg{}, fmt.Errorf("escape sequence \\%c is not supported", e)
			}
			value.WriteByte(e)
			part.WriteByte(e)
			p.pos += 2
		case c == '\'':
			p.pos++
			parts = append(parts, part.String())
			return intrinsicArg{literal: value.String(), isLiteral: true, formatParts: parts}, nil
		case c == '{' && strings.HasPrefix(p.src[p.pos:], "{}"):
			value.WriteString("{}")
			parts = append(parts, part.String())
			part.Reset()
			p.pos += 2
		default:
			value.WriteByte(c)
			part.WriteByte(c)
			p.pos++
		}
	}
	return intrinsicArg{}, errors.New("unterminated string literal")
}

// eval evaluates the call.
func (c *intrinsicCall) eval(env *evalEnv) (any, *failure) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		var f *failure
		switch {
		case a.call != nil:
			args[i], f = a.call.eval(env)
		case a.path != nil:
			args[i], f = env.lookup(a.path)
		default:
			args[i] = a.literal
		}
		if f != nil {
			return nil, f
		}
	}
	v, err := c.fn.eval(env, c, args)
	if err != nil {
		return nil, intrinsicFailure(env.sc, fmt.Sprintf("The intrinsic function %s failed: %v", c.fn.name, err))
	}
	return v, nil
}

// --- argument helpers ---

func stringArg(args []any, i int, what string) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("the %s argument must be a string, got %s", what, jsonTypeName(args[i]))
	}
	return s, nil
}

func arrayArg(args []any, i int, what string) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, fmt.Errorf("the %s argument must be an array, got %s", what, jsonTypeName(args[i]))
	}
	return a, nil
}

// exactIntegerArg requires a number with an integer value.
func exactIntegerArg(args []any, i int, what string) (int64, error) {
	n, ok := args[i].(json.Number)
	if !ok {
		return 0, fmt.Errorf("the %s argument must be an integer, got %s", what, jsonTypeName(args[i]))
	}
	f := numberValue(n)
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("the %s argument must be an integer, got %s", what, n)
	}
	return int64(f), nil
}

// roundedInt32Arg is a number rounded like Java's Math.round, which must lie
// in the 32-bit integer range that AWS documents for the Math functions.
func roundedInt32Arg(args []any, i int, what string) (int64, error) {
	n, ok := args[i].(json.Number)
	if !ok {
		return 0, fmt.Errorf("the %s argument must be a number, got %s", what, jsonTypeName(args[i]))
	}
	if iv, ok := integerValue(n); ok {
		if iv < math.MinInt32 || iv > math.MaxInt32 {
			return 0, fmt.Errorf("the %s argument %s is outside the range -2147483648..2147483647", what, n)
		}
		return iv, nil
	}
	v := roundHalfUp(numberValue(n))
	if v < math.MinInt32 || v > math.MaxInt32 || math.IsNaN(v) {
		return 0, fmt.Errorf("the %s argument %s is outside the range -2147483648..2147483647", what, n)
	}
	return int64(v), nil
}

// maxIntrinsicStringLength is AWS's limit on the string arguments of the
// encoding and hash functions.
const maxIntrinsicStringLength = 10000

func checkStringLength(s, what string) error {
	if n := utf8.RuneCountInString(s); n > maxIntrinsicStringLength {
		return fmt.Errorf("the %s argument has %d characters, more than %d", what, n, maxIntrinsicStringLength)
	}
	return nil
}

// --- generic ---

func checkFormat(args []intrinsicArg) error {
	tmpl := args[0]
	if !tmpl.isLiteral || tmpl.formatParts == nil {
		return errors.New("the template must be a string literal")
	}
	if placeholders := len(tmpl.formatParts) - 1; placeholders != len(args)-1 {
		return fmt.Errorf("the template has %d {} placeholders but %d values follow it", placeholders, len(args)-1)
	}
	return nil
}

func evalFormat(_ *evalEnv, call *intrinsicCall, args []any) (any, error) {
	parts := call.args[0].formatParts
	var b strings.Builder
	for i, part := range parts {
		b.WriteString(part)
		if i+1 < len(parts) {
			writeFormatValue(&b, args[i+1])
		}
	}
	return b.String(), nil
}

// writeFormatValue renders a value the way AWS's States.Format does (Java's
// toString of the parsed value): strings bare, null as null, objects as
// {k=v, k2=v2}, arrays as [a, b].
func writeFormatValue(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		b.WriteString(t)
	case json.Number:
		b.WriteString(string(t))
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			writeFormatValue(b, e)
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeFormatValue(b, t.vals[i])
		}
		b.WriteByte('}')
	}
}

// --- JSON manipulation ---

func evalStringToJSON(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	s, err := stringArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("the argument is not JSON text: %v", err)
	}
	return normalizeNegativeZero(v), nil
}

// normalizeNegativeZero turns the literal -0 into 0, as AWS's parser does.
func normalizeNegativeZero(v any) any {
	if n, ok := v.(json.Number); ok && n == "-0" {
		return json.Number("0")
	}
	return v
}

func evalJSONToString(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	return string(encodeJSON(args[0])), nil
}

func checkJSONMerge(args []intrinsicArg) error {
	if deep := args[2]; deep.isLiteral && deep.literal != false {
		return errors.New("only shallow merging (false as the third argument) is supported")
	}
	return nil
}

func evalJSONMerge(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	left, ok1 := args[0].(*object)
	right, ok2 := args[1].(*object)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be objects, got %s and %s", jsonTypeName(args[0]), jsonTypeName(args[1]))
	}
	if args[2] != false {
		return nil, errors.New("only shallow merging (false as the third argument) is supported")
	}
	merged := left.clone()
	for i, k := range right.keys {
		merged.put(k, right.vals[i])
	}
	return merged, nil
}

// --- arrays ---

func evalArray(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func evalArrayPartition(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	arr, err := arrayArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	size, err := exactIntegerArg(args, 1, "chunk size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("the chunk size must be a positive integer, got %d", size)
	}
	chunks := []any{}
	for start := 0; start < len(arr); start += int(size) {
		end := min(start+int(size), len(arr))
		chunk := make([]any, end-start)
		copy(chunk, arr[start:end])
		chunks = append(chunks, chunk)
	}
	return chunks, nil
}

func evalArrayContains(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	arr, err := arrayArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	for _, e := range arr {
		if jsonEqual(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

// maxArrayRangeItems is AWS's limit on the array States.ArrayRange builds.
const maxArrayRangeItems = 1000

func evalArrayRange(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	first, err := exactIntegerArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	last, err := exactIntegerArg(args, 1, "second")
	if err != nil {
		return nil, err
	}
	step, err := exactIntegerArg(args, 2, "step")
	if err != nil {
		return nil, err
	}
	if step == 0 {
		return nil, errors.New("the step must not be 0")
	}
	out := []any{}
	for v := first; (step > 0 && v <= last) || (step < 0 && v >= last); v += step {
		if len(out) == maxArrayRangeItems {
			return nil, fmt.Errorf("the range has more than %d items", maxArrayRangeItems)
		}
		out = append(out, numberFromInt(v))
	}
	return out, nil
}

func evalArrayGetItem(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	arr, err := arrayArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	index, err := exactIntegerArg(args, 1, "index")
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= int64(len(arr)) {
		return nil, fmt.Errorf("the index %d is out of bounds for an array of %d items", index, len(arr))
	}
	return arr[index], nil
}

func evalArrayLength(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	arr, err := arrayArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	return numberFromInt(int64(len(arr))), nil
}

func evalArrayUnique(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	arr, err := arrayArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	out := []any{}
next:
	for _, e := range arr {
		for _, seen := range out {
			if jsonEqual(e, seen) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// --- encoding, hashing ---

func evalBase64Encode(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	s, err := stringArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	if err := checkStringLength(s, "first"); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func evalBase64Decode(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	s, err := stringArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	if err := checkStringLength(s, "first"); err != nil {
		return nil, err
	}
	decoded, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the argument is not base64: %v", err)
	}
	if !utf8.Valid(decoded) {
		return nil, errors.New("the decoded data is not UTF-8 text")
	}
	return string(decoded), nil
}

var hashAlgorithms = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func checkHash(args []intrinsicArg) error {
	if alg := args[1]; alg.isLiteral {
		name, ok := alg.literal.(string)
		if _, known := hashAlgorithms[name]; !ok || !known {
			return fmt.Errorf("the algorithm %v is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg.literal)
		}
	}
	return nil
}

func evalHash(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	data, err := stringArg(args, 0, "data")
	if err != nil {
		return nil, err
	}
	if err := checkStringLength(data, "data"); err != nil {
		return nil, err
	}
	alg, err := stringArg(args, 1, "algorithm")
	if err != nil {
		return nil, err
	}
	newHash, ok := hashAlgorithms[alg]
	if !ok {
		return nil, fmt.Errorf("the algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// --- math ---

func evalMathAdd(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	a, err := roundedInt32Arg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	b, err := roundedInt32Arg(args, 1, "second")
	if err != nil {
		return nil, err
	}
	sum := a + b
	if sum < math.MinInt32 || sum > math.MaxInt32 {
		return nil, fmt.Errorf("the sum %d is outside the range -2147483648..2147483647", sum)
	}
	return numberFromInt(sum), nil
}

// evalMathRandom returns an integer in [start, end). AWS documents "a random
// number between the start and end number" without saying whether end is
// included; never returning end keeps every answer one AWS could give.
func evalMathRandom(env *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	start, err := roundedInt32Arg(args, 0, "start")
	if err != nil {
		return nil, err
	}
	end, err := roundedInt32Arg(args, 1, "end")
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("the end %d must be greater than the start %d", end, start)
	}
	span := float64(end - start)
	offset := int64(env.exec.random() * span)
	if offset >= end-start { // guard against a source returning 1.0
		offset = end - start - 1
	}
	return numberFromInt(start + offset), nil
}

// --- strings, ids ---

// evalStringSplit splits at every character of the delimiter string and
// drops empty pieces: States.StringSplit("a,,b", ",") is ["a", "b"].
func evalStringSplit(_ *evalEnv, _ *intrinsicCall, args []any) (any, error) {
	s, err := stringArg(args, 0, "first")
	if err != nil {
		return nil, err
	}
	delims, err := stringArg(args, 1, "delimiter")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, piece)
	}
	return out, nil
}

func evalUUID(env *evalEnv, _ *intrinsicCall, _ []any) (any, error) {
	return newUUID(env.exec.random), nil
}

// newUUID builds a version 4 UUID from the random source.
func newUUID(random func() float64) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(random() * 256)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
