package engine

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine/mountinfo"
)

// MountTable is the Lua form of a mount table, shared by mount.list and
// proc.mounts (API.md): a list of {id, parent, source, target, fstype,
// options, super_options, root, propagation}, the columns of findmnt.
func MountTable(L *lua.LState, ms []mountinfo.Mount) *lua.LTable {
	out := L.CreateTable(len(ms), 0)
	for i := range ms {
		m := &ms[i]
		t := L.CreateTable(0, 9)
		t.RawSetString("id", lua.LNumber(m.ID))
		t.RawSetString("parent", lua.LNumber(m.Parent))
		t.RawSetString("source", lua.LString(m.Source))
		t.RawSetString("target", lua.LString(m.Target))
		t.RawSetString("fstype", lua.LString(m.FSType))
		t.RawSetString("options", lua.LString(m.Options))
		t.RawSetString("super_options", lua.LString(m.SuperOptions))
		t.RawSetString("root", lua.LString(m.Root))
		t.RawSetString("propagation", lua.LString(m.Propagation()))
		out.Append(t)
	}
	return out
}
