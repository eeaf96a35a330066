// Package ns is nslua's namespace layer: moving the calling thread into new
// namespaces (unshare(1)), creating namespaces the script is not in and
// pinning them (ip netns add, unshare --net=FILE), removing pins (ip netns
// del), listing every namespace of the system (lsns) and the uts names
// (hostname(1), domainname(1)). This file and its siblings are plain Go; lua.go
// binds them to Lua.
package ns

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/mountinfo"
	"github.com/nslua/nslua/engine/sysctl"
)

// Propagations are the accepted values of ns.unshare's propagation option,
// as unshare(1)'s --propagation.
var Propagations = []string{"private", "shared", "slave", "unchanged"}

var propagationFlag = map[string]uintptr{
	"private": unix.MS_PRIVATE,
	"shared":  unix.MS_SHARED,
	"slave":   unix.MS_SLAVE,
}

// Unshare moves the calling thread — the thread running Lua — into new
// namespaces of the given kinds and records them in cur. A new mount
// namespace gets the propagation asked for on every mount ("private" unless
// told otherwise), so that mounts made there stay there. Equivalent to:
// `unshare --mount --net ...` for the shell itself.
//
// A new pid namespace gets its init at once (StartInit), whose pid is
// returned (0 otherwise): the caller ends it with KillInit when the script
// ends.
func Unshare(cur *engine.ThreadNS, kinds []engine.Kind, propagation string) (initPid int, err error) {
	flags, names := 0, make([]string, 0, len(kinds))
	for _, k := range kinds {
		if !k.Joinable() {
			return 0, engine.UnjoinableError("unshare", k)
		}
		flags |= k.Flag()
		names = append(names, k.String())
	}
	arg := strings.Join(names, ",")
	if err := unix.Unshare(flags); err != nil {
		oe := &engine.OpError{Op: "unshare", Arg: arg, Err: err}
		if err == unix.EINVAL && flags&unix.CLONE_NEWPID != 0 {
			oe.Text = "children already go to a pid namespace other than the script's own; " +
				"the kernel nests a new one only below the caller's own (start a process there with proc.spawn{ns = {pid = \"new\"}})"
		}
		return 0, oe
	}
	if flags&unix.CLONE_NEWPID != 0 {
		if initPid, err = StartInit(); err != nil {
			return 0, err
		}
	}
	for _, k := range kinds {
		if err := cur.Refresh(k); err != nil {
			return initPid, &engine.OpError{Op: "open", Arg: "/proc/thread-self/ns/" + k.Link(), Err: err}
		}
	}
	if flags&unix.CLONE_NEWNS != 0 {
		return initPid, setPropagation(propagation)
	}
	return initPid, nil
}

// setPropagation makes every mount of the calling thread's mount namespace
// private, slave or shared (mount --make-rprivate /).
func setPropagation(propagation string) error {
	if propagation == "" {
		propagation = "private"
	}
	if propagation == "unchanged" {
		return nil
	}
	if err := unix.Mount("", "/", "", propagationFlag[propagation]|unix.MS_REC, ""); err != nil {
		return &engine.OpError{Op: "mount", Arg: "/ (" + propagation + ")", Err: err}
	}
	return nil
}

