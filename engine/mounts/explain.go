package mounts

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nslua/nslua/engine"
	"golang.org/x/sys/unix"
)

// This file turns the kernel's bare answers to a failed mount into what they
// mean. Nothing here runs unless a call already failed, so the path of a
// mount that works stays one mount(2) call: the new mount API (fsopen,
// fsconfig, fsmount, move_mount) reports its errors in words, but it cost
// about 15 µs more per tmpfs mount than mount(2) here (43 against 28 µs), on
// the path every container start takes.

// notMountPoint is the error of op on path when the kernel refused it with
// err: EINVAL from umount2, mount_setattr, a remount, a propagation change
// or a move means "not the root of a mount" among other things, and when
// statx confirms path is not one, the message says so.
func notMountPoint(op, arg, path string, err error) error {
	if err == unix.EINVAL {
		if mp, serr := IsMountpoint(path); serr == nil && !mp {
			text := "not a mount point"
			if arg != path {
				text = path + " is " + text
			}
			return engine.Errorf(unix.EINVAL, op, arg, text)
		}
	}
	return opErr(op, arg, err)
}

// mountError is the error of mount(2) called as Mount called it. The kernel
// dispatches on the flags in this order (path_mount in fs/namespace.c), so
// the same order says which kind of mount failed.
func mountError(source, target, fstype string, f Flags, data string, err error) error {
	switch {
	case f.Set&unix.MS_REMOUNT != 0:
		return notMountPoint("mount", target, target, err)
	case f.Set&unix.MS_BIND != 0:
		return opErr("mount", target, err)
	case f.Set&(unix.MS_SHARED|unix.MS_PRIVATE|unix.MS_SLAVE|unix.MS_UNBINDABLE) != 0:
		return notMountPoint("mount", target, target, err)
	case f.Set&unix.MS_MOVE != 0:
		return notMountPoint("mount", source+" on "+target, source, err)
	}
	return newMountError(source, target, fstype, f, data, err)
}

// newMountError explains a new mount that mount(2) refused with err. The
// target is looked up first, so a target that does not resolve is what
// failed. Otherwise the configuration is done again in a file-system
// context of fsopen(2), which keeps the kernel's words ("tmpfs: Unknown
// parameter 'bogus'"); when a step there fails with the errno mount(2) gave,
// its words are the explanation. Nothing is mounted: a file system that gets
// created goes away with the context's fd.
func newMountError(source, target, fstype string, f Flags, data string, err error) error {
	errno, ok := err.(unix.Errno)
	var st unix.Stat_t
	if !ok || unix.Stat(target, &st) != nil {
		return opErr("mount", target, err)
	}
	if fstype == "" {
		if errno == unix.ENODEV {
			return engine.Errorf(errno, "mount", target, "no file system type given")
		}
		return opErr("mount", target, err)
	}
	if why := replay(source, fstype, f, data, errno); why != "" {
		return engine.Errorf(errno, "mount", fstype+" on "+target, why)
	}
	return opErr("mount", target, err)
}

// sbFlags are the flag words mount(2) turns into options of the file system
// (the rest belong to the mount), as fsconfig(2) takes them.
var sbFlags = []struct {
	bit  uintptr
	word string
}{{unix.MS_RDONLY, "ro"}, {unix.MS_SYNCHRONOUS, "sync"}, {unix.MS_DIRSYNC, "dirsync"},
	{unix.MS_LAZYTIME, "lazytime"}, {unix.MS_MANDLOCK, "mand"}}

// replay configures a file system of type fstype as mount(2) did — source,
// the flags of the file system, data split at commas as the kernel splits
// it — and creates it. It returns what the kernel says when a step fails
// with errno, or "" when nothing fails that way.
func replay(source, fstype string, f Flags, data string, errno unix.Errno) string {
	fd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		if err == unix.ENODEV && errno == unix.ENODEV {
			return "unknown file system type " + strconv.Quote(fstype)
		}
		return ""
	}
	defer unix.Close(fd)
	failed := func(what string, err error) string {
		if err != errno {
			return ""
		}
		if msgs := fsLog(fd); len(msgs) > 0 {
			return strings.Join(msgs, "; ")
		}
		return what + ": " + err.Error()
	}
	if err := unix.FsconfigSetString(fd, "source", source); err != nil {
		return failed("source="+source, err)
	}
	for _, b := range sbFlags {
		if f.Set&b.bit != 0 {
			if err := unix.FsconfigSetFlag(fd, b.word); err != nil {
				return failed(b.word, err)
			}
		}
	}
	var upper, work string
	for _, w := range splitData(data, fstype == "overlay") {
		var err error
		k, v, ok := strings.Cut(w, "=")
		if ok {
			err = unix.FsconfigSetString(fd, k, v)
		} else {
			err = unix.FsconfigSetFlag(fd, w)
		}
		if err != nil {
			return failed(w, err)
		}
		switch k {
		case "upperdir":
			upper = v
		case "workdir":
			work = v
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil && err == errno {
		if msgs := fsLog(fd); len(msgs) > 0 {
			return strings.Join(msgs, "; ")
		}
		if fstype == "overlay" && err == unix.EINVAL {
			return overlayLayout(upper, work)
		}
	}
	return ""
}

// splitData splits mount(2)'s data at commas, as the kernel hands it to a
// file system; overlayfs splits only at commas without a backslash before.
func splitData(data string, escapes bool) []string {
	var out []string
	start := 0
	for i := 0; i < len(data); i++ {
		switch {
		case escapes && data[i] == '\\' && i+1 < len(data):
			i++
		case data[i] == ',':
			if i > start {
				out = append(out, data[start:i])
			}
			start = i + 1
		}
	}
	if start < len(data) {
		out = append(out, data[start:])
	}
	return out
}

// fsLog reads the messages the kernel left in a file-system context,
// without their "e " / "w " / "i " severity prefixes.
func fsLog(fd int) []string {
	var msgs []string
	buf := make([]byte, 1024)
	for i := 0; i < 8; i++ {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			break
		}
		msg := strings.TrimSpace(string(buf[:n]))
		if len(msg) > 2 && msg[1] == ' ' {
			msg = msg[2:]
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

// overlayLayout checks the two rules overlayfs refuses an upper and a work
// directory for with a bare EINVAL, writing its reason only to the kernel
// log: both on one mount, and neither inside the other. It returns the
// rule that the directories break, in overlayfs's words, or "".
func overlayLayout(upper, work string) string {
	if upper == "" || work == "" {
		return ""
	}
	var su, sw unix.Statx_t
	if unix.Statx(unix.AT_FDCWD, upper, 0, unix.STATX_MNT_ID, &su) != nil ||
		unix.Statx(unix.AT_FDCWD, work, 0, unix.STATX_MNT_ID, &sw) != nil ||
		su.Mask&sw.Mask&unix.STATX_MNT_ID == 0 {
		return ""
	}
	if su.Mnt_id != sw.Mnt_id {
		return "overlay: workdir and upperdir must reside under the same mount (upperdir " + upper +
			", workdir " + work + ")"
	}
	u, uerr := filepath.EvalSymlinks(upper)
	w, werr := filepath.EvalSymlinks(work)
	if uerr != nil || werr != nil {
		return ""
	}
	u, _ = filepath.Abs(u)
	w, _ = filepath.Abs(w)
	if within(u, w) || within(w, u) {
		return "overlay: workdir and upperdir must be separate subtrees (upperdir " + upper +
			", workdir " + work + ")"
	}
	return ""
}

// within reports whether path p is dir or lies below it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}
