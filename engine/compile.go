package engine

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// Every chunk nslua runs is compiled here — scripts, -e, the REPL, the
// stdlib, and what Lua code loads with load, loadstring, loadfile, dofile or
// require — so that one defect of gopher-lua's compiler is mended in one
// place.
//
// gopher-lua 1.1.2 compiles a table constructor whose last field is keyed and
// holds a function call (or ...) as if the call were a positional last field:
// its results land in the array part as well. {"ls", cwd = os.getenv("HOME")}
// had t[2] == "/root", so proc.run ran `ls /root`; {"true", join = ns.current
// ("net")} put the handle into argv. In Lua a keyed field keeps the first
// value of a call, which is what a call in parentheses gives: marking such
// calls adjusted, as the parser marks `(f())`, compiles exactly that.

// Compile parses and compiles a chunk, as L.Load does, with the mend.
// Errors are gopher-lua's syntax errors (*lua.ApiError), as L.Load's are.
func Compile(r io.Reader, name string) (*lua.FunctionProto, error) {
	lines := &lineCounter{r: r}
	chunk, err := parse.Parse(lines, name)
	if err != nil {
		if pe, ok := err.(*parse.Error); ok && pe.Pos.Line == parse.EOF {
			// gopher-lua says "NAME at EOF: msg", without the line lua.c
			// gives: the last one
			return nil, &lua.ApiError{Type: lua.ApiErrorSyntax, Cause: err,
				Object: lua.LString(fmt.Sprintf("%s:%d: %s near <eof>", name, lines.n+1, pe.Message))}
		}
		return nil, syntaxError(err)
	}
	mendKeyedTails(reflect.ValueOf(chunk))
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, syntaxError(err)
	}
	return proto, nil
}

// Load compiles a chunk into a function of L, as L.Load does, with the mend.
func Load(L *lua.LState, r io.Reader, name string) (*lua.LFunction, error) {
	proto, err := Compile(r, name)
	if err != nil {
		return nil, err
	}
	return L.NewFunctionFromProto(proto), nil
}

// lineCounter counts the newlines read through it.
type lineCounter struct {
	r io.Reader
	n int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += strings.Count(string(p[:n]), "\n")
	return n, err
}

func syntaxError(err error) error {
	return &lua.ApiError{Type: lua.ApiErrorSyntax, Object: lua.LString(err.Error()), Cause: err}
}

var (
	tableExprType = reflect.TypeOf((*ast.TableExpr)(nil))
	exprType      = reflect.TypeOf((*ast.Expr)(nil)).Elem()
	stmtType      = reflect.TypeOf((*ast.Stmt)(nil)).Elem()
)

// mendKeyedTails walks the syntax tree and marks the call or ... that is the
// value of a keyed last field of a table constructor adjusted (one value).
// It walks by reflection so that no kind of node is missed.
func mendKeyedTails(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() && (v.Type() == exprType || v.Type() == stmtType) {
			mendKeyedTails(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type() == tableExprType {
			fields := v.Interface().(*ast.TableExpr).Fields
			if n := len(fields); n > 0 && fields[n-1].Key != nil {
				switch e := fields[n-1].Value.(type) {
				case *ast.FuncCallExpr:
					e.AdjustRet = true
				case *ast.Comma3Expr:
					e.AdjustRet = true
				}
			}
		}
		mendKeyedTails(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				mendKeyedTails(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			mendKeyedTails(v.Index(i))
		}
	}
}

// loadFile compiles a file as L.LoadFile does: a first line starting with
// '#' is skipped (kept as an empty line, so line numbers stay right), ""
// is standard input.
func loadFile(L *lua.LState, path string) (*lua.LFunction, error) {
	var f *os.File
	if path == "" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, &lua.ApiError{Type: lua.ApiErrorFile, Object: lua.LString(err.Error()), Cause: err}
		}
		defer f.Close()
	}
	return Load(L, skipShebang(f), path)
}

