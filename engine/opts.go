package engine

import (
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// Opts is a validated option table (argument n of a binding). Unknown keys are
// rejected when the table is checked: typos hide there.
type Opts struct {
	vm *VM
	L  *lua.LState
	n  int
	t  *lua.LTable
}

// CheckOpts validates argument n as an option table with the given keys.
// An absent or nil argument gives empty options. Array elements are refused
// unless the binding asks for them with CheckOptsArray.
func (vm *VM) CheckOpts(L *lua.LState, n int, keys ...string) *Opts {
	return vm.checkOpts(L, n, false, keys)
}

// CheckOptsArray is CheckOpts for tables that also carry a list in their array
// part (proc.spawn's argv).
func (vm *VM) CheckOptsArray(L *lua.LState, n int, keys ...string) *Opts {
	return vm.checkOpts(L, n, true, keys)
}

func (vm *VM) checkOpts(L *lua.LState, n int, array bool, keys []string) *Opts {
	o := &Opts{vm: vm, L: L, n: n}
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return o
	case *lua.LTable:
		o.t = v
	default:
		vm.TypeError(L, n, "table of options")
	}
	ValidateKeys(L, o.t, array, keys, func(msg string) { vm.ArgError(L, n, "%s", msg) })
	return o
}

// ValidateKeys calls fail with a message for the first key of t that is not
// in keys (or not a string; integer keys pass when array is true).
func ValidateKeys(L *lua.LState, t *lua.LTable, array bool, keys []string, fail func(string)) {
	var bad string
	t.ForEach(func(k, _ lua.LValue) {
		if bad != "" {
			return
		}
		switch k := k.(type) {
		case lua.LString:
			for _, want := range keys {
				if string(k) == want {
					return
				}
			}
			bad = "unknown option " + Quote(string(k))
		case lua.LNumber:
			if array {
				return
			}
			bad = "unexpected list element in option table"
		default:
			bad = "option keys must be strings, got " + k.Type().String()
		}
	})
	if bad != "" {
		sorted := append([]string(nil), keys...)
		sort.Strings(sorted)
		fail(bad + " (expected " + JoinNames(sorted) + ")")
	}
}

// Table returns the raw table, nil when no options were given.
func (o *Opts) Table() *lua.LTable { return o.t }

// Get returns the raw value of key, LNil when absent.
func (o *Opts) Get(key string) lua.LValue {
	if o.t == nil {
		return lua.LNil
	}
	return o.t.RawGetString(key)
}

// Has reports whether key is set to something other than nil.
func (o *Opts) Has(key string) bool { return o.Get(key) != lua.LNil }

func (o *Opts) bad(key, want string, v lua.LValue) {
	o.vm.ArgError(o.L, o.n, "option %q: %s expected, got %s", key, want, TypeName(v))
}

// String returns a string option or def.
func (o *Opts) String(key, def string) string {
	switch v := o.Get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LString:
		return string(v)
	default:
		o.bad(key, "string", v)
	}
	return def
}

// Number returns a number option or def.
func (o *Opts) Number(key string, def float64) float64 {
	switch v := o.Get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		return float64(v)
	default:
		o.bad(key, "number", v)
	}
	return def
}

// Int returns an integer option or def.
func (o *Opts) Int(key string, def int) int {
	v := o.Get(key)
	if v == lua.LNil {
		return def
	}
	f := o.Number(key, 0)
	if f != float64(int64(f)) {
		o.vm.ArgError(o.L, o.n, "option %q: integer expected, got %v", key, f)
	}
	return int(f)
}

// Bool returns a boolean option or def.
func (o *Opts) Bool(key string, def bool) bool {
	switch v := o.Get(key).(type) {
	case *lua.LNilType:
		return def
	case lua.LBool:
		return bool(v)
	default:
		o.bad(key, "boolean", v)
	}
	return def
}

// TableOpt returns a table option or nil.
func (o *Opts) TableOpt(key string) *lua.LTable {
	switch v := o.Get(key).(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		return v
	default:
		o.bad(key, "table", v)
	}
	return nil
}

// Fail raises an argument error about one option.
func (o *Opts) Fail(key, format string, args ...any) {
	o.vm.ArgError(o.L, o.n, "option %q: "+format, append([]any{key}, args...)...)
}
