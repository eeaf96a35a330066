package repl

import (
	"regexp"
	"sort"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// requireArg matches a module name being typed inside require "…". It is
// compiled on the first completion: compiling it at init cost every start of
// nslua 0.2 ms, scripts included.
var requireArg = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\brequire\s*\(?\s*["']([\w.]*)$`)
})

// complete returns the word being completed at the end of line (the text left
// of the cursor) and the full words that may replace it: module names inside
// require "…", keywords, globals and modules for a bare name, and the keys of
// the table (or the methods of the nslua object) an a.b.c chain names, with
// the keys its metatable's __index reaches (classKeys when that is a function).
func complete(vm *engine.VM, line string) (word string, cands []string) {
	if m := requireArg().FindStringSubmatch(line); m != nil {
		return m[1], withPrefix(vm.ModuleNames(), m[1])
	}
	if inString(line) {
		return "", nil
	}
	path, sep, word, ok := splitChain(line)
	if !ok {
		return "", nil
	}
	var names []string
	if len(path) == 0 {
		names = engine.Keywords()
		for _, m := range vm.ModuleNames() {
			if !strings.Contains(m, ".") { // nslua.errors is no global
				names = append(names, m)
			}
		}
		names = append(names, keys(vm, vm.L.G.Global, false)...)
	} else {
		v := lua.LValue(vm.L.G.Global)
		for _, name := range path {
			if v = field(vm, v, name); v == lua.LNil {
				return word, nil
			}
		}
		names = keys(vm, v, sep == ':')
	}
	if !strings.HasPrefix(word, "_") {
		names = hideMetamethods(names)
	}
	return word, withPrefix(names, word)
}

// hideMetamethods drops __index, __call and the like, which are rarely what
// one is typing; they come back when the word starts with '_'.
func hideMetamethods(names []string) []string {
	out := names[:0]
	for _, n := range names {
		if !strings.HasPrefix(n, "__") {
			out = append(out, n)
		}
	}
	return out
}

// splitChain splits the identifier chain at the end of line: "x = a.b:c"
// gives path [a b], sep ':' and word "c". ok is false where no name can stand
// (after a number, a call or an index).
func splitChain(line string) (path []string, sep byte, word string, ok bool) {
	end := len(line)
	start := identStart(line, end)
	word = line[start:end]
	end = start
	for end > 0 && (line[end-1] == '.' || line[end-1] == ':') {
		if line[end-1] == ':' && len(path) > 0 || end > 1 && line[end-2] == '.' {
			return nil, 0, "", false // a:b.c, or the .. operator
		}
		if sep == 0 {
			sep = line[end-1]
		}
		start = identStart(line, end-1)
		if start == end-1 {
			return nil, 0, "", false // ").x", "].x"
		}
		path = append([]string{line[start : end-1]}, path...)
		end = start
	}
	for _, part := range append([]string{word}, path...) {
		if part != "" && part[0] >= '0' && part[0] <= '9' {
			return nil, 0, "", false
		}
	}
	return path, sep, word, true
}

// identStart is where the identifier characters that end at end begin.
func identStart(s string, end int) int {
	i := end
	for i > 0 {
		c := s[i-1]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i--
			continue
		}
		break
	}
	return i
}

// inString reports whether the end of line is inside a short string.
func inString(line string) bool {
	var quote byte
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '-' && strings.HasPrefix(line[i:], "--"):
			return true // a comment: nothing to complete
		}
	}
	return quote != 0
}

// field looks key up in v without running Lua code: raw table reads, tables
// reached through __index, a module not yet required (a global in the REPL),
// and the methods of nslua objects.
func field(vm *engine.VM, v lua.LValue, key string) lua.LValue {
	L := vm.L
	for hops := 0; hops < 10; hops++ {
		if t, ok := v.(*lua.LTable); ok {
			if got := t.RawGetString(key); got != lua.LNil {
				return got
			}
			if t == L.G.Global && vm.HasModule(key) {
				return requireQuietly(L, key)
			}
		}
		if vm.ClassOf(v) != nil {
			return getProtected(L, v, key)
		}
		next, ok := L.GetMetaField(v, "__index").(*lua.LTable)
		if !ok {
			return lua.LNil
		}
		v = next
	}
	return lua.LNil
}

// requireQuietly loads a module for completion; on failure it completes nothing.
func requireQuietly(L *lua.LState, name string) lua.LValue {
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString(name)); err != nil {
		return lua.LNil
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// getProtected reads v[key] through its metamethods (nslua classes' Go
// __index), turning errors into nil.
func getProtected(L *lua.LState, v lua.LValue, key string) lua.LValue {
	get := L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(L.Get(1), key))
		return 1
	})
	if err := L.CallByParam(lua.P{Fn: get, NRet: 1, Protect: true}, v); err != nil {
		return lua.LNil
	}
	r := L.Get(-1)
	L.Pop(1)
	return r
}

// keys lists the identifier keys of v and of what its metatable's __index
// reaches (tables, and the methods of an nslua class). With methods set only
// keys holding functions count (obj:|).
func keys(vm *engine.VM, v lua.LValue, methods bool) []string {
	var out []string
	seen := map[lua.LValue]bool{}
	for hops := 0; hops < 10 && v != lua.LNil && !seen[v]; hops++ {
		seen[v] = true
		if t, ok := v.(*lua.LTable); ok {
			t.ForEach(func(k, val lua.LValue) {
				if s, ok := k.(lua.LString); ok && engine.IsIdentifier(string(s)) &&
					(!methods || val.Type() == lua.LTFunction) {
					out = append(out, string(s))
				}
			})
		}
		if c := vm.ClassOf(v); c != nil {
			out = append(out, c.MethodNames()...)
			break
		}
		next := vm.L.GetMetaField(v, "__index")
		if _, computed := next.(*lua.LFunction); computed {
			out = append(out, classKeys(vm, v, methods)...)
			break
		}
		v = next
	}
	return out
}

// classKeys are the names an object whose __index is a function answers,
// as far as they can be known without calling it: Lua's usual class, whose
// metatable is the table of methods (topo's nodes and links, containers),
// gives its methods, and a list of computed field names in the metatable's
// __fields ({"ip", "netns"}) gives those.
func classKeys(vm *engine.VM, v lua.LValue, methods bool) []string {
	mt, ok := vm.L.GetMetatable(v).(*lua.LTable)
	if !ok {
		return nil
	}
	var out []string
	mt.ForEach(func(k, val lua.LValue) {
		if s, ok := k.(lua.LString); ok && engine.IsIdentifier(string(s)) && val.Type() == lua.LTFunction {
			out = append(out, string(s))
		}
	})
	if fields, ok := mt.RawGetString("__fields").(*lua.LTable); ok && !methods {
		fields.ForEach(func(_, name lua.LValue) {
			if s, ok := name.(lua.LString); ok && engine.IsIdentifier(string(s)) {
				out = append(out, string(s))
			}
		})
	}
	return out
}

// withPrefix returns the sorted, distinct names that start with prefix.
func withPrefix(names []string, prefix string) []string {
	sort.Strings(names)
	var out []string
	for i, n := range names {
		// a leading underscore marks a module's private field (topo._empty):
		// offered only when the typed word starts with one
		if strings.HasPrefix(n, "_") && !strings.HasPrefix(prefix, "_") {
			continue
		}
		if strings.HasPrefix(n, prefix) && (i == 0 || names[i-1] != n) {
			out = append(out, n)
		}
	}
	return out
}
