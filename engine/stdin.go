package engine

import (
	"bufio"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// A script that waits for its user ("press Enter to tear down the lab")
// sits in gopher-lua's io.read on standard input: a blocking read(2) that
// neither a signal nor the VM's context ends, so Ctrl-C, SIGTERM and SIGHUP
// did nothing until a line came, and a kill -9 then left the lab behind.
// Reads of io.stdin (io.read, io.stdin:read, and io.lines and
// io.stdin:lines, which iterate with read: iocompat.go) first wait with poll(2) until standard input has something to read,
// looking at the context between polls: an interrupt raises there, and the
// closers run. Nothing is read ahead, so children that inherit standard
// input still get all of it.

// stdinPoll is how long one poll waits before the context is looked at.
const stdinPoll = 100 // milliseconds

func (vm *VM) interruptibleStdin() {
	L := vm.L
	iolib, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	stdin, ok := iolib.RawGetString("stdin").(*lua.LUserData)
	if !ok {
		return
	}
	reader := bufferOf(stdin)
	wait := func(L *lua.LState) {
		for reader == nil || reader.Buffered() == 0 {
			n, err := unix.Poll([]unix.PollFd{{Fd: 0, Events: unix.POLLIN}}, stdinPoll)
			if (err == nil && n > 0) || (err != nil && err != unix.EINTR) {
				return // readable, at its end, or not pollable: the read answers
			}
			if ctx := L.Context(); ctx != nil && ctx.Err() != nil {
				L.RaiseError("interrupted") // the VM reports the signal that did it
			}
		}
	}
	// io.input() and io.stdin may be two userdata around one file
	isStdin := func(v lua.LValue) bool {
		ud, ok := v.(*lua.LUserData)
		return ok && (ud == stdin || ud.Value == stdin.Value)
	}
	input, _ := iolib.RawGetString("input").(*lua.LFunction)
	defaultIsStdin := func(L *lua.LState) bool {
		if input == nil {
			return false
		}
		L.Push(input)
		L.Call(0, 1)
		in := L.Get(-1)
		L.Pop(1)
		return isStdin(in)
	}
	// wrap returns fn, which waits first when isStdin says the read is of
	// standard input
	wrap := func(fn lua.LValue, isStdin func(L *lua.LState) bool) lua.LValue {
		orig, ok := fn.(*lua.LFunction)
		if !ok {
			return fn
		}
		return L.NewFunction(func(L *lua.LState) int {
			if isStdin(L) {
				wait(L)
			}
			return passOn(L, orig)
		})
	}
	selfIsStdin := func(L *lua.LState) bool { return isStdin(L.Get(1)) }
	iolib.RawSetString("read", wrap(iolib.RawGetString("read"), defaultIsStdin))
	if mt, ok := stdin.Metatable.(*lua.LTable); ok {
		methods, ok := mt.RawGetString("__index").(*lua.LTable)
		if ok {
			methods.RawSetString("read", wrap(methods.RawGetString("read"), selfIsStdin))
		}
	}
}

// passOn calls fn with the arguments of the Go function running now (a
// wrapper around one of gopher-lua's) and leaves its results on the stack
// above them: the wrapper returns the count.
func passOn(L *lua.LState, fn *lua.LFunction) int {
	top := L.GetTop()
	L.Push(fn)
	for i := 1; i <= top; i++ {
		L.Push(L.Get(i))
	}
	L.Call(top, lua.MultRet)
	return L.GetTop() - top
}

// bufferOf is the bufio.Reader gopher-lua reads a file through (the
// unexported field reader of its lFile), to know whether a read can be
// answered without the file; nil when it cannot be found.
func bufferOf(ud *lua.LUserData) *bufio.Reader {
	v := reflect.ValueOf(ud.Value)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("reader")
	if !f.IsValid() || f.Type() != reflect.TypeOf((*bufio.Reader)(nil)) || f.IsNil() {
		return nil
	}
	return (*bufio.Reader)(unsafe.Pointer(f.Pointer()))
}
