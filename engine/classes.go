package engine

import "sort"

// Classes returns the userdata classes the VM has made so far (a module makes
// its classes when it is first required), sorted by name. The LuaLS
// definition check (docs/lua) compares their methods with the documented ones.
func (vm *VM) Classes() []*Class {
	out := make([]*Class, 0, len(vm.classes))
	for _, c := range vm.classes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
