// Package spawn starts processes in new or existing namespaces, the way
// unshare(1), nsenter(1) and bwrap(1) do, on spawner threads (DESIGN.md §2.3):
// every child gets a dedicated locked OS thread that joins the script's
// namespaces and the requested ones, unshares the new mount and uts
// namespaces, builds the mounts and the new root, forks the child and waits
// for it. The thread dies with the goroutine when the child has been reaped,
// so a Pdeathsig set on the child fires exactly when nslua dies.
//
// This file holds the plain Go layer; lua.go binds it to Lua as proc.spawn
// and proc.run.
package spawn

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Config describes one child. The zero value of each field means "as nslua".
type Config struct {
	Argv []string
	Env  []string // the child's complete environment (nil: empty)
	Dir  string   // working directory, resolved inside the child's root

	// Base is the namespace set of the thread running Lua (vm.Current()):
	// the child starts from it, pid_for_children included.
	Base *engine.ThreadNS
	// Join lists existing namespaces to enter (fds stay the caller's).
	Join []engine.Target
	// New lists the kinds to create.
	New []engine.Kind

	UIDMap, GIDMap []syscall.SysProcIDMap // with a new user namespace
	TimeOffsets    *TimeOffsets           // with a new time namespace

	Hostname string  // set in the new uts namespace
	Root     string  // new root (pivot_root), a host path; needs a new mnt namespace
	Mounts   []Mount // made in the new mount namespace, in order, before exec

	UID, GID *int // credentials of the child

	// Caps, when not nil, is the bounding set the child keeps (the rest is
	// dropped); NoNewPrivs sets no_new_privs. Both are set on the spawner
	// thread, whose children inherit them, or — in a new user namespace,
	// which starts with a full bounding set — by the helper (helper.go).
	Caps       *CapSet
	NoNewPrivs bool

	// Files are the child's fds 0, 1, 2 (nil: closed). Start does not
	// close them.
	Files [3]*os.File
	// Tty makes the child a session leader with Files[0] (a terminal) as its
	// controlling terminal.
	Tty bool

	// Timeout, when > 0, ends the child's process group: SIGTERM, then
	// SIGKILL KillGrace later to what is left of it (timeout -k).
	Timeout   time.Duration
	KillGrace time.Duration
}

// TimeOffsets are the clock offsets of a new time namespace, as
// unshare --monotonic/--boottime take them.
type TimeOffsets struct {
	Monotonic, Boottime time.Duration
}

// Process is a started child.
//
// The child leads a process group of its own (setpgid, or setsid with Tty),
// so that a timeout and Kill reach what it started too, as timeout(1) and a
// shell's job control do; Signal reaches the child alone, as kill(1) does.
// The exception is a child whose stdin is the terminal nslua runs in the
// foreground of: it stays in nslua's group, as with timeout --foreground,
// because in a group of its own it would be stopped (SIGTTIN, SIGTTOU) as
// soon as it read the terminal or changed its modes. Then Kill and the
// timeout signal the child alone.
type Process struct {
	Pid  int
	proc *os.Process
	done chan struct{}

	group    bool          // the child leads a process group of its own
	mu       sync.Mutex    // guards pidfd against Release
	pidfd    int           // the child's, open until Release; -1 after
	released chan struct{} // closed by Release

	state    *os.ProcessState // valid once done is closed
	waitErr  error
	timedOut atomic.Bool
}

