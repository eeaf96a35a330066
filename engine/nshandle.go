package engine

import (
	"fmt"
	"strconv"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// Handle is an open namespace: an O_CLOEXEC fd on an nsfs file. It is the
// value behind Lua's nslua.ns userdata and an nsref for every binding.
type Handle struct {
	Kind   Kind
	Dev    uint64
	Ino    uint64
	Path   string // where it was opened from
	fd     int
	closer *Closer
}

// Fd returns the handle's fd, -1 once closed.
func (h *Handle) Fd() int { return h.fd }

// String gives the form of /proc/PID/ns links: "net:[4026531840]".
func (h *Handle) String() string { return h.Kind.String() + ":[" + strconv.FormatUint(h.Ino, 10) + "]" }

// Equal compares device and inode, as the kernel identifies namespaces.
func (h *Handle) Equal(o any) bool {
	g, ok := o.(*Handle)
	return ok && g.Dev == h.Dev && g.Ino == h.Ino
}

// IsClosed reports whether Close ran.
func (h *Handle) IsClosed() bool { return h.fd < 0 }

// Close releases the fd. When it was the script's last handle on the
// namespace, bindings that cache state for it (net's netlink socket) are told
// to let go, so that the namespace can die now rather than at exit.
// Idempotent.
func (h *Handle) Close() error {
	if h.fd < 0 {
		return nil
	}
	return h.closer.Close()
}

// NewHandle takes ownership of fd (an nsfs file of kind k) and registers it
// for closing when the VM closes.
func (vm *VM) NewHandle(fd int, k Kind, path string) (*Handle, error) {
	return vm.newHandle(fd, k, path, true)
}

// NewViewHandle is NewHandle for a handle that shows a namespace something
// else holds (net's link.ns): it is not one of the script's handles, so it
// neither keeps the namespace from being let go of nor tells anyone when it
// is closed. Whoever gave it out closes it when the namespace is released.
func (vm *VM) NewViewHandle(fd int, k Kind, path string) (*Handle, error) {
	return vm.newHandle(fd, k, path, false)
}

func (vm *VM) newHandle(fd int, k Kind, path string, counted bool) (*Handle, error) {
	id, err := fdID(fd)
	if err != nil {
		unix.Close(fd)
		return nil, &OpError{Op: "fstat", Arg: path, Err: err}
	}
	h := &Handle{Kind: k, Dev: id.Dev, Ino: id.Ino, Path: path, fd: fd}
	if counted {
		vm.handleCount[id]++
	}
	h.closer = vm.OnClose("namespace handle "+h.String(), func() error {
		err := unix.Close(h.fd)
		h.fd = -1
		if !counted {
			return err
		}
		if vm.handleCount[id]--; vm.handleCount[id] <= 0 {
			delete(vm.handleCount, id)
			if !vm.closed {
				vm.ReleaseNamespace(id.Dev, id.Ino)
			}
		}
		return err
	})
	return h, nil
}

// PushHandle pushes a handle as an nslua.ns userdata.
func (vm *VM) PushHandle(L *lua.LState, h *Handle) *lua.LUserData {
	ud := vm.HandleClass().New(L, h)
	L.Push(ud)
	return ud
}

// HandleClass returns the nslua.ns class.
func (vm *VM) HandleClass() *Class { return vm.classes["nslua.ns"] }

// handleMethods are added by binding packages (ns adds pin, parent, owner) at
// Go init time, so every handle has them however it was made.
var handleMethods = map[string]func(vm *VM, L *lua.LState) int{}

// RegisterHandleMethod adds a method to every VM's nslua.ns class. Call it
// from a package init function.
func RegisterHandleMethod(name string, f func(vm *VM, L *lua.LState) int) {
	handleMethods[name] = f
}

// CheckHandle returns argument n as an open handle.
func (vm *VM) CheckHandle(L *lua.LState, n int) *Handle {
	return Check[*Handle](vm, L, n, vm.HandleClass())
}

func (vm *VM) registerHandleClass() {
	methods := map[string]func(L *lua.LState) int{
		"close": func(L *lua.LState) int {
			// a closed handle may be closed again: no Check, which refuses it
			ud, _ := L.Get(1).(*lua.LUserData)
			var h *Handle
			if ud != nil {
				h, _ = ud.Value.(*Handle)
			}
			if h == nil {
				vm.TypeError(L, 1, "nslua.ns")
			}
			vm.NoMoreArgs(L, 1)
			if err := h.Close(); err != nil {
				return Fail(L, &OpError{Op: "close", Arg: h.String(), Err: err})
			}
			return OK(L)
		},
		"enter": func(L *lua.LState) int {
			h := vm.CheckHandle(L, 1)
			vm.NoMoreArgs(L, 1)
			if err := vm.Enter([]Target{{h.Kind, h.fd}}); err != nil {
				return Fail(L, err)
			}
			return OK(L)
		},
		"with": func(L *lua.LState) int {
			h := vm.CheckHandle(L, 1)
			vm.CheckFunction(L, 2)
			return vm.With(L, []Target{{h.Kind, h.fd}}, 2)
		},
	}
	for name, f := range handleMethods {
		f := f
		methods[name] = func(L *lua.LState) int { return f(vm, L) }
	}
	vm.NewClass("ns", methods, func(L *lua.LState, v any, key string) (lua.LValue, bool) {
		h := v.(*Handle)
		switch key {
		case "type":
			return lua.LString(h.Kind.String()), true
		case "id":
			return lua.LNumber(h.Ino), true
		case "dev":
			return lua.LNumber(h.Dev), true
		case "path":
			return lua.LString(h.Path), true
		case "closed":
			return lua.LBool(h.IsClosed()), true
		}
		return nil, false
	})
}

// UnjoinableError explains why a Go process cannot enter a user or time
// namespace, and what to use instead.
func UnjoinableError(op string, k Kind) error {
	errno, why := unix.EINVAL, "a multi-threaded process cannot change its user namespace"
	if k == KindTime {
		errno, why = unix.EUSERS, "a multi-threaded process cannot change its time namespace"
	}
	hint := fmt.Sprintf("start a process in one with proc.spawn{ns = {%s = \"new\"}}", k)
	if k == KindUser && !Rootless {
		// nslua --rootless runs the whole script in a user namespace of its own
		hint += ", or run nslua --rootless"
	}
	return Errorf(errno, op, k.String(), why+"; "+hint)
}

// Enter moves the thread running Lua into the targets (ns.enter, h:enter):
// the VM thread itself, like a shell running nsenter(1), or the worker inside
// an ns.with until fn returns.
func (vm *VM) Enter(targets []Target) error {
	for _, t := range targets {
		if !t.Kind.Joinable() {
			return UnjoinableError("setns", t.Kind)
		}
	}
	for _, t := range targets {
		if err := SetnsThread(t.Kind, t.Fd); err != nil {
			return &OpError{Op: "setns", Arg: t.Kind.String(), Err: err}
		}
		if err := vm.cur.Apply([]Target{t}); err != nil {
			return &OpError{Op: "fstat", Arg: t.Kind.String(), Err: err}
		}
	}
	return nil
}

// With runs the Lua function at stack index fnIdx with the arguments above it
// on a worker thread inside the targets, returns its results, and re-raises
// its error (ns.with, h:with). The script's own namespaces are untouched.
func (vm *VM) With(L *lua.LState, targets []Target, fnIdx int) int {
	for _, t := range targets {
		if !t.Kind.Joinable() {
			return Fail(L, UnjoinableError("setns", t.Kind))
		}
	}
	fn := L.Get(fnIdx)
	args := make([]lua.LValue, 0, L.GetTop()-fnIdx)
	for i := fnIdx + 1; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	base := L.GetTop()
	var callErr error
	err := onPooledWorker(vm.cur, targets, func(cur *ThreadNS) {
		outer := vm.setCurrent(cur)
		vm.waiting = append(vm.waiting, outer)
		defer func() {
			vm.waiting = vm.waiting[:len(vm.waiting)-1]
			vm.setCurrent(outer)
		}()
		L.Push(fn)
		for _, a := range args {
			L.Push(a)
		}
		callErr = L.PCall(len(args), lua.MultRet, nil)
	})
	if err != nil {
		return Fail(L, err)
	}
	if callErr != nil {
		if ae, ok := callErr.(*lua.ApiError); ok {
			L.Error(ae.Object, 0)
		}
		L.RaiseError("%v", callErr)
	}
	return L.GetTop() - base
}
