package engine

import (
	"os"
	"strconv"
	"strings"
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

// interruptibleChildren replaces os.execute and wraps io.popen.
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
		ud, c, err := popen(L, ft, cmd, mode)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		vm.forwardStops(L, c.Process.Pid, nil)
		L.Push(ud)
		return 1
	}))
	// close() of a "w" pipe ends the child's input first (popen.go)
	closing := func(orig lua.LValue) lua.LValue {
		fn, ok := orig.(*lua.LFunction)
		if !ok {
			return orig
		}
		return L.NewFunction(func(L *lua.LState) int {
			top := L.GetTop()
			if top >= 1 {
				endInput(L.Get(1))
			}
			L.Push(fn)
			for i := 1; i <= top; i++ {
				L.Push(L.Get(i))
			}
			L.Call(top, lua.MultRet)
			return L.GetTop() - top
		})
	}
	iolib.RawSetString("close", closing(iolib.RawGetString("close")))
	if mt, ok := L.GetTypeMetatable("FILE*").(*lua.LTable); ok {
		if methods, ok := mt.RawGetString("__index").(*lua.LTable); ok {
			methods.RawSetString("close", closing(methods.RawGetString("close")))
		}
	}
}

// osExecute is os.execute(command) as gopher-lua has it — /bin/sh -c
// command with nslua's standard input, output and error; 0 when it exited
// with 0, else 1 — waiting as the comment above says.
func (vm *VM) osExecute(L *lua.LState) int {
	cmd := L.CheckString(1)
	p, err := os.StartProcess("/bin/sh", []string{"/bin/sh", "-c", cmd},
		&os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		L.Push(lua.LNumber(1))
		return 1
	}
	done := make(chan struct{})
	vm.forwardStops(L, p.Pid, done)
	st, err := p.Wait()
	close(done)
	if err != nil || !st.Success() {
		L.Push(lua.LNumber(1))
		return 1
	}
	L.Push(lua.LNumber(0))
	return 1
}

// forwardStops watches the running chunk's context for the child pid:
// when SIGTERM or SIGHUP cancels it, the child and its descendants get that
// signal, then SIGKILL after childGrace. The child is held by a pidfd, so a
// reused pid is never signalled; the watch ends when done closes or the
// child exits.
func (vm *VM) forwardStops(L *lua.LState, pid int, done <-chan struct{}) {
	ctx := L.Context()
	if ctx == nil {
		return
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			_, err := unix.Poll([]unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}, -1)
			if err != unix.EINTR {
				return
			}
		}
	}()
	go func() {
		defer func() { <-exited; unix.Close(pidfd) }()
		select {
		case <-done:
			return
		case <-exited:
			return
		case <-ctx.Done():
		}
		sig, ok := vm.Interrupted().(syscall.Signal)
		if !ok || (sig != unix.SIGTERM && sig != unix.SIGHUP) {
			return
		}
		signalTree(pidfd, pid, sig)
		select {
		case <-exited:
		case <-done:
		case <-time.After(childGrace):
			signalTree(pidfd, pid, unix.SIGKILL)
		}
	}()
}

// signalTree sends sig to the child held by pidfd and to the processes
// below it, all listed before any is signalled (a child that dies first
// would hand its own to init).
func signalTree(pidfd, pid int, sig syscall.Signal) {
	below := descendants(pid)
	_ = unix.PidfdSendSignal(pidfd, sig, nil, 0)
	for _, d := range below {
		_ = unix.Kill(d, sig)
	}
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
