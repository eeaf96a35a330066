package main

import (
	"github.com/nslua/nslua/bindings/fs"
	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/scripts"
)

// modules are the native Lua modules, loaded lazily on first require. Lua
// modules (topo, container, testing) come from stdlib/ instead.
var modules = []engine.Module{
	fs.Module,
	scripts.Module,
}
