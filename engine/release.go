package engine

// Bindings that cache state per namespace (net keeps one netlink socket per
// netns, and an open socket keeps its namespace alive) subscribe here; code
// that deletes a namespace (ns.delete, a topology's stop) announces it, so the
// kernel's teardown is never delayed by nslua (DESIGN.md §2.4).

// OnNamespaceRelease registers fn to be called with the nsfs device and inode
// of every namespace the script lets go of.
func (vm *VM) OnNamespaceRelease(fn func(dev, ino uint64)) {
	vm.releaseHooks = append(vm.releaseHooks, fn)
}

// ReleaseNamespace tells every subscriber to drop what it holds for the
// namespace dev/ino.
func (vm *VM) ReleaseNamespace(dev, ino uint64) {
	vm.dropNetnsConn(nsID{dev, ino})
	for _, fn := range vm.releaseHooks {
		fn(dev, ino)
	}
}
