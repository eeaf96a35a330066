// Package nsexec does the namespace changes a multi-threaded Go process
// cannot: entering an existing user or time namespace (as `nsenter -U -T`)
// and becoming root of a new user namespace (nslua --rootless). The kernel
// allows both only to a single-threaded process, and the Go runtime starts
// threads before main, so the work happens in a C constructor (nsexec.c, in
// the style of runc's nsexec) that runs in a fresh exec of nslua's own
// binary before the Go runtime starts. The constructor acts only when the
// environment carries the marker this package sets.
package nsexec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// SelfExe is what a helper executes: nslua's own binary. The path resolves
// through the kernel's link, so it works even when the file was replaced or
// is not reachable by path.
const SelfExe = "/proc/self/exe"

// Join describes a process that enters existing namespaces, then execs Path.
// The join happens in a fresh process before any thread exists, so user and
// time namespaces are allowed. pid is not among them: setns(pid) only
// affects children, so the thread that starts the helper joins it instead.
type Join struct {
	// Exe is nslua's binary to run the helper from: SelfExe when empty.
	Exe string
	// ExeFd is an open copy of nslua's binary (a sealed memfd)
	// to run instead of Exe: the helper gets it among its fds and is
	// executed through /proc/self/fd, so a process that may reach the
	// helper can never reach the binary on disk (runc's CVE-2019-5736).
	// Zero means unset (fd 0 is never a binary).
	ExeFd int
	// Path is the payload: a path, or a bare name looked up in the PATH of
	// Env after the namespaces were joined (inside a joined mount
	// namespace, as nsenter does).
	Path string
	Args []string // its argv, Args[0] included
	Env  []string // its environment; nil: nslua's own
	// NS lists the namespaces to enter: any kind but pid. The fds stay the
	// caller's; Command duplicates them.
	NS []engine.Target
	// Unshare holds CLONE_NEW* flags to create after joining (owned by the
	// joined user namespace). CLONE_NEWPID is refused: see above.
	Unshare int
	// UID and GID the payload runs as, -1 to keep nslua's. When a user
	// namespace is joined, -1 means that namespace's root, as nsenter -U.
	UID, GID int
	Dir      string         // working directory after joining ("" keep)
	Deathsig syscall.Signal // armed again after the credential change
	// TimeOffsets, when not empty, gives the payload a new time namespace
	// with these offsets, as /proc/PID/timens_offsets takes them
	// ("monotonic 5 0\nboottime 10 0\n"); not with a time namespace to join.
	TimeOffsets string
	// ProcFd, when > 0, is an open /proc the helper reaches
	// timens_offsets through (its own root may have no /proc).
	ProcFd int
	// Caps, when not nil, is the bounding set the payload keeps (a bit per
	// capability number); the helper drops the rest and clears the ambient
	// and inheritable sets, after the joins (setns into a user namespace
	// gives a full bounding set) and before the credentials change.
	Caps *uint64
	// NoNewPrivs sets no_new_privs on the payload, as setpriv
	// --no-new-privs (the helper sets it just before the execve).
	NoNewPrivs bool
}

// Pending is a started helper whose payload has not been exec'd yet.
type Pending struct {
	r     *os.File   // read end of the error pipe
	files []*os.File // our copies of what the child inherited
}

// Helper is what starts a Join's helper process: run Exe with Args and Env,
// with the caller's stdin, stdout and stderr as fds 0-2 and Extra as fds
// 3, 4, ... (os.StartProcess's Files, or exec.Cmd's ExtraFiles).
type Helper struct {
	Exe   string
	Args  []string
	Env   []string
	Extra []*os.File
	*Pending
}

