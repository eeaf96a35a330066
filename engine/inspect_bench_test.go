package engine

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func BenchmarkInspectBigTable(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	t := L.NewTable()
	for i := 1; i <= 200000; i++ {
		t.RawSetInt(i, lua.LNumber(i))
		t.RawSetString("k"+lua.LNumber(i).String(), lua.LNumber(i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Inspect(t, InspectOptions{L: L})
	}
}
