package engine

import lua "github.com/yuin/gopher-lua"

// ClassOf returns the class of an nslua userdata value (its metatable is the
// class's), or nil for any other value. The REPL completes its methods.
func (vm *VM) ClassOf(v lua.LValue) *Class {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil
	}
	for _, c := range vm.classes {
		if ud.Metatable == c.mt {
			return c
		}
	}
	return nil
}
