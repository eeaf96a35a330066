// Package inspect is the Lua module `inspect`: the REPL's pretty printer
// (engine.Inspect) as a function, in the manner of kikito's inspect.lua.
//
//	local inspect = require "inspect"
//	print(inspect({1, 2, x = {y = true}}))   --> { 1, 2, x = { y = true } }
//	print(inspect(deep, {depth = 2}))
package inspect

import (
	"math"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// Module is `require "inspect"`: a function inspect(v [, {depth=}]) that
// returns v rendered as a string (sorted keys, nested tables down to depth
// levels, default 4, cycles shown as <cycle>, __tostring respected).
var Module = engine.Module{
	Name: "inspect",
	Doc:  "pretty-print Lua values (the REPL's printer)",
	Open: func(vm *engine.VM, L *lua.LState) lua.LValue {
		return vm.Func("inspect", func(L *lua.LState) int {
			if L.GetTop() < 1 {
				vm.ArgError(L, 1, "value expected")
			}
			v := L.Get(1)
			o := vm.CheckOpts(L, 2, "depth")
			depth := o.Number("depth", 4)
			if depth < 1 || depth != math.Floor(depth) {
				o.Fail("depth", "positive integer expected, got %v", lua.LNumber(depth))
			}
			vm.NoMoreArgs(L, 2)
			L.Push(lua.LString(engine.Inspect(v, engine.InspectOptions{
				Depth: int(math.Min(depth, 1000)), // math.huge: as deep as is sane
				L:     L,
			})))
			return 1
		})
	},
}
