package mounts

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nslua/nslua/engine"
	"golang.org/x/sys/unix"
)

func opErr(op, arg string, err error) error {
	if err == nil {
		return nil
	}
	if oe, ok := err.(*engine.OpError); ok {
		return oe
	}
	return &engine.OpError{Op: op, Arg: arg, Err: err}
}

// Mount is mount(2) with readable flags: `mount -t fstype -o flags,data
// source target`. Flags that clear a bit ("rw") only matter to Remount.
//
// A failure says why where the kernel's errno alone does not: a remount,
// propagation change or move of a path that is not a mount point reads
// "EINVAL: mount(/x): not a mount point", and a new file system the kernel
// refuses carries the kernel's own words, "EINVAL: mount(tmpfs on /x):
// tmpfs: Unknown parameter 'bogus'" (see newMountError).
func Mount(source, target, fstype string, f Flags, data string) error {
	if err := unix.Mount(source, target, fstype, f.Set, data); err != nil {
		return mountError(source, target, fstype, f, data, err)
	}
	return nil
}

// Bind bind-mounts src on dst, the whole tree below src when rec is true
// (`mount --bind` / `mount --rbind`). Per-mount flags in f (ro, nosuid, nodev,
// noexec, atime modes) are applied afterwards with mount_setattr(2) — on every
// mount of the tree when rec is true — because a bind mount ignores them.
// When they cannot be applied the bind is undone.
func Bind(src, dst string, rec bool, f Flags) error {
	flags := uintptr(unix.MS_BIND)
	if rec {
		flags |= unix.MS_REC
	}
	if err := unix.Mount(src, dst, "", flags, ""); err != nil {
		return opErr("mount", src+" on "+dst, err)
	}
	if err := SetAttr(dst, rec, f); err != nil {
		unix.Unmount(dst, unix.MNT_DETACH)
		return err
	}
	return nil
}

// SetAttr changes the per-mount flags of the mount at target (and of the
// mounts below it when rec is true) with mount_setattr(2): the bits f sets
// are set, the bits f clears are cleared, the others are kept. Flags that
// belong to the file system rather than the mount are refused. A target
// that is not a mount point fails with "EINVAL: mount_setattr(target): not
// a mount point".
func SetAttr(target string, rec bool, f Flags) error {
	if extra := (f.Set | f.Clear) &^ perMount; extra != 0 {
		return engine.Errorf(unix.EINVAL, "mount_setattr", target,
			"only per-mount flags (ro, rw, nosuid, suid, nodev, dev, noexec, exec, noatime, relatime, strictatime, nodiratime, nosymfollow) can change here")
	}
	attr, ok := f.mountAttr()
	if !ok {
		return nil
	}
	var at uint
	if rec {
		at = unix.AT_RECURSIVE
	}
	if err := unix.MountSetattr(unix.AT_FDCWD, target, at, &attr); err != nil {
		return notMountPoint("mount_setattr", target, target, err)
	}
	return nil
}

// Remount changes the per-mount flags of an existing mount, keeping the ones
// not named: `mount -o remount,bind,ro target`. File-system options are
// changed with Mount and the "remount" flag instead.
func Remount(target string, f Flags) error {
	f.Set &^= unix.MS_REMOUNT | unix.MS_BIND
	return SetAttr(target, false, f)
}

// TmpfsData builds tmpfs's data string from a size ("64m", "50%", bytes)
// and a mode (NoMode: the kernel's default 1777), followed by extra options.
func TmpfsData(size string, mode int, extra string) string {
	var parts []string
	if size != "" {
		parts = append(parts, "size="+size)
	}
	if mode >= 0 {
		parts = append(parts, "mode="+strconv.FormatUint(uint64(mode), 8))
	}
	if extra != "" {
		parts = append(parts, extra)
	}
	return strings.Join(parts, ",")
}

// Tmpfs mounts a tmpfs at dst: `mount -t tmpfs -o size=,mode= tmpfs dst`.
func Tmpfs(dst, size string, mode int, f Flags, extra string) error {
	return Mount("tmpfs", dst, "tmpfs", f, TmpfsData(size, mode, extra))
}

// kernelFlags are what mount(8) gives proc and sysfs by default.
var kernelFlags = Flags{Set: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC}

