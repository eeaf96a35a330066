package engine

import (
	"io/fs"
	"path"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// installStdlibLoader puts a searcher for the embedded Lua modules into
// package.loaders right after the preload searcher, so `require "topo"` finds
// the embedded file before anything on package.path. Chunks are named
// "stdlib/NAME.lua", so tracebacks point to the real file.
func (vm *VM) installStdlibLoader() {
	L := vm.L
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	loaders, ok := pkg.RawGetString("loaders").(*lua.LTable)
	if !ok {
		return
	}
	searcher := L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		file := strings.ReplaceAll(name, ".", "/") + ".lua"
		src, err := fs.ReadFile(vm.stdlib, file)
		if err != nil {
			L.Push(lua.LString("no embedded module 'stdlib/" + file + "'"))
			return 1
		}
		fn, err := vm.loadStdlib(L, file, src)
		if err != nil {
			L.RaiseError("error loading module '%s' from stdlib/%s:\n\t%v", name, file, err)
		}
		L.Push(fn)
		return 1
	})
	// shift entries 2.. up by one and insert at 2
	n := loaders.Len()
	for i := n; i >= 2; i-- {
		loaders.RawSetInt(i+1, loaders.RawGetInt(i))
	}
	loaders.RawSetInt(2, searcher)
}

func (vm *VM) stdlibNames() []string {
	if vm.stdlib == nil {
		return nil
	}
	var names []string
	fs.WalkDir(vm.stdlib, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".lua" {
			names = append(names, strings.ReplaceAll(strings.TrimSuffix(p, ".lua"), "/", "."))
		}
		return nil
	})
	sort.Strings(names)
	return names
}
