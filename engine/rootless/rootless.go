// Package rootless runs nslua for a user without privilege (DESIGN.md §2.5):
// the process the user started re-executes nslua's binary inside a new user
// namespace that maps the caller to root, with a private mount namespace, and
// then only waits. The re-executed nslua owns every namespace it creates from
// there on, so topologies and containers work without root; what belongs to
// the host (its network namespace, /run, its mounts) stays out of reach.
//
// The namespace switch itself happens in engine/nsexec's constructor, before
// the Go runtime starts threads: the kernel refuses unshare(CLONE_NEWUSER) to
// a multi-threaded process.
package rootless

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine/nsexec"
)

// dirEnv carries the runtime directory from the parent to the child.
const dirEnv = "_NSLUA_ROOTLESS_DIR"

// Forwarded are the signals the waiting parent passes on to the child.
var Forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGWINCH}

// Reexec runs nslua again (argv0 and args as given) as root of a new user
// namespace and returns the exit code to leave with: the child's, or 128+n
// when a signal n killed it. stdin, stdout, stderr and the terminal are the
// child's unchanged. Call it from the main goroutine (locked to the main
// thread by the engine): the child's parent-death signal follows the thread
// that forked it, and the main thread lives as long as the process.
func Reexec(argv0 string, args []string) int {
	if !nsexec.Available {
		fmt.Fprintln(os.Stderr, "nslua: rootless mode needs nslua built with cgo (its user namespace is made before the Go runtime starts); run as root or with --no-rootless")
		return 1
	}
	dir, temp, err := runtimeDir()
	if err != nil {
		fmt.Fprintf(os.Stderr, "nslua: rootless: %v\n", err)
		return 1
	}
	if temp {
		defer os.Remove(dir)
	}
	cmd := &exec.Cmd{
		Path:   nsexec.SelfExe,
		Args:   append([]string{argv0}, args...),
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		// Pdeathsig: the child never outlives this process. The
		// constructor arms it again after its credentials changed.
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	env := append(withoutInternal(os.Environ()),
		"_NSLUA_NSEXEC=rootless",
		"_NSLUA_NSEXEC_PPID="+strconv.Itoa(os.Getpid()),
		dirEnv+"="+dir)

	maps := subIDMaps()
	var sync *os.File
	if maps != nil {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nslua: rootless: socketpair: %v\n", err)
			return 1
		}
		sync = os.NewFile(uintptr(fds[0]), "rootless-sync")
		child := os.NewFile(uintptr(fds[1]), "rootless-sync")
		defer sync.Close()
		defer child.Close()
		cmd.ExtraFiles = []*os.File{child}
		env = append(env, "_NSLUA_NSEXEC_SYNC=3")
	}
	cmd.Env = env

	tty := foregroundTerminal()
	if tty >= 0 {
		// The child gets a process group of its own and the terminal's
		// foreground with it, as a shell gives a job: Ctrl-C, Ctrl-Z and
		// window changes then reach the child alone, once, and what this
		// process receives (kill from elsewhere) is forwarded once.
		// (The child takes the foreground before it unblocks signals, so
		// it needs no SIGTTOU ignored for that.)
		cmd.SysProcAttr.Setpgid = true
		cmd.SysProcAttr.Foreground = true
		cmd.SysProcAttr.Ctty = tty
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, Forwarded...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "nslua: rootless: start: %v\n", err)
		return 1
	}
	pid := cmd.Process.Pid
	if tty >= 0 {
		// Only now, so that the child (and every program it runs) does
		// not inherit them ignored, as it would across fork and exec:
		// SIGTTOU, so that this process, in the background, may take the
		// terminal back; SIGTSTP, so that the child's line editor, which
		// suspends itself by signalling its parent too (a shell, it
		// assumes: chzyer/readline), does not stop this process behind
		// wait's back.
		signal.Ignore(syscall.SIGTTOU, syscall.SIGTSTP)
		defer func() {
			// the terminal back to this job's group, unless the job
			// ended in the background (bg): the shell has it then
			if foreground(tty) == pid {
				setForeground(tty, unix.Getpgrp())
			}
		}()
	}
	if sync != nil {
		cmd.ExtraFiles[0].Close()
		maps.write(sync, pid)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	return wait(pid, tty)
}

// wait reaps the child and returns its exit code. With the terminal handed
// to the child, it also does a shell's part when the child stops (Ctrl-Z):
// it takes the terminal back and stops itself, so that the user's shell sees
// the job stopped; when the shell continues it, it continues the child too,
// and hands it the terminal again only when the shell gave the terminal to
// this job (fg), not when it continued it in the background (bg): the
// terminal is then the shell's, and a background job that reads it stops
// again, as any job does.
func wait(pid, tty int) int {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "nslua: rootless: wait: %v\n", err)
			return 1
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		case ws.Stopped() && tty >= 0:
			if foreground(tty) == pid {
				setForeground(tty, unix.Getpgrp())
			}
			stopSelf() // until the shell continues us (fg, bg)
			if foreground(tty) == unix.Getpgrp() {
				setForeground(tty, pid)
			}
			unix.Kill(-pid, unix.SIGCONT)
		}
	}
}

