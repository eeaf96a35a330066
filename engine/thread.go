package engine

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// The VM thread. Every package init runs on the main goroutine, which the Go
// runtime starts on the main OS thread; locking it here, before main and before
// any namespace changes, makes it the thread the Lua VM lives on for good
// (DESIGN.md §2.1). It never unlocks: a thread that changed namespace and was
// unlocked would leak that namespace to arbitrary goroutines.
func init() {
	runtime.LockOSThread()
	// setns into a mount namespace needs a thread with its own fs_struct.
	// The VM thread pays for that once, at start.
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		fmt.Fprintf(os.Stderr, "nslua: unshare(CLONE_FS): %v\n", err)
	}
	captureOriginal()
}

// threadNSPath is the per-thread view of namespace links. /proc/self is the
// main thread's view, which is wrong on worker threads.
func threadNSPath(name string) string { return "/proc/thread-self/ns/" + name }