// Done is closed when the child has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Running reports whether the child has not been reaped yet.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Signal sends sig to the child, through a pidfd, so a recycled pid is never
// hit. After the child was reaped it returns ESRCH.
func (p *Process) Signal(sig unix.Signal) error {
	if !p.Running() {
		return unix.ESRCH
	}
	err := p.proc.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return unix.ESRCH
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// SignalGroup sends sig to the child's process group, through the child's
// pidfd (PIDFD_SIGNAL_PROCESS_GROUP), so it reaches the group also after the
// child was reaped, and never a group that took its number since. A child
// that has no group of its own (see Process) gets sig alone. ESRCH when
// nothing of the group is left, or after Release.
func (p *Process) SignalGroup(sig unix.Signal) error {
	if !p.group {
		return p.Signal(sig)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pidfd < 0 {
		return unix.ESRCH
	}
	_, _, e := unix.Syscall6(unix.SYS_PIDFD_SEND_SIGNAL, uintptr(p.pidfd), uintptr(sig), 0,
		unix.PIDFD_SIGNAL_PROCESS_GROUP, 0, 0)
	if e == unix.EINVAL && p.Running() {
		// before Linux 6.9: the leader is not reaped yet, so its number is
		// still the group's
		e = 0
		if err := unix.Kill(-p.Pid, sig); err != nil {
			e = err.(unix.Errno)
		}
	}
	if e != 0 {
		return e
	}
	return nil
}

// Release closes the child's pidfd: the group can no longer be signalled.
// The binding calls it when it lets the process object go (after a wait or
// the kill at script end); idempotent.
func (p *Process) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
		p.pidfd = -1
		close(p.released)
	}
}

// Status is how a child ended.
type Status struct {
	Code     int // exit status, or 128 + signal
	Signal   int // 0 unless killed by a signal
	TimedOut bool
}

// SharesTerminalSignals reports whether the child stays in nslua's process
// group (a child reading nslua's foreground terminal, see Process): the
// terminal's Ctrl-C then reaches both at once.
func (p *Process) SharesTerminalSignals() bool { return !p.group }

// Status returns the exit status; valid once Done is closed.
func (p *Process) Status() Status {
	s := Status{TimedOut: p.timedOut.Load()}
	if p.state == nil {
		s.Code = 255
		return s
	}
	ws, _ := p.state.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		s.Signal = int(ws.Signal())
		s.Code = 128 + s.Signal
	default:
		s.Code = ws.ExitStatus()
	}
	return s
}

// PidfdNS opens the child's namespace of kind k through its pidfd
// (ioctl PIDFD_GET_*_NAMESPACE), independent of any /proc mount.
func (p *Process) PidfdNS(k engine.Kind) (int, error) {
	if !p.Running() {
		return -1, &engine.OpError{Op: "pidfd_open", Arg: fmt.Sprint(p.Pid), Err: unix.ESRCH}
	}
	pfd, err := unix.PidfdOpen(p.Pid, 0)
	if err != nil {
		return -1, &engine.OpError{Op: "pidfd_open", Arg: fmt.Sprint(p.Pid), Err: err}
	}
	defer unix.Close(pfd)
	fd, err := pidfdNS(pfd, k)
	if err != nil {
		return -1, &engine.OpError{Op: "ioctl", Arg: "PIDFD_GET_" + strings.ToUpper(k.String()) + "_NAMESPACE", Err: err}
	}
	return fd, nil
}

// pidfd ioctls (linux/pidfd.h): _IO(0xFF, n), in this order of kinds.
var pidfdNSIoctl = map[engine.Kind]uintptr{
	engine.KindCgroup: 0xFF01, engine.KindIPC: 0xFF02, engine.KindMnt: 0xFF03,
	engine.KindNet: 0xFF04, engine.KindPID: 0xFF05, engine.KindTime: 0xFF07,
	engine.KindUser: 0xFF09, engine.KindUTS: 0xFF0A,
}

func pidfdNS(pidfd int, k engine.Kind) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(pidfd), pidfdNSIoctl[k], 0)
	if e != 0 {
		return -1, e
	}
	unix.CloseOnExec(int(r))
	return int(r), nil
}

var warmOnce sync.Once

// warm does, once and on an ordinary thread in nslua's original namespaces,
// what the standard library would otherwise do lazily on the first spawner
// thread (DESIGN.md §2): Go's pidfd probe forks a throwaway child, which in a
// new pid namespace would become its init and die; time.Local reads
// /etc/localtime from whatever root the thread sees. It also marks every fd
// nslua inherited close-on-exec: no descriptor of nslua's reaches a child.
func warm() {
	warmOnce.Do(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				p.Release()
			}
			_, _ = time.Now().In(time.Local).Zone()
			_ = unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
		}()
		<-done
	})
}