// Create makes a new namespace of kind k (net, uts, ipc, mnt, cgroup; user
// and time come from CreateChild) that the script is not in and returns an
// O_CLOEXEC fd for it: a worker thread that joined the script's namespaces
// unshares k and opens its own /proc/thread-self/ns entry, so only the fd
// keeps the namespace alive. A mount namespace gets the given propagation (as
// Unshare). Equivalent to the first half of `ip netns add`.
//
// net, uts, ipc and cgroup are made on a pooled thread, which records the
// change and goes back to the original namespace before it parks: that saves
// a thread's creation and exit (about half the cost of an ns.create("net")
// beside the kernel's own 0.6 ms). A mount namespace changes the thread's
// root and cwd view, so its thread dies afterwards.
//
// cpu >= 0 runs the worker on that CPU: namespace ids come from per-CPU
// batches, which matters when a mount namespace must be newer than the
// script's to be pinned from it (CreatePinnedMnt).
func Create(cur *engine.ThreadNS, k engine.Kind, propagation string, cpu int) (int, error) {
	if pooledKind(k) && cpu < 0 {
		return createPooled(cur, k, nil)
	}
	fd := -1
	err := engine.OnWorker(cur, nil, func(*engine.ThreadNS) error {
		if cpu >= 0 {
			var set unix.CPUSet
			set.Set(cpu)
			unix.SchedSetaffinity(0, &set) // the thread dies afterwards
		}
		if err := unix.Unshare(k.Flag()); err != nil {
			return &engine.OpError{Op: "unshare", Arg: k.String(), Err: err}
		}
		if k == engine.KindMnt {
			if err := setPropagation(propagation); err != nil {
				return err
			}
		}
		var err error
		fd, err = openOwn(k)
		return err
	})
	return fd, err
}

// openOwn opens the calling thread's namespace of kind k, O_CLOEXEC.
func openOwn(k engine.Kind) (int, error) {
	fd, err := unix.Open("/proc/thread-self/ns/"+k.String(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &engine.OpError{Op: "open", Arg: "/proc/thread-self/ns/" + k.String(), Err: err}
	}
	return fd, nil
}

// NetOpts is what a new network namespace gets on the thread that makes it,
// before anyone else can see it: the sysctls first, then the loopback.
type NetOpts struct {
	Lo      bool     // loopback up: `ip -n X link set lo up`
	Sysctls []Sysctl // written in this order: `ip netns exec X sysctl -w K=V`
}

// Sysctl is one per-namespace setting of NetOpts: Key as the script spelt
// it (for messages), Path the file it names (sysctl.Path).
type Sysctl struct{ Key, Path, Value string }

// key identifies the options, so that a namespace made ahead is given only
// to a call that asks for the same: by the files written, not by how their
// keys are spelt, and quoted so that no two different sets share a key.
func (o NetOpts) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v", o.Lo)
	for _, s := range o.Sysctls {
		fmt.Fprintf(&b, " %q=%q", s.Path, s.Value)
	}
	return b.String()
}

// CreateNet makes a new network namespace as Create does, with o applied on
// the same thread before anyone else can see the namespace: what a container
// or a lab node needs first (its loopback up, IPv6 off, forwarding on).
// With open (the VM's NetnsOpener), it also runs open there and returns what
// it opened: net's netlink socket for the namespace, nil when open failed
// (net then opens its own when asked).
func CreateNet(cur *engine.ThreadNS, o NetOpts, open func() (io.Closer, error)) (int, io.Closer, error) {
	var conn io.Closer
	fd, err := createPooled(cur, engine.KindNet, func() error {
		for _, s := range o.Sysctls {
			if err := sysctl.Write(s.Key, s.Path, s.Value); err != nil {
				return err
			}
		}
		if o.Lo {
			if err := LoopbackUp(); err != nil {
				return err
			}
		}
		if open != nil {
			if c, err := open(); err == nil {
				conn = c
			}
		}
		return nil
	})
	if err != nil && conn != nil {
		conn.Close()
		conn = nil
	}
	return fd, conn, err
}

// pooledKind reports whether unsharing k changes nothing on a thread but
// what ThreadNS.Refresh records, so that the thread can go back to the pool.
func pooledKind(k engine.Kind) bool {
	switch k {
	case engine.KindNet, engine.KindUTS, engine.KindIPC, engine.KindCgroup:
		return true
	}
	return false
}

// createPooled unshares k on a pooled thread, runs then (if any) there,
// inside the new namespace, and returns an fd of it. The pool records the
// change and moves the thread back before it parks.
func createPooled(cur *engine.ThreadNS, k engine.Kind, then func() error) (int, error) {
	if !pooledKind(k) {
		return -1, fmt.Errorf("internal error: %s namespace made on a pooled thread", k)
	}
	fd := -1
	err := engine.OnPooledWorker(cur, nil, func(st *engine.ThreadNS) error {
		if err := unix.Unshare(k.Flag()); err != nil {
			return &engine.OpError{Op: "unshare", Arg: k.String(), Err: err}
		}
		// tell the pool where the thread is, so it goes back before parking
		if err := st.Refresh(k); err != nil {
			st.Taint()
			return &engine.OpError{Op: "record", Arg: "new " + k.String() + " namespace", Err: err}
		}
		if then != nil {
			if err := then(); err != nil {
				return err
			}
		}
		var err error
		fd, err = openOwn(k)
		return err
	})
	return fd, err
}

