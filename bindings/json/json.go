// Package json is nslua's JSON codec: a strict RFC 8259 decoder that reports
// where the input went wrong (byte offset, line and column), and an encoder
// with deterministic output (object keys sorted) that refuses what JSON cannot
// hold (NaN, infinities, invalid UTF-8) instead of writing something else.
//
// The Go layer works on plain Go values: nil (null), bool, float64, string,
// []any (array) and map[string]any (object). lua.go converts Lua values.
package json

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects in both directions, so
// that hostile input cannot exhaust the stack.
const MaxDepth = 1000

// SyntaxError is invalid JSON input. Offset is 0-based; Line and Column are
// 1-based, Column counts characters (UTF-8 sequences) from the line start.
type SyntaxError struct {
	Msg    string
	Offset int
	Line   int
	Column int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte offset %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// Decode parses one JSON value, which may be surrounded by white space and
// nothing else. Numbers become float64 (integers beyond 2^53 lose digits, as
// every Lua 5.1 number does); duplicate object keys keep the last value.
func Decode(data []byte) (any, error) {
	d := &decoder{data: data}
	d.space()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos < len(d.data) {
		return nil, d.errorf("unexpected %s after the end of the value", d.describe())
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) errorf(format string, args ...any) *SyntaxError {
	return d.errorAt(d.pos, format, args...)
}

func (d *decoder) errorAt(off int, format string, args ...any) *SyntaxError {
	line, start := 1, 0
	for i := 0; i < off && i < len(d.data); i++ {
		if d.data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return &SyntaxError{
		Msg:    fmt.Sprintf(format, args...),
		Offset: off,
		Line:   line,
		Column: utf8.RuneCount(d.data[start:min(off, len(d.data))]) + 1,
	}
}

// describe names the byte at the current position for an error message.
func (d *decoder) describe() string {
	if d.pos >= len(d.data) {
		return "end of input"
	}
	c := d.data[d.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", c)
	}
	r, _ := utf8.DecodeRune(d.data[d.pos:])
	if r == utf8.RuneError || c < 0x80 {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return fmt.Sprintf("character %q", r)
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end of input, expected a value")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		return d.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.errorf("unexpected %s, expected a value", d.describe())
}

func (d *decoder) literal(word string) error {
	if !strings.HasPrefix(string(d.data[d.pos:min(d.pos+len(word), len(d.data))]), word) {
		return d.errorf("invalid literal, expected %q", word)
	}
	d.pos += len(word)
	return nil
}

func (d *decoder) object(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.errorf("nested deeper than %d levels", MaxDepth)
	}
	d.pos++ // {
	obj := map[string]any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return obj, nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.errorf("unexpected %s, expected a string key", d.describe())
		}
		key, err := d.string()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errorf("unexpected %s, expected ':' after an object key", d.describe())
		}
		d.pos++
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		obj[key] = v
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return obj, nil
		}
		return nil, d.errorf("unexpected %s, expected ',' or '}' in an object", d.describe())
	}
}

func (d *decoder) array(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.errorf("nested deeper than %d levels", MaxDepth)
	}
	d.pos++ // [
	arr := []any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return arr, nil
	}
	for {
		d.space()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return arr, nil
		}
		return nil, d.errorf("unexpected %s, expected ',' or ']' in an array", d.describe())
	}
}

func (d *decoder) number() (any, error) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.data[d.pos] == '-' {
		d.pos++
	}
	intStart := d.pos
	if n := digits(); n == 0 {
		return nil, d.errorf("invalid number: expected a digit, got %s", d.describe())
	} else if n > 1 && d.data[intStart] == '0' {
		return nil, d.errorAt(intStart, "invalid number: leading zero")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.errorf("invalid number: expected a digit after '.', got %s", d.describe())
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.errorf("invalid number: expected a digit in the exponent, got %s", d.describe())
		}
	}
	f, err := strconv.ParseFloat(string(d.data[start:d.pos]), 64)
	if err != nil {
		return nil, d.errorAt(start, "number out of range: %s", d.data[start:d.pos])
	}
	return f, nil
}

