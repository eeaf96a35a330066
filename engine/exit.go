package engine

// os.exit must end the script even when it is called under pcall, xpcall,
// coroutine.resume or a binding that calls back into Lua: each of those
// catches the error that unwinds the script. So os.exit also records its code
// and cancels the chunk's context, as an interrupt does: the VM then raises
// again at every instruction until it is out of every protected call, and Call
// reports the exit.

// requestExit records the code of os.exit (the first one wins) and cancels
// the running chunk.
func (vm *VM) requestExit(code int) {
	vm.mu.Lock()
	if vm.exit == nil {
		vm.exit = &code
	}
	cancel := vm.cancel
	vm.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// exitRequested returns the code os.exit asked for in this chunk, or nil.
func (vm *VM) exitRequested() *int {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.exit
}
