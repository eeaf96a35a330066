// Package stdlib holds the Lua modules written in Lua (topo, container,
// testing, ...). They are embedded in the binary and found by require after
// package.preload, before package.path.
package stdlib

import "embed"

// FS holds the modules, one NAME.lua each; a module's private parts live in
// a folder of its name (topo/plan.lua is require "topo.plan"), and what
// several share in nslua/ (nslua/errors.lua is require "nslua.errors"). NAME.luac is
// NAME.lua compiled (engine/luac.go), used while it matches the source.
//
//go:generate go run ./luac
//go:embed *.lua *.luac topo/*.lua topo/*.luac nslua/*.lua nslua/*.luac
var FS embed.FS
