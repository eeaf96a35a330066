package mounts

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/nslua/nslua/engine"
	"golang.org/x/sys/unix"
)

// Spec is one mount to make inside a root file system, as proc.spawn's
// mounts= option and the container module describe them. Target is a path
// inside the root (resolved there: a symlink in the root file system cannot
// lead outside it); Source, Lower, Upper and Work are paths as the caller
// sees them before the pivot. Missing mount points are created.
//
// Type is a file system type ("tmpfs", "proc", "sysfs", "devpts", "mqueue",
// "overlay", anything mount(2) knows) or one of:
//
//	bind      bind Source (a directory or a file) on Target; Rec for --rbind
//	mask      hide Target as runc hides /proc/kcore: /dev/null over a file,
//	          an empty read-only tmpfs over a directory; a missing path is skipped
//	readonly  make Target read-only (bound on itself first unless it is a
//	          mount point; Rec for the mounts below); a missing path is skipped
//	symlink   create a symlink at Target pointing to Source
//	dir       create the directory Target (and its parents), Mode or 0755
//	copy      copy the regular file Source to Target (its mode, setuid,
//	          setgid and sticky bits included, kept unless Mode)
//	dev       a minimal /dev at Target: tmpfs with null, zero, full, random,
//	          urandom and tty bound from the host, a private devpts at pts with
//	          ptmx, a tmpfs at shm, and the fd, stdin, stdout, stderr links
type Spec struct {
	Type   string
	Source string
	Target string
	Flags  Flags
	Data   string
	Rec    bool
	Size   string   // tmpfs, overlay with Tmpfs
	Mode   int      // tmpfs, dir, copy: permission bits, or NoMode
	Lower  []string // overlay
	Upper  string   // overlay
	Work   string   // overlay
	Tmpfs  bool     // overlay: upper and work on a private tmpfs
}

// Env is where specs are applied.
type Env struct {
	// Root is the directory targets are resolved in ("" for "/").
	Root string
	// PidNS, when >= 0, is an nsfs fd of the pid namespace that proc mounts
	// show; otherwise they show the calling process's.
	PidNS int

	procFds bool // /proc/self/fd works (asked once per Apply)
}

// Apply makes the mounts of specs in order. It stops at the first failure
// and returns an error naming the spec's target; mounts already made are left
// to the caller, which applies specs in a mount namespace of its own that
// disappears with its last process.
func Apply(specs []Spec, env Env) error {
	root := env.Root
	if root == "" {
		root = "/"
	}
	_, err := os.Stat("/proc/self/fd")
	env.procFds = err == nil
	for i := range specs {
		if err := apply(&specs[i], root, env); err != nil {
			return err
		}
	}
	return nil
}

func apply(s *Spec, root string, env Env) error {
	// The root is reopened for every spec: a spec may mount over the root
	// itself (an overlay), and later targets must resolve on top of it.
	rootfd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return opErr("open", root, err)
	}
	defer unix.Close(rootfd)
	rel := relPath(s.Target)
	switch s.Type {
	case "mask":
		return mask(rootfd, rel, s.Target)
	case "readonly":
		return readonly(rootfd, root, rel, s, env)
	case "symlink":
		return symlink(rootfd, rel, s)
	case "dir":
		fd, err := mkdirAll(rootfd, rel, s.Target)
		if err == nil {
			if s.Mode != NoMode {
				err = opErr("chmod", s.Target, unix.Fchmodat(rootfd, magic(fd), uint32(s.Mode), 0))
			}
			unix.Close(fd)
		}
		return err
	case "copy":
		return copyFile(rootfd, rel, s)
	case "dev":
		return makeDev(rootfd, root, rel, s, env)
	}
	dir := true
	if s.Type == "bind" {
		var st unix.Stat_t
		if err := unix.Stat(s.Source, &st); err != nil {
			return opErr("stat", s.Source, err)
		}
		dir = st.Mode&unix.S_IFMT == unix.S_IFDIR
	}
	fd, err := mountPoint(rootfd, rel, s.Target, dir)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	at := fdPath(fd, root, rel, env)
	err = mountOne(s, at, env)
	if err == nil && s.Type == "bind" {
		// the flags go on the new mount, which the magic link of fd (the
		// directory beneath) does not lead to: look the target up again
		p, done, aerr := atPath(rootfd, root, rel, s.Target, env)
		if aerr != nil {
			return aerr
		}
		defer done()
		if err = SetAttr(p, s.Rec, s.Flags); err != nil {
			unix.Unmount(p, unix.MNT_DETACH)
		}
	}
	if oe, ok := err.(*engine.OpError); ok && strings.Contains(oe.Arg, "/fd/") {
		oe.Arg = strings.ReplaceAll(oe.Arg, at, s.Target) // name the target, not the fd
	}
	return err
}

