package ns

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// A multi-threaded process can neither unshare nor join a user or time
// namespace, but it can start a process in a new one. CreateChild does that
// with a raw clone(2) of the calling (worker) thread: the child makes no Go
// call at all — it runs a few raw system calls, reports through a pipe and
// pauses with every signal blocked — while the parent writes its uid/gid maps
// or time offsets, opens its namespace and kills it. That is cheaper and
// smaller than a re-exec of nslua (no Go runtime start-up, no marker in
// main), and nothing but nslua's own code ever runs in the child.

// IDMap is one line of /proc/PID/uid_map or gid_map.
type IDMap struct{ Inside, Outside, Count uint32 }

// ChildOpts says what CreateChild's namespace gets.
type ChildOpts struct {
	UIDMap, GIDMap []IDMap  // user: written before anything runs inside
	Offsets        []Offset // time: clock offsets, written before any process enters
	kind           engine.Kind
}

// Offset is one line of /proc/PID/timens_offsets.
type Offset struct {
	Clock   string // "monotonic" or "boottime"
	Seconds float64
}

// Clocks are the clocks a time namespace offsets.
var Clocks = []string{"boottime", "monotonic"}

// CreateChild makes a user or time namespace through a short-lived child of
// a worker thread that joined cur, and returns an O_CLOEXEC fd for it.
// Equivalent to: `unshare --user --map-root-user` / `unshare --time
// --monotonic N` with nothing run inside, the namespace kept by an fd.
func CreateChild(cur *engine.ThreadNS, k engine.Kind, o ChildOpts) (int, error) {
	o.kind = k
	engine.KeepDumpable()
	fd := -1
	err := engine.OnWorker(cur, nil, func(*engine.ThreadNS) error {
		var err error
		fd, err = childNS(o)
		return err
	})
	return fd, err
}

func childNS(o ChildOpts) (int, error) {
	var cloneFlags, unshareFlags uintptr
	if o.kind == engine.KindUser {
		cloneFlags = unix.CLONE_NEWUSER
	} else {
		// offsets can be written only while no process is inside: the
		// child unshares, which moves its future children only
		unshareFlags = unix.CLONE_NEWTIME
	}
	pid, err := startChild(cloneFlags, unshareFlags, false)
	if err != nil {
		if en, ok := err.(unix.Errno); ok {
			return -1, &engine.OpError{Op: "unshare", Arg: o.kind.String(), Err: en}
		}
		return -1, err
	}
	defer killChild(pid)
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	link := "user"
	if o.kind == engine.KindUser {
		// gid_map of a child of a privileged parent needs no setgroups deny
		if err := writeMap(dir+"uid_map", o.UIDMap); err != nil {
			return -1, err
		}
		if err := writeMap(dir+"gid_map", o.GIDMap); err != nil {
			return -1, err
		}
	} else {
		link = "time_for_children"
		if len(o.Offsets) > 0 {
			if err := writeFile(dir+"timens_offsets", formatOffsets(o.Offsets)); err != nil {
				return -1, err
			}
		}
	}
	fd, err := unix.Open(dir+"ns/"+link, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &engine.OpError{Op: "open", Arg: dir + "ns/" + link, Err: err}
	}
	return fd, nil
}

func readRetry(fd int, b []byte) (int, error) {
	for {
		n, err := unix.Read(fd, b)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// forkPauser clones the calling thread into a child that only makes raw
// system calls: die with this thread (PDEATHSIG), unshare unshareFlags,
// write the result (0 or an errno) to pipeW, then either pause forever or,
// with a SIGCHLD set in reap, reap every child it is given (the init of a
// pid namespace). It must not call into the Go runtime: nosplit and norace,
// no allocation, as syscall.forkAndExecInChild. The caller blocks every
// signal first, so no Go signal handler can run in the child.
//
//go:nosplit
//go:norace
func forkPauser(cloneFlags, unshareFlags uintptr, pipeW int, status *byte, reap *uint64) (int, syscall.Errno) {
	r1, _, e := syscall.RawSyscall6(syscall.SYS_CLONE, cloneFlags|uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if r1 != 0 {
		return int(r1), 0
	}
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0)
	if unshareFlags != 0 {
		_, _, e = syscall.RawSyscall(syscall.SYS_UNSHARE, unshareFlags, 0, 0)
		*status = byte(e)
	}
	syscall.RawSyscall(syscall.SYS_WRITE, uintptr(pipeW), uintptr(unsafe.Pointer(status)), 1)
	syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(pipeW), 0, 0)
	for {
		if reap == nil {
			syscall.RawSyscall(syscall.SYS_PAUSE, 0, 0, 0)
			continue
		}
		// SIGCHLD stays blocked: wait for it to be pending, then reap
		syscall.RawSyscall6(syscall.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(reap)), 0, 0, 8, 0, 0)
		for {
			r, _, e := syscall.RawSyscall6(syscall.SYS_WAIT4, ^uintptr(0), 0, syscall.WNOHANG|0x40000000, 0, 0, 0)
			if e != 0 || r == 0 {
				break
			}
		}
	}
}

