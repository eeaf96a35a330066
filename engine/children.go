package engine

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// A script blocked in os.execute, or reading the pipe of an io.popen, waits
// for a child process. SIGTERM and SIGHUP — a supervisor stopping the
// script, a closed terminal — cancel the VM, but the wait went on until the
// child ended by itself, so the cleanup (a lab's teardown) waited with it,
// possibly for ever. Now the signal is passed on to that child and to its
// descendants (a shell's pipeline, `sleep` inside `sh -c`: they hold the
// pipe too), and SIGKILL follows after childGrace if any is still there;
// the call returns and the VM's interrupt and cleanup take over. SIGINT is
// not passed on: from a terminal it reached the child already (it runs in
// nslua's process group), and a child that catches it — an interactive
// program — decides for itself, as under lua.c's system().

// childGrace is how long a child has to end after the forwarded signal.
const childGrace = 2 * time.Second

// interruptibleChildren replaces os.execute and io.popen, and wraps the
// file methods that treat a popen pipe as C Lua does (popen.go).
func (vm *VM) interruptibleChildren() {
	L := vm.L
	if oslib, ok := L.GetGlobal("os").(*lua.LTable); ok {
		oslib.RawSetString("execute", L.NewFunction(vm.osExecute))
	}
	iolib, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	ft := fileType(L)
	if ft == nil {
		return // another gopher-lua: its io.popen stays
	}
	iolib.RawSetString("popen", L.NewFunction(func(L *lua.LState) int {
		cmd := L.CheckString(1)
		mode := L.OptString(2, "r")
		if mode != "r" && mode != "w" {
			L.RaiseError("bad argument #2 to 'popen' (invalid mode %s: \"r\" or \"w\" expected)", Quote(mode))
		}
		ud, err := popen(L, ft, cmd, mode, func(pid int) <-chan struct{} {
			return vm.forwardStops(pid, nil)
		})
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(ud)
		return 1
	}))
	// close() of a pipe: not twice, and a "w" child's input ends first;
	// io.close() without a file closes the default output, which io.output
	// may have made a pipe
	output, _ := iolib.RawGetString("output").(*lua.LFunction)
	closing := func(orig lua.LValue, defaultOutput bool) lua.LValue {
		fn, ok := orig.(*lua.LFunction)
		if !ok {
			return orig
		}
		return L.NewFunction(func(L *lua.LState) int {
			top := L.GetTop()
			file := L.Get(1)
			if top == 0 && defaultOutput && output != nil {
				L.Push(output)
				L.Call(0, 1)
				file = L.Get(-1)
				L.Pop(1)
			}
			if p, ok := pipeOf(file); ok {
				if p.closed() {
					L.RaiseError("bad argument #1 to 'close' (file is closed)")
				}
				p.endInput()
			}
			return passOn(L, fn)
		})
	}
	iolib.RawSetString("close", closing(iolib.RawGetString("close"), true))
	methods := fileMethods(L)
	if methods == nil {
		return
	}
	methods.RawSetString("close", closing(methods.RawGetString("close"), false))
	// setvbuf on a pipe: gopher-lua's made a new pipe to a child that is
	// running already, failed, and left the file without its writer (a
	// "w" child then never saw the end of its input). Writes to a pipe go
	// straight through; the mode is checked and accepted, as C Lua does.
	if setvbuf, ok := methods.RawGetString("setvbuf").(*lua.LFunction); ok {
		methods.RawSetString("setvbuf", L.NewFunction(func(L *lua.LState) int {
			p, ok := pipeOf(L.Get(1))
			if !ok {
				top := L.GetTop()
				L.Push(setvbuf)
				for i := 1; i <= top; i++ {
					L.Push(L.Get(i))
				}
				L.Call(top, lua.MultRet)
				return L.GetTop() - top
			}
			if p.closed() {
				L.RaiseError("bad argument #1 to 'setvbuf' (file is closed)")
			}
			switch mode := L.CheckString(2); mode {
			case "no", "full", "line":
			default:
				L.RaiseError("bad argument #2 to 'setvbuf' (invalid option %s: \"no\", \"full\" or \"line\" expected)", Quote(mode))
			}
			L.OptInt(3, 0)
			L.Push(lua.LTrue)
			return 1
		}))
	}
}

// osExecute is os.execute(command) as gopher-lua has it — /bin/sh -c
// command with nslua's standard input, output and error; 0 when it exited
// with 0, else 1 — waiting as the comment above says. Without a command it
// says whether a shell is there, as C Lua does (true or false).
func (vm *VM) osExecute(L *lua.LState) int {
	if L.GetTop() == 0 {
		L.Push(lua.LBool(unix.Access("/bin/sh", unix.X_OK) == nil))
		return 1
	}
	cmd := L.CheckString(1)
	p, err := os.StartProcess("/bin/sh", []string{"/bin/sh", "-c", cmd},
		&os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		L.Push(lua.LNumber(1))
		return 1
	}
	done := make(chan struct{})
	vm.forwardStops(p.Pid, done)
	st, err := p.Wait()
	close(done)
	if err != nil || !st.Success() {
		L.Push(lua.LNumber(1))
		return 1
	}
	L.Push(lua.LNumber(0))
	return 1
}

