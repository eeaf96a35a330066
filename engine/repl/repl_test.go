package repl

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// lines feeds readChunk: each call returns the next line and records the
// prompt it was asked with; after the last line it reports end of input.
type lines struct {
	in      []string
	prompts []string
}

func (l *lines) read(p string) (string, error) {
	l.prompts = append(l.prompts, p)
	if len(l.in) == 0 {
		return "", errEOF
	}
	s := l.in[0]
	l.in = l.in[1:]
	return s, nil
}

func TestReadChunk(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		chunk   string   // text as typed (the history entry)
		prompts []string // prompts shown
		err     string   // syntax error, "" when it compiles
		result  string   // what the compiled chunk returns, inspected
	}{
		{"expression", []string{"1+1, 'a'"}, "1+1, 'a'", []string{prompt}, "", `2	"a"`},
		{"equals sign", []string{"= 2*3"}, "= 2*3", []string{prompt}, "", "6"},
		{"statement", []string{"x = 5"}, "x = 5", []string{prompt}, "", ""},
		{"empty line", []string{""}, "", []string{prompt}, "", ""},
		{"multi-line function", []string{"function f(x)", "  return x * 2", "end"},
			"function f(x)\n  return x * 2\nend", []string{prompt, continuation, continuation}, "", ""},
		{"open table", []string{"t = {", "1,", "}"}, "t = {\n1,\n}", []string{prompt, continuation, continuation}, "", ""},
		{"open call", []string{"select('#',", "1, 2)"}, "select('#',\n1, 2)", []string{prompt, continuation}, "", ""},
		{"long string continues", []string{"s = [[a", "b]]"}, "s = [[a\nb]]", []string{prompt, continuation}, "", ""},
		{"long comment continues", []string{"--[[ note", "]] y = 1"}, "--[[ note\n]] y = 1", []string{prompt, continuation}, "", ""},
		{"unterminated string is an error", []string{`x = "abc`}, `x = "abc`, []string{prompt},
			"stdin:1: unterminated string near <eof>", ""},
		{"error in the middle", []string{"x y"}, "x y", []string{prompt}, "stdin:1: parse error near 'y'", ""},
		{"stray end", []string{"x = 1 end"}, "x = 1 end", []string{prompt}, "stdin:1: syntax error near 'end'", ""},
		{"end of input while incomplete", []string{"if x then"}, "if x then", []string{prompt, continuation},
			"stdin:1: syntax error near <eof>", ""},
		{"error after continuation", []string{"if x then", "else else"}, "if x then\nelse else", []string{prompt, continuation},
			"stdin:2: syntax error near 'else'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := lua.NewState()
			defer L.Close()
			in := &lines{in: tt.in}
			chunk, fn, err := readChunk(L, in.read)
			if chunk != tt.chunk {
				t.Errorf("chunk %q, want %q", chunk, tt.chunk)
			}
			if !reflect.DeepEqual(in.prompts, tt.prompts) {
				t.Errorf("prompts %q, want %q", in.prompts, tt.prompts)
			}
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			L.Push(fn.fn)
			if err := L.PCall(0, lua.MultRet, nil); err != nil {
				t.Fatal(err)
			}
			first := 1
			if fn.expr {
				first = 2 // the nil of `return nil, <line>`
			}
			var got []string
			for i := first; i <= L.GetTop(); i++ {
				got = append(got, engine.Inspect(L.Get(i), engine.InspectOptions{L: L}))
			}
			if s := strings.Join(got, "\t"); s != tt.result {
				t.Errorf("returned %q, want %q", s, tt.result)
			}
		})
	}
}

// TestReadChunkEndInChunk: the end of input on a continuation line is told
// apart from other syntax errors, so that Ctrl-D on a terminal can drop the
// chunk; on the first line it is the end of the session.
func TestReadChunkEndInChunk(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var end *endInChunk
	_, _, err := readChunk(L, (&lines{in: []string{"if x then"}}).read)
	if !errors.As(err, &end) {
		t.Errorf("end of input after 'if x then': %v, want an endInChunk", err)
	}
	_, _, err = readChunk(L, (&lines{in: []string{"x y"}}).read)
	if err == nil || errors.As(err, &end) {
		t.Errorf("'x y': %v, want a plain syntax error", err)
	}
	if _, _, err = readChunk(L, (&lines{}).read); err != errEOF {
		t.Errorf("end of input on the first line: %v, want errEOF", err)
	}
}