// startChild runs forkPauser on the calling thread with every signal
// blocked around the clone, and waits until the child reported.
func startChild(cloneFlags, unshareFlags uintptr, reap bool) (int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 0, &engine.OpError{Op: "pipe", Arg: "", Err: err}
	}
	defer unix.Close(p[0])
	status := new(byte)
	var set *uint64
	if reap {
		set = new(uint64)
		*set = 1 << (uint(unix.SIGCHLD) - 1)
	}
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = math.MaxUint64
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old)
	pid, errno := forkPauser(cloneFlags, unshareFlags, p[1], status, set)
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	unix.Close(p[1])
	if errno != 0 {
		return 0, &engine.OpError{Op: "clone", Arg: "helper child", Err: errno}
	}
	var buf [1]byte
	n, err := readRetry(p[0], buf[:])
	if err != nil || n != 1 {
		killChild(pid)
		return 0, engine.Errorf(unix.ECHILD, "clone", "helper child", "the helper child died before it was ready")
	}
	if buf[0] != 0 {
		killChild(pid)
		return 0, unix.Errno(buf[0])
	}
	return pid, nil
}

// killChild kills and reaps a helper child.
func killChild(pid int) {
	unix.Kill(pid, unix.SIGKILL)
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			return
		}
	}
}

// StartInit starts the init of the pid namespace the calling thread's
// children are created in (after unshare(CLONE_NEWPID)): a raw child that
// reaps orphans, as `unshare --pid --fork` with a tiny init. Until a
// namespace has an init, the kernel gives no handle on it (opening
// pid_for_children fails with ENOENT), so no other thread could join it;
// with one, spawner threads land every later child there, and a child's exit
// never leaves the namespace dead (later forks failing with ENOMEM). The
// init dies with this thread or when killed (KillInit).
func StartInit() (int, error) {
	pid, err := startChild(0, 0, true)
	if err != nil {
		return 0, &engine.OpError{Op: "clone", Arg: "pid namespace init", Err: err}
	}
	return pid, nil
}

// KillInit ends a pid namespace's init, and with it every process inside.
func KillInit(pid int) { killChild(pid) }

func writeMap(path string, m []IDMap) error {
	var b strings.Builder
	for _, e := range m {
		fmt.Fprintf(&b, "%d %d %d\n", e.Inside, e.Outside, e.Count)
	}
	return writeFile(path, b.String())
}

func formatOffsets(offs []Offset) string {
	var b strings.Builder
	for _, o := range offs {
		sec := math.Floor(o.Seconds)
		nsec := int64(math.Round((o.Seconds - sec) * 1e9))
		if nsec >= 1e9 {
			sec, nsec = sec+1, nsec-1e9
		}
		fmt.Fprintf(&b, "%s %d %d\n", o.Clock, int64(sec), nsec)
	}
	return b.String()
}

// writeFile writes s in one write(2), as /proc's map files require.
func writeFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return &engine.OpError{Op: "open", Arg: path, Err: err}
	}
	defer f.Close()
	if _, err := f.Write([]byte(s)); err != nil {
		return &engine.OpError{Op: "write", Arg: path, Err: err}
	}
	return nil
}

// DefaultIDMap maps 0 inside to the caller's id outside, as `unshare
// --map-root-user`.
func DefaultIDMap(id int) []IDMap { return []IDMap{{0, uint32(id), 1}} }
