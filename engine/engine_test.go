package engine

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

func newVM(t *testing.T) *VM {
	t.Helper()
	vm := New(nil, nil)
	t.Cleanup(vm.Close)
	return vm
}

// mustFail runs code and returns the uncaught error's message.
func mustFail(t *testing.T, vm *VM, code string) *LuaError {
	t.Helper()
	err := vm.DoString(code, "t.lua")
	var le *LuaError
	if !errors.As(err, &le) {
		t.Fatalf("%s: got %v, want a *LuaError", code, err)
	}
	return le
}

func wantMessage(t *testing.T, vm *VM, code, want string) {
	t.Helper()
	if msg := mustFail(t, vm, code).Message; msg != want {
		t.Errorf("%s:\n got  %q\n want %q", code, msg, want)
	}
}

func TestClosersRunInReverseOrder(t *testing.T) {
	vm := New(nil, nil)
	var order []string
	for _, n := range []string{"a", "b", "c"} {
		vm.OnClose(n, func() error { order = append(order, n); return nil })
	}
	vm.Close()
	if want := []string{"c", "b", "a"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("closers ran as %v, want %v", order, want)
	}
}

func TestCloserKeepCloseAndIdempotence(t *testing.T) {
	vm := New(nil, nil)
	runs := map[string]int{}
	count := func(n string) func() error { return func() error { runs[n]++; return nil } }
	kept := vm.OnClose("kept", count("kept"))
	early := vm.OnClose("early", count("early"))
	vm.OnClose("late", count("late"))
	kept.Keep()
	if kept.Active() {
		t.Error("a kept closer is still active")
	}
	if err := early.Close(); err != nil {
		t.Fatal(err)
	}
	if err := early.Close(); err != nil { // a second close does nothing
		t.Fatal(err)
	}
	kept.Keep()
	vm.Close()
	vm.Close() // idempotent: closers do not run twice
	if want := map[string]int{"early": 1, "late": 1}; !reflect.DeepEqual(runs, want) {
		t.Fatalf("runs %v, want %v", runs, want)
	}
	var nilCloser *Closer
	if err := nilCloser.Close(); err != nil || nilCloser.Active() {
		t.Fatal("a nil *Closer is not a no-op")
	}
}

func TestCloserErrorDoesNotStopTheOthers(t *testing.T) {
	vm := New(nil, nil)
	ran := false
	vm.OnClose("first", func() error { ran = true; return nil })
	failing := vm.OnClose("failing", func() error { return errors.New("EBUSY") })
	vm.Close()
	if !ran {
		t.Fatal("a failing closer stopped the one registered before it")
	}
	vm2 := New(nil, nil)
	defer vm2.Close()
	c := vm2.OnClose("device", func() error { return errors.New("busy") })
	if err := c.Close(); err == nil || err.Error() != "device: busy" {
		t.Fatalf("Close error %v, want it to name the resource", err)
	}
	_ = failing
}

