// Package engine is the host of nslua: the Lua VM and the OS thread it lives
// on, worker threads that run code inside other namespaces, the module
// registry, error and userdata helpers, and the closer list that undoes what a
// script made when it ends (DESIGN.md §2–§4).
package engine

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// Module is a native Lua module. Open builds the module's value (usually a
// table of functions) for one VM; it runs on first require.
type Module struct {
	Name string
	Doc  string // one line, for `nslua -h`
	Open func(vm *VM, L *lua.LState) lua.LValue
}

// VM is one Lua state with its namespaces, closers and modules. All of its
// methods must be called from the goroutine running Lua (the VM thread, or a
// worker inside ns.with while the VM thread waits).
type VM struct {
	L *lua.LState

	cur     *ThreadNS   // namespaces of the thread running Lua right now
	waiting []*ThreadNS // of the threads waiting in ns.with for a worker, outermost (the script's) first
	closers closerList
	calls   []string // names of the bindings being called, innermost last
	modules map[string]Module
	stdlib  fs.FS
	classes map[string]*Class

	releaseHooks []func(dev, ino uint64)
	handleCount  map[nsID]int // open handles per namespace
	netnsOpener  func() (io.Closer, error)
	watched      map[*watched]bool // children of os.execute and io.popen (children.go); under mu
	stopping     sync.WaitGroup    // their grace periods after a stop, waited for at Close
	stopWaited   bool              // Close waits for stopping: no more Add (under mu)
	firstCloser  func()            // BeforeFirstCloser's

	netnsConns map[nsID]io.Closer // opened with a new netns, not yet taken (netnsconn.go)

	mu        sync.Mutex
	cancel    context.CancelFunc
	interrupt os.Signal // the signal that cancelled the running chunk
	exit      *int      // the code os.exit asked for (exit.go)
	closed    bool
}

// New creates a VM with the standard Lua libraries, the given native modules
// (loaded lazily through package.preload) and an embedded stdlib (Lua modules
// found by require after package.preload and before package.path).
func New(modules []Module, stdlib fs.FS) *VM {
	vm := &VM{
		L:       lua.NewState(lua.Options{}),
		cur:     NewThreadNS(),
		modules: map[string]Module{},
		stdlib:  stdlib,
		classes: map[string]*Class{},

		handleCount: map[nsID]int{},
	}
	vm.NewChunkContext()
	for _, m := range modules {
		vm.modules[m.Name] = m
		m := m
		vm.L.PreloadModule(m.Name, func(L *lua.LState) int {
			L.Push(m.Open(vm, L))
			return 1
		})
	}
	vm.installLoaders() // before the stdlib's searcher takes place 2
	vm.interruptibleStdin()
	vm.interruptibleChildren()
	vm.ioCompat() // after interruptibleStdin: it wraps what that made
	if stdlib != nil {
		vm.installStdlibLoader()
	}
	vm.registerHandleClass()
	vm.replaceExit()
	vm.fixErrorLevel()
	return vm
}

// Current returns the namespace set of the thread running Lua now: what
// workers, spawned processes and netlink handles without ns= start from.
func (vm *VM) Current() *ThreadNS { return vm.cur }

// setCurrent swaps the thread namespace set (ns.with) and returns the old one.
func (vm *VM) setCurrent(s *ThreadNS) *ThreadNS {
	old := vm.cur
	vm.cur = s
	return old
}

// ModuleNames lists the native and stdlib modules, sorted.
func (vm *VM) ModuleNames() []string {
	var names []string
	for n := range vm.modules {
		names = append(names, n)
	}
	names = append(names, vm.stdlibNames()...)
	sort.Strings(names)
	return names
}

// HasModule reports whether name is a native or stdlib module.
func (vm *VM) HasModule(name string) bool {
	if _, ok := vm.modules[name]; ok {
		return true
	}
	for _, n := range vm.stdlibNames() {
		if n == name {
			return true
		}
	}
	return false
}

// NewChunkContext gives the VM a fresh cancellable context: the script's, or
// one REPL chunk's. Interrupt cancels it.
func (vm *VM) NewChunkContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	vm.mu.Lock()
	vm.cancel = cancel
	vm.interrupt = nil
	vm.exit = nil
	vm.mu.Unlock()
	vm.L.SetContext(ctx)
	return ctx
}

// Interrupt cancels the running chunk: the VM raises between instructions and
// blocking bindings return. Safe from any goroutine (signal handlers).
func (vm *VM) Interrupt(sig os.Signal) {
	vm.mu.Lock()
	if vm.interrupt == nil {
		vm.interrupt = sig
	}
	cancel := vm.cancel
	stops := vm.toStop(sig)
	vm.mu.Unlock()
	// Cancel first: a script blocked on a child goes on only when the
	// child has ended, which is after stops, and then its next instruction
	// raises; in the other order the child's end could let a statement or
	// two run (or the chunk end normally) before the cancel arrived. A
	// script not blocked raises at once, and Close waits for the grace
	// periods stops starts, which toStop counted under vm.mu.
	if cancel != nil {
		cancel()
	}
	stops()
}

// Interrupted returns the signal that cancelled the current chunk, or nil.
func (vm *VM) Interrupted() os.Signal {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.interrupt
}

// Close runs the closers in reverse order of registration and closes the Lua
// state. It is idempotent.
func (vm *VM) Close() {
	if vm.closed {
		return
	}
	vm.closed = true
	// an interrupted script's context is cancelled; closers get a live one
	vm.L.SetContext(context.Background())
	for _, err := range vm.closers.runAll() {
		fmt.Fprintf(os.Stderr, "nslua: cleanup: %v\n", err)
	}
	// children told to stop get their SIGKILL in time; a signal from now
	// on is still passed on, without a grace period to wait for (a
	// WaitGroup must not grow while it is waited for)
	vm.mu.Lock()
	vm.stopWaited = true
	vm.mu.Unlock()
	vm.stopping.Wait()
	vm.flushStdio()
	vm.cur.Close()
	vm.L.Close()
}

// flushStdio writes out what io.stdout and io.stderr still buffer (after
// setvbuf("full") or "line"), as C's exit flushes stdio for lua.c.
func (vm *VM) flushStdio() {
	for _, name := range []string{"stdout", "stderr"} {
		f := vm.L.GetField(vm.L.GetGlobal("io"), name)
		flush := vm.L.GetField(f, "flush")
		if flush.Type() != lua.LTFunction {
			continue
		}
		_ = vm.L.CallByParam(lua.P{Fn: flush, NRet: 0, Protect: true}, f) // a closed stream cannot flush: fine
	}
}
