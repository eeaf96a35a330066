package spawn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Mount is one mount made in the child's new mount namespace before it
// execs (docs/spawn.md). Every mount is first built detached (open_tree or
// fsopen/fsmount) while the spawner still sees the host, so sources and
// overlay layers are host paths; it is attached at Target after the pivot,
// so targets are paths as the child sees them.
type Mount struct {
	Type      string // "bind", or a filesystem type: tmpfs, proc, sysfs, overlay, devpts, mqueue, ...
	Source    string // bind: the host path; other types: the source name (default: the type)
	Target    string // where, inside the child's root
	Options   string // filesystem options: "size=16m,mode=755"; ro/nosuid/nodev/noexec/... are mount flags
	ReadOnly  bool
	Recursive bool // bind: also bind the mounts below Source (as bwrap --bind)
}

// mountAttrs maps the option words that are per-mount flags to MOUNT_ATTR_*.
var mountAttrs = map[string]uint64{
	"ro": unix.MOUNT_ATTR_RDONLY, "nosuid": unix.MOUNT_ATTR_NOSUID, "nodev": unix.MOUNT_ATTR_NODEV,
	"noexec": unix.MOUNT_ATTR_NOEXEC, "noatime": unix.MOUNT_ATTR_NOATIME,
	"relatime": unix.MOUNT_ATTR_RELATIME, "strictatime": unix.MOUNT_ATTR_STRICTATIME,
	"nodiratime": unix.MOUNT_ATTR_NODIRATIME, "rw": 0,
}

// splitOptions separates mount flags from filesystem options.
func (m *Mount) splitOptions() (attrs uint64, fsopts []string) {
	if m.ReadOnly {
		attrs |= unix.MOUNT_ATTR_RDONLY
	}
	for _, o := range strings.Split(m.Options, ",") {
		if o == "" {
			continue
		}
		if a, ok := mountAttrs[o]; ok {
			attrs |= a
			continue
		}
		fsopts = append(fsopts, o)
	}
	return attrs, fsopts
}

// Check validates a spec without touching the system (argument errors).
func (m *Mount) Check() error {
	if m.Target == "" {
		return fmt.Errorf("mount spec without a target")
	}
	if m.Type == "" {
		return fmt.Errorf("mount spec for %s without a type", m.Target)
	}
	if m.Type == "bind" && m.Source == "" {
		return fmt.Errorf("bind mount of %s without a source", m.Target)
	}
	if m.Type == "bind" {
		if _, fsopts := m.splitOptions(); len(fsopts) > 0 {
			return fmt.Errorf("bind mount of %s: option %q is not a mount flag", m.Target, fsopts[0])
		}
	}
	for _, s := range []string{m.Type, m.Source, m.Target, m.Options} {
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("mount spec for %s contains a NUL byte", m.Target)
		}
	}
	return nil
}