// Start launches the child on its own spawner thread and returns once it
// runs (or failed to start). The spawner reaps it; Done tells when.
func Start(cfg *Config) (*Process, error) {
	if len(cfg.Argv) == 0 {
		return nil, errors.New("empty argv")
	}
	warm()
	engine.KeepDumpable()
	st, err := cfg.Base.Clone()
	if err != nil {
		return nil, &engine.OpError{Op: "dup", Arg: "namespace fd", Err: err}
	}
	join, late := cfg.Join, []engine.Target(nil)
	if needsFresh(cfg.Join) {
		join, late = splitFresh(cfg.Base, cfg.Join)
	}
	if err := st.Apply(join); err != nil {
		st.Close()
		return nil, &engine.OpError{Op: "fstat", Arg: "namespace fd", Err: err}
	}
	p := &Process{done: make(chan struct{}), pidfd: -1, released: make(chan struct{})}
	p.group = cfg.Tty || !foregroundTerminal(cfg.Files[0])
	started := make(chan error, 1)
	go p.spawner(cfg, st, late, started)
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// spawner is the body of a spawner thread. It never unlocks its thread: the
// thread may sit in foreign namespaces and under a different root, and the
// child's Pdeathsig is tied to it, so it must die exactly when the child has
// been reaped.
func (p *Process) spawner(cfg *Config, st *engine.ThreadNS, late []engine.Target, started chan<- error) {
	runtime.LockOSThread()
	defer func() {
		if r := recover(); r != nil {
			started <- fmt.Errorf("internal error on spawner thread: %v", r)
		}
	}()
	var proc *os.Process
	var err error
	setpgid := p.group && !cfg.Tty // Tty: setsid makes it a group leader
	if late != nil {
		proc, err = launchFresh(cfg, st, late, setpgid)
	} else {
		proc, err = launch(cfg, st, setpgid)
	}
	st.Close()
	if err == nil {
		// our child, not reaped yet: the pid is surely its
		fd, perr := unix.PidfdOpen(proc.Pid, unix.PIDFD_NONBLOCK)
		if perr != nil {
			abort(proc)
			err = &engine.OpError{Op: "pidfd_open", Arg: strconv.Itoa(proc.Pid), Err: perr}
		} else {
			p.pidfd = fd
		}
	}
	if err != nil {
		started <- err
		return
	}
	p.proc, p.Pid = proc, proc.Pid
	started <- nil
	if cfg.Timeout > 0 {
		go p.enforceTimeout(cfg.Timeout, cfg.KillGrace)
	}
	p.state, p.waitErr = proc.Wait()
	// a group with nobody left needs no handle: a process object the script
	// drops then holds no descriptor (its pipes close at their end too)
	if p.group && errors.Is(p.SignalGroup(0), unix.ESRCH) {
		p.Release()
	}
	close(p.done)
}

// enforceTimeout is timeout -k for the child's process group: SIGTERM
// after timeout, SIGKILL grace later to whatever is left of the group (the
// child's own children may hold its output pipes open), unless the process
// object was released meanwhile.
func (p *Process) enforceTimeout(timeout, grace time.Duration) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return
	case <-p.released:
		return
	case <-t.C:
	}
	p.timedOut.Store(true)
	_ = p.SignalGroup(unix.SIGTERM)
	t.Reset(grace)
	select {
	case <-p.released:
	case <-t.C:
		_ = p.SignalGroup(unix.SIGKILL)
	}
}

// Kill sends SIGKILL to the child's process group (or the child alone, see
// Process) and waits up to d for the child to be reaped: the VM's closer at
// script end. It reaches the group also when the child ended before.
func (p *Process) Kill(d time.Duration) error {
	if err := p.SignalGroup(unix.SIGKILL); err != nil && err != unix.ESRCH {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(d):
		return fmt.Errorf("pid %d not reaped after SIGKILL", p.Pid)
	}
}

