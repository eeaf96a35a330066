package engine

import (
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// Pooled worker threads carry ns.with. A fresh thread per call (OnWorker)
// costs a clone and an exit — 110–250 µs measured from the locked VM thread
// on this kind of machine, whose new threads come through the runtime's
// template thread — against 3.5 µs for the setns calls themselves.
//
// A pooled thread is locked for its whole life like any worker and never runs
// another goroutine. A job moves it into exactly the namespaces it needs, kind
// by kind (setns where the thread's recorded namespace differs); after the
// caller has its result the thread goes back to the original namespaces and
// parks, because an idle thread inside a namespace would keep that namespace
// alive (DESIGN.md §2.4). Nothing is ever handed back to the runtime in a
// foreign namespace: a thread whose setns fails, whose job panicked, or whose
// job marked it tainted (per-thread state the engine does not track, such as
// a chroot) exits and is destroyed.

type pooledThread struct {
	jobs  chan func(*pooledThread) bool
	cur   [numKinds]nsID // the namespaces the thread is in
	ownFS bool           // unshared CLONE_FS, as setns into a mount namespace needs
}

// idleThreads holds parked pooled threads; more than this many exit.
var idleThreads = make(chan *pooledThread, 2)

var (
	originalFds  [numKinds]int
	originalOnce sync.Once
)

// openOriginal opens the original namespaces from a thread that is still in
// them, so that a pooled thread can be moved back into one.
func openOriginal() {
	for k := range originalFds {
		originalFds[k] = -1
		if !Kind(k).Joinable() {
			continue
		}
		if fd, err := unix.Open(threadNSPath(Kind(k).Link()), unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			originalFds[k] = fd
		}
	}
}

// runPooled hands job to an idle pooled thread, or starts a new one. job
// returns false when its thread must die.
func runPooled(job func(*pooledThread) bool) {
	select {
	case t := <-idleThreads:
		t.jobs <- job
	default:
		go pooledLoop(job)
	}
}

func pooledLoop(job func(*pooledThread) bool) {
	runtime.LockOSThread()        // never unlocked: the thread dies with the goroutine
	originalOnce.Do(openOriginal) // a new thread is in the original namespaces
	t := &pooledThread{jobs: make(chan func(*pooledThread) bool, 1), cur: original}
	home := NewThreadNS()
	for job(t) {
		// Back to the original namespaces before parking, after the caller
		// has its result: an idle thread must not keep a namespace alive
		// (DESIGN.md §2.4). If that fails the thread dies instead.
		if t.moveTo(home) != nil {
			return
		}
		select {
		case idleThreads <- t:
		default:
			return
		}
		job = <-t.jobs
	}
}

// moveTo joins, kind by kind, every namespace of st the thread is not in.
func (t *pooledThread) moveTo(st *ThreadNS) error {
	for _, k := range joinOrder {
		if t.cur[k] == st.id[k] {
			continue
		}
		fd := st.fd[k]
		if fd < 0 {
			fd = originalFds[k]
		}
		if k == KindMnt && !t.ownFS {
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				return &OpError{Op: "unshare", Arg: "fs", Err: err}
			}
			t.ownFS = true
		}
		if err := unix.Setns(fd, k.Flag()); err != nil {
			return &OpError{Op: "setns", Arg: k.String(), Err: err}
		}
		t.cur[k] = st.id[k]
	}
	return nil
}

// onPooledWorker runs fn on a pooled thread inside base plus targets and
// waits for it. fn gets the thread's namespace set; namespace changes it
// makes must go through that set (vm.Enter, Refresh) so the pool knows where
// the thread is, and anything else per-thread must call Taint.
func onPooledWorker(base *ThreadNS, targets []Target, fn func(cur *ThreadNS)) error {
	st, err := base.Clone()
	if err != nil {
		return &OpError{Op: "dup", Arg: "namespace fd", Err: err}
	}
	defer closeSoon(st) // may hold the last reference to a namespace fn made
	if err := st.Apply(targets); err != nil {
		return &OpError{Op: "fstat", Arg: "namespace fd", Err: err}
	}
	var enterErr error
	done := make(chan struct{})
	runPooled(func(t *pooledThread) (keep bool) {
		defer close(done)
		if enterErr = t.moveTo(st); enterErr != nil {
			return false
		}
		defer func() {
			if r := recover(); r != nil {
				enterErr, keep = fmt.Errorf("internal error on worker thread: %v", r), false
			}
		}()
		fn(st)
		t.cur = st.id
		return !st.tainted
	})
	<-done
	return enterErr
}

// Taint marks the thread running Lua as changed in a way the engine does not
// track (chroot, cwd of an unshared fs, affinity): a pooled worker that
// carries it is destroyed after its job instead of being reused. On the VM
// thread it has no effect.
func (s *ThreadNS) Taint() { s.tainted = true }

// OnPooledWorker is OnWorker on a pooled thread, for Go work that changes
// nothing about the thread but what it reads and opens there (a netlink
// socket bound to the namespace, a /proc/sys file) — or that unshares a
// net, uts, ipc or cgroup namespace and records it with cur.Refresh, so the
// thread is moved back before it parks. It saves creating and destroying a
// thread per call. Work that unshares anything else (mnt changes the fs view,
// pid and time only affect children, user is impossible), or changes
// credentials, affinity, root or cwd, must use OnWorker, whose thread dies
// afterwards.
func OnPooledWorker(base *ThreadNS, targets []Target, fn func(cur *ThreadNS) error) error {
	var fnErr error
	err := onPooledWorker(base, targets, func(cur *ThreadNS) { fnErr = fn(cur) })
	if err != nil {
		return err
	}
	return fnErr
}