// LoopbackUp sets the calling thread's loopback interface up, as `ip link
// set lo up`, with the SIOCSIFFLAGS ioctl (two system calls; no netlink
// socket to open for a namespace that may never be configured further).
func LoopbackUp() error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return &engine.OpError{Op: "socket", Arg: "lo", Err: err}
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return &engine.OpError{Op: "ioctl", Arg: "lo", Err: err}
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return &engine.OpError{Op: "ioctl", Arg: "SIOCGIFFLAGS lo", Err: err}
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return &engine.OpError{Op: "ioctl", Arg: "SIOCSIFFLAGS lo", Err: err}
	}
	return nil
}

// CreatePinnedMnt creates a mount namespace and pins it at path from the
// calling thread's mount namespace. The kernel allows that only when the new
// namespace's id is above the caller's (mnt_ns_loop), and on this kernel ids
// come from per-CPU batches, so a namespace made later on another CPU can
// have a lower id (measured: the pin failed with EINVAL in about one run out
// of three on 2 CPUs). When the pin is refused, the namespace is made again
// on each CPU in turn: ids of one CPU's batch grow.
func CreatePinnedMnt(cur *engine.ThreadNS, propagation, path string) (int, error) {
	var last error
	for cpu := -1; cpu < runtime.NumCPU(); cpu++ {
		fd, err := Create(cur, engine.KindMnt, propagation, cpu)
		if err != nil {
			return -1, err
		}
		if last = Pin(fd, engine.KindMnt, path); last == nil {
			return fd, nil
		}
		unix.Close(fd)
		if engine.ErrnoName(last) != "EINVAL" {
			break
		}
	}
	return -1, last
}

// FdPath is a path through which the calling process reaches its fd: what a
// bind mount of the namespace behind fd uses as its source.
func FdPath(fd int) string { return "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(fd) }

// Pin bind-mounts the namespace open as fd onto path, creating path as an
// empty file when it does not exist, in the calling thread's mount
// namespace. Equivalent to: `touch PATH; mount --bind /proc/PID/ns/TYPE PATH`.
// A path that already pins a namespace is refused (EEXIST) rather than
// stacked over. The kernel refuses to pin a mount namespace in itself or in
// a newer one (it would make a loop); the error says so.
func Pin(fd int, k engine.Kind, path string) error {
	created, err := makePinFile(path, false)
	if err != nil {
		return err
	}
	if err := unix.Mount(FdPath(fd), path, "none", unix.MS_BIND, ""); err != nil {
		if created {
			unix.Unlink(path)
		}
		oe := &engine.OpError{Op: "mount", Arg: path, Err: err}
		if k == engine.KindMnt && err == unix.EINVAL {
			oe.Text = "a mount namespace can be pinned only from a mount namespace with a lower id (an older one), never in itself"
		}
		return oe
	}
	return nil
}

// makePinFile creates path as an empty file, or — unless excl — accepts an
// existing regular file that is not already a namespace pin.
func makePinFile(path string, excl bool) (created bool, err error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
		return true, nil
	}
	if err != unix.EEXIST || excl {
		return false, &engine.OpError{Op: "create", Arg: path, Err: err}
	}
	if nfd, _, err := engine.OpenNS(path, -1); err == nil {
		unix.Close(nfd)
		return false, engine.Errorf(unix.EEXIST, "pin", path, "already pins a namespace")
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false, &engine.OpError{Op: "stat", Arg: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false, engine.Errorf(unix.EINVAL, "pin", path, "not a regular file")
	}
	return false, nil
}

// ValidNetnsName reports why name cannot name a netns, or "" when it can:
// iproute2 refuses "/", "." and "..", and a name is one path component.
func ValidNetnsName(name string) string {
	switch {
	case name == "":
		return "empty netns name"
	case name == "." || name == "..":
		return "netns name " + engine.Quote(name) + " is reserved"
	case strings.ContainsAny(name, "/\x00"):
		return "netns name " + engine.Quote(name) + " contains \"/\" or a NUL byte"
	case len(name) > 255:
		return "netns name longer than 255 bytes"
	}
	return ""
}

// PrepareNetnsName does what `ip netns add NAME` does before it unshares:
// create /run/netns, take the lock on it (flock on the directory, as
// iproute2), make it a shared mount point (binding it onto itself first when
// it is not a mount point), and create the empty pin file exclusively. It
// returns the pin path; NameNetns then binds the namespace onto it, and
// Unpin removes it on failure.
func PrepareNetnsName(name string) (string, error) {
	dir := engine.NetnsDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", &engine.OpError{Op: "mkdir", Arg: dir, Err: err}
	}
	lock, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", &engine.OpError{Op: "open", Arg: dir, Err: err}
	}
	// iproute2 goes on without the lock when flock fails; so do we
	unix.Flock(lock, unix.LOCK_EX)
	err = makeShared(dir)
	unix.Close(lock)
	if err != nil {
		return "", err
	}
	path := engine.NetnsPath(name)
	if _, err := makePinFile(path, true); err != nil {
		if engine.ErrnoName(err) == "EEXIST" {
			return "", engine.Errorf(unix.EEXIST, "create", path, "netns "+engine.Quote(name)+" already exists")
		}
		return "", err
	}
	return path, nil
}

