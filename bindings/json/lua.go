package json

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// Module is the Lua module "json":
//
//	json.encode(v [, {indent = 2 | "\t"}])  -> string     (raises on what JSON cannot hold)
//	json.decode(s)                          -> value      (raises on invalid JSON, with position)
//	json.null                               the value of a JSON null (decode gives it; encode takes it)
//	json.array([t])                         marks t (or a new table) as an array: {} encodes as []
//
// Mapping. A table whose keys are exactly 1..n (n >= 1) is an array; a table
// whose keys are all strings is an object, written with its keys sorted so the
// output is deterministic; an empty table is {} unless json.array marked it.
// Anything else (a sparse array, number keys beside string keys, boolean
// keys, cycles, functions, userdata, NaN, infinities, strings that are not
// UTF-8) raises an error naming the place ($.nodes[2].name). Decoding gives
// tables for objects, json.array-marked tables for arrays (so [] encodes back
// as []), numbers (float64: integers above 2^53 lose digits), and json.null for
// null, so that null elements do not punch holes into arrays.
var Module = engine.Module{
	Name: "json",
	Doc:  "JSON encode/decode (deterministic key order, positioned errors)",
	Open: open,
}

func open(vm *engine.VM, L *lua.LState) lua.LValue {
	null := L.NewUserData()
	nullMT := L.NewTable()
	nullMT.RawSetString("__name", lua.LString("json.null"))
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("json.null"))
		return 1
	}))
	nullMT.RawSetString("__metatable", lua.LString("json.null"))
	null.Metatable = nullMT

	arrayMT := L.NewTable()
	arrayMT.RawSetString("__name", lua.LString("json.array"))

	c := &converter{null: null, arrayMT: arrayMT}
	mod := vm.Funcs(map[string]func(L *lua.LState) int{
		// encode is JSON.stringify / `jq -c .` for Lua values.
		"encode": func(L *lua.LState) int {
			if L.GetTop() < 1 {
				vm.ArgError(L, 1, "value expected")
			}
			v := L.Get(1)
			o := vm.CheckOpts(L, 2, "indent")
			indent := ""
			switch iv := o.Get("indent").(type) {
			case *lua.LNilType:
			case lua.LNumber:
				n := o.Int("indent", 0)
				if n < 0 || n > 16 {
					o.Fail("indent", "0..16 spaces expected, got %d", n)
				}
				indent = strings.Repeat(" ", n)
			case lua.LString:
				if strings.Trim(string(iv), " \t") != "" {
					o.Fail("indent", "only spaces and tabs allowed, got %s", engine.Quote(string(iv)))
				}
				indent = string(iv)
			default:
				o.Fail("indent", "number or string expected, got %s", engine.TypeName(iv))
			}
			vm.NoMoreArgs(L, 2)
			g, err := c.toGo(v, nil, map[*lua.LTable]bool{}, 0)
			if err != nil {
				vm.ArgError(L, 1, "%v", err)
			}
			out, err := Encode(g, indent)
			if err != nil {
				vm.ArgError(L, 1, "%v", err)
			}
			L.Push(lua.LString(out))
			return 1
		},
		// decode is JSON.parse / `jq .` into Lua values.
		"decode": func(L *lua.LState) int {
			s := vm.CheckString(L, 1)
			vm.NoMoreArgs(L, 1)
			v, err := Decode([]byte(s))
			if err != nil {
				vm.ArgError(L, 1, "%v", err)
			}
			L.Push(c.toLua(L, v))
			return 1
		},
		// array marks a table as a JSON array, so that an empty one encodes as [].
		"array": func(L *lua.LState) int {
			var t *lua.LTable
			if L.Get(1) == lua.LNil {
				t = L.NewTable()
			} else {
				t = vm.CheckTable(L, 1)
			}
			vm.NoMoreArgs(L, 1)
			if mt, ok := t.Metatable.(*lua.LTable); ok && mt != arrayMT {
				vm.ArgError(L, 1, "table already has a metatable")
			}
			t.Metatable = arrayMT
			L.Push(t)
			return 1
		},
	})
	mod.RawSetString("null", null)
	return mod
}

