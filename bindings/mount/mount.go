// Package mount is the Lua mount module: mount(8), umount(8), findmnt and
// mountpoint(1) for the script's mount namespace — the one of the thread
// running Lua (the VM thread, or a worker inside ns.with). The operations
// themselves live in engine/mounts, which proc.spawn shares; this package
// adds the listing and the Lua glue (lua.go).
package mount

import (
	"errors"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/mountinfo"
)

// List reads the mounts of pid's mount namespace, or of the calling thread's
// (/proc/thread-self/mountinfo) when pid is 0: `findmnt --task PID`.
func List(pid int) ([]mountinfo.Mount, error) {
	ms, err := mountinfo.Read(pid)
	if err != nil {
		if pid > 0 && errors.Is(err, unix.ENOENT) {
			// as proc.info and proc.mounts say it
			return nil, engine.Errorf(unix.ESRCH, "proc", strconv.Itoa(pid), "no such process")
		}
		arg := "/proc/thread-self/mountinfo"
		if pid > 0 {
			arg = "pid " + strconv.Itoa(pid)
		}
		return nil, &engine.OpError{Op: "read mountinfo", Arg: arg, Err: err}
	}
	return ms, nil
}