// makeShared is iproute2's loop: mount --make-rshared DIR, and when DIR is
// not a mount point (EINVAL) bind it onto itself once and try again.
func makeShared(dir string) error {
	bound := false
	for {
		err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == nil {
			return nil
		}
		if err != unix.EINVAL || bound {
			return &engine.OpError{Op: "mount", Arg: dir + " (make-rshared)", Err: err}
		}
		if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return &engine.OpError{Op: "mount", Arg: dir + " (bind)", Err: err}
		}
		bound = true
	}
}

// NameNetns binds the netns open as fd onto a pin file PrepareNetnsName made
// (the second half of `ip netns add`), removing the file when that fails.
func NameNetns(fd int, path string) error {
	if err := unix.Mount(FdPath(fd), path, "none", unix.MS_BIND, ""); err != nil {
		unix.Unlink(path)
		return &engine.OpError{Op: "mount", Arg: path, Err: err}
	}
	return nil
}

// PinID opens a pin and returns the identity of the namespace it holds, or
// an error when path is missing or not a namespace file.
func PinID(path string) (dev, ino uint64, err error) {
	fd, _, err := engine.OpenNS(path, -1)
	if err != nil {
		return 0, 0, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, 0, &engine.OpError{Op: "fstat", Arg: path, Err: err}
	}
	return st.Dev, st.Ino, nil
}

