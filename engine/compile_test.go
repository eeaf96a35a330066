package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// A keyed last field of a table constructor keeps one value of a call or
// of ..., as in Lua; a positional last field keeps all of them. gopher-lua
// 1.1.2 alone also appends the keyed call's results to the array part.
// Every way of compiling a chunk must agree.
func TestKeyedLastFieldKeepsOneValue(t *testing.T) {
	dir := t.TempDir()
	const chunk = `local function two() return "x", "y" end
local function va(...) return {"z", n = ...} end
return table.concat({
  #{"a", k = two()},            -- 1: the keyed call adds nothing to the list
  #{"a", two()},                -- 3: a positional last call adds all
  #{two()},                     -- 2
  #va(1, 2, 3),                 -- 1: ... as a keyed value
  #{"a", k = (two())},          -- 1
  #{{"b", k = two()}, k2 = two()}, -- 1, and the inner table has 1
  #({{"b", k = two()}})[1],     -- 1
  ({"a", k = two()}).k,         -- x
}, " ")`
	const want = "1 3 2 1 1 1 1 x"
	if err := os.WriteFile(filepath.Join(dir, "chunk.lua"), []byte("#!/usr/bin/env nslua\n"+chunk), 0o644); err != nil {
		t.Fatal(err)
	}
	vm := New(nil, nil)
	defer vm.Close()
	L := vm.L
	L.SetGlobal("src", lua.LString(chunk))
	L.SetGlobal("dir", lua.LString(dir))
	for _, c := range []struct{ how, code string }{
		{"a script (vm.Load)", chunk},
		{"loadstring", `return loadstring(src)()`},
		{"load with a reader", `local done
			return load(function() if done then return nil end done = true return src end)()`},
		{"loadfile", `return loadfile(dir .. "/chunk.lua")()`},
		{"dofile", `return dofile(dir .. "/chunk.lua")`},
		{"require", `package.path = dir .. "/?.lua"; return require("chunk")`},
	} {
		fn, err := vm.Load(strings.NewReader(c.code), c.how)
		if err != nil {
			t.Fatalf("%s: %v", c.how, err)
		}
		L.Push(fn)
		if err := L.PCall(0, 1, nil); err != nil {
			t.Fatalf("%s: %v", c.how, err)
		}
		got := L.Get(-1).String()
		L.Pop(1)
		if got != want {
			t.Errorf("%s: got %q, want %q", c.how, got, want)
		}
	}
}

// The compile paths keep gopher-lua's errors: syntax errors as ApiErrors
// with the chunk name, loadfile's message for a missing file, and require's
// list of the files it tried.
func TestLoadersKeepTheirErrors(t *testing.T) {
	vm := New(nil, nil)
	defer vm.Close()
	for _, c := range []struct{ code, want string }{
		{`return select(2, loadstring("x = = 1", "=bad"))`, "bad line:1(column:5) near '='"},
		{`return select(2, loadfile("/nonexistent/x.lua"))`, "can not open file: /nonexistent/x.lua"},
		{`return select(2, pcall(dofile, "/nonexistent/x.lua"))`, "no such file or directory"},
		{`package.path = "/nonexistent/?.lua"; return select(2, pcall(require, "nomod"))`, "no file '/nonexistent/nomod.lua'"},
		{`return select(2, load(function() return {} end))`, "reader function must return a string"},
	} {
		fn, err := vm.Load(strings.NewReader(c.code), "test")
		if err != nil {
			t.Fatal(err)
		}
		vm.L.Push(fn)
		if err := vm.L.PCall(0, 1, nil); err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if got := vm.L.Get(-1).String(); !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to contain %q", c.code, got, c.want)
		}
		vm.L.Pop(1)
	}
}