// Proc mounts procfs at dst (`mount -t proc proc dst`) showing the pid
// namespace of the calling process — or the one open as pidns (an nsfs fd,
// through fsconfig's pidns option) when pidns >= 0.
func Proc(dst string, pidns int, f Flags) error {
	f.Set |= kernelFlags.Set
	if pidns < 0 {
		return Mount("proc", dst, "proc", f, "")
	}
	return fsMount("proc", dst, f, func(fd int) error {
		return opErr("fsconfig", "pidns", unix.FsconfigSetFd(fd, "pidns", pidns))
	}, nil)
}

// Sysfs mounts sysfs at dst: `mount -t sysfs sysfs dst`, nosuid, nodev,
// noexec, plus f (add "ro" for a read-only /sys).
func Sysfs(dst string, f Flags) error {
	f.Set |= kernelFlags.Set
	return Mount("sysfs", dst, "sysfs", f, "")
}

// Overlay describes an overlayfs mount (`mount -t overlay -o
// lowerdir=,upperdir=,workdir=`). Lower[0] is the top layer, as in lowerdir.
// With Tmpfs set the upper and work directories live on a private tmpfs that
// is mounted nowhere, so the writes vanish with the overlay and nobody else
// can reach them; Size limits it.
type Overlay struct {
	Lower       []string
	Upper, Work string
	Tmpfs       bool
	Size        string
	Flags       Flags
	// Data holds more overlayfs options, as mount -o writes them
	// ("redirect_dir=on,index=off,userxattr").
	Data string
	// KeepScratch leaves the tmpfs of Tmpfs mounted beneath the overlay at
	// target instead of detaching it: an unmount waits for an RCU grace
	// period (milliseconds on a busy machine), which a mount namespace that
	// is thrown away afterwards does not need.
	KeepScratch bool
}

// Mount mounts the overlay at target. It uses fsopen(2) and "lowerdir+", so
// layer paths may hold ':' and ',' without escapes, and the lower layers are
// looked up before anything is mounted: target may be a lower layer itself.
// Data's options are set one by one, so the kernel refuses one it does not
// know instead of its being lost. An upper and a work directory that
// overlayfs refuses (on two mounts, or one inside the other) are named in
// the error, which the kernel writes only to its log.
func (o Overlay) Mount(target string) error {
	if len(o.Lower) == 0 {
		return engine.Errorf(unix.EINVAL, "mount", target, "overlay needs at least one lower directory")
	}
	scratch := -1 // a tmpfs for upper and work sits on target meanwhile
	err := fsMount("overlay", target, o.Flags, func(fd int) error {
		for _, l := range o.Lower {
			if err := setLayer(fd, "lowerdir+", l); err != nil {
				return err
			}
		}
		if err := setOptions(fd, o.Data); err != nil {
			return err
		}
		if o.Tmpfs {
			var err error
			scratch, err = o.tmpfsLayers(fd, target)
			return err
		}
		for _, d := range []struct{ key, path string }{{"upperdir", o.Upper}, {"workdir", o.Work}} {
			if d.path == "" {
				continue
			}
			if err := setLayer(fd, d.key, d.path); err != nil {
				return err
			}
		}
		return nil
	}, func() string { return overlayLayout(o.Upper, o.Work) }, func(failed bool) {
		if scratch >= 0 {
			// through the mount's own fd: target may lead beneath it
			if !o.KeepScratch || failed {
				unix.Unmount("/proc/self/fd/"+strconv.Itoa(scratch), unix.MNT_DETACH)
			}
			unix.Close(scratch)
		}
	})
	return err
}

// maxFsconfigString is the longest string fsconfig(2) takes as a value
// (256 bytes with the NUL); it refuses longer ones with a bare EINVAL.
const maxFsconfigString = 255

// setLayer names an overlay layer directory: by its path, so that a failure
// carries the kernel's explanation, or — for a path fsconfig cannot take as
// a string — by an fd of the directory, as overlayfs accepts since 6.13.
func setLayer(fd int, key, path string) error {
	name := strings.TrimSuffix(key, "+")
	if len(path) <= maxFsconfigString {
		if err := unix.FsconfigSetString(fd, key, path); err != nil {
			return fsError(fd, name, path, err)
		}
		return nil
	}
	dfd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return opErr(name, path, err)
	}
	defer unix.Close(dfd)
	if err := unix.FsconfigSetFd(fd, key, dfd); err != nil {
		return fsError(fd, name, path, err)
	}
	return nil
}

// setOptions passes file-system options written as mount -o writes them
// ("redirect_dir=on,userxattr") to a file-system context, one by one.
func setOptions(fd int, data string) error {
	for _, w := range strings.Split(data, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		var err error
		if k, v, ok := strings.Cut(w, "="); ok {
			err = unix.FsconfigSetString(fd, k, v)
		} else {
			err = unix.FsconfigSetFlag(fd, w)
		}
		if err != nil {
			return fsError(fd, "fsconfig", w, err)
		}
	}
	return nil
}

