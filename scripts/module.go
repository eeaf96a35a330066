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
//	recipes.list()       {{name=, doc=, summary=, args=}, ...} as `nslua -r list` prints
//	                     them: doc is summary, then "; args: " and args when it takes any
//	recipes.read(file)   the content of an embedded file ("lab.json"), or nil, msg, "ENOENT"
//	recipes.usage([synopsis])   "usage: nslua -r NAME SYNOPSIS" on stderr, exit code 2
//	recipes.fail(msg)    "NAME: msg" on stderr (a Lua position msg starts with left out), exit code 1
//	recipes.int(s [, {default=, min=, max=}])   s as a whole number in [min, max]
//	                     (default when s is nil), or nil
//	recipes.args(synopsis [, {max=, rest=, help=}])   the command line checked
//	                     as every recipe checks it (below): an args object
//	recipes.columns()    the width of the terminal stdout is, nil when it is none
//
// recipes.args is how every recipe starts: -h or --help prints the usage
// line, the recipe's description and help (what its arguments mean) on
// stdout and exits 0; more than max arguments (default 0) is a bad
// argument. Arguments from number rest on are the recipe's to read (a
// command to run: nsenter PID CMD...): neither counted nor looked at for -h.
// The object it returns reads and refuses arguments:
//
//	a:int(i, name [, {default=, min=, max=}])   arg[i] as a whole number, or a bad argument
//	a:bad(msg)           "NAME: msg" and the usage line on stderr, exit code 2
//	a:help()             the help on stdout, exit code 0
//	a.synopsis           what follows the name in the usage line
//
// usage, bad and fail are how a recipe turns away a bad command-line
// argument or reports a failure it expected (a file that is not there) in
// one or two lines, as a command-line tool does, instead of raising an error
// with a traceback. They end the script through os.exit, so cleanup runs.
var Module = engine.Module{
	Name: "recipes",
	Doc:  "the embedded recipes and their data files",
	Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
		class := argsClass(vm) // made with the module: engine.VM.Classes lists it
		return vm.Funcs(map[string]func(L *lua.LState) int{
			"list": func(L *lua.LState) int {
				vm.NoMoreArgs(L, 0)
				t := L.NewTable()
				for _, r := range List() {
					e := L.NewTable()
					e.RawSetString("name", lua.LString(r.Name))
					e.RawSetString("doc", lua.LString(r.Doc))
					e.RawSetString("summary", lua.LString(r.Summary))
					e.RawSetString("args", lua.LString(r.Args))
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
			"args": func(L *lua.LState) int {
				a := &argsSpec{synopsis: vm.CheckString(L, 1)}
				o := vm.CheckOpts(L, 2, "max", "rest", "help")
				vm.NoMoreArgs(L, 2)
				a.max, a.rest, a.help = o.Int("max", 0), o.Int("rest", 0), o.String("help", "")
				if a.max < 0 {
					vm.ArgError(L, 2, "option \"max\": a count of arguments expected, got %d", a.max)
				}
				if a.rest < 0 {
					vm.ArgError(L, 2, "option \"rest\": an argument number expected, got %d", a.rest)
				}
				args := argStrings(L)
				own := args
				if a.rest > 0 && a.rest-1 < len(own) {
					own = own[:a.rest-1]
				}
				for _, s := range own {
					if s == "-h" || s == "--help" {
						a.printHelp(L)
						return exit(L, 0)
					}
				}
				if len(own) > a.max {
					a.bad(L, "unexpected argument "+engine.Quote(own[a.max]))
					return 0
				}
				L.Push(class.New(L, a))
				return 1
			},
			"columns": func(L *lua.LState) int {
				vm.NoMoreArgs(L, 0)
				if n := columns(); n > 0 {
					L.Push(lua.LNumber(n))
				} else {
					L.Push(lua.LNil)
				}
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

// argsSpec is what recipes.args was told: the recipe's synopsis, how many
// arguments it takes, from which one on they are its own to read, and its help.
type argsSpec struct {
	synopsis  string
	max, rest int
	help      string
}

func (a *argsSpec) String() string { return "recipes.args: " + a.synopsis }

// usageLine is "usage: nslua -r NAME SYNOPSIS".
func (a *argsSpec) usageLine(L *lua.LState) string {
	line := "usage: " + invocation(L)
	if a.synopsis != "" {
		line += " " + a.synopsis
	}
	return line
}

// printHelp writes the usage line, the recipe's one-line description and the
// help on stdout.
func (a *argsSpec) printHelp(L *lua.LState) {
	var b strings.Builder
	b.WriteString(a.usageLine(L) + "\n")
	if s := summary(L); s != "" {
		b.WriteString(s + "\n")
	}
	if h := strings.Trim(a.help, "\n"); h != "" {
		b.WriteString("\n" + h + "\n")
	}
	os.Stdout.WriteString(b.String())
}

// bad ends the script with "NAME: msg" and the usage line on stderr, exit 2.
func (a *argsSpec) bad(L *lua.LState, msg string) {
	fmt.Fprintf(os.Stderr, "%s: %s\n%s\n", scriptName(L), strings.TrimRight(msg, "\n"), a.usageLine(L))
	exit(L, 2)
}

// argsClass is the class of the objects recipes.args returns.
func argsClass(vm *engine.VM) *engine.Class {
	self := func(L *lua.LState) *argsSpec {
		if ud, ok := L.Get(1).(*lua.LUserData); ok {
			if a, ok := ud.Value.(*argsSpec); ok {
				return a
			}
		}
		vm.ArgError(L, 1, "recipes.args object expected, got %s (call it with a colon: a:int(1, \"N\"))", engine.TypeName(L.Get(1)))
		return nil
	}
	return vm.NewClass("recipes.args", map[string]func(L *lua.LState) int{
		"int": func(L *lua.LState) int {
			a := self(L)
			i := vm.CheckInt(L, 2)
			name := vm.CheckString(L, 3)
			o := vm.CheckOpts(L, 4, "default", "min", "max")
			vm.NoMoreArgs(L, 4)
			if i < 1 {
				vm.ArgError(L, 2, "an argument number from 1 expected, got %d", i)
			}
			args := argStrings(L)
			if i > len(args) {
				if o.Has("default") {
					L.Push(lua.LNumber(o.Int("default", 0)))
				} else {
					L.Push(lua.LNil)
				}
				return 1
			}
			n, ok := wholeNumber(args[i-1])
			lo, hi := o.Int("min", 0), o.Int("max", 0)
			if ok && (!o.Has("min") || n >= lo) && (!o.Has("max") || n <= hi) {
				L.Push(lua.LNumber(n))
				return 1
			}
			var want string
			switch {
			case o.Has("min") && o.Has("max"):
				want = fmt.Sprintf(" from %d to %d", lo, hi)
			case o.Has("min"):
				want = fmt.Sprintf(" of at least %d", lo)
			case o.Has("max"):
				want = fmt.Sprintf(" of at most %d", hi)
			}
			a.bad(L, fmt.Sprintf("%s must be a whole number%s, got %s", name, want, engine.Quote(args[i-1])))
			return 0
		},
		"bad": func(L *lua.LState) int {
			a := self(L)
			msg := vm.CheckString(L, 2)
			vm.NoMoreArgs(L, 2)
			a.bad(L, msg)
			return 0
		},
		"help": func(L *lua.LState) int {
			a := self(L)
			vm.NoMoreArgs(L, 1)
			a.printHelp(L)
			return exit(L, 0)
		},
	}, func(L *lua.LState, v any, key string) (lua.LValue, bool) {
		if key == "synopsis" {
			return lua.LString(v.(*argsSpec).synopsis), true
		}
		return nil, false
	})
}

// argStrings is arg[1..#arg] as strings (what the command line gave).
func argStrings(L *lua.LState) []string {
	t, ok := L.GetGlobal("arg").(*lua.LTable)
	if !ok {
		return nil
	}
	var out []string
	for i := 1; ; i++ {
		v := t.RawGet(lua.LNumber(i)) // RawGetInt sees only the array part
		if v == lua.LNil {
			return out
		}
		out = append(out, lua.LVAsString(v))
	}
}

// summary is what the running recipe does, as `nslua -r list` says it: from
// the embedded recipe, or from the first comment line of a copy run from a
// file; "" when there is none.
func summary(L *lua.LState) string {
	name := arg0(L)
	if r, ok := strings.CutPrefix(name, "recipe:"); ok {
		for _, e := range List() {
			if e.Name+".lua" == r {
				return e.Summary
			}
		}
		return ""
	}
	if name == "" || name == "-" {
		return ""
	}
	src, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return newRecipe("", describe(string(src))).Summary
}

// columns is the width of the terminal on stdout, as lsns(8) and ls take
// it: $COLUMNS when it holds a number, else the terminal's own; 0 when stdout
// is no terminal.
func columns() int {
	ws, err := unix.IoctlGetWinsize(1, unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if ws.Col == 0 {
		return 80
	}
	return int(ws.Col)
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