// stopSelf stops this process as Ctrl-Z stops a job (the shell then reports
// it "Stopped"), while SIGTSTP is otherwise ignored here: its default action
// is restored for the one signal and the signal ignored again once the shell
// continued us. The kernel discards it, as for any job, when no shell could
// continue us (an orphaned process group). Go's os/signal cannot give back a
// default action once it ignored a signal, hence the direct rt_sigaction: an
// all-zero struct sigaction is SIG_DFL on every architecture.
func stopSelf() {
	var dfl [4]uint64
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGTSTP), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	unix.Kill(0, unix.SIGTSTP) // the main thread takes it on the way out of kill
	signal.Ignore(syscall.SIGTSTP)
}

// foregroundTerminal returns which of fds 0, 1, 2 is a terminal whose
// foreground process group is this process's, or -1.
func foregroundTerminal() int {
	pgrp := unix.Getpgrp()
	for fd := 0; fd <= 2; fd++ {
		if fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil && fg == pgrp {
			return fd
		}
	}
	return -1
}

// foreground returns the terminal's foreground process group, -1 when it
// cannot be read.
func foreground(tty int) int {
	fg, err := unix.IoctlGetInt(tty, unix.TIOCGPGRP)
	if err != nil {
		return -1
	}
	return fg
}

func setForeground(tty, pgrp int) {
	unix.IoctlSetPointerInt(tty, unix.TIOCSPGRP, pgrp)
}

// idMaps holds the newuidmap/newgidmap arguments for the caller's
// subordinate ranges (either may be nil).
type idMaps struct {
	uid, gid []string
}

// subIDMaps returns the maps to write with newuidmap/newgidmap, or nil when
// the caller has no /etc/subuid and /etc/subgid ranges or the helpers are not
// installed: then the child maps only itself.
func subIDMaps() *idMaps {
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	name := ""
	if data, err := os.ReadFile("/etc/passwd"); err == nil {
		name = userName(bytes.NewReader(data), uid)
	}
	m := &idMaps{}
	if helper("newuidmap") != "" {
		if data, err := os.ReadFile("/etc/subuid"); err == nil {
			if rs := ParseSubIDs(bytes.NewReader(data), name, uid); rs != nil {
				m.uid, _ = MapArgs(uid, rs)
			}
		}
	}
	if helper("newgidmap") != "" {
		if data, err := os.ReadFile("/etc/subgid"); err == nil {
			if rs := ParseSubIDs(bytes.NewReader(data), name, uid); rs != nil {
				m.gid, _ = MapArgs(gid, rs)
			}
		}
	}
	if m.uid == nil && m.gid == nil {
		return nil
	}
	return m
}

// helper finds newuidmap or newgidmap (the uidmap package) where the
// distribution installs it, then in $PATH.
func helper(name string) string {
	for _, p := range []string{"/usr/bin/" + name, "/bin/" + name} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	p, _ := exec.LookPath(name)
	return p
}

// write runs the helpers once the child has made its user namespace, and
// tells it which maps exist; it writes the others itself. A failing helper
// costs the extra ids, not the run: it is reported and the child maps only
// the caller.
func (m *idMaps) write(sync *os.File, pid int) {
	var b [1]byte
	if n, _ := sync.Read(b[:]); n != 1 {
		return // the child failed before unshare; it says why itself
	}
	ans := []byte{'-'}
	run := func(name string, args []string, mark byte) {
		if args == nil {
			return
		}
		out, err := exec.Command(helper(name), append([]string{strconv.Itoa(pid)}, args...)...).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "nslua: rootless: %s: %v: %s (mapping only your own id)\n", name, err, strings.TrimSpace(string(out)))
			return
		}
		ans = append(ans, mark)
	}
	run("newgidmap", m.gid, 'g')
	run("newuidmap", m.uid, 'u')
	sync.Write(ans)
}

// runtimeDir picks the directory the child mounts its private tmpfs on:
// $XDG_RUNTIME_DIR/nslua when the caller has a runtime directory, otherwise
// $TMPDIR/nslua-UID. Only the empty directory is ever visible on the host;
// it is kept for the next run, so a parent killed by SIGKILL leaves nothing
// new behind. Each run mounts its own tmpfs there in its own mount namespace,
// so runs at the same time never see each other's pins. A directory of that
// name that is not ours (another user made it first) is not used: a fresh
// one is, and removed afterwards (temp).
func runtimeDir() (dir string, temp bool, err error) {
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" && filepath.IsAbs(x) && ownDir(x) {
		d := filepath.Join(x, "nslua")
		if err := os.Mkdir(d, 0o700); (err == nil || errors.Is(err, os.ErrExist)) && ownDir(d) {
			return d, false, nil
		}
	}
	d := filepath.Join(os.TempDir(), "nslua-"+strconv.Itoa(os.Getuid()))
	if err := os.Mkdir(d, 0o700); (err == nil || errors.Is(err, os.ErrExist)) && ownDir(d) {
		return d, false, nil
	}
	d, err = os.MkdirTemp("", "nslua-rootless-")
	if err != nil {
		return "", false, err
	}
	return d, true, nil
}

// ownDir reports whether path is a directory (not a symlink) that the caller
// owns and nobody else may write.
func ownDir(path string) bool {
	var st unix.Stat_t
	return unix.Lstat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR &&
		int(st.Uid) == os.Getuid() && st.Mode&0o022 == 0
}

// withoutInternal drops inherited internal variables: a user who runs nslua
// from a rootless nslua's child must not hand it its parent's markers.
func withoutInternal(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "_NSLUA_") {
			out = append(out, kv)
		}
	}
	return out
}
