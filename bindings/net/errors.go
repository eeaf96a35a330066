package net

import (
	"errors"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// releasedText says why a Conn is gone. net lets go of a namespace when
// ns.delete unpins it, when its topology stops and when the script closes
// its last handle on it (DESIGN.md §2.4); any of them may be the cause.
const releasedText = "its network namespace was released (by ns.delete, a topology's stop, or closing the script's last handle on it)"

// opErr turns a netlink or syscall failure into an OpError reading
// "EEXIST: veth(v0): file exists". netlink's "link not found" becomes
// ENODEV, and a released namespace ENODEV with words saying so.
func opErr(op, arg string, err error) error {
	if err == nil {
		return nil
	}
	var oe *engine.OpError
	if errors.As(err, &oe) {
		return err
	}
	var nf netlink.LinkNotFoundError
	switch {
	case errors.As(err, &nf):
		return &engine.OpError{Op: op, Arg: arg, Err: unix.ENODEV, Text: "no such link"}
	case errors.Is(err, ErrReleased):
		return &engine.OpError{Op: op, Arg: arg, Err: unix.ENODEV, Text: releasedText}
	}
	var en unix.Errno
	if !errors.As(err, &en) {
		return &engine.OpError{Op: op, Arg: arg, Err: unix.EIO, Text: err.Error()}
	}
	// rootless, EPERM means a namespace nslua does not own: the host's
	return engine.RootlessError(&engine.OpError{Op: op, Arg: arg, Err: err},
		"change a network namespace it does not own, such as the host's", engine.WhyHostNS)
}
