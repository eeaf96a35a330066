package engine

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// AnyKind asks ResolveNSRef for every namespace an nsref stands for.
const AnyKind Kind = -1

// NetnsDir is where named network namespaces are pinned, as by `ip netns add`.
// Rootless mode moves it.
var NetnsDir = "/run/netns"

// NetnsPath is the pin path of a named netns.
func NetnsPath(name string) string { return NetnsDir + "/" + name }

// PIDer is implemented by process objects: an nsref through their pid.
type PIDer interface{ PID() int }

// Refs is the result of resolving nsrefs: targets with fds that Release closes.
type Refs struct {
	Targets []Target
	owned   []int
}

// Release closes the fds the resolution opened. Safe on nil.
func (r *Refs) Release() {
	if r == nil {
		return
	}
	for _, fd := range r.owned {
		unix.Close(fd)
	}
	r.owned = nil
}

// allKinds is what a pid or process stands for where no type is implied:
// every namespace but user and time, as `nsenter -a` does.
var allKinds = []Kind{KindCgroup, KindIPC, KindMnt, KindNet, KindPID, KindUTS}

// ResolveNSRef turns the nsref at argument n into namespaces to join (API.md):
// a handle, a pid, a process object, a netns name or an nsfs path. With
// kind >= 0 the reference must be (or contain) a namespace of that kind; with
// AnyKind a pid or process means all of its namespaces but user and time.
// Type errors raise; failures to open return an OpError.
func (vm *VM) ResolveNSRef(L *lua.LState, n int, kind Kind) (*Refs, error) {
	return vm.ResolveNSRefValue(L.Get(n), kind, vm.argFail(L, n))
}

// ResolveNSRefValue resolves v as ResolveNSRef does, for a value that is not
// an argument of its own — an option — and raises through fail, which names
// the option (Opts.Fail).
func (vm *VM) ResolveNSRefValue(v lua.LValue, kind Kind, fail func(format string, args ...any)) (*Refs, error) {
	r := &Refs{}
	err := vm.resolveInto(v, kind, r, fail)
	if err != nil {
		r.Release()
		return nil, err
	}
	return r, nil
}

// argFail raises about argument n.
func (vm *VM) argFail(L *lua.LState, n int) func(string, ...any) {
	return func(format string, args ...any) { vm.ArgError(L, n, format, args...) }
}

// ResolveNSRefs accepts one nsref or a list of them (ns.with's first
// argument). A process object or pid in the list contributes all its kinds.
func (vm *VM) ResolveNSRefs(L *lua.LState, n int) (*Refs, error) {
	v := L.Get(n)
	t, ok := v.(*lua.LTable)
	if !ok {
		return vm.ResolveNSRef(L, n, AnyKind)
	}
	r := &Refs{}
	for i := 1; i <= t.Len(); i++ {
		fail := func(format string, args ...any) {
			vm.ArgError(L, n, "element %d: "+format, append([]any{i}, args...)...)
		}
		if err := vm.resolveInto(t.RawGetInt(i), AnyKind, r, fail); err != nil {
			r.Release()
			return nil, err
		}
	}
	if t.Len() == 0 {
		vm.ArgError(L, n, "empty list of namespaces")
	}
	return r, nil
}

func (vm *VM) resolveInto(v lua.LValue, kind Kind, r *Refs, fail func(string, ...any)) error {
	switch v := v.(type) {
	case *lua.LUserData:
		if h, ok := v.Value.(*Handle); ok {
			if h.IsClosed() {
				fail("attempt to use a closed nslua.ns")
			}
			if kind >= 0 && h.Kind != kind {
				fail("%s namespace expected, got %s", kind, h)
			}
			r.Targets = append(r.Targets, Target{h.Kind, h.fd})
			return nil
		}
		if p, ok := v.Value.(PIDer); ok {
			return vm.resolvePID(p.PID(), kind, r)
		}
	case lua.LNumber:
		pid, ok := PIDOf(v)
		if !ok {
			fail("invalid pid %v", v)
		}
		return vm.resolvePID(pid, kind, r)
	case lua.LString:
		s := string(v)
		if s == "" || strings.IndexByte(s, 0) >= 0 {
			fail("invalid namespace reference %s", Quote(s))
		}
		path := s
		want := kind
		if !strings.Contains(s, "/") {
			if kind >= 0 && kind != KindNet {
				fail("a netns name cannot stand for a %s namespace", kind)
			}
			path, want = NetnsPath(s), KindNet
		}
		fd, k, err := OpenNS(path, want)
		if err != nil {
			return err
		}
		r.owned = append(r.owned, fd)
		r.Targets = append(r.Targets, Target{k, fd})
		return nil
	}
	fail("namespace reference (handle, pid, process, netns name or path) expected, got %s", TypeName(v))
	return nil
}

func (vm *VM) resolvePID(pid int, kind Kind, r *Refs) error {
	kinds := allKinds
	if kind >= 0 {
		kinds = []Kind{kind}
	}
	base := "/proc/" + strconv.Itoa(pid) + "/ns/"
	for _, k := range kinds {
		// the process's own pid namespace, not its pid_for_children. A
		// namespace that may not be read fails the whole reference, as
		// `nsenter -a` fails: skipping it would leave the caller believing
		// it is where the process is.
		fd, _, err := OpenNS(base+k.String(), k)
		if err != nil {
			return err
		}
		r.owned = append(r.owned, fd)
		r.Targets = append(r.Targets, Target{k, fd})
	}
	return nil
}
