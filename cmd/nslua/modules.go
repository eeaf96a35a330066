package main

import (
	"github.com/nslua/nslua/bindings/host"
	"github.com/nslua/nslua/bindings/inspect"
	"github.com/nslua/nslua/bindings/json"
	"github.com/nslua/nslua/engine"
)

// modules are the native Lua modules, loaded lazily on first require. Lua
// modules (topo, container, testing) come from stdlib/ instead.
var modules = []engine.Module{
	host.Module(version),
	inspect.Module,
	json.Module,
}