// tmpfsLayers gives the overlay an upper and a work directory on a fresh
// tmpfs. overlayfs takes private clones of its layers, and only of mounts in
// the caller's namespace, so the tmpfs is mounted on target for a moment and
// detached again before the overlay takes its place: nobody can reach it
// afterwards, and the writes vanish with the overlay.
func (o Overlay) tmpfsLayers(ovl int, target string) (mfd int, err error) {
	tfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, opErr("fsopen", "tmpfs", err)
	}
	defer unix.Close(tfd)
	if o.Size != "" {
		if err := unix.FsconfigSetString(tfd, "size", o.Size); err != nil {
			return -1, fsError(tfd, "size", o.Size, err)
		}
	}
	if err := unix.FsconfigSetString(tfd, "mode", "755"); err != nil {
		return -1, fsError(tfd, "mode", "755", err)
	}
	if err := unix.FsconfigCreate(tfd); err != nil {
		return -1, fsError(tfd, "create", "tmpfs", err)
	}
	mfd, err = unix.Fsmount(tfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return -1, opErr("fsmount", "tmpfs", err)
	}
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_SYMLINKS); err != nil {
		unix.Close(mfd)
		return -1, opErr("mount", "tmpfs on "+target, err)
	}
	for _, d := range []struct{ key, name string }{{"upperdir", "upper"}, {"workdir", "work"}} {
		if err := unix.Mkdirat(mfd, d.name, 0o755); err != nil {
			return mfd, opErr("mkdir", "tmpfs/"+d.name, err)
		}
		dfd, err := unix.Openat(mfd, d.name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return mfd, opErr("open", "tmpfs/"+d.name, err)
		}
		err = unix.FsconfigSetFd(ovl, d.key, dfd)
		unix.Close(dfd)
		if err != nil {
			return mfd, fsError(ovl, d.key, "tmpfs/"+d.name, err)
		}
	}
	return mfd, nil
}

// fsMount creates a file system with the fsopen(2) API, lets configure set
// its parameters, and attaches it at target with the per-mount flags of f.
// before runs (when given) after the file system exists and before it is
// attached, also when configuring failed. layout (when not nil) explains a
// bare EINVAL from creating the file system (see createError).
func fsMount(fstype, target string, f Flags, configure func(fd int) error, layout func() string,
	before ...func(failed bool)) error {
	fd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return opErr("fsopen", fstype, err)
	}
	defer unix.Close(fd)
	unix.FsconfigSetString(fd, "source", fstype) // what findmnt shows as SOURCE
	err = configure(fd)
	if err == nil {
		if err = unix.FsconfigCreate(fd); err != nil {
			err = createError(fd, fstype, target, err, layout)
		}
	}
	for _, fn := range before {
		fn(err != nil)
	}
	if err != nil {
		return err
	}
	attr, _ := f.mountAttr()
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, int(attr.Attr_set))
	if err != nil {
		return opErr("fsmount", target, err)
	}
	defer unix.Close(mfd)
	return opErr("mount", target, unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_SYMLINKS))
}

// fsError adds the kernel's own explanation, which fsconfig leaves in the
// file-system context ("proc: Unknown parameter 'x'"), to err.
func fsError(fd int, op, arg string, err error) error {
	oe := &engine.OpError{Op: op, Arg: arg, Err: err}
	if msgs := fsLog(fd); len(msgs) > 0 {
		oe.Text = err.Error() + " (" + strings.Join(msgs, "; ") + ")"
	}
	return oe
}

// createError is the error of a file system that FSCONFIG_CMD_CREATE
// refused: the kernel's words from the context when it left some, or what
// layout asks for (overlayfs writes its reasons only to the kernel log),
// as "EINVAL: mount(overlay on /x): overlay: workdir and upperdir must be
// separate subtrees".
func createError(fd int, fstype, target string, err error, layout func() string) error {
	why := strings.Join(fsLog(fd), "; ")
	if why == "" && layout != nil && err == unix.EINVAL {
		why = layout()
	}
	if why == "" {
		return opErr("mount", target, err)
	}
	errno, _ := err.(unix.Errno)
	return engine.Errorf(errno, "mount", fstype+" on "+target, why)
}

