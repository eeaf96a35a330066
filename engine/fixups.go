package engine

import lua "github.com/yuin/gopher-lua"

// fixErrorLevel replaces the global error function. gopher-lua counts the Go
// frame of error itself when it places a message at level 2 and above, so
// error("x", 2) blames the function that called error instead of its caller,
// as Lua 5.1 does. Libraries written in Lua (testing, topo) rely on levels.
func (vm *VM) fixErrorLevel() {
	L := vm.L
	L.SetGlobal("error", L.NewFunction(func(L *lua.LState) int {
		obj := L.Get(1) // error() raises nil, as in Lua 5.1
		level := L.OptInt(2, 1)
		if level >= 2 {
			level++
		}
		L.Error(obj, level)
		return 0
	}))
}