func has(kinds []engine.Kind, k engine.Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// cloneKinds are created by clone flags on the child itself; mnt and uts are
// unshared on the spawner, which must prepare them before the fork.
var cloneKinds = []engine.Kind{engine.KindCgroup, engine.KindIPC, engine.KindNet,
	engine.KindPID, engine.KindTime, engine.KindUser}

// launch runs on the locked spawner thread: it prepares the thread's
// namespaces and mounts, forks the child and finishes the mounts that need it.
func launch(cfg *Config, st *engine.ThreadNS, setpgid bool) (*os.Process, error) {
	if err := st.Enter(); err != nil {
		return nil, err
	}
	newMnt := has(cfg.New, engine.KindMnt)
	if newMnt {
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return nil, &engine.OpError{Op: "unshare", Arg: "mnt", Err: err}
		}
		// Clone flags alone would leave the mounts shared with the host.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return nil, &engine.OpError{Op: "mount", Arg: "/ rprivate", Err: err}
		}
	}
	if has(cfg.New, engine.KindUTS) {
		if err := unix.Unshare(unix.CLONE_NEWUTS); err != nil {
			return nil, &engine.OpError{Op: "unshare", Arg: "uts", Err: err}
		}
		if cfg.Hostname != "" {
			if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
				return nil, &engine.OpError{Op: "sethostname", Arg: cfg.Hostname, Err: err}
			}
		}
	}
	sys := &syscall.SysProcAttr{}
	for _, k := range cloneKinds {
		if has(cfg.New, k) && !(k == engine.KindTime && cfg.TimeOffsets != nil) {
			sys.Cloneflags |= uintptr(k.Flag())
		}
	}
	newUser := has(cfg.New, engine.KindUser)
	if newUser {
		sys.UidMappings, sys.GidMappings = cfg.UIDMap, cfg.GIDMap
		sys.GidMappingsEnableSetgroups = os.Geteuid() == 0 && initialUserNS()
	}
	if cfg.UID != nil || cfg.GID != nil || newUser {
		c := &syscall.Credential{NoSetGroups: newUser}
		if cfg.UID != nil {
			c.Uid = uint32(*cfg.UID)
		} else if !newUser {
			c.Uid = uint32(os.Getuid())
		}
		if cfg.GID != nil {
			c.Gid = uint32(*cfg.GID)
		} else if !newUser {
			c.Gid = uint32(os.Getgid())
		}
		sys.Credential = c
	}
	if cfg.Tty {
		sys.Setsid, sys.Setctty, sys.Ctty = true, true, 0
	}
	sys.Setpgid = setpgid
	if pdeathsigSafe(has(cfg.New, engine.KindPID)) {
		sys.Pdeathsig = syscall.SIGKILL
	}

	m, err := prepareMounts(cfg, newUser)
	if err != nil {
		return nil, err
	}
	defer m.close()
	if err := restrict(cfg, newUser); err != nil {
		return nil, err
	}
	if needsHelper(cfg) {
		return launchHelper(cfg, sys, m)
	}
	if err := m.pivot(); err != nil {
		return nil, err
	}
	if err := m.attachUntilDeferred(); err != nil {
		return nil, err
	}
	path, err := lookPath(cfg.Argv[0], cfg.Env, cfg.Dir)
	if err != nil {
		return nil, err
	}
	sys.Ptrace = m.needsStop()
	proc, err := os.StartProcess(path, cfg.Argv, &os.ProcAttr{
		Dir: cfg.Dir, Env: envOrEmpty(cfg.Env), Files: cfg.Files[:], Sys: sys,
	})
	if err != nil {
		return nil, startError(cfg, path, err)
	}
	if sys.Ptrace {
		if err := m.finishStopped(proc.Pid); err != nil {
			abort(proc)
			return nil, err
		}
	}
	return proc, nil
}

// restrict applies no_new_privs and, outside a new user namespace, the
// bounding set on the spawner thread; the child inherits both.
func restrict(cfg *Config, newUser bool) error {
	if cfg.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return &engine.OpError{Op: "prctl", Arg: "PR_SET_NO_NEW_PRIVS", Err: err}
		}
	}
	if cfg.Caps != nil && !newUser {
		return dropBounding(*cfg.Caps)
	}
	return nil
}