// detached builds the mount without attaching it. pidns (an fd, or -1) is
// the pid namespace a proc mount shows.
func (m *Mount) detached(pidns int) (int, error) {
	attrs, fsopts := m.splitOptions()
	if m.Type == "bind" {
		flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if m.Recursive {
			flags |= unix.AT_RECURSIVE
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, m.Source, flags)
		if err != nil {
			return -1, &engine.OpError{Op: "bind", Arg: m.Source, Err: err}
		}
		if attrs != 0 {
			sf := uint(unix.AT_EMPTY_PATH)
			if m.Recursive {
				sf |= unix.AT_RECURSIVE
			}
			if err := unix.MountSetattr(fd, "", sf, &unix.MountAttr{Attr_set: attrs}); err != nil {
				unix.Close(fd)
				return -1, &engine.OpError{Op: "mount_setattr", Arg: m.Target, Err: err}
			}
		}
		return fd, nil
	}
	fsfd, err := unix.Fsopen(m.Type, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, &engine.OpError{Op: "fsopen", Arg: m.Type, Err: err}
	}
	defer unix.Close(fsfd)
	src := m.Source
	if src == "" {
		src = m.Type
	}
	fail := func(key string, err error) (int, error) {
		return -1, &engine.OpError{Op: "fsconfig", Arg: m.Type + " " + key, Err: err, Text: err.Error() + fsLog(fsfd)}
	}
	if err := unix.FsconfigSetString(fsfd, "source", src); err != nil {
		return fail("source", err)
	}
	if m.Type == "proc" && pidns >= 0 {
		if err := unix.FsconfigSetFd(fsfd, "pidns", pidns); err != nil {
			return fail("pidns", err)
		}
	}
	for _, o := range fsopts {
		k, v, hasValue := strings.Cut(o, "=")
		if hasValue {
			err = unix.FsconfigSetString(fsfd, k, v)
		} else {
			err = unix.FsconfigSetFlag(fsfd, k)
		}
		if err != nil {
			return fail(k, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fail("create", err)
	}
	fd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, int(attrs))
	if err != nil {
		return -1, &engine.OpError{Op: "fsmount", Arg: m.Type, Err: err}
	}
	return fd, nil
}

// fsLog reads the kernel's explanation of a failed fsconfig from the fs
// context, if it left one.
func fsLog(fsfd int) string {
	buf := make([]byte, 256)
	n, err := unix.Read(fsfd, buf)
	if err != nil || n <= 0 {
		return ""
	}
	// the log's lines start with a severity letter: "e tmpfs: Bad value"
	msg := strings.TrimSpace(string(buf[:n]))
	if len(msg) > 2 && msg[1] == ' ' && strings.IndexByte("ewi", msg[0]) >= 0 {
		msg = msg[2:]
	}
	return " (" + msg + ")"
}

// attach moves a detached mount onto target. With create, a missing mount
// point is made (a directory, or an empty file for a file bind), as bwrap
// does inside its new root; on the host's own tree nothing is created.
func attach(fd int, m *Mount, create bool) error {
	if create {
		if err := ensureMountpoint(fd, m.Target); err != nil {
			return &engine.OpError{Op: "mkdir", Arg: m.Target, Err: unwrapPath(err)}
		}
	}
	if err := unix.MoveMount(fd, "", unix.AT_FDCWD, m.Target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return &engine.OpError{Op: "mount", Arg: m.Target, Err: err}
	}
	return nil
}

func ensureMountpoint(fd int, target string) error {
	if _, err := os.Lstat(target); err == nil {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		return f.Close()
	}
	return os.MkdirAll(target, 0o755)
}

// mountSet is the mount work of one spawn, in three steps: build (before the
// pivot, host paths), attach (after the pivot), and the part that needs the
// child to exist — proc of a new pid namespace — done while the child is
// held in a ptrace stop at its first exec.
type mountSet struct {
	mounts    []Mount
	fds       []int // detached mounts, -1 where built later
	deferFrom int   // first mount attached while the child is held
	root      string
	hostProc  int // the host's /proc, bound into the new root while Go writes uid_map
	newPID    bool
}

func prepareMounts(cfg *Config, newUser bool) (*mountSet, error) {
	s := &mountSet{mounts: cfg.Mounts, root: cfg.Root, hostProc: -1,
		newPID: has(cfg.New, engine.KindPID), deferFrom: len(cfg.Mounts)}
	s.fds = make([]int, len(s.mounts))
	for i := range s.fds {
		s.fds[i] = -1
	}
	// proc shows the child's pid namespace: when it is new, or when the
	// host's /proc must stay on /proc until Go has written uid_map, it is
	// mounted while the child is held, and so is everything after it.
	deferProc := s.newPID || (s.root != "" && newUser)
	pidns := -1
	for i := range s.mounts {
		m := &s.mounts[i]
		if m.Type == "proc" && deferProc && s.deferFrom == len(s.mounts) {
			s.deferFrom = i
		}
		if m.Type == "proc" && deferProc {
			continue
		}
		if m.Type == "proc" && pidns < 0 {
			fd, err := unix.Open("/proc/thread-self/ns/pid_for_children", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				s.close()
				return nil, &engine.OpError{Op: "open", Arg: "pid_for_children", Err: err}
			}
			defer unix.Close(fd)
			pidns = fd
		}
		fd, err := m.detached(pidns)
		if err != nil {
			s.close()
			return nil, err
		}
		s.fds[i] = fd
	}
	if s.root != "" {
		if err := unix.Mount(s.root, s.root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			s.close()
			return nil, &engine.OpError{Op: "bind", Arg: s.root, Err: err}
		}
		// rootless, the kernel refuses a new proc to a mount namespace
		// without a fully visible one (mount_too_revealing): the host's
		// stays until the new one is made
		if newUser || engine.Rootless {
			fd, err := unix.OpenTree(unix.AT_FDCWD, "/proc", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
			if err != nil {
				s.close()
				return nil, &engine.OpError{Op: "bind", Arg: "/proc", Err: err}
			}
			s.hostProc = fd
		}
	}
	return s, nil
}

func (s *mountSet) close() {
	for i, fd := range s.fds {
		if fd >= 0 {
			unix.Close(fd)
			s.fds[i] = -1
		}
	}
	if s.hostProc >= 0 {
		unix.Close(s.hostProc)
		s.hostProc = -1
	}
}

// pivot makes the new root the spawner's root: pivot_root(".", "."), then
// the old root is detached (never a bare chroot, which a process with
// CAP_SYS_CHROOT can escape).
func (s *mountSet) pivot() error {
	if s.root == "" {
		return nil
	}
	if s.hostProc >= 0 {
		if err := attach(s.hostProc, &Mount{Target: s.root + "/proc"}, true); err != nil {
			return err
		}
	}
	if err := unix.Chdir(s.root); err != nil {
		return &engine.OpError{Op: "chdir", Arg: s.root, Err: err}
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return &engine.OpError{Op: "pivot_root", Arg: s.root, Err: err}
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return &engine.OpError{Op: "umount", Arg: "old root", Err: err}
	}
	if err := unix.Chdir("/"); err != nil {
		return &engine.OpError{Op: "chdir", Arg: "/", Err: err}
	}
	return nil
}

// attachUntilDeferred attaches the mounts that need no child.
func (s *mountSet) attachUntilDeferred() error {
	for i := 0; i < s.deferFrom; i++ {
		if err := attach(s.fds[i], &s.mounts[i], s.root != ""); err != nil {
			return err
		}
	}
	return nil
}

// needsStop says whether the child must be held at its first exec.
func (s *mountSet) needsStop() bool {
	return s.deferFrom < len(s.mounts) || s.hostProc >= 0
}

// finishStopped completes the mounts while the child (traced) is stopped at
// its first exec: the host's /proc goes, the proc of the child's pid
// namespace (taken from its pidfd) and everything after it are mounted, and
// the child is let go.
func (s *mountSet) finishStopped(pid int) error {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &engine.OpError{Op: "wait4", Arg: fmt.Sprint(pid), Err: err}
		}
		break
	}
	if !ws.Stopped() {
		return &engine.OpError{Op: "exec", Arg: fmt.Sprint(pid), Err: unix.ECHILD, Text: "child ended before its first exec"}
	}
	if err := s.attachDeferred(pid); err != nil {
		return err
	}
	if err := unix.PtraceDetach(pid); err != nil {
		return &engine.OpError{Op: "ptrace", Arg: "detach", Err: err}
	}
	return nil
}

