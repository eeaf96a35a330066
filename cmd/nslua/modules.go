package main

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/bindings/spawn"
	"github.com/nslua/nslua/engine"
)

// modules are the native Lua modules, loaded lazily on first require. Lua
// modules (topo, container, testing) come from stdlib/ instead.
var modules = []engine.Module{
	{Name: "proc", Doc: "processes: inspect them, spawn them in namespaces", Open: openProc},
}

// openProc composes the proc module from its two halves: inspection
// (bindings/proc) and spawning (bindings/spawn).
func openProc(vm *engine.VM, L *lua.LState) lua.LValue {
	fns := map[string]func(*lua.LState) int{}
	for name, f := range spawn.Functions(vm) {
		fns[name] = f
	}
	return vm.Funcs(fns)
}
