// Package mount is the Lua mount module: mount(8), umount(8), findmnt and
// mountpoint(1) for the script's mount namespace — the one of the thread
// running Lua (the VM thread, or a worker inside ns.with). The operations
// themselves live in engine/mounts, which proc.spawn shares; this package
// adds the listing and the Lua glue (lua.go).
package mount

import (
	"strconv"

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
			Options: m.Options, SuperOptions: m.SuperOptions, Root: m.Root, Propagation: m.Propagation()}
	}
	return out, nil
}
