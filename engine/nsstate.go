package engine

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// nsID identifies a namespace: the nsfs device and inode.
type nsID struct{ Dev, Ino uint64 }

// original holds the namespaces the process started in. Every thread the Go
// runtime creates is cloned from a thread that is still in them (the template
// thread, or an unlocked thread that never changed), so a fresh worker starts
// here and needs to setns only where the asking thread differs.
var original [numKinds]nsID

func captureOriginal() {
	for k := Kind(0); k < numKinds; k++ {
		var st unix.Stat_t
		if err := unix.Stat(threadNSPath(k.Link()), &st); err == nil {
			original[k] = nsID{st.Dev, st.Ino}
		}
	}
}

// MountNSShared says why the thread running Lua may not change the root of
// its mount namespace: pivot_root(2) moves every process and thread of the
// namespace whose root is the old root, so in nslua's original mount
// namespace it would move the host's processes, and inside ns.with it would
// move the script's thread (or an outer worker) that shares the namespace.
// It returns "" when the namespace is the thread's alone among those.
func (vm *VM) MountNSShared() string {
	id := vm.cur.id[KindMnt]
	if id == original[KindMnt] {
		return "this is nslua's original mount namespace, shared with the processes nslua was started among"
	}
	for _, w := range vm.waiting {
		if w.id[KindMnt] == id {
			return "the script's thread (outside ns.with) is in this mount namespace too"
		}
	}
	return ""
}

// ThreadNS is the namespace set of the thread that runs Lua at a given moment:
// the VM thread, or the worker inside an ns.with. For each joinable kind it
// holds an fd for the namespace when that differs from the process's original
// one; a worker or spawner started on behalf of this thread joins exactly
// those (DESIGN.md §2.2).
type ThreadNS struct {
	fd      [numKinds]int
	id      [numKinds]nsID
	tainted bool // see Taint
}

// NewThreadNS describes a thread that is in the original namespaces.
func NewThreadNS() *ThreadNS {
	s := &ThreadNS{}
	for k := range s.fd {
		s.fd[k] = -1
		s.id[k] = original[k]
	}
	return s
}

// ID returns the dev and inode of the namespace of kind k the thread is in.
func (s *ThreadNS) ID(k Kind) (dev, ino uint64) { return s.id[k].Dev, s.id[k].Ino }

// Fd returns an fd for the namespace of kind k, or -1 when it is the original.
func (s *ThreadNS) Fd(k Kind) int { return s.fd[k] }

// Clone copies the set, duplicating the fds it holds.
func (s *ThreadNS) Clone() (*ThreadNS, error) {
	c := NewThreadNS()
	for k := range s.fd {
		c.id[k] = s.id[k]
		if s.fd[k] >= 0 {
			fd, err := unix.FcntlInt(uintptr(s.fd[k]), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				c.Close()
				return nil, err
			}
			c.fd[k] = fd
		}
	}
	return c, nil
}

// set records that the thread is now in the namespace open as fd (kind k).
// The set takes a duplicate of fd; the caller keeps its own.
func (s *ThreadNS) set(k Kind, fd int, id nsID) error {
	if s.fd[k] >= 0 {
		unix.Close(s.fd[k])
		s.fd[k] = -1
	}
	s.id[k] = id
	if id == original[k] {
		return nil
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return err
	}
	s.fd[k] = dup
	return nil
}

// Refresh re-reads kind k from the calling thread's /proc/thread-self/ns
// entry, after the thread changed it (unshare).
func (s *ThreadNS) Refresh(k Kind) error {
	fd, err := unix.Open(threadNSPath(k.Link()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	id, err := fdID(fd)
	if err != nil {
		return err
	}
	return s.set(k, fd, id)
}

// Close releases the fds the set holds.
func (s *ThreadNS) Close() {
	for k, fd := range s.fd {
		if fd >= 0 {
			unix.Close(fd)
			s.fd[k] = -1
		}
	}
}

func fdID(fd int) (nsID, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nsID{}, err
	}
	return nsID{st.Dev, st.Ino}, nil
}

// Target is one namespace to join: its kind and an open nsfs fd. The fd stays
// owned by whoever made the Target.
type Target struct {
	Kind Kind
	Fd   int
}

// Apply adds targets to the set (the result of joining them), duplicating fds.
func (s *ThreadNS) Apply(targets []Target) error {
	for _, t := range targets {
		id, err := fdID(t.Fd)
		if err != nil {
			return err
		}
		if err := s.set(t.Kind, t.Fd, id); err != nil {
			return err
		}
	}
	return nil
}

// joinOrder is the order a worker enters namespaces in. mnt comes late so that
// nothing after it depends on path resolution; every fd is open beforehand.
var joinOrder = []Kind{KindCgroup, KindIPC, KindUTS, KindNet, KindPID, KindMnt}

// Enter moves the calling thread — which must be locked — from the original
// namespaces into the set: it joins every kind the set holds an fd for. It is
// what a fresh worker or spawner thread does first.
func (s *ThreadNS) Enter() error {
	for _, k := range joinOrder {
		if s.fd[k] < 0 {
			continue
		}
		if err := SetnsThread(k, s.fd[k]); err != nil {
			return &OpError{Op: "setns", Arg: k.String(), Err: err}
		}
	}
	return nil
}

// SetnsThread joins the namespace open as fd on the calling thread. For mnt it
// first unshares CLONE_FS, which setns requires; the thread's cwd is reset.
func SetnsThread(k Kind, fd int) error {
	if k == KindMnt {
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return err
		}
	}
	return unix.Setns(fd, k.Flag())
}

// OpenNS opens an nsfs path O_CLOEXEC and checks with NS_GET_NSTYPE that it is
// a namespace, returning its kind. want < 0 accepts any kind.
func OpenNS(path string, want Kind) (fd int, k Kind, err error) {
	fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, 0, &OpError{Op: "open", Arg: path, Err: err}
	}
	k, err = FdKind(fd)
	if err != nil {
		unix.Close(fd)
		return -1, 0, &OpError{Op: "open", Arg: path, Err: unix.EINVAL, Text: "not a namespace file"}
	}
	if want >= 0 && k != want {
		unix.Close(fd)
		return -1, 0, &OpError{Op: "open", Arg: path, Err: unix.EINVAL,
			Text: fmt.Sprintf("is a %s namespace, not %s", k, want)}
	}
	return fd, k, nil
}

// ioctl requests on nsfs files (linux/nsfs.h).
const (
	NSGetUserns = 0xb701
	NSGetParent = 0xb702
	NSGetNstype = 0xb703
)

// FdKind asks the kernel which kind of namespace fd refers to.
func FdKind(fd int) (Kind, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), NSGetNstype, 0)
	if e != 0 {
		return 0, e
	}
	k, ok := KindByFlag(int(r))
	if !ok {
		return 0, fmt.Errorf("unknown namespace type %#x", r)
	}
	return k, nil
}

// debugf prints engine diagnostics when NSLUA_DEBUG is set.
func debugf(format string, args ...any) {
	if os.Getenv("NSLUA_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "nslua: "+format+"\n", args...)
	}
}
