package scripts

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Module is the Lua module "recipes": the embedded recipes and the data files
// beside them (scripts/lab.json), so that a recipe run with `nslua -r` can
// read its companion file wherever the user runs it.
//
//	recipes.list()       {{name=, doc=}, ...} as `nslua -r list` prints them
//	recipes.read(file)   the content of an embedded file ("lab.json"), or nil, msg, "ENOENT"
//	recipes.usage([synopsis])   "usage: nslua -r NAME SYNOPSIS" on stderr, exit code 2
//	recipes.fail(msg)    "NAME: msg" on stderr (a Lua position msg starts with left out), exit code 1
//	recipes.int(s [, {default=, min=, max=}])   s as a whole number in [min, max]
//	                     (default when s is nil), or nil
//
// usage and fail are how a recipe turns away a bad command-line argument or
// reports a failure it expected (a file that is not there) in one line, as
// a command-line tool does, instead of raising an error with a traceback.
// They end the script through os.exit, so cleanup runs.
var Module = engine.Module{
	Name: "recipes",
	Doc:  "the embedded recipes and their data files",
	Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
		return vm.Funcs(map[string]func(L *lua.LState) int{
			"list": func(L *lua.LState) int {
				vm.NoMoreArgs(L, 0)
				t := L.NewTable()
				for _, r := range List() {
					e := L.NewTable()
					e.RawSetString("name", lua.LString(r.Name))
					e.RawSetString("doc", lua.LString(r.Doc))
					t.Append(e)
				}
				L.Push(t)
				return 1
			},
			"usage": func(L *lua.LState) int {
				synopsis := vm.OptString(L, 1, "")
				vm.NoMoreArgs(L, 1)
				line := "usage: " + invocation(L)
				if synopsis != "" {
					line += " " + synopsis
				}
				fmt.Fprintln(os.Stderr, line)
				return exit(L, 2)
			},
			"fail": func(L *lua.LState) int {
				msg := vm.CheckString(L, 1)
				vm.NoMoreArgs(L, 1)
				fmt.Fprintf(os.Stderr, "%s: %s\n", scriptName(L), strings.TrimRight(stripPosition(msg), "\n"))
				return exit(L, 1)
			},
			"int": func(L *lua.LState) int {
				o := vm.CheckOpts(L, 2, "default", "min", "max")
				vm.NoMoreArgs(L, 2)
				var s string
				switch v := L.Get(1).(type) {
				case *lua.LNilType:
					if o.Has("default") {
						L.Push(lua.LNumber(o.Int("default", 0)))
					} else {
						L.Push(lua.LNil)
					}
					return 1
				case lua.LString:
					s = string(v)
				default:
					vm.TypeError(L, 1, "string or nil")
				}
				n, ok := wholeNumber(s)
				if !ok || o.Has("min") && n < o.Int("min", 0) || o.Has("max") && n > o.Int("max", 0) {
					L.Push(lua.LNil)
					return 1
				}
				L.Push(lua.LNumber(n))
				return 1
			},
			"read": func(L *lua.LState) int {
				name := vm.CheckString(L, 1)
				vm.NoMoreArgs(L, 1)
				if !fs.ValidPath(name) || name == "." || strings.IndexByte(name, 0) >= 0 {
					vm.ArgError(L, 1, "invalid recipe file name %s", engine.Quote(name))
				}
				data, err := FS.ReadFile(name)
				if err != nil {
					return engine.Fail(L, engine.Errorf(unix.ENOENT, "read", name, "no such embedded recipe file"))
				}
				L.Push(lua.LString(data))
				return 1
			},
		})
	},
}

// wholeNumber parses a command-line count: decimal digits with an optional
// sign, nothing else ("2.5", "0x10", " 4" and "1e3" are not counts).
func wholeNumber(s string) (int, bool) {
	digits := strings.TrimLeft(s, "+-")
	if digits == "" || len(s)-len(digits) > 1 || strings.Trim(digits, "0123456789") != "" || len(digits) > 15 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// invocation is how the running script was started, for a usage line:
// "nslua -r lan" for an embedded recipe (arg[0] "recipe:lan.lua"), "nslua
// FILE" for a copy run from a file.
func invocation(L *lua.LState) string {
	name := arg0(L)
	if r, ok := strings.CutPrefix(name, "recipe:"); ok {
		return "nslua -r " + strings.TrimSuffix(r, ".lua")
	}
	if name == "" {
		return "nslua"
	}
	return "nslua " + name
}

// stripPosition drops the "chunk:line: " an error caught with pcall starts
// with ("recipe:load.lua:12: topo: load: ..."): a one-line report to the
// person at the command line names the recipe instead. nslua.errors.strip
// (stdlib/nslua/errors.lua) strips the same way for the Lua stdlib.
func stripPosition(msg string) string {
	head, rest, ok := strings.Cut(msg, ": ")
	if !ok || strings.ContainsAny(head, " \t\n") {
		return msg
	}
	i := strings.LastIndexByte(head, ':')
	if i < 0 || i == len(head)-1 {
		return msg
	}
	for _, c := range head[i+1:] {
		if c < '0' || c > '9' {
			return msg
		}
	}
	return rest
}

// scriptName is the running recipe's name ("lan"), the prefix of its
// failure messages, as a tool prefixes them with its own.
func scriptName(L *lua.LState) string {
	name := strings.TrimPrefix(arg0(L), "recipe:")
	if name == "" {
		return "nslua"
	}
	return strings.TrimSuffix(path.Base(name), ".lua")
}

func arg0(L *lua.LState) string {
	if t, ok := L.GetGlobal("arg").(*lua.LTable); ok {
		if s, ok := t.RawGet(lua.LNumber(0)).(lua.LString); ok { // RawGetInt sees only the array part
			return string(s)
		}
	}
	return ""
}

// exit ends the script as os.exit(code) does, so that cleanup runs: nslua's
// os.exit unwinds the script and nslua exits with code after the closers.
func exit(L *lua.LState, code int) int {
	var fn lua.LValue = lua.LNil
	if osmod, ok := L.GetGlobal("os").(*lua.LTable); ok {
		fn = osmod.RawGetString("exit")
	}
	if fn.Type() != lua.LTFunction {
		L.RaiseError("os.exit is missing: cannot end the script with code %d", code)
	}
	L.Push(fn)
	L.Push(lua.LNumber(code))
	L.Call(1, 0)
	return 0
}