// Prepare builds the helper for j. The caller starts it (any SysProcAttr:
// Setsid, Setctty, Pdeathsig, Cloneflags for namespaces that are not joined)
// and must then call Started with the start error; when Started fails, the
// caller reaps the process.
func (j *Join) Prepare() (*Helper, error) {
	if j.Path == "" || len(j.Args) == 0 {
		return nil, errors.New("nsexec: no program")
	}
	if j.Unshare&unix.CLONE_NEWPID != 0 {
		return nil, engine.Errorf(unix.EINVAL, "unshare", "pid", "a new pid namespace cannot be combined with joining a user or time namespace")
	}
	p := &Pending{}
	ok := false
	defer func() {
		if !ok {
			p.release()
		}
	}()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, &engine.OpError{Op: "pipe", Arg: "nsexec", Err: err}
	}
	p.r = r
	p.files = append(p.files, w)
	env := j.Env
	if env == nil {
		env = os.Environ()
	}
	env = withoutMarkers(env)
	h := &Helper{Exe: j.Exe, Args: j.Args, Pending: p}
	if h.Exe == "" {
		h.Exe = SelfExe
	}
	set := func(k, v string) { env = append(env, k+"="+v) }
	set("_NSLUA_NSEXEC", "join")
	set("_NSLUA_NSEXEC_PATH", j.Path)
	set("_NSLUA_NSEXEC_ERR", strconv.Itoa(3))
	h.Extra = append(h.Extra, w)
	for _, t := range j.NS {
		if t.Kind == engine.KindPID {
			return nil, engine.Errorf(unix.EINVAL, "setns", "pid", "join the pid namespace on the spawning thread")
		}
		fd, err := unix.FcntlInt(uintptr(t.Fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, &engine.OpError{Op: "dup", Arg: "namespace fd", Err: err}
		}
		f := os.NewFile(uintptr(fd), t.Kind.String())
		p.files = append(p.files, f)
		set("_NSLUA_NSEXEC_"+strings.ToUpper(t.Kind.String()), strconv.Itoa(3+len(h.Extra)))
		h.Extra = append(h.Extra, f)
	}
	if j.ExeFd > 0 {
		fd, err := unix.FcntlInt(uintptr(j.ExeFd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, &engine.OpError{Op: "dup", Arg: "nslua binary", Err: err}
		}
		f := os.NewFile(uintptr(fd), "nslua")
		p.files = append(p.files, f)
		n := strconv.Itoa(3 + len(h.Extra))
		h.Exe = "/proc/self/fd/" + n
		set("_NSLUA_NSEXEC_EXEFD", n)
		h.Extra = append(h.Extra, f)
	}
	if j.TimeOffsets != "" {
		for _, t := range j.NS {
			if t.Kind == engine.KindTime {
				return nil, engine.Errorf(unix.EINVAL, "unshare", "time", "time offsets need a new time namespace, not one to join")
			}
		}
		set("_NSLUA_NSEXEC_OFFSETS", j.TimeOffsets)
		if j.ProcFd > 0 {
			fd, err := unix.FcntlInt(uintptr(j.ProcFd), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				return nil, &engine.OpError{Op: "dup", Arg: "/proc", Err: err}
			}
			f := os.NewFile(uintptr(fd), "/proc")
			p.files = append(p.files, f)
			set("_NSLUA_NSEXEC_PROCFD", strconv.Itoa(3+len(h.Extra)))
			h.Extra = append(h.Extra, f)
		}
	}
	if j.Caps != nil {
		set("_NSLUA_NSEXEC_CAPS", strconv.FormatUint(*j.Caps, 16))
	}
	if j.NoNewPrivs {
		set("_NSLUA_NSEXEC_NNP", "1")
	}
	if j.Unshare != 0 {
		set("_NSLUA_NSEXEC_UNSHARE", strconv.Itoa(j.Unshare))
	}
	if j.UID >= 0 {
		set("_NSLUA_NSEXEC_UID", strconv.Itoa(j.UID))
	}
	if j.GID >= 0 {
		set("_NSLUA_NSEXEC_GID", strconv.Itoa(j.GID))
	}
	if j.Dir != "" {
		set("_NSLUA_NSEXEC_CWD", j.Dir)
	}
	if j.Deathsig != 0 {
		set("_NSLUA_NSEXEC_PDEATHSIG", strconv.Itoa(int(j.Deathsig)))
	}
	h.Env = env
	ok = true
	return h, nil
}

// Command is Prepare as an exec.Cmd. The caller may set Stdin, Stdout,
// Stderr and SysProcAttr before Start, then must call Started (with what
// Start returned) and, when that fails, reap the process with cmd.Wait.
func (j *Join) Command() (*exec.Cmd, *Pending, error) {
	h, err := j.Prepare()
	if err != nil {
		return nil, nil, err
	}
	return &exec.Cmd{Path: h.Exe, Args: h.Args, Env: h.Env, ExtraFiles: h.Extra}, h.Pending, nil
}

// Started waits until the helper exec'd the payload (nil) or failed (an
// *engine.OpError naming the step, e.g. "EPERM: setns(user): operation not
// permitted"). startErr is what cmd.Start returned; Started releases the
// descriptors either way.
func (p *Pending) Started(startErr error) error {
	if p == nil {
		return startErr
	}
	// Our copies must go before we read, or EOF never comes.
	for _, f := range p.files {
		f.Close()
	}
	p.files = nil
	defer p.release()
	if startErr != nil {
		return startErr
	}
	msg, err := io.ReadAll(io.LimitReader(p.r, 4096))
	if err != nil {
		return &engine.OpError{Op: "read", Arg: "nsexec pipe", Err: err}
	}
	if len(msg) == 0 {
		return nil // the pipe closed on execve: the payload runs
	}
	return parseFailure(string(msg))
}

func (p *Pending) release() {
	for _, f := range p.files {
		f.Close()
	}
	p.files = nil
	if p.r != nil {
		p.r.Close()
		p.r = nil
	}
}

// parseFailure reads the constructor's "op\targ\terrno" report.
func parseFailure(msg string) error {
	parts := strings.SplitN(msg, "\t", 3)
	if len(parts) == 3 {
		if n, err := strconv.Atoi(parts[2]); err == nil {
			return &engine.OpError{Op: parts[0], Arg: parts[1], Err: unix.Errno(n)}
		}
	}
	return fmt.Errorf("nsexec: malformed report %q", msg)
}

// withoutMarkers drops inherited marker variables, so that a payload started
// by a rootless nslua never acts on its parent's.
func withoutMarkers(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "_NSLUA_NSEXEC") {
			out = append(out, kv)
		}
	}
	return out
}
