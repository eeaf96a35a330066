package fs

import (
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// Module is the Lua module "fs".
//
//	fs.mkdir(path [, {parents=, mode=}])   mkdir -m MODE (default 0755, exact: no umask), -p with parents=true
//	fs.list(dir)                           sorted names in dir (ls -A)
//	fs.isatty(stream)                      "stdin" | "stdout" | "stderr" | fd: test -t
//	fs.read(path)                          the file's contents (cat); nil, msg, ENAME when it
//	                                       cannot be read: "ENOENT: open(/x): no such file or directory"
//	fs.abspath(path)                       path made absolute against the cwd: realpath -s -m
//	fs.type(path)                          "dir" | "file" | "link" (dangling) | "char" | "block" |
//	                                       "fifo" | "socket", following symlinks: stat -L -c %F;
//	                                       nil, msg, ENAME when there is nothing (test -e)
var Module = engine.Module{
	Name: "fs",
	Doc:  "mkdir, directory listing, reading a file, file types, isatty: what Lua's io and os lack",
	Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
		return vm.Funcs(map[string]func(L *lua.LState) int{
			"mkdir": func(L *lua.LState) int {
				dir := checkPath(vm, L, 1)
				o := vm.CheckOpts(L, 2, "parents", "mode")
				vm.NoMoreArgs(L, 2)
				mode := o.Int("mode", 0o755)
				if mode < 0 || mode > 0o7777 {
					o.Fail("mode", "permission bits expected (0 to 0o7777), got %d", mode)
				}
				if err := Mkdir(dir, uint32(mode), o.Bool("parents", false)); err != nil {
					return engine.Fail(L, err)
				}
				return engine.OK(L)
			},
			"list": func(L *lua.LState) int {
				dir := checkPath(vm, L, 1)
				vm.NoMoreArgs(L, 1)
				names, err := List(dir)
				if err != nil {
					return engine.Fail(L, err)
				}
				t := L.CreateTable(len(names), 0)
				for _, n := range names {
					t.Append(lua.LString(n))
				}
				L.Push(t)
				return 1
			},
			"read": func(L *lua.LState) int {
				p := checkPath(vm, L, 1)
				vm.NoMoreArgs(L, 1)
				data, err := Read(p)
				if err != nil {
					return engine.Fail(L, err)
				}
				L.Push(lua.LString(data))
				return 1
			},
			"abspath": func(L *lua.LState) int {
				p := checkPath(vm, L, 1)
				vm.NoMoreArgs(L, 1)
				abs, err := filepath.Abs(p)
				if err != nil {
					return engine.Fail(L, &engine.OpError{Op: "getcwd", Arg: p, Err: err})
				}
				L.Push(lua.LString(abs))
				return 1
			},
			"type": func(L *lua.LState) int {
				p := checkPath(vm, L, 1)
				vm.NoMoreArgs(L, 1)
				kind, err := Type(p)
				if err != nil {
					return engine.Fail(L, err)
				}
				L.Push(lua.LString(kind))
				return 1
			},
			"isatty": func(L *lua.LState) int {
				vm.NoMoreArgs(L, 1)
				fd := -1
				switch v := L.Get(1).(type) {
				case lua.LString:
					n, ok := streams[string(v)]
					if !ok {
						vm.ArgError(L, 1, "unknown stream %s; expected stdin, stdout, stderr or an fd", engine.Quote(string(v)))
					}
					fd = n
				case lua.LNumber:
					fd = vm.CheckInt(L, 1)
					if fd < 0 {
						vm.ArgError(L, 1, "fd must not be negative")
					}
				default:
					vm.TypeError(L, 1, "stream name or fd")
				}
				L.Push(lua.LBool(IsTerminal(fd)))
				return 1
			},
		})
	},
}

var streams = map[string]int{"stdin": 0, "stdout": 1, "stderr": 2}

func checkPath(vm *engine.VM, L *lua.LState, n int) string {
	p := vm.CheckString(L, n)
	if p == "" || strings.IndexByte(p, 0) >= 0 {
		vm.ArgError(L, n, "invalid path %s", engine.Quote(p))
	}
	return p
}
