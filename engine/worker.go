package engine

import (
	"fmt"
	"runtime"
)

// OnWorker runs fn on a fresh OS thread that first joins base — the namespaces
// of the thread asking, the VM thread or an ns.with worker — and then targets.
// The thread is locked for its whole life and destroyed when fn returns: the
// goroutine exits without unlocking, so no thread in a foreign namespace ever
// returns to the runtime's pool and there is no restore step that could fail
// (DESIGN.md §2.2). fn receives the worker's namespace set, which a nested
// OnWorker uses as its base. The caller's goroutine waits for fn.
func OnWorker(base *ThreadNS, targets []Target, fn func(cur *ThreadNS) error) error {
	st, err := base.Clone()
	if err != nil {
		return &OpError{Op: "dup", Arg: "namespace fd", Err: err}
	}
	defer st.Close()
	if err := st.Apply(targets); err != nil {
		return &OpError{Op: "fstat", Arg: "namespace fd", Err: err}
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("internal error on worker thread: %v", r)
			}
		}()
		if err := st.Enter(); err != nil {
			done <- err
			return
		}
		done <- fn(st)
	}()
	return <-done
}