func mountOne(s *Spec, at string, env Env) error {
	switch s.Type {
	case "bind":
		return Bind(s.Source, at, s.Rec, Flags{})
	case "tmpfs":
		src := s.Source
		if src == "" {
			src = "tmpfs"
		}
		return Mount(src, at, "tmpfs", s.Flags, TmpfsData(s.Size, s.Mode, s.Data))
	case "proc":
		return Proc(at, env.PidNS, s.Flags)
	case "sysfs":
		return Sysfs(at, s.Flags)
	case "overlay":
		return Overlay{Lower: s.Lower, Upper: s.Upper, Work: s.Work, Tmpfs: s.Tmpfs, Size: s.Size, Flags: s.Flags,
			Data: s.Data, KeepScratch: true}.Mount(at)
	}
	src := s.Source
	if src == "" {
		src = s.Type
	}
	return Mount(src, at, s.Type, s.Flags, s.Data)
}

// relPath turns a target into a path relative to the root: "/proc" and
// "proc" are both "proc"; ".." cannot climb out.
func relPath(target string) string {
	return strings.TrimPrefix(filepath.Clean("/"+target), "/")
}

// openIn opens rel inside the root open as rootfd, with symlinks and ".."
// resolved as if rootfd were "/" (openat2's RESOLVE_IN_ROOT).
func openIn(rootfd int, rel string, flags int) (int, error) {
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	for {
		fd, err := unix.Openat2(rootfd, rel, &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		return fd, err
	}
}

// mountPoint opens the mount point rel in the root, creating it (and its
// parents) when missing: a directory, or an empty file when dir is false.
func mountPoint(rootfd int, rel, target string, dir bool) (int, error) {
	fd, err := openIn(rootfd, rel, unix.O_PATH)
	if err == nil {
		return fd, nil
	}
	if err != unix.ENOENT {
		return -1, opErr("open", target, err)
	}
	parent, base := filepath.Split(rel)
	pfd, err := mkdirAll(rootfd, strings.TrimSuffix(parent, "/"), target)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	if dir {
		err = unix.Mkdirat(pfd, base, 0o755)
	} else {
		var f int
		f, err = unix.Openat(pfd, base, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err == nil {
			unix.Close(f)
		}
	}
	if err != nil && err != unix.EEXIST {
		return -1, opErr("mkdir", target, err)
	}
	fd, err = openIn(rootfd, rel, unix.O_PATH)
	return fd, opErr("open", target, err)
}

// mkdirAll creates the directory rel inside the root and returns an O_PATH fd
// of it.
func mkdirAll(rootfd int, rel, target string) (int, error) {
	cur, err := openIn(rootfd, "", unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return -1, opErr("open", "/", err)
	}
	if rel == "" {
		return cur, nil
	}
	comps := strings.Split(rel, "/")
	for i, c := range comps {
		prefix := strings.Join(comps[:i+1], "/")
		fd, err := openIn(rootfd, prefix, unix.O_PATH|unix.O_DIRECTORY)
		if err == unix.ENOENT {
			if err = unix.Mkdirat(cur, c, 0o755); err == nil || err == unix.EEXIST {
				fd, err = openIn(rootfd, prefix, unix.O_PATH|unix.O_DIRECTORY)
			}
		}
		unix.Close(cur)
		if err != nil {
			return -1, opErr("mkdir", "/"+prefix+" for "+target, err)
		}
		cur = fd
	}
	return cur, nil
}

// fdPath names the mount point open as fd for mount(2): its magic link in
// /proc, which leads to exactly that directory whatever symlinks the root
// file system holds. Without a /proc, the plain path under root.
func fdPath(fd int, root, rel string, env Env) string {
	if env.procFds {
		return magic(fd)
	}
	return filepath.Join(root, rel)
}

// atPath is the path of rel (which must exist) for a mount call, after
// resolving it in the root: the topmost mount there, also one made on the
// root itself after rootfd was opened (rootfd still leads beneath it).
func atPath(rootfd int, root, rel, target string, env Env) (string, func(), error) {
	var fd int
	var err error
	if rel == "" {
		fd, err = unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	} else {
		fd, err = openIn(rootfd, rel, unix.O_PATH)
	}
	if err != nil {
		return "", nil, opErr("open", target, err)
	}
	p := fdPath(fd, root, rel, env)
	return p, func() { unix.Close(fd) }, nil
}

// mask hides a path as runc's maskedPaths do. A missing path is not an error:
// the list is the same for every kernel.
func mask(rootfd int, rel, target string) error {
	fd, err := openIn(rootfd, rel, unix.O_PATH)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return opErr("open", target, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return opErr("stat", target, err)
	}
	at := "/proc/self/fd/" + strconv.Itoa(fd)
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		err = unix.Mount("tmpfs", at, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0555")
	} else {
		err = unix.Mount("/dev/null", at, "", unix.MS_BIND, "")
	}
	return opErr("mount", "mask "+target, err)
}

// readonly makes a path read-only, as runc's readonlyPaths: bound on itself
// unless it is a mount point already, then set read-only (with the mounts
// below it when Rec is set).
func readonly(rootfd int, root, rel string, s *Spec, env Env) error {
	fd, err := openIn(rootfd, rel, unix.O_PATH)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return opErr("open", s.Target, err)
	}
	at := "/proc/self/fd/" + strconv.Itoa(fd)
	var stx unix.Statx_t
	err = unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_TYPE, &stx)
	unix.Close(fd)
	if err != nil {
		return opErr("statx", s.Target, err)
	}
	if stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		fd, err := openIn(rootfd, rel, unix.O_PATH)
		if err != nil {
			return opErr("open", s.Target, err)
		}
		at = "/proc/self/fd/" + strconv.Itoa(fd)
		err = unix.Mount(at, at, "", unix.MS_BIND|unix.MS_REC, "")
		unix.Close(fd)
		if err != nil {
			return opErr("mount", "readonly "+s.Target, err)
		}
	}
	// reopen: the bind just made sits on top of what fd pointed to
	p, done, err := atPath(rootfd, root, rel, s.Target, env)
	if err != nil {
		return err
	}
	defer done()
	f := s.Flags
	f.Set |= unix.MS_RDONLY
	err = SetAttr(p, s.Rec, f)
	if oe, ok := err.(*engine.OpError); ok {
		oe.Arg = "readonly " + s.Target
	}
	return err
}

