package engine

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"reflect"
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
// (every file method works on it), and close() ends the child's input
// before it waits, as pclose(3) does.

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
// the error as io.popen reports it.
func popen(L *lua.LState, ft reflect.Type, cmd, mode string) (*lua.LUserData, *exec.Cmd, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	v := reflect.New(ft)
	if mode == "w" {
		c.Stdin = nil
		w, err := c.StdinPipe()
		if err != nil {
			return nil, nil, err
		}
		setField(v, "writer", io.Writer(w))
	} else {
		c.Stdout = nil
		r, err := c.StdoutPipe()
		if err != nil {
			return nil, nil, err
		}
		setField(v, "stdout", r)
		setField(v, "reader", bufio.NewReaderSize(r, 4096))
	}
	if err := c.Start(); err != nil {
		return nil, nil, err
	}
	setField(v, "pp", c)
	ud := L.NewUserData()
	ud.Value = v.Interface()
	L.SetMetatable(ud, L.GetTypeMetatable("FILE*"))
	return ud, c, nil
}

// endInput closes the pipe to a "w" child of popen, so that close() does
// not wait for a child that waits for more input.
func endInput(v lua.LValue) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return
	}
	rv := reflect.ValueOf(ud.Value)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return
	}
	pp := rv.Elem().FieldByName("pp")
	w := rv.Elem().FieldByName("writer")
	if !pp.IsValid() || pp.IsNil() || !w.IsValid() || w.IsNil() || w.Type() != lFileFields["writer"] {
		return
	}
	writer := reflect.NewAt(w.Type(), unsafe.Pointer(w.UnsafeAddr())).Elem().Interface()
	if c, ok := writer.(io.WriteCloser); ok {
		if _, buffered := writer.(*bufio.Writer); !buffered {
			_ = c.Close()
		}
	}
}
