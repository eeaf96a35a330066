package engine

import (
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
		pid := int(v)
		if float64(pid) != float64(v) || pid <= 0 {
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
