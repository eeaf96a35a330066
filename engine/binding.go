package engine

import (
	"fmt"
	"runtime/debug"

	lua "github.com/yuin/gopher-lua"
)

// Func wraps a binding so that argument errors name it ('unshare') and a Go
// panic inside it becomes a Lua error saying "internal error" instead of a
// crash (DESIGN.md §3).
func (vm *VM) Func(name string, f func(L *lua.LState) int) *lua.LFunction {
	return vm.L.NewFunction(func(L *lua.LState) (n int) {
		vm.calls = append(vm.calls, name)
		depth := len(vm.calls)
		defer func() {
			vm.calls = vm.calls[:depth-1]
			if r := recover(); r != nil {
				if _, ok := r.(*lua.ApiError); ok {
					panic(r) // a Lua error raised on purpose: let it unwind
				}
				if _, ok := r.(*lua.LState); ok {
					panic(r) // gopher-lua's own raise mechanism
				}
				debugf("panic in %s: %v\n%s", name, r, debug.Stack())
				L.RaiseError("internal error in %s: %v", name, r)
			}
		}()
		return f(L)
	})
}

// Funcs builds a table of wrapped bindings.
func (vm *VM) Funcs(fns map[string]func(L *lua.LState) int) *lua.LTable {
	t := vm.L.NewTable()
	for name, f := range fns {
		t.RawSetString(name, vm.Func(name, f))
	}
	return t
}

// calling returns the name of the innermost binding being called.
func (vm *VM) calling() string {
	if len(vm.calls) == 0 {
		return "?"
	}
	return vm.calls[len(vm.calls)-1]
}

// ArgError raises "bad argument #n to 'fn' (msg)", naming the binding being
// called. It does not return.
func (vm *VM) ArgError(L *lua.LState, n int, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.RaiseError("bad argument #%d to '%s' (%s)", n, vm.calling(), msg)
}

// TypeError raises "bad argument #n to 'fn' (T expected, got U)".
func (vm *VM) TypeError(L *lua.LState, n int, want string) {
	got := "no value" // L.Get gives nil for an absent argument; lua.c says "no value"
	if n <= L.GetTop() {
		got = TypeName(L.Get(n))
	}
	vm.ArgError(L, n, "%s expected, got %s", want, got)
}

// TypeName is the Lua type of v, or "no value" for an absent argument, and
// the class name for nslua userdata ("nslua.ns").
func TypeName(v lua.LValue) string {
	if v == nil {
		return "no value"
	}
	if ud, ok := v.(*lua.LUserData); ok {
		if mt, ok := ud.Metatable.(*lua.LTable); ok {
			if n, ok := mt.RawGetString("__name").(lua.LString); ok {
				return string(n)
			}
		}
	}
	return v.Type().String()
}

// CheckString returns argument n as a string; numbers are not converted.
func (vm *VM) CheckString(L *lua.LState, n int) string {
	if s, ok := L.Get(n).(lua.LString); ok {
		return string(s)
	}
	vm.TypeError(L, n, "string")
	return ""
}

// OptString returns argument n as a string or def when it is absent or nil.
func (vm *VM) OptString(L *lua.LState, n int, def string) string {
	if L.Get(n) == lua.LNil {
		return def
	}
	return vm.CheckString(L, n)
}

// CheckInt returns argument n as an integer; a fractional number is an error.
func (vm *VM) CheckInt(L *lua.LState, n int) int {
	v, ok := L.Get(n).(lua.LNumber)
	if !ok {
		vm.TypeError(L, n, "number")
	}
	if float64(v) != float64(int64(v)) {
		vm.ArgError(L, n, "integer expected, got %v", v)
	}
	return int(v)
}

// CheckTable returns argument n as a table.
func (vm *VM) CheckTable(L *lua.LState, n int) *lua.LTable {
	if t, ok := L.Get(n).(*lua.LTable); ok {
		return t
	}
	vm.TypeError(L, n, "table")
	return nil
}

// CheckFunction returns argument n as a function.
func (vm *VM) CheckFunction(L *lua.LState, n int) *lua.LFunction {
	if f, ok := L.Get(n).(*lua.LFunction); ok {
		return f
	}
	vm.TypeError(L, n, "function")
	return nil
}

// NoMoreArgs raises when more than n arguments were given: an extra argument
// is a typo as often as an unknown option key.
func (vm *VM) NoMoreArgs(L *lua.LState, n int) {
	if top := L.GetTop(); top > n {
		vm.ArgError(L, n+1, "no more than %d argument(s) expected, got %d", n, top)
	}
}
