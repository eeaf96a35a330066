package engine

import lua "github.com/yuin/gopher-lua"

// IntList makes a Lua list of integers (pids, ids).
func IntList(L *lua.LState, xs []int) *lua.LTable {
	t := L.CreateTable(len(xs), 0)
	for _, x := range xs {
		t.Append(lua.LNumber(x))
	}
	return t
}

// StringList makes a Lua list of strings.
func StringList(L *lua.LState, xs []string) *lua.LTable {
	t := L.CreateTable(len(xs), 0)
	for _, x := range xs {
		t.Append(lua.LString(x))
	}
	return t
}