type converter struct {
	null    *lua.LUserData
	arrayMT *lua.LTable
}

func (c *converter) toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return c.null
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		t := L.CreateTable(len(v), 0)
		for i, x := range v {
			t.RawSetInt(i+1, c.toLua(L, x))
		}
		t.Metatable = c.arrayMT
		return t
	case map[string]any:
		t := L.CreateTable(0, len(v))
		for k, x := range v {
			t.RawSetString(k, c.toLua(L, x))
		}
		return t
	}
	panic(fmt.Sprintf("json: unexpected decoded type %T", v))
}

// toGo converts a Lua value for Encode. visiting holds the tables on the path
// from the root: meeting one again is a cycle (a table reached twice along
// different paths is fine).
func (c *converter) toGo(v lua.LValue, path *pathStep, visiting map[*lua.LTable]bool, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, path.fail(fmt.Sprintf("nested deeper than %d levels", MaxDepth))
	}
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		return float64(v), nil
	case lua.LString:
		return string(v), nil
	case *lua.LUserData:
		if v == c.null {
			return nil, nil
		}
		return nil, path.fail("a " + engine.TypeName(v) + " value has no JSON form")
	case *lua.LTable:
		if visiting[v] {
			return nil, path.fail("cycle: the table contains itself")
		}
		visiting[v] = true
		defer delete(visiting, v)
		return c.tableToGo(v, path, visiting, depth)
	}
	return nil, path.fail("a " + v.Type().String() + " value has no JSON form")
}

func (c *converter) tableToGo(t *lua.LTable, path *pathStep, visiting map[*lua.LTable]bool, depth int) (any, error) {
	marked := t.Metatable == c.arrayMT
	var nkeys, nstr, maxInt int
	var bad lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		nkeys++
		switch k := k.(type) {
		case lua.LString:
			nstr++
		case lua.LNumber:
			if f := float64(k); f >= 1 && f == float64(int(f)) {
				maxInt = max(maxInt, int(f))
				return
			}
			if bad == nil {
				bad = k
			}
		default:
			if bad == nil {
				bad = k
			}
		}
	})
	switch {
	case bad != nil:
		return nil, path.fail("non-string key " + describeKey(bad) + " (object keys must be strings; an array has keys 1..n)")
	case nkeys == 0 && marked:
		return []any{}, nil
	case nkeys == 0:
		return map[string]any{}, nil
	case nstr == 0 && maxInt == nkeys:
		arr := make([]any, nkeys)
		for i := range arr {
			x, err := c.toGo(t.RawGetInt(i+1), path.index(i+1), visiting, depth+1)
			if err != nil {
				return nil, err
			}
			arr[i] = x
		}
		return arr, nil
	case nstr == 0:
		return nil, path.fail(fmt.Sprintf("sparse array: %d elements but largest index %d (an array needs keys 1..n; use json.null for holes)", nkeys, maxInt))
	case nstr < nkeys:
		return nil, path.fail("table mixes array elements and string keys (an object's keys must all be strings)")
	case marked:
		return nil, path.fail("table marked json.array has string keys")
	}
	obj := make(map[string]any, nkeys)
	var err error
	t.ForEach(func(k, x lua.LValue) {
		if err != nil {
			return
		}
		ks := string(k.(lua.LString))
		obj[ks], err = c.toGo(x, path.key(ks), visiting, depth+1)
	})
	if err != nil {
		return nil, err
	}
	return obj, nil
}

func describeKey(k lua.LValue) string {
	switch k := k.(type) {
	case lua.LNumber, lua.LBool:
		return k.String()
	}
	return "of type " + k.Type().String()
}