// symlink creates Target -> Source in the root; an identical link is fine.
func symlink(rootfd int, rel string, s *Spec) error {
	parent, base := filepath.Split(rel)
	pfd, err := mkdirAll(rootfd, strings.TrimSuffix(parent, "/"), s.Target)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	err = unix.Symlinkat(s.Source, pfd, base)
	if errors.Is(err, unix.EEXIST) {
		buf := make([]byte, 4096)
		if n, rerr := unix.Readlinkat(pfd, base, buf); rerr == nil && string(buf[:n]) == s.Source {
			return nil
		}
	}
	return opErr("symlink", s.Target, err)
}

func magic(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// copyFile copies the regular file Source into the root at Target.
func copyFile(rootfd int, rel string, s *Spec) error {
	src, err := os.Open(s.Source)
	if err != nil {
		return opErr("open", s.Source, errors.Unwrap(err))
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return opErr("stat", s.Source, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return engine.Errorf(unix.EINVAL, "copy", s.Source, "not a regular file")
	}
	// the bits chmod(2) takes: os.FileMode keeps setuid, setgid and sticky
	// elsewhere and Perm drops them
	mode := st.Sys().(*syscall.Stat_t).Mode & 0o7777
	if s.Mode != NoMode {
		mode = uint32(s.Mode)
	}
	parent, base := filepath.Split(rel)
	pfd, err := mkdirAll(rootfd, strings.TrimSuffix(parent, "/"), s.Target)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	dfd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err != nil {
		return opErr("create", s.Target, err)
	}
	dst := os.NewFile(uintptr(dfd), s.Target)
	defer dst.Close()
	if _, err := dst.ReadFrom(src); err != nil {
		return opErr("copy", s.Source+" to "+s.Target, errors.Unwrap(err))
	}
	return opErr("chmod", s.Target, unix.Fchmod(int(dst.Fd()), mode))
}

// devices are the nodes of a minimal /dev (runc's default set). makeDev
// makes them with mknod where it may: one syscall each instead of five and
// a mount, and a node of the container's own, so a chmod inside never
// reaches the host's. In a user namespace, where mknod is refused, it binds
// the host's instead.
var devices = []struct {
	name         string
	major, minor uint32
}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}

// devLinks are the symlinks of a minimal /dev.
var devLinks = [][2]string{{"ptmx", "pts/ptmx"}, {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}}

// makeDev builds a minimal /dev at the spec's target: a fresh tmpfs, so
// everything inside is created relative to its root fd with no lookups
// through the root file system.
func makeDev(rootfd int, root, rel string, s *Spec, env Env) error {
	fd, err := mountPoint(rootfd, rel, s.Target, true)
	if err != nil {
		return err
	}
	err = unix.Mount("tmpfs", fdPath(fd, root, rel, env), "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=755,size=64k")
	unix.Close(fd)
	if err != nil {
		return opErr("mount", "tmpfs on "+s.Target, err)
	}
	dev, err := openIn(rootfd, rel, unix.O_PATH|unix.O_DIRECTORY) // the tmpfs, on top now
	if err != nil {
		return opErr("open", s.Target, err)
	}
	defer unix.Close(dev)
	at := func(name string, dir bool, mode uint32) (string, func(), error) {
		if dir {
			err = unix.Mkdirat(dev, name, mode)
		} else {
			var f int
			if f, err = unix.Openat(dev, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, mode); err == nil {
				unix.Close(f)
			}
		}
		if err != nil {
			return "", nil, opErr("mkdir", s.Target+"/"+name, err)
		}
		f, err := unix.Openat(dev, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", nil, opErr("open", s.Target+"/"+name, err)
		}
		return magic(f), func() { unix.Close(f) }, nil
	}
	mountAt := func(name string, dir bool, mode uint32, src, fstype string, flags uintptr, data string) error {
		p, done, err := at(name, dir, mode)
		if err != nil {
			return err
		}
		defer done()
		return opErr("mount", src+" on "+s.Target+"/"+name, unix.Mount(src, p, fstype, flags, data))
	}
	bind := false
	for _, d := range devices {
		if !bind {
			err := unix.Mknodat(dev, d.name, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor)))
			if err == nil {
				if err := unix.Fchmodat(dev, d.name, 0o666, 0); err != nil { // past the umask
					return opErr("chmod", s.Target+"/"+d.name, err)
				}
				continue
			}
			if err != unix.EPERM {
				return opErr("mknod", s.Target+"/"+d.name, err)
			}
			bind = true
		}
		if err := mountAt(d.name, false, 0o644, "/dev/"+d.name, "", unix.MS_BIND, ""); err != nil {
			return err
		}
	}
	if err := mountAt("pts", true, 0o755, "devpts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC,
		"newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return err
	}
	if err := mountAt("shm", true, 0o1777, "shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC,
		"mode=1777,size=65536k"); err != nil {
		return err
	}
	for _, l := range devLinks {
		if err := unix.Symlinkat(l[1], dev, l[0]); err != nil {
			return opErr("symlink", s.Target+"/"+l[0], err)
		}
	}
	return nil
}