// Umount detaches the mount at target: `umount target`, `umount -l` with
// detach, `umount -f` with force. A target that is not a mount point fails
// with "EINVAL: umount(target): not a mount point".
func Umount(target string, detach, force bool) error {
	flags := 0
	if detach {
		flags |= unix.MNT_DETACH
	}
	if force {
		flags |= unix.MNT_FORCE
	}
	if err := unix.Unmount(target, flags); err != nil {
		return notMountPoint("umount", target, target, err)
	}
	return nil
}

// propagationFlags are the propagation types `mount --make-*` sets.
var propagationFlags = map[string]uintptr{
	"private":    unix.MS_PRIVATE,
	"shared":     unix.MS_SHARED,
	"slave":      unix.MS_SLAVE,
	"unbindable": unix.MS_UNBINDABLE,
}

// PropagationTypes lists the names Propagation accepts.
var PropagationTypes = []string{"private", "shared", "slave", "unbindable"}

// Propagation changes the propagation type of the mount at target, of every
// mount below it too when rec is true: `mount --make-[r]private target`.
// A target that is not a mount point fails with "EINVAL: mount(target): not
// a mount point".
func Propagation(target, kind string, rec bool) error {
	flags, ok := propagationFlags[kind]
	if !ok {
		return fmt.Errorf("unknown propagation type %q", kind)
	}
	if rec {
		flags |= unix.MS_REC
	}
	if err := unix.Mount("", target, "", flags, ""); err != nil {
		return notMountPoint("mount", target, target, err)
	}
	return nil
}

// PivotRoot makes newRoot the root of the calling thread's mount namespace,
// as pivot_root(8), and changes directory to the new "/". Without putOld the
// old root is stacked under the new one and detached at once (pivot_root
// ".", "." then umount -l), so nothing of the old tree stays reachable.
func PivotRoot(newRoot, putOld string) error {
	if err := ownFS(); err != nil {
		return err
	}
	// the kernel's answer for a directory that is not a mount point is a
	// bare EINVAL or EBUSY; say what it means
	if mp, err := IsMountpoint(newRoot); err == nil && !mp {
		return engine.Errorf(unix.EINVAL, "pivot_root", newRoot,
			"not a mount point: bind it on itself first (mount.bind(new_root, new_root))")
	}
	if putOld != "" {
		if err := unix.PivotRoot(newRoot, putOld); err != nil {
			return pivotError(newRoot, err)
		}
		return opErr("chdir", "/", unix.Chdir("/"))
	}
	// pivot_root(".", ".") needs the new root as working directory; a
	// refusal must not leave the script there
	cwd, err := unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return opErr("open", ".", err)
	}
	defer unix.Close(cwd)
	if err := unix.Chdir(newRoot); err != nil {
		return opErr("chdir", newRoot, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		unix.Fchdir(cwd)
		return pivotError(newRoot, err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return opErr("umount", "old root", err)
	}
	return opErr("chdir", "/", unix.Chdir("/"))
}

// pivotError says what pivot_root(2)'s bare EINVAL means once new_root is
// known to be a mount point.
func pivotError(newRoot string, err error) error {
	if err == unix.EINVAL {
		return engine.Errorf(unix.EINVAL, "pivot_root", newRoot, "invalid argument (the new root, its "+
			"parent mount and the current root must not be shared: mount.propagation(path, \"private\") first; "+
			"put_old must lie under the new root)")
	}
	return opErr("pivot_root", newRoot, err)
}

// ownFS gives the calling thread a root and working directory of its own:
// Go's threads share them (CLONE_FS), and a chroot or chdir on a thread that
// still shares them would move every other thread of nslua along.
func ownFS() error {
	return opErr("unshare", "fs", unix.Unshare(unix.CLONE_FS))
}

// Chroot changes the calling thread's root directory to dir and its working
// directory to the new "/": chroot(8) without a command.
func Chroot(dir string) error {
	if err := ownFS(); err != nil {
		return err
	}
	if err := unix.Chroot(dir); err != nil {
		return opErr("chroot", dir, err)
	}
	return opErr("chdir", "/", unix.Chdir("/"))
}

// IsMountpoint reports whether path (symlinks followed) is the root of a
// mount, as mountpoint(1) does; a bind mount of a directory on the same file
// system counts, which a device comparison would miss.
func IsMountpoint(path string) (bool, error) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE, &st); err != nil {
		return false, opErr("statx", path, err)
	}
	if st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return false, engine.Errorf(unix.ENOTSUP, "statx", path, "the kernel does not report mount roots")
	}
	return st.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
}
