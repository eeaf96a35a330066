package engine

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Rootless is true when nslua runs as the caller's root inside a user
// namespace of its own (nslua --rootless, the default for a non-root user:
// DESIGN.md §2.5). It owns the namespaces it creates there, but nothing of
// the host's: the host's network namespace, /run and every mount it can see
// belong to the initial user namespace. Set once, before the VM starts.
var Rootless bool

// RuntimeDir holds nslua's state files (topo's state under RuntimeDir/topo).
// Rootless mode moves it, with NetnsDir inside it, to a private tmpfs under
// $XDG_RUNTIME_DIR/nslua that lives and dies with nslua's mount namespace.
var RuntimeDir = "/run/nslua"

// SubIDs is how many user and group ids beyond root the rootless user
// namespace maps (the caller's /etc/subuid and /etc/subgid ranges, mapped to
// 1..n through newuidmap/newgidmap); 0 when only the caller is mapped. A
// container with user = "auto" takes its range from these.
var SubUIDs, SubGIDs int

// RootlessRefusal is the error for what rootless mode cannot do at all:
// something that would have to outlive nslua's own mount namespace, or that
// needs privilege over the host's namespaces. what says what was asked, why
// the reason; the errno is EPERM.
func RootlessRefusal(op, arg, what, why string) *OpError {
	return Errorf(unix.EPERM, op, arg, "rootless mode cannot "+what+": "+why)
}

// Why texts for RootlessRefusal and RootlessError.
const (
	WhyHostNS   = "the host's namespaces belong to the initial user namespace, where a rootless nslua has no privilege (run nslua as root for this)"
	WhyPinsDie  = "pins live in nslua's own mount namespace and end with it (run nslua as root for persistent names)"
	WhyHostRoot = "it is owned by the host's root, and a rootless nslua is root only inside its own user namespace"
)

// RootlessError explains a permission failure (EPERM, EACCES) in rootless
// mode: the returned OpError keeps the errno and the operation and says that
// rootless mode cannot do what was asked, and why. Other errors, and every
// error when not rootless, come back unchanged.
func RootlessError(err error, what, why string) error {
	if !Rootless || err == nil {
		return err
	}
	var en unix.Errno
	if !errors.As(err, &en) || (en != unix.EPERM && en != unix.EACCES) {
		return err
	}
	oe := &OpError{Err: en}
	var inner *OpError
	if errors.As(err, &inner) {
		oe.Op, oe.Arg = inner.Op, inner.Arg
	}
	oe.Text = "rootless mode cannot " + what + ": " + why
	return oe
}

// KeepDumpable makes nslua's process dumpable again in rootless mode, before
// it writes a child's uid_map, gid_map or timens_offsets. Go starts children
// with CLONE_VFORK|CLONE_VM: a child that changes its credentials before
// exec (proc.spawn with uid =) shares nslua's mm at that moment, and the
// kernel then marks that mm non-dumpable. The /proc files of every later
// child are then owned by the initial namespace's root (the mm was made
// there, at exec), so a rootless nslua may no longer write them (EACCES).
// As root nothing changes, and nothing is done.
func KeepDumpable() {
	if Rootless {
		unix.Prctl(unix.PR_SET_DUMPABLE, 1, 0, 0, 0)
	}
}