// skipShebang drops a first line starting with '#' and keeps its newline.
func skipShebang(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(1); err == nil && b[0] == '#' {
		br.ReadString('\n')
		return io.MultiReader(strings.NewReader("\n"), br)
	}
	return br
}

// installLoaders replaces the base functions that compile chunks (load,
// loadstring, loadfile, dofile) and require's loader of Lua files with ones
// that compile through Load, keeping gopher-lua's behaviour otherwise.
func (vm *VM) installLoaders() {
	L := vm.L
	loaded := func(L *lua.LState, fn *lua.LFunction, err error) int {
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(fn)
		return 1
	}
	L.SetGlobal("loadstring", L.NewFunction(func(L *lua.LState) int {
		fn, err := Load(L, strings.NewReader(L.CheckString(1)), L.OptString(2, "<string>"))
		return loaded(L, fn, err)
	}))
	L.SetGlobal("load", L.NewFunction(func(L *lua.LState) int {
		reader := L.CheckFunction(1)
		name := L.OptString(2, "?")
		var chunk strings.Builder
		for {
			L.Push(reader)
			L.Call(0, 1)
			piece := L.Get(-1)
			L.Pop(1)
			if piece == lua.LNil {
				break
			}
			if !lua.LVCanConvToString(piece) {
				L.Push(lua.LNil)
				L.Push(lua.LString("reader function must return a string"))
				return 2
			}
			if piece.String() == "" {
				break
			}
			chunk.WriteString(piece.String())
		}
		fn, err := Load(L, strings.NewReader(chunk.String()), name)
		return loaded(L, fn, err)
	}))
	L.SetGlobal("loadfile", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() < 1 {
			fn, err := Load(L, skipShebang(os.Stdin), "<stdin>")
			return loaded(L, fn, err)
		}
		path := L.CheckString(1)
		f, err := os.Open(path)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString("can not open file: " + path))
			return 2
		}
		defer f.Close()
		fn, err := Load(L, skipShebang(f), path) // a #! line, as luaL_loadfile skips it
		return loaded(L, fn, err)
	}))
	L.SetGlobal("dofile", L.NewFunction(func(L *lua.LState) int {
		top := L.GetTop()
		fn, err := loadFile(L, L.OptString(1, ""))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(fn)
		L.Call(0, lua.MultRet)
		return L.GetTop() - top
	}))
	// package.loaders[2] finds NAME.lua on package.path
	if loaders, ok := L.GetField(L.GetField(L.Get(lua.GlobalsIndex), "package"), "loaders").(*lua.LTable); ok {
		loaders.RawSetInt(2, L.NewFunction(func(L *lua.LState) int {
			name := L.CheckString(1)
			path, tried := findOnPath(L, name)
			if path == "" {
				L.Push(lua.LString(tried))
				return 1
			}
			fn, err := loadFile(L, path)
			if err != nil {
				L.RaiseError("%s", err.Error())
			}
			L.Push(fn)
			return 1
		}))
	}
}

// findOnPath looks for module name on package.path as Lua 5.1's loader does:
// the first template whose file opens, or "" and the list of files tried.
func findOnPath(L *lua.LState, name string) (string, string) {
	pkgPath, ok := L.GetField(L.GetField(L.Get(lua.GlobalsIndex), "package"), "path").(lua.LString)
	if !ok {
		return "", "package.path is not a string"
	}
	file := strings.ReplaceAll(name, ".", "/")
	var tried []string
	for _, tmpl := range strings.Split(string(pkgPath), ";") {
		if tmpl == "" {
			continue
		}
		p := strings.ReplaceAll(tmpl, "?", file)
		if f, err := os.Open(p); err == nil {
			f.Close()
			return p, ""
		}
		tried = append(tried, fmt.Sprintf("no file '%s'", p))
	}
	return "", strings.Join(tried, "\n\t") // require joins the loaders' messages with "\n\t"
}