func TestClosersRegisteredDuringCloseRun(t *testing.T) {
	vm := New(nil, nil)
	var order []string
	vm.OnClose("outer", func() error {
		order = append(order, "outer")
		vm.OnClose("inner", func() error { order = append(order, "inner"); return nil })
		return nil
	})
	vm.Close()
	if want := []string{"outer", "inner"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
}

// Many closers closed early are compacted away; the rest keep their order.
func TestCloserListCompaction(t *testing.T) {
	vm := New(nil, nil)
	var order []int
	var cls []*Closer
	for i := 0; i < 1000; i++ {
		cls = append(cls, vm.OnClose("n", func() error { order = append(order, i); return nil }))
	}
	for i, c := range cls {
		if i%100 != 0 {
			c.Close()
		}
	}
	order = nil
	vm.OnClose("last", func() error { order = append(order, -1); return nil })
	if len(vm.closers.items) > 100 {
		t.Errorf("closer list holds %d entries for 11 live closers", len(vm.closers.items))
	}
	vm.Close()
	want := []int{-1, 900, 800, 700, 600, 500, 400, 300, 200, 100, 0}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
}

func TestCheckOpts(t *testing.T) {
	vm := newVM(t)
	vm.L.SetGlobal("f", vm.Func("f", func(L *lua.LState) int {
		o := vm.CheckOpts(L, 1, "name", "mtu", "up", "rate", "sub")
		L.Push(lua.LString(o.String("name", "def")))
		L.Push(lua.LNumber(o.Int("mtu", 1500)))
		L.Push(lua.LBool(o.Bool("up", false)))
		L.Push(lua.LNumber(o.Number("rate", 0.5)))
		L.Push(lua.LBool(o.TableOpt("sub") != nil))
		return 5
	}))
	vm.L.SetGlobal("g", vm.Func("g", func(L *lua.LState) int {
		o := vm.CheckOptsArray(L, 1, "cwd")
		L.Push(lua.LNumber(o.Table().Len()))
		return 1
	}))
	if err := vm.DoString(`
		local n, m, u, r, s = f()
		assert(n == "def" and m == 1500 and u == false and r == 0.5 and s == false)
		n, m, u, r, s = f({name = "x", mtu = 9000, up = true, rate = 2, sub = {}})
		assert(n == "x" and m == 9000 and u == true and r == 2 and s == true)
		assert(g({"echo", "hi", cwd = "/"}) == 2)`, "t.lua"); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{
		`f({nmae = "x"})`:     `t.lua:1: bad argument #1 to 'f' (unknown option "nmae" (expected mtu, name, rate, sub, up))`,
		`f({"x"})`:            `t.lua:1: bad argument #1 to 'f' (unexpected list element in option table (expected mtu, name, rate, sub, up))`,
		`f({[true] = 1})`:     `t.lua:1: bad argument #1 to 'f' (option keys must be strings, got boolean (expected mtu, name, rate, sub, up))`,
		`f(5)`:                `t.lua:1: bad argument #1 to 'f' (table of options expected, got number)`,
		`f({name = 1})`:       `t.lua:1: bad argument #1 to 'f' (option "name": string expected, got number)`,
		`f({mtu = "big"})`:    `t.lua:1: bad argument #1 to 'f' (option "mtu": number expected, got string)`,
		`f({mtu = 1.5})`:      `t.lua:1: bad argument #1 to 'f' (option "mtu": integer expected, got 1.5)`,
		`f({up = "yes"})`:     `t.lua:1: bad argument #1 to 'f' (option "up": boolean expected, got string)`,
		`f({sub = "x"})`:      `t.lua:1: bad argument #1 to 'f' (option "sub": table expected, got string)`,
		`g({"echo", cwdd=1})`: `t.lua:1: bad argument #1 to 'g' (unknown option "cwdd" (expected cwd))`,
	} {
		wantMessage(t, vm, code, want)
	}
}

func TestValidateKeysNested(t *testing.T) {
	vm := newVM(t)
	tbl := vm.L.NewTable()
	tbl.RawSetString("monotonic", lua.LNumber(1))
	tbl.RawSetString("boottme", lua.LNumber(1))
	var got string
	ValidateKeys(vm.L, tbl, false, []string{"monotonic", "boottime"}, func(m string) { got = m })
	if want := `unknown option "boottme" (expected boottime, monotonic)`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestArgErrorWording(t *testing.T) {
	vm := newVM(t)
	vm.L.SetGlobal("unshare", vm.Func("unshare", func(L *lua.LState) int {
		s := vm.CheckString(L, 1)
		if s == "nett" {
			vm.ArgError(L, 1, "unknown namespace type %s", Quote(s))
		}
		vm.OptString(L, 2, "")
		vm.NoMoreArgs(L, 2)
		return 0
	}))
	vm.L.SetGlobal("sleep", vm.Func("sleep", func(L *lua.LState) int {
		vm.CheckInt(L, 1)
		vm.CheckTable(L, 2)
		vm.CheckFunction(L, 3)
		return 0
	}))
	for code, want := range map[string]string{
		`unshare("nett")`:         `t.lua:1: bad argument #1 to 'unshare' (unknown namespace type "nett")`,
		`unshare(1)`:              `t.lua:1: bad argument #1 to 'unshare' (string expected, got number)`,
		`unshare("net", {})`:      `t.lua:1: bad argument #2 to 'unshare' (string expected, got table)`,
		`unshare("net", "a", 3)`:  `t.lua:1: bad argument #3 to 'unshare' (no more than 2 argument(s) expected, got 3)`,
		`sleep("x")`:              `t.lua:1: bad argument #1 to 'sleep' (number expected, got string)`,
		`sleep()`:                 `t.lua:1: bad argument #1 to 'sleep' (number expected, got no value)`,
		`sleep(nil)`:              `t.lua:1: bad argument #1 to 'sleep' (number expected, got nil)`,
		`sleep(1, nil)`:           `t.lua:1: bad argument #2 to 'sleep' (table expected, got nil)`,
		`sleep(1.5)`:              `t.lua:1: bad argument #1 to 'sleep' (integer expected, got 1.5)`,
		`sleep(1, 2)`:             `t.lua:1: bad argument #2 to 'sleep' (table expected, got number)`,
		`sleep(1, {}, "f")`:       `t.lua:1: bad argument #3 to 'sleep' (function expected, got string)`,
		`local s = sleep; s(1.5)`: `t.lua:1: bad argument #1 to 'sleep' (integer expected, got 1.5)`,
	} {
		wantMessage(t, vm, code, want)
	}
}

func TestQuoteShowsControlBytesAndShortens(t *testing.T) {
	if got := Quote("a\x00b\n"); got != `"a\x00b\n"` {
		t.Errorf("Quote = %s", got)
	}
	if got := Quote(strings.Repeat("x", 1000)); len(got) > 90 || !strings.HasSuffix(got, `"...`) {
		t.Errorf("Quote of 1000 bytes = %s", got)
	}
}

// A Go panic inside a binding is a Lua error saying "internal error" and
// where, never a crash; pcall catches it like any error.
func TestPanicInBindingIsInternalError(t *testing.T) {
	vm := newVM(t)
	vm.L.SetGlobal("broken", vm.Func("broken", func(L *lua.LState) int {
		var m map[string]int
		m["x"] = 1 // nil map write: a runtime panic
		return 0
	}))
	le := mustFail(t, vm, "broken()")
	if !strings.Contains(le.Message, "internal error in broken: assignment to entry in nil map") {
		t.Fatalf("got %q", le.Message)
	}
	if !strings.HasPrefix(le.Message, "t.lua:1:") {
		t.Errorf("message %q does not say where", le.Message)
	}
	if err := vm.DoString(`
		local ok, err = pcall(broken)
		assert(not ok and err:find("internal error in broken", 1, true), tostring(err))
		-- the VM goes on working after the panic
		assert(select("#", pcall(broken)) == 2)`, "t.lua"); err != nil {
		t.Fatal(err)
	}
	if len(vm.calls) != 0 {
		t.Errorf("binding call stack not unwound: %v", vm.calls)
	}
}

type errObj struct{ text string }

func TestFailTriple(t *testing.T) {
	vm := newVM(t)
	errs := map[string]error{
		"op":      &OpError{Op: "unshare", Arg: "net", Err: unix.EPERM},
		"text":    Errorf(unix.EINVAL, "open", "/tmp/x", "not a namespace file"),
		"wrapped": fmt.Errorf("context: %w", &OpError{Op: "setns", Arg: "mnt", Err: unix.EINVAL}),
		"errno":   fmt.Errorf("read /proc/1/ns: %w", syscall.EACCES),
		"plain":   errors.New("no errno here"),
	}
	vm.L.SetGlobal("fail", vm.Func("fail", func(L *lua.LState) int {
		return Fail(L, errs[vm.CheckString(L, 1)])
	}))
	vm.L.SetGlobal("ok", vm.Func("ok", func(L *lua.LState) int { return OK(L) }))
	out := map[string][]string{}
	vm.L.SetGlobal("record", vm.L.NewFunction(func(L *lua.LState) int {
		var vals []string
		for i := 2; i <= L.GetTop(); i++ {
			vals = append(vals, L.Get(i).Type().String()+":"+L.Get(i).String())
		}
		out[L.CheckString(1)] = vals
		return 0
	}))
	if err := vm.DoString(`
		for _, k in ipairs{"op", "text", "wrapped", "errno", "plain"} do record(k, fail(k)) end
		record("ok", ok())
		local ok2, msg = pcall(assert, fail("op"))
		record("assert", ok2, msg)`, "t.lua"); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"op":      {"nil:nil", "string:EPERM: unshare(net): operation not permitted", "string:EPERM"},
		"text":    {"nil:nil", "string:EINVAL: open(/tmp/x): not a namespace file", "string:EINVAL"},
		"wrapped": {"nil:nil", "string:EINVAL: setns(mnt): invalid argument", "string:EINVAL"},
		"errno":   {"nil:nil", "string:EACCES: read /proc/1/ns: permission denied", "string:EACCES"},
		"plain":   {"nil:nil", "string:EIO: no errno here", "string:EIO"},
		"ok":      {"boolean:true"},
		// gopher-lua's assert prefixes the position (Lua 5.1's does not)
		"assert": {"boolean:false", "string:t.lua:4: EPERM: unshare(net): operation not permitted"},
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got\n%q\nwant\n%q", out, want)
	}
}

// error(msg, level) blames the right place, as in Lua 5.1: gopher-lua counts
// the Go frame of error itself unless the engine fixes it.
func TestErrorLevels(t *testing.T) {
	vm := newVM(t)
	code := `
local function check(v, level) if not v then error("bad value", level) end end
local function api(v) check(v, 3) end
local which = ...
if which == 1 then check(false, 1) end
if which == 2 then check(false, 2) end
if which == 3 then api(false) end
if which == 0 then check(false, 0) end
if which == "table" then error({code = 7}) end
if which == "none" then error() end
if which == "obj" then error(setmetatable({}, {__tostring = function() return "custom error object" end})) end`
	for level, want := range map[any]string{
		1:       "t.lua:2: bad value",
		2:       "t.lua:6: bad value",
		3:       "t.lua:7: bad value",
		0:       "bad value",
		"table": "(error object is a table value)",
		"obj":   "custom error object",
		"none":  "(error object is a nil value)", // lua.c's words
	} {
		var arg lua.LValue = lua.LString(fmt.Sprint(level))
		if n, ok := level.(int); ok {
			arg = lua.LNumber(n)
		}
		err := vm.DoString(code, "t.lua", arg)
		var le *LuaError
		if !errors.As(err, &le) || le.Message != want {
			t.Errorf("level %v: got %v, want %q", level, err, want)
		}
	}
}

func TestUncaughtErrorHasTraceback(t *testing.T) {
	vm := newVM(t)
	le := mustFail(t, vm, "local function inner() local x = nil; return x.y end\nlocal function outer() inner() end\nouter()")
	if !strings.HasPrefix(le.Message, "t.lua:1:") {
		t.Errorf("message %q", le.Message)
	}
	for _, want := range []string{"stack traceback:", "t.lua:2:", "t.lua:3:"} {
		if !strings.Contains(le.Traceback, want) {
			t.Errorf("traceback lacks %q:\n%s", want, le.Traceback)
		}
	}
	if le.ExitCode() != 1 {
		t.Errorf("exit code %d", le.ExitCode())
	}
}

func TestSyntaxErrorIsMarked(t *testing.T) {
	vm := newVM(t)
	le := mustFail(t, vm, "x = = 1")
	if !le.Syntax || le.Traceback != "" || le.ExitCode() != 1 || !strings.Contains(le.Message, "t.lua") {
		t.Fatalf("got %+v", le)
	}
}

// os.exit unwinds the script (Go's os.Exit would skip the closers), from any
// depth, and reports the code; closers then run at Close.
func TestOSExitUnwinds(t *testing.T) {
	for code, want := range map[string]int{
		"os.exit(3)":                            3,
		"os.exit()":                             0,
		"os.exit(true)":                         0,
		"os.exit(false)":                        1,
		"local function f() os.exit(7) end f()": 7,
		"coroutine.wrap(function() os.exit(9) end)()": 9,
		// protected calls catch errors, but not os.exit
		"pcall(os.exit, 4)": 4,
		"local ok = pcall(function() os.exit(6) end); after()":                6,
		"xpcall(function() os.exit(8) end, function(e) after() return e end)": 8,
		"coroutine.resume(coroutine.create(function() os.exit(5) end))":       5,
		"pcall(function() pcall(os.exit, 11); after() end); after()":          11,
		"local ok = pcall(os.exit, 2); os.exit(12)":                           2,
		"callback(function() os.exit(13) end); after()":                       13,
	} {
		vm := New(nil, nil)
		closed := false
		vm.OnClose("flag", func() error { closed = true; return nil })
		after := false
		vm.L.SetGlobal("after", vm.L.NewFunction(func(*lua.LState) int { after = true; return 0 }))
		// a binding that calls back into Lua protected, as ns.with does
		vm.L.SetGlobal("callback", vm.Func("callback", func(L *lua.LState) int {
			L.PCall(0, 0, nil)
			return 0
		}))
		le := mustFail(t, vm, code+"; after()")
		if le.Exit == nil || *le.Exit != want || le.ExitCode() != want {
			t.Errorf("%s: exit %v, want %d (%+v)", code, le.Exit, want, le)
		}
		if after {
			t.Errorf("%s: the script went on after os.exit", code)
		}
		vm.Close()
		if !closed {
			t.Errorf("%s: closers did not run", code)
		}
	}
	vm := newVM(t)
	wantMessage(t, vm, `os.exit("x")`, "t.lua:1: bad argument #1 to 'exit' (number or boolean expected, got string)")
}

// Interrupt (SIGINT) stops even a loop that never calls a binding, and the
// error says so with the signal's exit code.
func TestInterruptStopsABusyLoop(t *testing.T) {
	vm := newVM(t)
	vm.L.SetGlobal("started", vm.L.NewFunction(func(*lua.LState) int {
		go vm.Interrupt(os.Interrupt)
		return 0
	}))
	le := mustFail(t, vm, "started() while true do end")
	if le.Signal != os.Interrupt || le.ExitCode() != 130 || le.Message != "interrupted" {
		t.Fatalf("got %+v", le)
	}
	// the next chunk gets a fresh context and runs
	vm.NewChunkContext()
	if err := vm.DoString("local x = 1", "t.lua"); err != nil {
		t.Fatal(err)
	}
}

type thing struct {
	id     int
	closed bool
}

func (x *thing) String() string       { return fmt.Sprintf("thing:%d", x.id) }
func (x *thing) Equal(o any) bool     { y, ok := o.(*thing); return ok && y.id == x.id }
func (x *thing) IsClosed() bool       { return x.closed }
func (x *thing) close()               { x.closed = true }
func (x *thing) describe() lua.LValue { return lua.LString(x.String()) }

func TestClasses(t *testing.T) {
	vm := newVM(t)
	var cls *Class
	cls = vm.NewClass("thing", map[string]func(L *lua.LState) int{
		"describe": func(L *lua.LState) int {
			L.Push(Check[*thing](vm, L, 1, cls).describe())
			return 1
		},
		"close": func(L *lua.LState) int {
			ud := L.CheckUserData(1)
			ud.Value.(*thing).close()
			return 0
		},
	}, func(L *lua.LState, v any, key string) (lua.LValue, bool) {
		if key == "id" {
			return lua.LNumber(v.(*thing).id), true
		}
		return nil, false
	})
	if again := vm.NewClass("thing", nil, nil); again != cls {
		t.Error("NewClass made a second class of the same name")
	}
	vm.L.SetGlobal("new", vm.L.NewFunction(func(L *lua.LState) int {
		L.Push(cls.New(L, &thing{id: L.CheckInt(1)}))
		return 1
	}))
	if err := vm.DoString(`
		local a, b, c = new(1), new(1), new(2)
		assert(tostring(a) == "thing:1", tostring(a))
		assert(a == b and a ~= c, "__eq compares the Go values")
		assert(a.id == 1 and a.nosuch == nil)
		assert(a:describe() == "thing:1")
		assert(getmetatable(a).__name == "nslua.thing")
		a:close()
		local ok, err = pcall(a.describe, a)
		assert(not ok and err:find("bad argument #1 to 'describe' (attempt to use a closed nslua.thing)", 1, true), err)
		ok, err = pcall(c.describe, {})
		assert(not ok and err:find("bad argument #1 to 'describe' (nslua.thing expected, got table)", 1, true), err)`, "t.lua"); err != nil {
		t.Fatal(err)
	}
	if !cls.Is(cls.New(vm.L, &thing{})) || cls.Is(lua.LString("x")) {
		t.Error("Class.Is")
	}
	if got := TypeName(cls.New(vm.L, &thing{})); got != "nslua.thing" {
		t.Errorf("TypeName = %q", got)
	}
}

// TestPopenKnowsGopherLuasFile: io.popen fills in gopher-lua's unexported
// file object (popen.go); with another layout it would silently fall back
// to gopher-lua's own popen, whose "w" pipes never close.
func TestPopenKnowsGopherLuasFile(t *testing.T) {
	vm := New(nil, nil)
	defer vm.Close()
	if fileType(vm.L) == nil {
		t.Fatal("gopher-lua's file object has another layout: update lFileFields in popen.go")
	}
}

// TestPopenAndExecuteWatchers drives the goroutines that watch the children
// of io.popen and os.execute (run with -race): dropped pipes are reaped
// after a collection, and SIGTERM reaches a child of os.execute, so the
// call returns long before the child's 30 s.
func TestPopenAndExecuteWatchers(t *testing.T) {
	vm := New(nil, nil)
	defer vm.Close()
	err := vm.DoString(`
for i = 1, 20 do io.popen("echo x"):read("*a") end
for i = 1, 20 do io.popen("cat >/dev/null", "w"):write("x") end
collectgarbage() collectgarbage()`, "popen")
	if err != nil {
		t.Fatal(err)
	}
	children := func() int {
		n := 0
		tasks, _ := os.ReadDir("/proc/self/task")
		for _, task := range tasks {
			b, _ := os.ReadFile("/proc/self/task/" + task.Name() + "/children")
			n += len(strings.Fields(string(b)))
		}
		return n
	}
	for end := time.Now().Add(20 * time.Second); children() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d children of dropped pipes not reaped", children())
		}
	}
	vm.NewChunkContext()
	interrupted, returned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(interrupted)
		for children() == 0 {
			select {
			case <-returned: // os.execute ended without a child: reported below
				return
			case <-time.After(5 * time.Millisecond): // polling for the child, not synchronisation
			}
		}
		vm.Interrupt(syscall.SIGTERM)
	}()
	start := time.Now()
	// the chunk ends with the call: the child's end must not let it end
	// normally before the cancel (Interrupt cancels, then passes it on)
	if err := vm.DoString(`os.execute("sleep 30")`, "execute"); err == nil {
		t.Error("os.execute interrupted by SIGTERM: no error")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("os.execute returned after %v: SIGTERM did not reach sleep", d)
	}
	close(returned)
	<-interrupted
}