func (d *decoder) string() (string, error) {
	start := d.pos
	d.pos++ // opening quote
	var b strings.Builder
	for {
		if d.pos >= len(d.data) {
			return "", d.errorAt(start, "unterminated string")
		}
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return b.String(), nil
		case c == '\\':
			if err := d.escape(&b); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", d.errorf("control character 0x%02x in a string (escape it as \\u%04x)", c, c)
		case c < 0x80:
			b.WriteByte(c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", d.errorf("invalid UTF-8 byte 0x%02x in a string", c)
			}
			b.Write(d.data[d.pos : d.pos+size])
			d.pos += size
		}
	}
}

var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape decodes one backslash escape at d.pos into b. A \u escape of a high
// surrogate must be followed by one of a low surrogate: the pair is one
// character. A lone surrogate has no UTF-8 form and is an error.
func (d *decoder) escape(b *strings.Builder) error {
	start := d.pos
	if d.pos+1 >= len(d.data) {
		return d.errorAt(start, "unterminated escape sequence")
	}
	c := d.data[d.pos+1]
	if r, ok := simpleEscapes[c]; ok {
		b.WriteByte(r)
		d.pos += 2
		return nil
	}
	if c != 'u' {
		d.pos++
		return d.errorf("invalid escape sequence \\%s", d.describe())
	}
	r, err := d.hex4(d.pos + 2)
	if err != nil {
		return err
	}
	d.pos += 6
	switch {
	case utf16.IsSurrogate(r) && r < 0xdc00:
		if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
			lo, err := d.hex4(d.pos + 2)
			if err != nil {
				return err
			}
			if lo >= 0xdc00 && lo <= 0xdfff {
				b.WriteRune(utf16.DecodeRune(r, lo))
				d.pos += 6
				return nil
			}
		}
		return d.errorAt(start, "lone high surrogate \\u%04x (expected a low surrogate \\udc00-\\udfff after it)", r)
	case utf16.IsSurrogate(r):
		return d.errorAt(start, "lone low surrogate \\u%04x", r)
	}
	b.WriteRune(r)
	return nil
}