func TestReadChunkPassesInterrupt(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	n := 0
	read := func(string) (string, error) {
		if n++; n == 1 {
			return "function f()", nil
		}
		return "", errInterrupt
	}
	if _, _, err := readChunk(L, read); err != errInterrupt {
		t.Fatalf("got %v, want errInterrupt", err)
	}
}

func TestSplitChain(t *testing.T) {
	tests := []struct {
		line string
		path []string
		sep  byte
		word string
		ok   bool
	}{
		{"str", nil, 0, "str", true},
		{"x = string.form", []string{"string"}, '.', "form", true},
		{"a.b.c", []string{"a", "b"}, '.', "c", true},
		{"a.b.", []string{"a", "b"}, '.', "", true},
		{"obj:me", []string{"obj"}, ':', "me", true},
		{"print(t.x", []string{"t"}, '.', "x", true},
		{"a:b.c", nil, 0, "", false},
		{"x..y", nil, 0, "", false},
		{"f().x", nil, 0, "", false},
		{"t[1].x", nil, 0, "", false},
		{"1.5", nil, 0, "", false},
	}
	for _, tt := range tests {
		path, sep, word, ok := splitChain(tt.line)
		if ok != tt.ok || ok && (!reflect.DeepEqual(path, tt.path) || sep != tt.sep || word != tt.word) {
			t.Errorf("splitChain(%q) = %q %q %q %v, want %q %q %q %v", tt.line, path, sep, word, ok, tt.path, tt.sep, tt.word, tt.ok)
		}
	}
}

