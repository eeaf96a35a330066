package engine

import (
	"reflect"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

const luacSample = `
local M = {}
local big, small, neg, frac = 2^53, 0, -7, 0.1
local function f(a, ...)
  local t = { x = a, [1] = "one", ... }
  for i = 1, #t do t[i] = tostring(t[i]) .. "!" end
  return function() return t.x, big, small, neg, frac end
end
M.f = f
function M.g(s) return (s:gsub("%s+", " ")) end
return M
`

// A .luac blob decodes to exactly what the compiler made, unexported parts
// included, and the function runs as the compiled one does.
func TestLuacRoundTrip(t *testing.T) {
	src := []byte(luacSample)
	want, err := CompileChunk(src, "stdlib/sample.lua")
	if err != nil {
		t.Fatal(err)
	}
	blob, err := EncodeCompiled(src, "stdlib/sample.lua")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeCompiled(src, blob)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded prototype differs from the compiled one")
	}
	L := lua.NewState()
	defer L.Close()
	L.Push(L.NewFunctionFromProto(got))
	L.Call(0, 1)
	L.SetGlobal("M", L.Get(-1))
	if err := L.DoString(`local x, big = M.f("a", "b")() assert(x == "a" and big == 2^53) assert(M.g("a  b") == "a b")`); err != nil {
		t.Fatal(err)
	}
}

// A blob made from other source, a truncated or a foreign one is refused, so
// the loader compiles the source instead.
func TestLuacRefusesStaleAndCorrupt(t *testing.T) {
	src := []byte(luacSample)
	blob, err := EncodeCompiled(src, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeCompiled([]byte(luacSample+" "), blob); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Fatalf("stale blob accepted: %v", err)
	}
	for n := 0; n < len(blob); n += 7 {
		if _, err := DecodeCompiled(src, blob[:n]); err == nil {
			t.Fatalf("blob truncated to %d bytes accepted", n)
		}
	}
	if _, err := DecodeCompiled(src, []byte("garbage")); err == nil {
		t.Fatal("garbage accepted")
	}
}
