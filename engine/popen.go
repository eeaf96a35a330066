package engine

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// io.popen(cmd [, mode]) as C Lua has it: /bin/sh -c cmd with one end of a
// pipe on its standard output ("r", the default) or input ("w"), and
// nslua's own standard input, output and error for the rest. gopher-lua's
// gave the child /dev/null for those — a failing command's message
// vanished, and in "w" mode all of its output — and its close() never
// closed the pipe to a "w" child, so `io.popen("cat", "w"):close()` waited
// for ever for a child that waited for the end of its input. nslua starts
// the child itself and hands Lua gopher-lua's own file object around it
// (every file method works on it), and close() — f:close() or io.close()
// of the default output — ends the child's input before it waits, as
// pclose(3) does. close() still returns the exit status as a number (0, or
// -1 after a signal), gopher-lua's Lua 5.1 answer, not Lua 5.4's true /
// nil, "exit", code: scripts test os.execute(cmd) == 0 and print
// p:close(), and either would silently change meaning.

// lFileFields is the layout of gopher-lua's (unexported) file object that
// popen fills in, checked before use: another layout falls back to
// gopher-lua's own io.popen.
var lFileFields = map[string]reflect.Type{
	"fp":     reflect.TypeOf((*os.File)(nil)),
	"pp":     reflect.TypeOf((*exec.Cmd)(nil)),
	"writer": reflect.TypeOf((*io.Writer)(nil)).Elem(),
	"reader": reflect.TypeOf((*bufio.Reader)(nil)),
	"stdout": reflect.TypeOf((*io.ReadCloser)(nil)).Elem(),
	"closed": reflect.TypeOf(false),
}

// fileType returns gopher-lua's file struct type (from io.stdout's
// object) when its fields are the ones popen fills in, else nil.
func fileType(L *lua.LState) reflect.Type {
	iolib, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return nil
	}
	ud, ok := iolib.RawGetString("stdout").(*lua.LUserData)
	if !ok {
		return nil
	}
	t := reflect.TypeOf(ud.Value)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	for name, want := range lFileFields {
		if f, ok := t.Elem().FieldByName(name); !ok || f.Type != want {
			return nil
		}
	}
	return t.Elem()
}

// setField sets an unexported field of the struct v points to.
func setField(v reflect.Value, name string, x any) {
	f := v.Elem().FieldByName(name)
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(x))
}

// popen starts cmd and returns the file object of its pipe, or nil and
// the error as io.popen reports it. watch holds the child (forwardStops)
// and returns a channel closed when it exits, or nil.
//
// A pipe that Lua drops without close() is closed when Go's garbage
// collector finds it, and its child reaped once it ends, as C Lua's __gc
// does with pclose: `io.popen(cmd):read("*a")` in a loop leaves no
// zombies and no open pipes behind.
func popen(L *lua.LState, ft reflect.Type, cmd, mode string, watch func(pid int) <-chan struct{}) (*lua.LUserData, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	v := reflect.New(ft)
	if mode == "w" {
		c.Stdin = nil
		w, err := c.StdinPipe()
		if err != nil {
			return nil, err
		}
		setField(v, "writer", io.Writer(w))
	} else {
		c.Stdout = nil
		r, err := c.StdoutPipe()
		if err != nil {
			return nil, err
		}
		setField(v, "stdout", r)
		setField(v, "reader", bufio.NewReaderSize(r, 4096))
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	setField(v, "pp", c)
	exited := watch(c.Process.Pid)
	runtime.SetFinalizer(v.Interface(), func(f any) {
		p, ok := pipeOf(&lua.LUserData{Value: f})
		if !ok || p.closed() {
			return
		}
		p.endInput()
		p.endOutput()
		go func() {
			if exited != nil {
				<-exited
			}
			_ = c.Wait()
		}()
	})
	ud := L.NewUserData()
	ud.Value = v.Interface()
	L.SetMetatable(ud, L.GetTypeMetatable("FILE*"))
	return ud, nil
}

// pipe is the gopher-lua file object of an io.popen.
type pipe struct{ v reflect.Value }

// pipeOf returns the pipe of an io.popen file object, and false for
// anything else (a file, another value).
func pipeOf(v lua.LValue) (pipe, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return pipe{}, false
	}
	rv := reflect.ValueOf(ud.Value)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return pipe{}, false
	}
	for name, want := range lFileFields {
		if f := rv.Elem().FieldByName(name); !f.IsValid() || f.Type() != want {
			return pipe{}, false
		}
	}
	if rv.Elem().FieldByName("pp").IsNil() {
		return pipe{}, false
	}
	return pipe{rv.Elem()}, true
}

// field returns the value of an unexported field.
func (p pipe) field(name string) any {
	f := p.v.FieldByName(name)
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
}

// closed reports whether close() ran on the pipe.
func (p pipe) closed() bool { return p.v.FieldByName("closed").Bool() }

// endInput closes the pipe to a "w" child, so that close() does not wait
// for a child that waits for more input.
func (p pipe) endInput() {
	if c, ok := p.field("writer").(io.Closer); ok {
		_ = c.Close()
	}
}

// endOutput closes the pipe from a "r" child, so that a child still
// writing gets EPIPE instead of waiting for a reader.
func (p pipe) endOutput() {
	if c, ok := p.field("stdout").(io.Closer); ok {
		_ = c.Close()
	}
}