func (s *mountSet) attachDeferred(pid int) error {
	unmountHostProc := func() error {
		if s.hostProc >= 0 {
			if err := unix.Unmount("/proc", unix.MNT_DETACH); err != nil {
				return &engine.OpError{Op: "umount", Arg: "/proc", Err: err}
			}
		}
		return nil
	}
	if s.deferFrom >= len(s.mounts) {
		return unmountHostProc()
	}
	pfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return &engine.OpError{Op: "pidfd_open", Arg: fmt.Sprint(pid), Err: err}
	}
	defer unix.Close(pfd)
	pidns, err := pidfdNS(pfd, engine.KindPID)
	if err != nil {
		return &engine.OpError{Op: "ioctl", Arg: "PIDFD_GET_PID_NAMESPACE", Err: err}
	}
	defer unix.Close(pidns)
	// every mount is made while the host's /proc is still there (rootless,
	// a new proc needs it), and attached once it is gone
	for i := s.deferFrom; i < len(s.mounts); i++ {
		if s.fds[i] < 0 {
			fd, err := s.mounts[i].detached(pidns)
			if err != nil {
				return err
			}
			s.fds[i] = fd
		}
	}
	if err := unmountHostProc(); err != nil {
		return err
	}
	for i := s.deferFrom; i < len(s.mounts); i++ {
		m := &s.mounts[i]
		if err := attach(s.fds[i], m, s.root != ""); err != nil {
			return err
		}
	}
	return nil
}