func TestComplete(t *testing.T) {
	vm := engine.New([]engine.Module{{Name: "netx", Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
		return vm.Funcs(map[string]func(*lua.LState) int{"list": nil, "link": nil})
	}}}, fstest.MapFS{"topo.lua": {Data: []byte("return {}")}, "topo/plan.lua": {Data: []byte("return {}")}})
	defer vm.Close()
	vm.PreloadGlobals()
	c := vm.NewClass("thing", map[string]func(*lua.LState) int{"close": nil, "clone": nil, "wait": nil}, nil)
	vm.L.SetGlobal("th", c.New(vm.L, nil))
	if err := vm.DoString(`
		obj = setmetatable({}, {__index = {hello = 1, help = print}})
		deep = setmetatable({own = 1}, {__index = setmetatable({mid = 2}, {__index = {far = 3}})})
		t = {alpha = 1, alps = {beta = true}, ["not ident"] = 1, [1] = 2, fn = print, _private = 1}
		s = "text"
		Node = {__fields = {"ip", "netns"}}
		function Node:ping() end
		function Node:run() end
		function Node:_plan() end
		Node.__index = function(self, k) if k == "ip" then return "10.0.0.1" end return Node[k] end
		node = setmetatable({name = "h1"}, Node)
	`, "setup"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, word string
		want       []string
	}{
		{"string.form", "form", []string{"format"}},
		{"x = string.rep", "rep", []string{"rep"}},
		{"obj.he", "he", []string{"hello", "help"}},
		{"obj:he", "he", []string{"help"}},
		{"deep.", "", []string{"far", "mid", "own"}},
		{"t.al", "al", []string{"alpha", "alps"}},
		{"t.alps.b", "b", []string{"beta"}},
		{"t.", "", []string{"alpha", "alps", "fn"}}, // _private is a module's own
		{"t._", "_", []string{"_private"}},
		{"t:", "", []string{"fn"}},
		{"th:cl", "cl", []string{"clone", "close"}},
		{"s:up", "up", []string{"upper"}},
		{"obj.", "", []string{"hello", "help"}},
		{"string.__", "__", []string{"__index"}}, // metamethods only when asked for
		{"whi", "whi", []string{"while"}},
		{"net", "net", []string{"netx"}},            // a module not yet loaded
		{"netx.li", "li", []string{"link", "list"}}, // loads it
		{"top", "top", []string{"topo"}},            // a stdlib module; topo.plan is no global
		{`require "topo`, "topo", []string{"topo", "topo.plan"}},
		{`require "to`, "to", []string{"topo", "topo.plan"}},
		{`local m = require('ne`, "ne", []string{"netx"}},
		{`print("string.fo`, "", nil},
		{"nosuch.x", "x", nil},
		{"t.alpha.x", "x", nil},
		{"-- string.fo", "", nil},
		{"node:", "", []string{"ping", "run"}},                        // methods of a class with a computed __index
		{"node.", "", []string{"ip", "name", "netns", "ping", "run"}}, // and its __fields
		{"node:_", "_", []string{"__index", "_plan"}},
	}
	for _, tt := range tests {
		word, got := complete(vm, tt.line)
		if word != tt.word || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("complete(%q) = %q %q, want %q %q", tt.line, word, got, tt.word, tt.want)
		}
	}
	if _, got := complete(vm, "pr"); !contains(got, "print") {
		t.Errorf("globals: %q lacks print", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCompleterSuffixes(t *testing.T) {
	c := completer(func(line string) (string, []string) { return "fo", []string{"format", "foo"} })
	got, n := c.Do([]rune("string.fo"), 9)
	if n != 2 || len(got) != 2 || string(got[0]) != "rmat" || string(got[1]) != "o" {
		t.Errorf("got %q %d", got, n)
	}
}

func TestHistoryEntries(t *testing.T) {
	chunks := []string{"x = 1", "function f()\n  return 1\nend", `s = "a\`, "print(1)"}
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString(encodeEntry(c))
	}
	got := decodeEntries(b.String())
	want := []string{"x = 1", "function f()\n  return 1\nend", `s = "a\ `, "print(1)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"x = 1":                          "x = 1",
		"function f(x)\n  return x\nend": "function f(x) return x end",
		"x = 1 -- note\ny = 2":           "x = 1 -- note\ny = 2",
		"s = [[a\nb]]":                   "s = [[a\nb]]",
		"s = [==[a\nb]==]":               "s = [==[a\nb]==]",
		"s = \"a\\\nb\"":                 "s = \"a\\\nb\"",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHistoryFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	path := HistoryPath()
	if path != filepath.Join(dir, "nslua", "history") {
		t.Fatalf("path %s", path)
	}
	appendHistory(path, "a = 1")
	appendHistory(path, "   ")
	appendHistory(path, "for i = 1, 2 do\nend")
	if got := loadHistory(path); !reflect.DeepEqual(got, []string{"a = 1", "for i = 1, 2 do\nend"}) {
		t.Errorf("got %q", got)
	}
	for i := 0; i < historyLimit+5; i++ {
		appendHistory(path, "x")
	}
	if got := loadHistory(path); len(got) != historyLimit {
		t.Errorf("kept %d entries", len(got))
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != historyLimit {
		t.Errorf("file has %d lines after trimming", n)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", dir)
	if HistoryPath() != filepath.Join(dir, ".nslua_history") {
		t.Errorf("fallback %s", HistoryPath())
	}
}

func TestRunOnAPipe(t *testing.T) {
	vm := engine.New(nil, nil)
	defer vm.Close()
	var out, errw bytes.Buffer
	in := strings.NewReader("1+1, 'a'\nfunction f(x)\n return x * 2\nend\nf(21)\nerror('boom')\n{n = 1}\n")
	if err := Run(vm, Config{In: in, Out: &out, Err: &errw, Banner: "hidden on a pipe"}); err != nil {
		t.Fatal(err)
	}
	if want := "2\t\"a\"\n42\n{ n = 1 }\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if !strings.HasPrefix(errw.String(), "stdin:1: boom\nstack traceback:") {
		t.Errorf("stderr %q", errw.String())
	}
}

// TestRunOnAPipeEndsMidChunk: input that ends inside a chunk is a syntax
// error on a pipe, as lua.c reports it for a file (Ctrl-D on a terminal
// drops the chunk instead: test/repl_test.go).
func TestRunOnAPipeEndsMidChunk(t *testing.T) {
	vm := engine.New(nil, nil)
	defer vm.Close()
	var out, errw bytes.Buffer
	if err := Run(vm, Config{In: strings.NewReader("1\nif true then\n"), Out: &out, Err: &errw}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n" || errw.String() != "stdin:1: syntax error near <eof>\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errw.String())
	}
}

func TestRunOSExit(t *testing.T) {
	vm := engine.New(nil, nil)
	defer vm.Close()
	var out bytes.Buffer
	err := Run(vm, Config{In: strings.NewReader("os.exit(3)\nprint('not reached')\n"), Out: &out, Err: &out})
	le, ok := err.(*engine.LuaError)
	if !ok || le.Exit == nil || *le.Exit != 3 || out.Len() != 0 {
		t.Fatalf("err %v, output %q", err, out.String())
	}
}