// needsHelper says whether the child must start as the helper: time offsets,
// or a bounding set inside a new user namespace.
func needsHelper(cfg *Config) bool {
	return cfg.TimeOffsets != nil || (cfg.Caps != nil && has(cfg.New, engine.KindUser))
}

// envOrEmpty keeps a nil environment from meaning "nslua's own" to os/exec.
func envOrEmpty(env []string) []string {
	if env == nil {
		return []string{}
	}
	return env
}

// abort kills a child that could not be set up and reaps it.
func abort(proc *os.Process) {
	_ = proc.Signal(unix.SIGKILL)
	_ = unix.PtraceDetach(proc.Pid)
	_, _ = proc.Wait()
}

// startError turns os.StartProcess's error into the failure triple.
func startError(cfg *Config, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		err = se.Err
	}
	en, _ := err.(syscall.Errno)
	if has(cfg.New, engine.KindUser) && (en == unix.EPERM || en == unix.EINVAL) {
		return &engine.OpError{Op: "write", Arg: "uid_map/gid_map", Err: err,
			Text: fmt.Sprintf("%s; the kernel refused uid_map %s, gid_map %s",
				err, FormatMap(cfg.UIDMap), FormatMap(cfg.GIDMap))}
	}
	if en == unix.ENOENT && cfg.Dir != "" {
		if _, serr := os.Stat(cfg.Dir); serr != nil {
			return &engine.OpError{Op: "chdir", Arg: cfg.Dir, Err: err}
		}
	}
	return &engine.OpError{Op: "exec", Arg: path, Err: err}
}

// FormatMap shows an id map as uid_map does: "0 100000 65536".
func FormatMap(m []syscall.SysProcIDMap) string {
	var parts []string
	for _, e := range m {
		parts = append(parts, fmt.Sprintf("%d %d %d", e.ContainerID, e.HostID, e.Size))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// foregroundTerminal reports whether f is a terminal whose foreground
// process group is nslua's (tcgetpgrp(f) == getpgrp()): a child reading it
// must stay in that group (see Process).
func foregroundTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	fg, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

// pdeathsigSafe says whether the child may get Pdeathsig. Go's child kills
// itself when getppid() differs from the parent's pid, which is always so in
// a pid namespace other than the parent's — harmlessly only for the init of a
// new one, which ignores the signal (DESIGN.md §2). A child that joins
// another pid namespace dies with that namespace's init instead.
func pdeathsigSafe(newPID bool) bool {
	if newPID {
		return true
	}
	var a, b unix.Stat_t
	if unix.Stat("/proc/thread-self/ns/pid", &a) != nil || unix.Stat("/proc/thread-self/ns/pid_for_children", &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// initialUserNS reports whether nslua runs in the initial user namespace
// (uid_map "0 0 4294967295").
func initialUserNS() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// lookPath resolves argv[0] as execvp would, with the child's PATH, on the
// spawner thread after the pivot: the answer is the one inside the new root.
func lookPath(name string, env []string, dir string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !strings.HasPrefix(p, "/") && dir != "" {
			p = dir + "/" + p
		}
		if err := executable(p); err != nil {
			return "", &engine.OpError{Op: "exec", Arg: name, Err: err}
		}
		return name, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	var firstErr error = unix.ENOENT
	for _, d := range strings.Split(path, ":") {
		if d == "" {
			d = "."
		}
		p := d + "/" + name
		err := executable(p)
		if err == nil {
			return p, nil
		}
		if err != unix.ENOENT && err != unix.ENOTDIR && firstErr == unix.ENOENT {
			firstErr = err
		}
	}
	return "", &engine.OpError{Op: "exec", Arg: name, Err: firstErr,
		Text: firstErr.Error() + " (searched PATH=" + path + ")"}
}

func executable(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.EACCES
	}
	return unix.Access(p, unix.X_OK)
}
