package scripts

import (
	"io/fs"
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
