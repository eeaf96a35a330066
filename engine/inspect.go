package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// InspectOptions tune Inspect. The zero value gives the REPL's defaults.
type InspectOptions struct {
	// Depth is how many levels of nested tables are shown; a table below
	// that prints as {...}. 0 means 4.
	Depth int
	// MaxItems is how many entries of one table are shown before the rest
	// is summarised as "... (N more)". 0 means 100.
	MaxItems int
	// MaxString is how many bytes of a string are shown before it is cut
	// and its length given. 0 means 1000.
	MaxString int
	// Width is the line width: a table that fits prints on one line, a
	// longer one gets one entry per line. 0 means 80.
	Width int
	// L calls __tostring metamethods. Without it tables and userdata are
	// shown by their contents and address.
	L *lua.LState
}

// Inspect renders v for people, in the style of kikito's inspect.lua: strings
// quoted with Lua escapes, table keys sorted (numbers, then strings, then the
// rest), the array part without keys, nested tables up to a depth, cycles as
// <cycle>, and values whose metatable has __tostring (nslua handles print as
// net:[4026531840]) through it. The REPL prints results with it.
func Inspect(v lua.LValue, opts InspectOptions) string {
	if opts.Depth <= 0 {
		opts.Depth = 4
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = 100
	}
	if opts.MaxString <= 0 {
		opts.MaxString = 1000
	}
	if opts.Width <= 0 {
		opts.Width = 80
	}
	in := &inspector{opts: opts, path: map[*lua.LTable]bool{}}
	return in.value(v, 0, "")
}

type inspector struct {
	opts InspectOptions
	path map[*lua.LTable]bool // tables being rendered: the way down from the root
}

func (in *inspector) value(v lua.LValue, level int, indent string) string {
	switch v := v.(type) {
	case lua.LString:
		return in.str(string(v))
	case *lua.LTable:
		if s, ok := in.tostring(v); ok {
			return s
		}
		return in.table(v, level, indent)
	case *lua.LUserData:
		if s, ok := in.tostring(v); ok {
			return s
		}
	}
	return v.String()
}

// tostring runs v's __tostring metamethod, if it has one.
func (in *inspector) tostring(v lua.LValue) (string, bool) {
	L := in.opts.L
	if L == nil {
		return "", false
	}
	fn := L.GetMetaField(v, "__tostring")
	if fn == lua.LNil {
		return "", false
	}
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, v); err != nil {
		msg := err.Error()
		if ae, ok := err.(*lua.ApiError); ok {
			msg = ae.Object.String()
		}
		return "<__tostring error: " + msg + ">", true
	}
	ret := L.Get(-1)
	L.Pop(1)
	if s, ok := ret.(lua.LString); ok {
		return string(s), true
	}
	return "<__tostring returned a " + ret.Type().String() + ">", true
}

func (in *inspector) str(s string) string {
	if len(s) <= in.opts.MaxString {
		return luaQuote(s)
	}
	cut := in.opts.MaxString
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", luaQuote(s[:cut]), len(s))
}

// luaQuote quotes s so that Lua reads it back as the same string: control
// bytes and invalid UTF-8 become \ddd escapes.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\%03d`, s[i])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

type entry struct {
	key lua.LValue // nil for the array part
	val lua.LValue
}

