package main

import (
	"github.com/nslua/nslua/engine"
)

// modules are the native Lua modules, loaded lazily on first require.
var modules = []engine.Module{}
