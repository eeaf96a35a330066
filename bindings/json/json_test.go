package json

import (
	stdjson "encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{` true `, true},
		{"\t\r\nfalse\n", false},
		{`0`, 0.0},
		{`-0.5e+2`, -50.0},
		{`1E3`, 1000.0},
		{`12345678901234567890`, 12345678901234567890.0},
		{`""`, ""},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{`"\u0041\u00e9\u20AC"`, "Aé€"},
		{`"\u0000"`, "\x00"},
		{`"\ud83d\ude00"`, "😀"},
		{`"é😀"`, "é😀"},
		{`[]`, []any{}},
		{`[1, [2, []], null]`, []any{1.0, []any{2.0, []any{}}, nil}},
		{`{}`, map[string]any{}},
		{`{"a": {"b": [true]}, "": 1}`, map[string]any{"a": map[string]any{"b": []any{true}}, "": 1.0}},
		{`{"k": 1, "k": 2}`, map[string]any{"k": 2.0}}, // the last duplicate wins
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.in))
		if err != nil {
			t.Errorf("Decode(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decode(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in                string
		offset, line, col int
		msg               string
	}{
		{``, 0, 1, 1, "unexpected end of input, expected a value"},
		{`   `, 3, 1, 4, "unexpected end of input"},
		{`nul`, 0, 1, 1, `expected "null"`},
		{`[1,]`, 3, 1, 4, "unexpected character ']', expected a value"},
		{`[1 2]`, 3, 1, 4, "expected ',' or ']'"},
		{`{"a" 1}`, 5, 1, 6, "expected ':'"},
		{`{"a": 1,}`, 8, 1, 9, "expected a string key"},
		{`{1: 2}`, 1, 1, 2, "expected a string key"},
		{`{"a": 1`, 7, 1, 8, "expected ',' or '}'"},
		{"{\n  \"a\": tru\n}", 9, 2, 8, `expected "true"`},
		{"[\n\"é\", x]", 8, 2, 6, "unexpected character 'x'"},
		{`"abc`, 0, 1, 1, "unterminated string"},
		{"\"a\nb\"", 2, 1, 3, "control character 0x0a"},
		{`"\x"`, 2, 1, 3, `invalid escape sequence \character 'x'`},
		{`"\u12zz"`, 1, 1, 2, `invalid \u escape "\\u12zz"`},
		{`"\u12`, 1, 1, 2, `truncated \u escape`},
		{`"\ud800"`, 1, 1, 2, "lone high surrogate \\ud800"},
		{`"\ud800\u0041"`, 1, 1, 2, "lone high surrogate"},
		{`"\udc00"`, 1, 1, 2, "lone low surrogate \\udc00"},
		{"\"\xff\"", 1, 1, 2, "invalid UTF-8 byte 0xff"},
		{`01`, 0, 1, 1, "leading zero"},
		{`-`, 1, 1, 2, "expected a digit"},
		{`1.`, 2, 1, 3, "expected a digit after '.'"},
		{`1e`, 2, 1, 3, "exponent"},
		{`.5`, 0, 1, 1, "unexpected character '.'"},
		{`1e400`, 0, 1, 1, "number out of range"},
		{`NaN`, 0, 1, 1, "unexpected character 'N'"},
		{`{} {}`, 3, 1, 4, "after the end of the value"},
		{"\xef\xbb\xbf1", 0, 1, 1, "unexpected character '\\ufeff'"},
		{strings.Repeat("[", MaxDepth+1), MaxDepth, 1, MaxDepth + 1, "nested deeper than 1000 levels"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q): got %v, want a SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset || se.Line != tt.line || se.Column != tt.col || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Decode(%q): got %q at offset %d line %d col %d, want %q at %d %d:%d",
				tt.in, se.Msg, se.Offset, se.Line, se.Column, tt.msg, tt.offset, tt.line, tt.col)
		}
		if !strings.HasPrefix(err.Error(), "invalid JSON at line ") {
			t.Errorf("Decode(%q): message %q does not start with the position", tt.in, err)
		}
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		in     any
		indent string
		want   string
	}{
		{nil, "", `null`},
		{true, "", `true`},
		{0.0, "", `0`},
		{math.Copysign(0, -1), "", `0`},
		{42.0, "", `42`},
		{-7.0, "", `-7`},
		{1.5, "", `1.5`},
		{1e20, "", `100000000000000000000`},
		{1e21, "", `1e+21`},
		{1e-7, "", `1e-07`},
		{0.000001, "", `0.000001`},
		{9007199254740993.0, "", `9007199254740992`},
		{"", "", `""`},
		{"a\"\\\n\r\t\x00\x1f\x7f/é😀", "", `"a\"\\\n\r\t\u0000\u001f\u007f/é😀"`},
		{[]any{}, "", `[]`},
		{map[string]any{}, "", `{}`},
		{map[string]any{"b": 1.0, "a": []any{nil, "x"}, "A": false}, "", `{"A":false,"a":[null,"x"],"b":1}`},
		{map[string]any{"a": []any{1.0, map[string]any{}}}, "  ", "{\n  \"a\": [\n    1,\n    {}\n  ]\n}"},
	}
	for _, tt := range tests {
		got, err := Encode(tt.in, tt.indent)
		if err != nil {
			t.Errorf("Encode(%#v): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Encode(%#v) = %s, want %s", tt.in, got, tt.want)
		}
		if !stdjson.Valid(got) {
			t.Errorf("Encode(%#v) = %s: encoding/json says it is not JSON", tt.in, got)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	deep := any(1.0)
	for i := 0; i < MaxDepth+1; i++ {
		deep = []any{deep}
	}
	tests := []struct {
		in   any
		want string
	}{
		{math.NaN(), "cannot encode $: NaN has no JSON representation"},
		{map[string]any{"x": []any{1.0, math.Inf(1)}}, "cannot encode $.x[2]: +Inf has no JSON representation"},
		{map[string]any{"odd key": math.Inf(-1)}, `cannot encode $["odd key"]: -Inf`},
		{[]any{"ok", "bad\xffbyte"}, "cannot encode $[2]: string is not valid UTF-8 (byte 0xff at offset 3)"},
		{map[string]any{"\xfe": 1.0}, `cannot encode $: key "\xfe": string is not valid UTF-8`},
		{deep, "nested deeper than 1000 levels"},
		{struct{}{}, "unsupported Go type"},
	}
	for _, tt := range tests {
		_, err := Encode(tt.in, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Encode(%.40v): got error %v, want %q", tt.in, err, tt.want)
		}
	}
}

// Error paths stay short: a deep value names its first and last steps, a
// long key is cut.
func TestEncodeErrorPath(t *testing.T) {
	deep := any(1.0)
	for i := 0; i < MaxDepth+1; i++ {
		deep = []any{deep}
	}
	deepObj := any(math.NaN())
	for i := 0; i < 9; i++ {
		deepObj = map[string]any{"k": deepObj}
	}
	long := strings.Repeat("x", 100000)
	tests := []struct {
		in   any
		want string
	}{
		{deep, "cannot encode $[1][1][1][1]…[1][1][1][1]: nested deeper than 1000 levels"},
		{deepObj, "cannot encode $.k.k.k.k….k.k.k.k: NaN has no JSON representation"},
		{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{math.NaN()}}}}}}}}, "cannot encode $[1][1][1][1][1][1][1][1]: NaN"},
		{map[string]any{long: math.NaN()}, `cannot encode $["` + strings.Repeat("x", 61) + `"...]: NaN`},
		{map[string]any{long + "\xff": 1.0}, `cannot encode $: key "` + strings.Repeat("x", 61) + `"...: string is not valid UTF-8`},
	}
	for _, tt := range tests {
		_, err := Encode(tt.in, "")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Encode(%.40v): got error %.300v, want %q", tt.in, err, tt.want)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("Encode(%.40v): error of %d bytes", tt.in, len(err.Error()))
		}
	}
}

// The decoder agrees with encoding/json on what is JSON (it is stricter only
// about UTF-8, lone surrogates, depth and range), and what it decodes encodes
// back to text that decodes to the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`null`, `true`, `-0.5e+2`, `"a\u00e9\ud83d\ude00"`, `[1, [2, []], null]`,
		`{"a": {"b": [true]}, "": 1}`, `{"k": 1, "k": 2}`, `[1,]`, `"\ud800"`, "\"\xff\"",
		`01`, `1e400`, "{\n  \"a\": tru\n}", `[[[[[[[[[[]]]]]]]]]]`, `"\u0000\t"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("Decode(%q): bad error %#v", data, err)
			}
			return
		}
		if !stdjson.Valid(data) {
			t.Fatalf("Decode(%q) accepted what encoding/json rejects", data)
		}
		out, err := Encode(v, "")
		if err != nil {
			t.Fatalf("Encode(Decode(%q)): %v", data, err)
		}
		back, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode(%q) (re-encoded from %q): %v", out, data, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Fatalf("round trip of %q: %#v became %#v", data, v, back)
		}
	})
}