func (d *decoder) hex4(at int) (rune, error) {
	if at+4 > len(d.data) {
		return 0, d.errorAt(at-2, "truncated \\u escape (expected 4 hex digits)")
	}
	var r rune
	for _, c := range d.data[at : at+4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, d.errorAt(at-2, "invalid \\u escape %q (expected 4 hex digits)", d.data[at-2:at+4])
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

// EncodeError is a value JSON cannot represent. Path locates it in the value
// ("$.nodes[2].rate", Lua indices; a long path keeps only its first and last
// steps, a long key is cut short); Msg says why.
type EncodeError struct {
	Path string
	Msg  string
}

func (e *EncodeError) Error() string { return "cannot encode " + e.Path + ": " + e.Msg }

// Encode writes v as JSON. Object keys are sorted (byte order) so the same
// value always gives the same text. indent "" gives the compact form;
// otherwise every element goes on its own line, indented by that string per
// level.
func Encode(v any, indent string) ([]byte, error) {
	e := &encoder{indent: indent}
	if err := e.value(v, nil, 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encoder struct {
	buf    []byte
	indent string
}

func (e *encoder) newline(depth int) {
	if e.indent == "" {
		return
	}
	e.buf = append(e.buf, '\n')
	for i := 0; i < depth; i++ {
		e.buf = append(e.buf, e.indent...)
	}
}

func (e *encoder) value(v any, path *pathStep, depth int) error {
	if depth > MaxDepth {
		return path.fail(fmt.Sprintf("nested deeper than %d levels", MaxDepth))
	}
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case float64:
		var err error
		if e.buf, err = AppendNumber(e.buf, v); err != nil {
			return path.fail(err.Error())
		}
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case string:
		var err error
		if e.buf, err = AppendString(e.buf, v); err != nil {
			return path.fail(err.Error())
		}
	case []any:
		if len(v) == 0 {
			e.buf = append(e.buf, "[]"...)
			return nil
		}
		e.buf = append(e.buf, '[')
		for i, x := range v {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.newline(depth + 1)
			if err := e.value(x, path.index(i+1), depth+1); err != nil {
				return err
			}
		}
		e.newline(depth)
		e.buf = append(e.buf, ']')
	case map[string]any:
		if len(v) == 0 {
			e.buf = append(e.buf, "{}"...)
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.newline(depth + 1)
			var err error
			if e.buf, err = AppendString(e.buf, k); err != nil {
				return path.fail("key " + quoteKey(k) + ": " + err.Error())
			}
			e.buf = append(e.buf, ':')
			if e.indent != "" {
				e.buf = append(e.buf, ' ')
			}
			if err := e.value(v[k], path.key(k), depth+1); err != nil {
				return err
			}
		}
		e.newline(depth)
		e.buf = append(e.buf, '}')
	default:
		return path.fail(fmt.Sprintf("unsupported Go type %T", v))
	}
	return nil
}

// pathStep is one step on the way from the root to the value being
// encoded: an array index (Lua's, from 1) or an object key. The path is
// only spelled out when an error needs it, so walking a value costs no
// string building; nil is the root.
type pathStep struct {
	up *pathStep
	k  string
	i  int // > 0: an array element; else an object key
}

func (p *pathStep) index(i int) *pathStep  { return &pathStep{up: p, i: i} }
func (p *pathStep) key(k string) *pathStep { return &pathStep{up: p, k: k} }

func (p *pathStep) fail(msg string) *EncodeError { return &EncodeError{Path: p.String(), Msg: msg} }

// pathEnds is how many steps a long path keeps at each end: the message of
// a value nested 1000 deep names where it starts and where it failed, not
// every level in between.
const pathEnds = 4

// String spells the path as $.nodes[2].name: a key that is an identifier
// after a dot, any other key quoted in brackets (shortened when long), and
// with more than 2*pathEnds steps the middle ones as "…".
func (p *pathStep) String() string {
	var steps []*pathStep
	for s := p; s != nil; s = s.up {
		steps = append(steps, s)
	}
	b := []byte("$")
	for i := len(steps) - 1; i >= 0; i-- {
		if n := len(steps); n > 2*pathEnds && i == n-1-pathEnds {
			b = append(b, "…"...)
			i = pathEnds - 1
		}
		s := steps[i]
		switch {
		case s.i > 0:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.i), 10)
			b = append(b, ']')
		case isIdent(s.k) && len(s.k) <= maxKeyLen:
			b = append(b, '.')
			b = append(b, s.k...)
		default:
			b = append(b, '[')
			b = append(b, quoteKey(s.k)...)
			b = append(b, ']')
		}
	}
	return string(b)
}

// maxKeyLen is the longest key an error message quotes whole.
const maxKeyLen = 64

// quoteKey quotes an object key for an error message, Go-escaped, cut
// short with "..." after maxKeyLen bytes.
func quoteKey(k string) string {
	if len(k) > maxKeyLen {
		return strconv.Quote(k[:maxKeyLen-3]) + "..."
	}
	return strconv.Quote(k)
}

func isIdent(k string) bool {
	for i, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}

// AppendNumber writes f as a JSON number: integers without a fraction or
// exponent (up to 1e21, as JavaScript does), other values in the shortest form
// that reads back as the same float64. NaN and infinities have no JSON form.
func AppendNumber(buf []byte, f float64) ([]byte, error) {
	switch {
	case math.IsNaN(f):
		return buf, fmt.Errorf("NaN has no JSON representation")
	case math.IsInf(f, 0):
		return buf, fmt.Errorf("%v has no JSON representation", f)
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		if f == 0 {
			return append(buf, '0'), nil // also -0
		}
		return strconv.AppendFloat(buf, f, 'f', -1, 64), nil
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(buf, f, 'f', -1, 64), nil
	}
	return strconv.AppendFloat(buf, f, 'e', -1, 64), nil
}

// AppendString writes s as a JSON string. s must be valid UTF-8: a Lua string
// holding binary data has no JSON form (base64 it first). Control characters
// are escaped; other characters are written as they are.
func AppendString(buf []byte, s string) ([]byte, error) {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20 || c == 0x7f:
				buf = fmt.Appendf(buf, "\\u%04x", c)
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return buf, fmt.Errorf("string is not valid UTF-8 (byte 0x%02x at offset %d)", c, i)
		}
		buf = append(buf, s[i:i+size]...)
		i += size
	}
	return append(buf, '"'), nil
}
