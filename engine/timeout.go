package engine

import (
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Seconds converts a non-negative number of seconds to a Duration. Beyond
// what a Duration holds (292 years; +inf included) it saturates: the plain
// conversion wraps around to a negative duration, which a timer takes as
// "now".
func Seconds(s float64) time.Duration {
	if d := s * float64(time.Second); d < math.MaxInt64 {
		return time.Duration(d)
	}
	return math.MaxInt64
}

// OptTimeout reads optional argument n as a timeout in seconds (p:wait,
// l:wait_gone): a number >= 0, where math.huge means no limit; def when
// absent. It raises naming the value it got.
func (vm *VM) OptTimeout(L *lua.LState, n int, def float64) float64 {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		if v >= 0 { // NaN fails too
			return float64(v)
		}
		vm.ArgError(L, n, "timeout in seconds (a number >= 0) expected, got %v", float64(v))
	default:
		vm.TypeError(L, n, "timeout in seconds (a number >= 0)")
	}
	return def
}
