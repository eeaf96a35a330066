package engine

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// eval returns the value of a Lua expression in L.
func eval(t *testing.T, L *lua.LState, expr string) lua.LValue {
	t.Helper()
	if err := L.DoString("return " + expr); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

func TestInspect(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct {
		name, expr string
		opts       InspectOptions
		want       string
	}{
		{"nil", "nil", InspectOptions{}, "nil"},
		{"number", "1.5", InspectOptions{}, "1.5"},
		{"integer", "2^40", InspectOptions{}, "1099511627776"},
		{"boolean", "false", InspectOptions{}, "false"},
		{"string quoted", `"a\"b\\c"`, InspectOptions{}, `"a\"b\\c"`},
		{"control bytes", `"x\n\t\0\27y"`, InspectOptions{}, `"x\n\t\000\027y"`},
		{"utf8 kept, invalid escaped", `"é\255"`, InspectOptions{}, `"é\255"`},
		{"long string cut", `string.rep("ab", 10)`, InspectOptions{MaxString: 5}, `"ababa"... (20 bytes)`},
		{"empty table", "{}", InspectOptions{}, "{}"},
		{"array", "{1, 2, 3}", InspectOptions{}, "{ 1, 2, 3 }"},
		{"sorted keys", `{b = 1, a = 2, [10] = 3, [2] = 4, [true] = 5}`, InspectOptions{},
			`{ [2] = 4, [10] = 3, a = 2, b = 1, [true] = 5 }`},
		{"array then keys", `{"x", "y", n = 2}`, InspectOptions{}, `{ "x", "y", n = 2 }`},
		{"array with hole", `{1, nil, 3}`, InspectOptions{}, `{ 1, [3] = 3 }`},
		{"non-identifier keys", `{["a b"] = 1, ["end"] = 2, _x1 = 3}`, InspectOptions{},
			`{ _x1 = 3, ["a b"] = 1, ["end"] = 2 }`},
		{"nested", `{a = {b = {c = 1}}}`, InspectOptions{}, `{ a = { b = { c = 1 } } }`},
		{"depth limit", `{a = {b = {c = {}, d = {1}}}}`, InspectOptions{Depth: 2},
			`{ a = { b = {...} } }`},
		{"depth keeps empty tables", `{a = {}}`, InspectOptions{Depth: 1}, `{ a = {} }`},
		{"cycle", `(function() local t = {name = "t"}; t.self = t; return t end)()`, InspectOptions{},
			`{ name = "t", self = <cycle> }`},
		{"shared is no cycle", `(function() local s = {1}; return {s, s} end)()`, InspectOptions{},
			`{ { 1 }, { 1 } }`},
		{"too many items", `{1, 2, 3, 4, 5}`, InspectOptions{MaxItems: 3}, `{ 1, 2, 3, ... (2 more) }`},
		{"__tostring", `setmetatable({}, {__tostring = function() return "obj!" end})`, InspectOptions{},
			`obj!`},
		{"__tostring inside", `{x = setmetatable({}, {__tostring = function() return "X" end})}`, InspectOptions{},
			`{ x = X }`},
		{"__tostring error", `setmetatable({}, {__tostring = function() error("boom", 0) end})`, InspectOptions{},
			`<__tostring error: boom>`},
		{"__tostring non-string", `setmetatable({}, {__tostring = function() return {} end})`, InspectOptions{},
			`<__tostring returned a table>`},
		{"table key", `{[{1}] = true}`, InspectOptions{}, `{ [{ 1 }] = true }`},
		{"wraps long tables", `{alpha = "aaaaaaaaaa", beta = "bbbbbbbbbb", gamma = {1, 2, 3}}`, InspectOptions{Width: 30},
			"{\n  alpha = \"aaaaaaaaaa\",\n  beta = \"bbbbbbbbbb\",\n  gamma = { 1, 2, 3 }\n}"},
		{"packs arrays", `{10, 20, 30, 40, 50, 60, k = 1}`, InspectOptions{Width: 16},
			"{\n  10, 20, 30,\n  40, 50, 60,\n  k = 1\n}"},
		{"nested wrap indents", `{list = {"aaaaaaaa", "bbbbbbbb", "cccccccc"}}`, InspectOptions{Width: 30},
			"{\n  list = {\n    \"aaaaaaaa\", \"bbbbbbbb\",\n    \"cccccccc\"\n  }\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.L = L
			if got := Inspect(eval(t, L, tt.expr), opts); got != tt.want {
				t.Errorf("Inspect(%s)\n got: %s\nwant: %s", tt.expr, got, tt.want)
			}
		})
	}
}

func TestInspectFunctionsShowAddress(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	got := Inspect(eval(t, L, "{print}"), InspectOptions{L: L})
	if !strings.HasPrefix(got, "{ function: 0x") {
		t.Errorf("got %s", got)
	}
}

func TestInspectWithoutStateSkipsMetamethods(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	v := eval(t, L, `setmetatable({a = 1}, {__tostring = function() return "X" end})`)
	if got := Inspect(v, InspectOptions{}); got != "{ a = 1 }" {
		t.Errorf("got %s", got)
	}
}

func TestInspectClassUserdata(t *testing.T) {
	vm := New(nil, nil)
	defer vm.Close()
	c := vm.NewClass("thing", nil, nil)
	ud := c.New(vm.L, handleString("net:[4026531840]"))
	got := Inspect(vm.L.NewTable(), InspectOptions{L: vm.L})
	if got != "{}" {
		t.Fatalf("got %s", got)
	}
	tbl := vm.L.NewTable()
	tbl.RawSetString("h", ud)
	if got := Inspect(tbl, InspectOptions{L: vm.L}); got != "{ h = net:[4026531840] }" {
		t.Errorf("got %s", got)
	}
}

type handleString string

func (h handleString) String() string { return string(h) }

func TestIsIdentifier(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_": true, "a1": true, "A_b": true,
		"": false, "1a": false, "a-b": false, "end": false, "goto": false, "é": false,
	} {
		if got := IsIdentifier(s); got != want {
			t.Errorf("IsIdentifier(%q) = %v", s, got)
		}
	}
}
