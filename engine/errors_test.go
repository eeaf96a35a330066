package engine

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A failure message names the operation and its argument once, in the
// kernel's words: a huge argument is cut, and what os's errors repeat (the
// operation and the path) is left out.
func TestOpErrorMessage(t *testing.T) {
	huge := strings.Repeat("y", 100000)
	for _, c := range []struct {
		err  *OpError
		want string
	}{
		{&OpError{Op: "open", Arg: "/x", Err: unix.ENOENT}, "ENOENT: open(/x): no such file or directory"},
		{&OpError{Op: "write", Arg: "/proc/1/uid_map", Err: &os.PathError{Op: "write", Path: "/proc/1/uid_map", Err: unix.EINVAL}},
			"EINVAL: write(/proc/1/uid_map): invalid argument"},
		{&OpError{Op: "socket", Arg: "lo", Err: os.NewSyscallError("socket", unix.EPERM)},
			"EPERM: socket(lo): operation not permitted"},
		{&OpError{Op: "stat", Arg: huge, Err: unix.ENAMETOOLONG},
			"ENAMETOOLONG: stat(" + huge[:maxArgLen-3] + "...): file name too long"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got  %.300q\nwant %.300q", got, c.want)
		}
	}
}