// TestInterruptDuringClose: a SIGTERM that came from another goroutine
// before the VM closes, to a popen child that ignores it, makes Close wait
// for the grace period and the SIGKILL after it; one more that comes,
// unsynchronised, while Close runs is passed on without a race (run with
// -race: the grace period is counted under vm.mu, and Close waits under it
// too).
func TestInterruptDuringClose(t *testing.T) {
	vm := New(nil, nil)
	if err := vm.DoString(`p = io.popen("trap '' TERM; echo ready; sleep 30")
assert(p:read("*l") == "ready")`, "popen"); err != nil {
		t.Fatal(err)
	}
	var pid int
	vm.mu.Lock()
	for w := range vm.watched {
		pid = w.pid
	}
	vm.mu.Unlock()
	if pid == 0 {
		t.Fatal("the popen child is not watched")
	}
	go vm.Interrupt(syscall.SIGTERM)
	// Interrupt records the signal and counts the grace period in one hold
	// of vm.mu: once the signal shows, the grace period is counted
	for end := time.Now().Add(20 * time.Second); vm.Interrupted() == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("Interrupt did not run within 20 s")
		}
	}
	go vm.Interrupt(syscall.SIGTERM) // while Close runs, or after
	start := time.Now()
	vm.Close()
	if d := time.Since(start); d < childGrace/2 {
		t.Errorf("Close returned after %v, before the grace period ended", d)
	}
	// the child got SIGKILL after its grace: its pidfd goroutine reaps it
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("popen child %d still running after SIGKILL", pid)
		}
	}
}

// TestBeforeFirstCloserWaitsOnce: the command line's wait for its signal
// handlers runs once, before the first closer exists, and never again.
func TestBeforeFirstCloserWaitsOnce(t *testing.T) {
	vm := New(nil, nil)
	defer vm.Close()
	calls, registered := 0, -1
	vm.BeforeFirstCloser(func() { calls++; registered = vm.closers.live })
	vm.OnClose("a", func() error { return nil })
	vm.OnClose("b", func() error { return nil })
	if calls != 1 || registered != 0 {
		t.Fatalf("called %d times, with %d closers registered; want once, before any", calls, registered)
	}
}
