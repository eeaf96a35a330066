// Package mount is the Lua mount module: mount(8), umount(8), findmnt and
// mountpoint(1) for the script's mount namespace — the one of the thread
// running Lua (the VM thread, or a worker inside ns.with). The operations
// themselves live in engine/mounts, which proc.spawn shares; this package
// adds the listing and the Lua glue (lua.go).
package mount

import (
	"strconv"
	"strings"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/mountinfo"
)

// Entry is one mount as mount.list returns it: the fields of mountinfo under
// the names findmnt's columns use (ID, PARENT, SOURCE, TARGET, FSTYPE,
// VFS-OPTIONS, FS-OPTIONS, FSROOT, PROPAGATION).
type Entry struct {
	ID, Parent   int
	Source       string
	Target       string
	FSType       string
	Options      string
	SuperOptions string
	Root         string
	Propagation  string
}

// List reads the mounts of pid's mount namespace, or of the calling thread's
// (/proc/thread-self/mountinfo) when pid is 0: `findmnt --task PID`.
func List(pid int) ([]Entry, error) {
	ms, err := mountinfo.Read(pid)
	if err != nil {
		arg := "/proc/thread-self/mountinfo"
		if pid > 0 {
			arg = "pid " + strconv.Itoa(pid)
		}
		return nil, &engine.OpError{Op: "read mountinfo", Arg: arg, Err: err}
	}
	out := make([]Entry, len(ms))
	for i, m := range ms {
		out[i] = Entry{ID: m.ID, Parent: m.Parent, Source: m.Source, Target: m.Target, FSType: m.FSType,
			Options: m.Options, SuperOptions: m.SuperOptions, Root: m.Root, Propagation: propagation(m.Optional)}
	}
	return out, nil
}

// propagation spells the propagation type as findmnt's PROPAGATION column
// does: "shared" or "private", then ",slave" for a mount with a master and
// ",unbindable" — so a slave of a shared peer group that is not shared
// itself reads "private,slave".
func propagation(optional []string) string {
	var shared, slave, unbindable bool
	for _, f := range optional {
		switch {
		case strings.HasPrefix(f, "shared:"):
			shared = true
		case strings.HasPrefix(f, "master:"):
			slave = true
		case f == "unbindable":
			unbindable = true
		}
	}
	p := "private"
	if shared {
		p = "shared"
	}
	if slave {
		p += ",slave"
	}
	if unbindable {
		p += ",unbindable"
	}
	return p
}