// RemoveHalfMadePin unlinks path when it is what a pin under the netns
// directory looks like between its two steps — an empty regular file that
// holds no namespace (`ip netns add` or Pin killed after the touch, before the
// bind) — and reports whether it did. `ip netns del` removes such a file too.
//
// Only under the netns directory, and only while that directory is a shared
// mount point in the caller's mount namespace (as iproute2 and ns.create
// leave it): then a pin made from any namespace of its peer group shows here,
// and an empty file really is empty everywhere. In a private copy (after
// ns.unshare("mnt")) the file may be another namespace's mount point, and
// unlinking it would unmount that pin there: it is left alone. An unlink that
// fails is an error.
func RemoveHalfMadePin(path string) (bool, error) {
	dir := filepath.Clean(engine.NetnsDir)
	if filepath.Dir(filepath.Clean(path)) != dir || !sharedMountPoint(dir) {
		return false, nil
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != 0 {
		return false, nil
	}
	if fd, _, err := engine.OpenNS(path, -1); err == nil {
		unix.Close(fd)
		return false, nil
	}
	if err := unix.Unlink(path); err != nil {
		return false, &engine.OpError{Op: "unlink", Arg: path, Err: err}
	}
	return true, nil
}

// sharedMountPoint reports whether dir is a mount point with shared
// propagation in the calling thread's mount namespace.
func sharedMountPoint(dir string) bool {
	mounts, err := mountinfo.Read(0)
	if err != nil {
		return false
	}
	shared := false
	for i := range mounts {
		if mounts[i].Target == dir { // the last one is on top
			shared = strings.HasPrefix(mounts[i].Propagation(), "shared")
		}
	}
	return shared
}

// Unpin removes a pin: umount2(MNT_DETACH) then unlink, as `ip netns del`.
// The namespace lives on while a process or an fd holds it.
func Unpin(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
		return &engine.OpError{Op: "umount", Arg: path, Err: err}
	}
	if err := unix.Unlink(path); err != nil {
		return &engine.OpError{Op: "unlink", Arg: path, Err: err}
	}
	return nil
}

// Names lists the named netns (the entries of /run/netns), sorted, as
// `ip netns list` (which does not sort).
func Names() ([]string, error) {
	ents, err := os.ReadDir(engine.NetnsDir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, &engine.OpError{Op: "readdir", Arg: engine.NetnsDir, Err: err}
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out, nil
}

// PinPath turns ns.delete's argument into a path: a string with a "/" is a
// path (made absolute), any other string a netns name.
func PinPath(nameOrPath string) (string, error) {
	if strings.Contains(nameOrPath, "/") {
		return filepath.Abs(nameOrPath)
	}
	if why := ValidNetnsName(nameOrPath); why != "" {
		return "", fmt.Errorf("%s", why)
	}
	return engine.NetnsPath(nameOrPath), nil
}

// Hostname returns the uts node name of the calling thread (hostname(1)).
func Hostname() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", &engine.OpError{Op: "uname", Arg: "", Err: err}
	}
	return unix.ByteSliceToString(u.Nodename[:]), nil
}

// Domainname returns the NIS domain name of the calling thread's uts
// namespace (domainname(1)).
func Domainname() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", &engine.OpError{Op: "uname", Arg: "", Err: err}
	}
	return unix.ByteSliceToString(u.Domainname[:]), nil
}

// SetHostname sets the node name of the calling thread's uts namespace.
func SetHostname(name string) error {
	if err := unix.Sethostname([]byte(name)); err != nil {
		return &engine.OpError{Op: "sethostname", Arg: engine.Quote(name), Err: err}
	}
	return nil
}

// SetDomainname sets the NIS domain name of the calling thread's uts
// namespace.
func SetDomainname(name string) error {
	if err := unix.Setdomainname([]byte(name)); err != nil {
		return &engine.OpError{Op: "setdomainname", Arg: engine.Quote(name), Err: err}
	}
	return nil
}

// Related opens the parent (NS_GET_PARENT: pid and user namespaces) or the
// owning user namespace (NS_GET_USERNS) of the namespace open as fd.
func Related(fd int, parent bool) (int, error) {
	req, op := uintptr(engine.NSGetUserns), "NS_GET_USERNS"
	if parent {
		req, op = engine.NSGetParent, "NS_GET_PARENT"
	}
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, 0)
	if e != 0 {
		oe := &engine.OpError{Op: "ioctl", Arg: op, Err: e}
		switch {
		case e == unix.EINVAL && parent:
			oe.Text = "only pid and user namespaces have a parent"
		case e == unix.EPERM:
			oe.Text = "it lies outside the caller's user namespace"
		}
		return -1, oe
	}
	return int(r), nil
}

// CurrentPath is the /proc path of the calling thread's namespace of kind k
// (its pid_for_children for pid): what ns.current opens and reports.
func CurrentPath(k engine.Kind) string {
	return fmt.Sprintf("/proc/%d/task/%d/ns/%s", os.Getpid(), unix.Gettid(), k.Link())
}