// forwardStops holds the child pid by a pidfd and returns a channel that
// closes when the child exits (nil if the pidfd cannot be had). Until then
// (or until done closes) the child is on the VM's list of watched children:
// when SIGTERM or SIGHUP interrupts the VM, Interrupt itself passes the
// signal on to it and the processes below it, before the script can go on
// and nslua exit (from a goroutine watching the context, a fast exit could
// come first and leave them running), then SIGKILL after childGrace, which
// VM.Close waits for. A pidfd is never a reused pid. The pidfd waits in
// Go's netpoller, so a child being watched holds no OS thread (a thousand
// open pipes, not a thousand threads).
func (vm *VM) forwardStops(pid int, done <-chan struct{}) <-chan struct{} {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd")
	rc, err := pidfd.SyscallConn()
	if err != nil {
		pidfd.Close()
		return nil
	}
	w := &watched{pid: pid, rc: rc, exited: make(chan struct{})}
	go func() {
		defer close(w.exited)
		gone := func(fd uintptr) bool {
			n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
			return n > 0 || (err != nil && err != unix.EINTR)
		}
		if rc.Read(gone) != nil { // not in the netpoller: wait on a thread
			_ = rc.Control(func(fd uintptr) {
				for {
					n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1)
					if n > 0 || (err != nil && err != unix.EINTR) {
						return
					}
				}
			})
		}
	}()
	vm.watch(w)
	go func() {
		select {
		case <-done:
		case <-w.exited:
		}
		vm.unwatch(w)
		<-w.exited
		w.busy.Wait() // a stop in progress still signals through the pidfd
		pidfd.Close()
	}()
	return w.exited
}

// watched is a child of os.execute or io.popen while it runs.
type watched struct {
	pid    int
	rc     syscall.RawConn
	exited chan struct{}
	busy   sync.WaitGroup // stops in progress
}

// watch puts w on the list, or stops it at once when a SIGTERM or SIGHUP
// came before it was there (it was started meanwhile). Both under vm.mu
// with Interrupt's toStop: either one sees the other.
func (vm *VM) watch(w *watched) {
	vm.mu.Lock()
	if vm.watched == nil {
		vm.watched = map[*watched]bool{}
	}
	vm.watched[w] = true
	stops := vm.stopsFor(vm.interrupt, []*watched{w})
	vm.mu.Unlock()
	stops()
}

func (vm *VM) unwatch(w *watched) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	delete(vm.watched, w)
}

// toStop is, for Interrupt (vm.mu held), what passes sig on to every
// watched child: nothing unless sig is SIGTERM or SIGHUP.
func (vm *VM) toStop(sig os.Signal) func() {
	ws := make([]*watched, 0, len(vm.watched))
	for w := range vm.watched {
		ws = append(ws, w)
	}
	return vm.stopsFor(sig, ws)
}

// stopsFor (vm.mu held) returns what passes sig (SIGTERM, SIGHUP; else
// nothing) on to the children ws and the processes below them, and SIGKILL
// childGrace later to those still there; vm.stopping counts the grace
// periods running, until Close waits for them. Run it after unlocking.
func (vm *VM) stopsFor(sig os.Signal, ws []*watched) func() {
	s, ok := sig.(syscall.Signal)
	if !ok || (s != unix.SIGTERM && s != unix.SIGHUP) || len(ws) == 0 {
		return func() {}
	}
	counted := !vm.stopWaited
	for _, w := range ws {
		w.busy.Add(1)
		if counted {
			vm.stopping.Add(1)
		}
	}
	return func() {
		for _, w := range ws {
			signalTree(w.rc, w.pid, s)
			go func(w *watched) {
				if counted {
					defer vm.stopping.Done()
				}
				defer w.busy.Done()
				select {
				case <-w.exited:
				case <-time.After(childGrace):
					signalTree(w.rc, w.pid, unix.SIGKILL)
				}
			}(w)
		}
	}
}

// signalTree sends sig to the processes below the child held by pidfd,
// then to the child: all are listed before any is signalled (a child that
// dies first would hand its own to init), and the child comes last because
// its end lets the script go on and nslua exit, which must not come before
// the others have their signal (`sh -c "sleep 60; true"` left the sleep).
func signalTree(pidfd syscall.RawConn, pid int, sig syscall.Signal) {
	below := descendants(pid)
	for _, d := range below {
		_ = unix.Kill(d, sig)
	}
	_ = pidfd.Control(func(fd uintptr) { _ = unix.PidfdSendSignal(int(fd), sig, nil, 0) })
}

// descendants lists the processes below pid, from /proc/PID/task/*/children.
func descendants(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
				out = append(out, descendants(c)...)
			}
		}
	}
	return out
}
