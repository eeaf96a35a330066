package engine

import (
	"errors"
	"os"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// OpError is an environmental failure: a syscall, netlink request or /proc
// read that failed. It reads "EPERM: unshare(net): operation not permitted".
type OpError struct {
	Op   string // the operation: "unshare", "setns", "open"
	Arg  string // its argument: "net", a path
	Err  error  // the underlying error, usually a unix.Errno
	Text string // optional: replaces the kernel's words
}

func (e *OpError) Error() string {
	text := e.Text
	if text == "" && e.Err != nil {
		text = e.Err.Error()
		// the os package's errors repeat the operation and path the
		// message starts with: keep only the kernel's words
		var pe *os.PathError
		var se *os.SyscallError
		if errors.As(e.Err, &pe) {
			text = pe.Err.Error()
		} else if errors.As(e.Err, &se) {
			text = se.Err.Error()
		}
	}
	arg := e.Arg
	if len(arg) > maxArgLen { // a 100 kB path or name must not flood the message
		arg = arg[:maxArgLen-3] + "..."
	}
	return e.Errno() + ": " + e.Op + "(" + arg + "): " + text
}

// maxArgLen is the longest operation argument a message repeats whole.
const maxArgLen = 200

func (e *OpError) Unwrap() error { return e.Err }

// Errno returns the symbolic errno name ("EPERM").
func (e *OpError) Errno() string { return ErrnoName(e.Err) }

// ErrnoName returns the symbolic name of the errno inside err, "EIO" when
// there is none.
func ErrnoName(err error) string {
	var en unix.Errno
	if errors.As(err, &en) {
		if name := unix.ErrnoName(en); name != "" {
			return name
		}
	}
	var oe *OpError
	if errors.As(err, &oe) && oe.Err != nil && oe.Err != err {
		return ErrnoName(oe.Err)
	}
	return "EIO"
}

// Errorf builds an OpError with an errno and words of our own.
func Errorf(errno unix.Errno, op, arg, text string) *OpError {
	return &OpError{Op: op, Arg: arg, Err: errno, Text: text}
}

// Fail pushes the failure triple nil, "ENAME: op(arg): text", "ENAME" and
// returns 3, for a binding to return.
func Fail(L *lua.LState, err error) int {
	var oe *OpError
	msg := err.Error()
	if !errors.As(err, &oe) {
		msg = ErrnoName(err) + ": " + msg
	} else if oe != err {
		msg = oe.Error()
	}
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	L.Push(lua.LString(ErrnoName(err)))
	return 3
}

// OK pushes true and returns 1: success with nothing else to say.
func OK(L *lua.LState) int {
	L.Push(lua.LTrue)
	return 1
}

func quote(s string) string { return strconv.Quote(s) }

// Quote formats s for an error message: "abc" with Go escapes, so NUL bytes
// and control characters stay visible. Very long strings are shortened.
func Quote(s string) string {
	if len(s) > 80 {
		return quote(s[:77]) + "..."
	}
	return quote(s)
}

// JoinNames lists names for "expected one of" messages.
func JoinNames(names []string) string { return strings.Join(names, ", ") }
