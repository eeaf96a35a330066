package engine

import (
	"math"
	"sort"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// CheckPID returns argument n as a pid: a positive integer, or a process
// object (anything implementing PIDer). Bindings that take a pid (proc.info,
// ns.open's target) use it, so a process object works wherever a pid does.
func (vm *VM) CheckPID(L *lua.LState, n int) int {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		pid, ok := PIDOf(v)
		if !ok {
			vm.ArgError(L, n, "invalid pid %v", v)
		}
		return pid
	case *lua.LUserData:
		if p, ok := v.Value.(PIDer); ok {
			return p.PID()
		}
	}
	vm.TypeError(L, n, "pid or process")
	return 0
}

// PIDOf converts a Lua number to a pid: a whole number from 1 to the largest
// pid_t. Anything else is no pid; in particular a larger number must never
// reach kill(2), whose 32-bit pid_t would cut 2^32-1 down to -1 ("every
// process") and 2^40 to 0 ("my process group").
func PIDOf(v lua.LNumber) (int, bool) {
	f := float64(v)
	if !(f >= 1 && f <= math.MaxInt32) || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

// PIDs picks the pids out of the entry names of a /proc directory, sorted.
func PIDs(names []string) []int {
	var pids []int
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}
