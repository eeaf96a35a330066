package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// LuaError is an uncaught error of a chunk: the message and, for runtime
// errors, a Lua traceback.
type LuaError struct {
	Message   string
	Traceback string
	Syntax    bool      // the chunk did not compile
	Signal    os.Signal // set when the chunk was interrupted (SIGINT, SIGTERM)
	Exit      *int      // set when the script called os.exit(code)
}

func (e *LuaError) Error() string {
	if e.Traceback == "" {
		return e.Message
	}
	return e.Message + "\n" + e.Traceback
}

// ExitCode is what nslua exits with after this error: 1, or 128+signal.
func (e *LuaError) ExitCode() int {
	if e.Exit != nil {
		return *e.Exit
	}
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

// Load compiles a chunk from r; name is what tracebacks show ("lab.lua").
// A first line starting with '#' is skipped, as lua.c does.
func (vm *VM) Load(r io.Reader, name string) (*lua.LFunction, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(1); err == nil && b[0] == '#' {
		br.ReadString('\n')
		// keep line numbers right: the skipped line becomes an empty one
		r = io.MultiReader(strings.NewReader("\n"), br)
	} else {
		r = br
	}
	fn, err := Load(vm.L, r, name)
	if err != nil {
		return nil, &LuaError{Message: syntaxMessage(err), Syntax: true}
	}
	return fn, nil
}

func syntaxMessage(err error) string {
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		return strings.TrimSpace(ae.Object.String())
	}
	return err.Error()
}

// LoadFile compiles a script file ("-" is standard input).
func (vm *VM) LoadFile(path string) (*lua.LFunction, error) {
	if path == "-" {
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return nil, &LuaError{Message: "cannot read stdin: " + err.Error()}
		}
		return vm.Load(bytes.NewReader(data), "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &LuaError{Message: "cannot open " + path + ": " + strings.TrimPrefix(err.Error(), "open "+path+": ")}
	}
	defer f.Close()
	return vm.Load(f, path)
}

// Call runs fn with args under the VM's current context and returns its
// results. An uncaught error comes back as *LuaError with a traceback.
func (vm *VM) Call(fn *lua.LFunction, args ...lua.LValue) ([]lua.LValue, error) {
	L := vm.L
	base := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), lua.MultRet, nil)
	if err != nil {
		le := &LuaError{Message: err.Error(), Signal: vm.Interrupted()}
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			le.Message = luaErrorText(L, ae.Object)
			le.Traceback = ae.StackTrace
		}
		if ex := vm.exitRequested(); ex != nil && le.Signal == nil {
			code := *ex
			le.Exit, le.Message, le.Traceback = &code, "", ""
		}
		if le.Signal != nil {
			switch le.Signal {
			case syscall.SIGTERM:
				le.Message = "terminated"
			case syscall.SIGHUP:
				le.Message = "hangup"
			default:
				le.Message = "interrupted"
			}
			le.Traceback = ""
		}
		L.SetTop(base)
		return nil, le
	}
	n := L.GetTop() - base
	out := make([]lua.LValue, n)
	for i := 0; i < n; i++ {
		out[i] = L.Get(base + 1 + i)
	}
	L.SetTop(base)
	return out, nil
}

// luaErrorText turns an error object into text, as lua.c does: a string as is,
// a value with __tostring through it, anything else by its type.
func luaErrorText(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	case *lua.LNilType:
		return "(error object is a nil value)" // lua.c's words
	}
	if fn := L.GetMetaField(v, "__tostring"); fn != lua.LNil {
		top := L.GetTop()
		defer L.SetTop(top)
		L.Push(fn)
		L.Push(v)
		// a __tostring that raises or returns no string: fall back to the type
		if L.PCall(1, 1, nil) == nil {
			if s, ok := L.Get(-1).(lua.LString); ok {
				return string(s)
			}
		}
	}
	return fmt.Sprintf("(error object is a %s value)", v.Type())
}

// DoString compiles and runs code; name shows in tracebacks.
func (vm *VM) DoString(code, name string, args ...lua.LValue) error {
	fn, err := vm.Load(strings.NewReader(code), name)
	if err != nil {
		return err
	}
	_, err = vm.Call(fn, args...)
	return err
}

// PreloadGlobals makes every module reachable as a global of its name in the
// REPL and -e: the first read of `ns` requires it. Nothing loads before use.
func (vm *VM) PreloadGlobals() {
	L := vm.L
	g := L.G.Global
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key, ok := L.Get(2).(lua.LString)
		if !ok || !vm.HasModule(string(key)) {
			return 0
		}
		L.Push(L.GetGlobal("require"))
		L.Push(key)
		L.Call(1, 1)
		v := L.Get(-1)
		g.RawSetString(string(key), v)
		return 1
	}))
	L.SetMetatable(g, mt)
}

// exitRequest is raised by os.exit so that the script unwinds and the closers
// run before nslua exits; Go's os.Exit would skip them.
type exitRequest int

func (vm *VM) replaceExit() {
	L := vm.L
	osmod, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	osmod.RawSetString("exit", vm.Func("exit", func(L *lua.LState) int {
		code := 0
		switch v := L.Get(1).(type) {
		case lua.LNumber:
			code = int(v)
		case lua.LBool:
			if !v {
				code = 1
			}
		case *lua.LNilType:
		default:
			vm.TypeError(L, 1, "number or boolean")
		}
		vm.requestExit(code)
		ud := L.NewUserData()
		ud.Value = exitRequest(code)
		L.Error(ud, 0)
		return 0
	}))
}