func (in *inspector) table(t *lua.LTable, level int, indent string) string {
	if in.path[t] {
		return "<cycle>"
	}
	limit := in.opts.MaxItems
	if level >= in.opts.Depth {
		limit = 0
	}
	shown, total := tableEntries(t, limit)
	if total == 0 {
		return "{}"
	}
	if level >= in.opts.Depth {
		return "{...}"
	}
	in.path[t] = true
	defer delete(in.path, t)

	inner := indent + "  "
	items := make([]string, 0, len(shown)+1)
	keyed := make([]bool, 0, len(shown)+1)
	for _, e := range shown {
		s := in.value(e.val, level+1, inner)
		if e.key != nil {
			s = in.key(e.key, level, inner) + " = " + s
		}
		items = append(items, s)
		keyed = append(keyed, e.key != nil)
	}
	if more := total - len(shown); more > 0 {
		items = append(items, fmt.Sprintf("... (%d more)", more))
		keyed = append(keyed, true)
	}

	oneLine := "{ " + strings.Join(items, ", ") + " }"
	if len(indent)+len(oneLine) <= in.opts.Width && !strings.Contains(oneLine, "\n") {
		return oneLine
	}
	// One entry per line; array elements share lines up to the width.
	var b strings.Builder
	b.WriteString("{\n")
	line := ""
	flush := func() {
		if line != "" {
			b.WriteString(inner + line + "\n")
			line = ""
		}
	}
	for i, s := range items {
		if i < len(items)-1 {
			s += ","
		}
		switch {
		case keyed[i] || strings.Contains(s, "\n"):
			flush()
			b.WriteString(inner + s + "\n")
		case line != "" && len(inner)+len(line)+1+len(s) > in.opts.Width:
			flush()
			line = s
		case line != "":
			line += " " + s
		default:
			line = s
		}
	}
	flush()
	b.WriteString(indent + "}")
	return b.String()
}

// key renders a table key: a bare name when it is an identifier, [k] otherwise.
func (in *inspector) key(k lua.LValue, level int, indent string) string {
	if s, ok := k.(lua.LString); ok && IsIdentifier(string(s)) {
		return string(s)
	}
	return "[" + in.value(k, level+1, indent) + "]"
}

// tableEntries lists t's array part (1..n without holes) in order, then the
// other keys sorted: numbers, strings, booleans, then the rest by type. Only
// the first limit entries are returned, with the count of all of them.
func tableEntries(t *lua.LTable, limit int) ([]entry, int) {
	var out []entry
	n := 0
	for ; ; n++ {
		v := t.RawGetInt(n + 1)
		if v == lua.LNil {
			break
		}
		if n < limit {
			out = append(out, entry{val: v})
		}
	}
	var nums []lua.LNumber
	var strs []string
	var others []lua.LValue
	total := n
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok && float64(num) >= 1 && float64(num) <= float64(n) && float64(num) == float64(int64(num)) {
			return // in the array part
		}
		total++
		if n >= limit {
			return // only counted
		}
		switch k := k.(type) {
		case lua.LNumber:
			nums = append(nums, k)
		case lua.LString:
			strs = append(strs, string(k))
		default:
			others = append(others, k)
		}
	})
	slices.Sort(nums)
	slices.Sort(strs)
	sort.Slice(others, func(i, j int) bool { return otherLess(others[i], others[j]) })
	add := func(k lua.LValue) {
		if len(out) < limit {
			out = append(out, entry{key: k, val: t.RawGet(k)})
		}
	}
	for _, k := range nums {
		add(k)
	}
	for _, k := range strs {
		add(lua.LString(k))
	}
	for _, k := range others {
		add(k)
	}
	return out, total
}

// otherLess orders keys that are neither numbers nor strings: false, true,
// then by type and address.
func otherLess(a, b lua.LValue) bool {
	if ab, ok := a.(lua.LBool); ok {
		bb, ok := b.(lua.LBool)
		return !ok || !bool(ab) && bool(bb)
	}
	if _, ok := b.(lua.LBool); ok {
		return false
	}
	if a.Type() != b.Type() {
		return a.Type().String() < b.Type().String()
	}
	return a.String() < b.String()
}

var luaKeywords = []string{
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
	"goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
	"true", "until", "while",
}

// Keywords lists Lua's reserved words (as gopher-lua knows them), sorted.
func Keywords() []string { return append([]string(nil), luaKeywords...) }

// IsIdentifier reports whether s is a Lua name that is not a reserved word,
// so that t.s can be written for t["s"].
func IsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		alpha := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	i := sort.SearchStrings(luaKeywords, s)
	return i == len(luaKeywords) || luaKeywords[i] != s
}
