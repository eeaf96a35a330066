package engine

import (
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// ioCompat makes gopher-lua's io read as Lua 5.1 and 5.4 scripts expect.
//
// io.lines and file:lines: gopher-lua's iterators read with bufio's
// ReadLine and hand out each 4096-byte piece of a longer line as a line of
// its own (a JSON document on one line came back cut in three), and
// io.lines of a missing file returned nothing instead of raising. These
// iterate with the file's own read("*l"), which joins the pieces, and
// behave as Lua 5.1's: io.lines(path) raises when the file cannot be opened
// and closes it at the end; io.lines() reads the default input and
// file:lines() the file, neither closed at the end. Reading through read,
// they wait for standard input as read does (stdin.go, which runs first).
//
// io.open creates files with mode 0666 less the umask, as C Lua's fopen
// (gopher-lua's: 0600), and its failure reads as C Lua's, "/x: No such file
// or directory" with the errno number (2), where gopher-lua gave Go's "open
// /x: no such file or directory" and always 1.
//
// io.read and file:read take Lua 5.3's formats without the star ("l",
// "n", "a") beside 5.1's ("*l", ...): gopher-lua refused them, and the
// REPL and the command line otherwise behave as lua.c 5.4.
func (vm *VM) ioCompat() {
	L := vm.L
	iolib, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	methods := fileMethods(L)
	if methods == nil {
		return
	}
	read, ok1 := methods.RawGetString("read").(*lua.LFunction)
	closeFn, ok2 := methods.RawGetString("close").(*lua.LFunction)
	open, ok3 := iolib.RawGetString("open").(*lua.LFunction)
	input, ok4 := iolib.RawGetString("input").(*lua.LFunction)
	iotype, ok5 := iolib.RawGetString("type").(*lua.LFunction)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return // another gopher-lua: its iterators stay
	}
	read = starFormats(L, read, 2)
	methods.RawSetString("read", read)
	if ioread, ok := iolib.RawGetString("read").(*lua.LFunction); ok {
		iolib.RawSetString("read", starFormats(L, ioread, 1))
	}
	open = cLuaOpen(L, open)
	iolib.RawSetString("open", open)
	lineOf := func(L *lua.LState, file lua.LValue) lua.LValue {
		L.Push(read)
		L.Push(file)
		L.Push(lua.LString("*l"))
		L.Call(2, 1)
		line := L.Get(-1)
		L.Pop(1)
		return line
	}
	// iterator over file; closing it at the end when the iterator opened it
	iterator := func(L *lua.LState, file lua.LValue, closeAtEnd bool) *lua.LFunction {
		done := false
		return L.NewFunction(func(L *lua.LState) int {
			if done {
				L.RaiseError("file is already closed")
			}
			line := lineOf(L, file)
			if line == lua.LNil && closeAtEnd {
				done = true
				L.Push(closeFn)
				L.Push(file)
				L.Call(1, 0)
			}
			L.Push(line)
			return 1
		})
	}
	methods.RawSetString("lines", L.NewFunction(func(L *lua.LState) int {
		file := L.Get(1)
		L.Push(iotype)
		L.Push(file)
		L.Call(1, 1)
		kind := L.Get(-1)
		L.Pop(1)
		switch kind {
		case lua.LString("file"):
		case lua.LString("closed file"):
			L.RaiseError("attempt to use a closed file")
		default:
			L.RaiseError("bad argument #1 to 'lines' (FILE* expected, got %s)", file.Type())
		}
		L.Push(iterator(L, file, false))
		return 1
	}))
	iolib.RawSetString("lines", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() == 0 || L.Get(1) == lua.LNil {
			L.Push(input)
			L.Call(0, 1)
			file := L.Get(-1)
			L.Pop(1)
			L.Push(iterator(L, file, false))
			return 1
		}
		path := L.CheckString(1)
		L.Push(open)
		L.Push(lua.LString(path))
		L.Call(1, 2)
		file, msg := L.Get(-2), L.Get(-1)
		L.Pop(2)
		if file == lua.LNil {
			L.RaiseError("bad argument #1 to 'lines' (%s)", lua.LVAsString(msg))
		}
		L.Push(iterator(L, file, true))
		return 1
	}))
}

// fileMethods is the method table of gopher-lua's files (the __index of
// the FILE* metatable), or nil.
func fileMethods(L *lua.LState) *lua.LTable {
	mt, ok := L.GetTypeMetatable("FILE*").(*lua.LTable)
	if !ok {
		return nil
	}
	methods, _ := mt.RawGetString("__index").(*lua.LTable)
	return methods
}

// starFormats wraps a read function whose formats start at argument first:
// "l", "n" and "a" become "*l", "*n" and "*a".
func starFormats(L *lua.LState, read *lua.LFunction, first int) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		for i := first; i <= L.GetTop(); i++ {
			switch f := L.Get(i).(type) {
			case lua.LNumber:
			case lua.LString:
				switch {
				case f == "l" || f == "n" || f == "a":
					L.Replace(i, "*"+f)
				case len(f) < 2 || f[0] != '*':
					L.RaiseError(`bad argument #%d to 'read' (invalid format %s: "l", "n", "a" or a number expected)`,
						i-first+1, Quote(string(f)))
				}
			default:
				L.RaiseError("bad argument #%d to 'read' (format expected, got %s)", i-first+1, f.Type())
			}
		}
		return passOn(L, read)
	})
}

// errnoByText maps Go's text of an errno ("no such file or directory") to
// its number, to undo the wording of gopher-lua's io errors.
var errnoByText = sync.OnceValue(func() map[string]unix.Errno {
	m := map[string]unix.Errno{}
	for n := unix.Errno(1); n < 4096; n++ {
		if name := unix.ErrnoName(n); name != "" {
			m[n.Error()] = n
		}
	}
	return m
})

// cLuaOpen wraps gopher-lua's io.open as C Lua's fopen behaves. A file it
// creates gets mode 0666 less the umask, not gopher-lua's 0600 (a file
// written into a container's root was unreadable to the container's other
// users): for the modes that create, the file is created first, O_EXCL, as
// fopen would, and gopher-lua then opens what is there. A failure "open
// PATH: text", 1 becomes "PATH: Text", errno, as strerror and errno give it.
func cLuaOpen(L *lua.LState, open *lua.LFunction) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		top := L.GetTop()
		if path, ok := L.Get(1).(lua.LString); ok {
			if mode, ok := L.Get(2).(lua.LString); ok && strings.ContainsAny(string(mode), "wa") {
				// EEXIST (or any failure) leaves the file to gopher-lua's open
				if fd, err := unix.Open(string(path), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o666); err == nil {
					unix.Close(fd)
				}
			}
		}
		n := passOn(L, open)
		if n != 3 || L.Get(top+1) != lua.LNil {
			return n
		}
		msg, ok := L.Get(top + 2).(lua.LString)
		if !ok {
			return n
		}
		path := L.CheckString(1)
		text, found := strings.CutPrefix(string(msg), "open "+path+": ")
		errno, known := errnoByText()[text]
		if !found || !known {
			return n
		}
		L.Replace(top+2, lua.LString(path+": "+strings.ToUpper(text[:1])+text[1:]))
		L.Replace(top+3, lua.LNumber(errno))
		return n
	})
}
