// Package stdlib holds the Lua modules written in Lua (topo, container,
// testing, ...). They are embedded in the binary and found by require after
// package.preload, before package.path.
package stdlib

import "embed"

// FS holds the modules, one NAME.lua each; a module's private parts live in
// a folder of its name (topo/plan.lua is require "topo.plan").
//
//go:embed *.lua topo/*.lua
var FS embed.FS
