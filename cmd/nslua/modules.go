package main

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/bindings/fs"
	"github.com/nslua/nslua/bindings/host"
	"github.com/nslua/nslua/bindings/inspect"
	"github.com/nslua/nslua/bindings/json"
	"github.com/nslua/nslua/bindings/mount"
	"github.com/nslua/nslua/bindings/net"
	"github.com/nslua/nslua/bindings/ns"
	"github.com/nslua/nslua/bindings/proc"
	"github.com/nslua/nslua/bindings/spawn"
	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/scripts"
)

// modules are the native Lua modules, loaded lazily on first require. Lua
// modules (topo, container, testing) come from stdlib/ instead.
var modules = []engine.Module{
	fs.Module,
	scripts.Module,
	host.Module(version),
	inspect.Module,
	json.Module,
	mount.Module,
	net.Module,
	ns.Module,
	procModule,
}

// procModule is composed from two bindings: inspection (bindings/proc) and
// spawning (bindings/spawn).
var procModule = engine.Module{
	Name: "proc",
	Doc:  "processes: list, info, tree, find, kill, spawn, run (ps, pstree, pgrep, kill, unshare)",
	Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
		fns := proc.Functions(vm)
		for name, f := range spawn.Functions(vm) {
			fns[name] = f
		}
		return vm.Funcs(fns)
	},
}
