package engine

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// Object is what a Go value behind nslua userdata may implement.
type Object interface {
	// String is what tostring shows: "net:[4026531840]".
	String() string
}

// Closable objects raise a clear error when used after :close().
type Closable interface {
	IsClosed() bool
}

// Equaler objects compare with == in Lua (handles compare dev and inode).
type Equaler interface {
	Equal(other any) bool
}

// Class is a userdata type with a metatable named "nslua.<name>".
type Class struct {
	Name    string // "nslua.ns"
	mt      *lua.LTable
	methods map[string]*lua.LFunction
	// Field returns the value of a read-only field, ok=false when there is
	// no such field.
	Field func(L *lua.LState, v any, key string) (lua.LValue, bool)
}

// NewClass creates (once per VM) the metatable for a userdata type. Methods
// are wrapped like bindings (argument errors name them); field lookups go to
// field. Unknown keys read as nil, as for tables.
func (vm *VM) NewClass(name string, methods map[string]func(L *lua.LState) int,
	field func(L *lua.LState, v any, key string) (lua.LValue, bool)) *Class {
	full := "nslua." + name
	if c, ok := vm.classes[full]; ok {
		return c
	}
	L := vm.L
	c := &Class{Name: full, mt: L.NewTypeMetatable(full), methods: map[string]*lua.LFunction{}, Field: field}
	for n, f := range methods {
		c.methods[n] = vm.Func(n, f)
	}
	c.mt.RawSetString("__name", lua.LString(full))
	c.mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		ud := L.CheckUserData(1)
		key, ok := L.Get(2).(lua.LString)
		if !ok {
			L.Push(lua.LNil)
			return 1
		}
		if m, ok := c.methods[string(key)]; ok {
			L.Push(m)
			return 1
		}
		if c.Field != nil {
			if v, ok := c.Field(L, ud.Value, string(key)); ok {
				L.Push(v)
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}))
	c.mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		ud := L.CheckUserData(1)
		if s, ok := ud.Value.(Object); ok {
			L.Push(lua.LString(s.String()))
		} else {
			L.Push(lua.LString(fmt.Sprintf("%s: %p", full, ud)))
		}
		return 1
	}))
	c.mt.RawSetString("__eq", L.NewFunction(func(L *lua.LState) int {
		a, b := L.CheckUserData(1), L.CheckUserData(2)
		if e, ok := a.Value.(Equaler); ok {
			L.Push(lua.LBool(e.Equal(b.Value)))
		} else {
			L.Push(lua.LBool(a == b))
		}
		return 1
	}))
	vm.classes[full] = c
	return c
}

// AddMethod adds a method to the class after creation.
func (vm *VM) AddMethod(c *Class, name string, f func(L *lua.LState) int) {
	c.methods[name] = vm.Func(name, f)
}

// MethodNames lists the class's methods (for completion and docs).
func (c *Class) MethodNames() []string {
	var out []string
	for n := range c.methods {
		out = append(out, n)
	}
	return out
}

// New wraps v in a userdata of the class.
func (c *Class) New(L *lua.LState, v any) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = v
	ud.Metatable = c.mt
	return ud
}

// Is reports whether lv is a userdata of the class.
func (c *Class) Is(lv lua.LValue) bool {
	ud, ok := lv.(*lua.LUserData)
	return ok && ud.Metatable == c.mt
}

// Check returns argument n as the Go value of a userdata of class c, raising a
// type error otherwise, and an error naming the class when it was closed.
func Check[T any](vm *VM, L *lua.LState, n int, c *Class) T {
	ud, ok := L.Get(n).(*lua.LUserData)
	if !ok || ud.Metatable != c.mt {
		vm.TypeError(L, n, c.Name)
	}
	v, ok := ud.Value.(T)
	if !ok {
		vm.TypeError(L, n, c.Name)
	}
	if cl, ok := ud.Value.(Closable); ok && cl.IsClosed() {
		vm.ArgError(L, n, "attempt to use a closed %s", c.Name)
	}
	return v
}
