package ns

import (
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/sysctl"
)

// Module is the Lua module "ns" (API.md).
var Module = engine.Module{
	Name: "ns",
	Doc:  "namespaces: open, unshare, enter, with, create, delete, list (unshare, nsenter, ip netns, lsns)",
	Open: open,
}

func init() {
	engine.RegisterHandleMethod("pin", luaPin)
	engine.RegisterHandleMethod("parent", func(vm *engine.VM, L *lua.LState) int { return luaRelated(vm, L, true) })
	engine.RegisterHandleMethod("owner", func(vm *engine.VM, L *lua.LState) int { return luaRelated(vm, L, false) })
}

// state is what one VM's ns module remembers: the pins it made that are
// undone at exit, so that ns.delete of one also forgets its closer.
type state struct {
	pins     map[string]*engine.Closer
	prefetch netPrefetch
}

var (
	statesMu sync.Mutex
	states   = map[*engine.VM]*state{}
)

func stateOf(vm *engine.VM) *state {
	statesMu.Lock()
	defer statesMu.Unlock()
	s := states[vm]
	if s == nil {
		s = &state{pins: map[string]*engine.Closer{}}
		states[vm] = s
		vm.OnClose("ns module state", func() error {
			statesMu.Lock()
			delete(states, vm)
			statesMu.Unlock()
			return nil
		})
	}
	return s
}

func open(vm *engine.VM, L *lua.LState) lua.LValue {
	b := &binding{vm: vm}
	t := vm.Funcs(map[string]func(*lua.LState) int{
		"open":       b.open,
		"current":    b.current,
		"unshare":    b.unshare,
		"enter":      b.enter,
		"with":       b.with,
		"create":     b.create,
		"prepare":    b.prepare,
		"delete":     b.delete,
		"names":      b.names,
		"list":       b.list,
		"hostname":   b.hostname,
		"domainname": b.domainname,
	})
	types := L.NewTable()
	for _, n := range engine.TypeNames() {
		types.Append(lua.LString(n))
	}
	t.RawSetString("TYPES", types)
	return t
}

type binding struct{ vm *engine.VM }

// checkKind reads a namespace type name at argument n.
func (b *binding) checkKind(L *lua.LState, n int) engine.Kind {
	name := b.vm.CheckString(L, n)
	k, ok := engine.KindByName(name)
	if !ok {
		b.vm.ArgError(L, n, "%s", engine.UnknownTypeMessage(name, engine.TypeNames()))
	}
	return k
}

// checkKinds reads "net,uts" or {"net", "uts"} at argument n.
func (b *binding) checkKinds(L *lua.LState, n int) []engine.Kind {
	var names []string
	switch v := L.Get(n).(type) {
	case lua.LString:
		for _, s := range strings.Split(string(v), ",") {
			names = append(names, strings.TrimSpace(s))
		}
	case *lua.LTable:
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok {
				b.vm.ArgError(L, n, "namespace type names expected, got %s at index %d", engine.TypeName(v.RawGetInt(i)), i)
			}
			names = append(names, string(s))
		}
	default:
		b.vm.TypeError(L, n, "namespace types (\"net,uts\" or a list)")
	}
	if len(names) == 0 {
		b.vm.ArgError(L, n, "no namespace type given")
	}
	var kinds []engine.Kind
	seen := map[engine.Kind]bool{}
	for _, name := range names {
		k, ok := engine.KindByName(name)
		if !ok {
			b.vm.ArgError(L, n, "%s", engine.UnknownTypeMessage(name, engine.TypeNames()))
		}
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// pushNew wraps an fd in a handle and pushes it, or pushes the triple.
func (b *binding) pushNew(L *lua.LState, fd int, k engine.Kind, path string) (*engine.Handle, int) {
	h, err := b.vm.NewHandle(fd, k, path)
	if err != nil {
		return nil, engine.Fail(L, err)
	}
	b.vm.PushHandle(L, h)
	return h, 1
}

// ns.open(path) or ns.open(type, pid | process | netns name | "self" | path):
// a handle on a namespace, as `nsenter --net=PATH` or `ip netns exec NAME`
// would name it. The file must be a namespace (NS_GET_NSTYPE) of the type.
func (b *binding) open(L *lua.LState) int {
	vm := b.vm
	if L.GetTop() <= 1 {
		path := vm.CheckString(L, 1)
		if !strings.Contains(path, "/") {
			if _, ok := engine.KindByName(path); ok {
				vm.ArgError(L, 2, "pid, netns name or \"self\" expected, got no value")
			}
			vm.ArgError(L, 1, "path of an nsfs file expected (a string with a \"/\"), got %s; use ns.open(\"net\", name) for a netns", engine.Quote(path))
		}
		if strings.IndexByte(path, 0) >= 0 {
			vm.ArgError(L, 1, "path contains a NUL byte")
		}
		fd, k, err := engine.OpenNS(path, -1)
		if err != nil {
			return engine.Fail(L, err)
		}
		_, n := b.pushNew(L, fd, k, path)
		return n
	}
	vm.NoMoreArgs(L, 2)
	k := b.checkKind(L, 1)
	var path string
	switch v := L.Get(2).(type) {
	case lua.LNumber:
		path = "/proc/" + strconv.Itoa(vm.CheckPID(L, 2)) + "/ns/" + k.String()
	case *lua.LUserData:
		path = "/proc/" + strconv.Itoa(vm.CheckPID(L, 2)) + "/ns/" + k.String()
	case lua.LString:
		s := string(v)
		switch {
		case s == "" || strings.IndexByte(s, 0) >= 0:
			vm.ArgError(L, 2, "invalid target %s", engine.Quote(s))
		case s == "self":
			return b.openCurrent(L, k)
		case strings.Contains(s, "/"):
			path = s
		default:
			if k != engine.KindNet {
				vm.ArgError(L, 2, "a netns name cannot stand for a %s namespace", k)
			}
			if why := ValidNetnsName(s); why != "" {
				vm.ArgError(L, 2, "%s", why)
			}
			path = engine.NetnsPath(s)
		}
	default:
		vm.TypeError(L, 2, "pid, process, netns name, path or \"self\"")
	}
	fd, _, err := engine.OpenNS(path, k)
	if err != nil {
		return engine.Fail(L, err)
	}
	_, n := b.pushNew(L, fd, k, path)
	return n
}

// ns.current(type): the script's own namespace of that type (for pid, the
// one its children are spawned in), as readlink /proc/thread-self/ns/TYPE.
func (b *binding) current(L *lua.LState) int {
	k := b.checkKind(L, 1)
	b.vm.NoMoreArgs(L, 1)
	return b.openCurrent(L, k)
}

func (b *binding) openCurrent(L *lua.LState, k engine.Kind) int {
	path := CurrentPath(k)
	fd, _, err := engine.OpenNS(path, k)
	if err != nil {
		return engine.Fail(L, err)
	}
	_, n := b.pushNew(L, fd, k, path)
	return n
}

// ns.unshare(types [, {propagation=}]): move the script into new
// namespaces, as unshare(1) does for the shell that runs it.
func (b *binding) unshare(L *lua.LState) int {
	vm := b.vm
	kinds := b.checkKinds(L, 1)
	o := vm.CheckOpts(L, 2, "propagation")
	vm.NoMoreArgs(L, 2)
	prop := b.checkPropagation(o)
	initPid, err := Unshare(vm.Current(), kinds, prop)
	if initPid > 0 {
		vm.OnClose("init of a pid namespace (pid "+strconv.Itoa(initPid)+")", func() error {
			KillInit(initPid)
			return nil
		})
	}
	if err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}

func (b *binding) checkPropagation(o *engine.Opts) string {
	prop := o.String("propagation", "private")
	for _, p := range Propagations {
		if p == prop {
			return prop
		}
	}
	o.Fail("propagation", "unknown value %s; expected one of %s", engine.Quote(prop), engine.JoinNames(Propagations))
	return ""
}

// ns.enter(nsref): setns the script into a namespace, or into all of a
// process's (nsenter -a), like a shell running nsenter.
func (b *binding) enter(L *lua.LState) int {
	vm := b.vm
	if L.GetTop() == 0 {
		vm.TypeError(L, 1, "namespace reference (handle, pid, process, netns name or path)")
	}
	vm.NoMoreArgs(L, 1)
	refs, err := vm.ResolveNSRef(L, 1, engine.AnyKind)
	if err != nil {
		return engine.Fail(L, err)
	}
	defer refs.Release()
	if err := vm.Enter(refs.Targets); err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}

// ns.with(nsrefs, fn, ...): fn(...) on a worker thread inside the
// namespaces; the script's own stay as they were.
func (b *binding) with(L *lua.LState) int {
	vm := b.vm
	if L.GetTop() == 0 {
		vm.TypeError(L, 1, "namespace reference or list of them")
	}
	vm.CheckFunction(L, 2)
	refs, err := vm.ResolveNSRefs(L, 1)
	if err != nil {
		return engine.Fail(L, err)
	}
	defer refs.Release()
	return vm.With(L, refs.Targets, 2)
}

// ns.create(type [, opts]): a namespace the script is not in, held by the
// returned handle, pinned at opts.pin, or named opts.name (ip netns add);
// a network namespace with opts.sysctl has those written (ip netns exec X
// sysctl -w K=V) and then, with opts.lo, its loopback up (ip -n X link set
// lo up).
func (b *binding) create(L *lua.LState) int {
	vm := b.vm
	k := b.checkKind(L, 1)
	o := vm.CheckOpts(L, 2, "name", "pin", "keep", "uid_map", "gid_map", "offsets", "propagation", "lo", "sysctl")
	vm.NoMoreArgs(L, 2)
	name, pin, keep := b.checkPlace(L, o, k)
	if err := refuseKeep(pin, keep); err != nil {
		return engine.Fail(L, err)
	}
	for _, c := range []struct {
		key  string
		want engine.Kind
	}{{"uid_map", engine.KindUser}, {"gid_map", engine.KindUser}, {"offsets", engine.KindTime}, {"propagation", engine.KindMnt},
		{"lo", engine.KindNet}, {"sysctl", engine.KindNet}} {
		if o.Has(c.key) && k != c.want {
			o.Fail(c.key, "applies to a %s namespace, not %s", c.want, k)
		}
	}
	var fd int
	var conn io.Closer // net's netlink socket, opened inside a new netns
	var err error
	switch k {
	case engine.KindUser, engine.KindTime:
		fd, err = CreateChild(vm.Current(), k, ChildOpts{
			UIDMap:  checkIDMap(o, "uid_map", unix.Geteuid()),
			GIDMap:  checkIDMap(o, "gid_map", unix.Getegid()),
			Offsets: checkOffsets(L, o),
		})
	case engine.KindPID:
		vm.ArgError(L, 1, "a pid namespace needs a process inside: use proc.spawn{ns = {pid = \"new\"}}")
	case engine.KindMnt:
		prop := b.checkPropagation(o)
		if pin != "" {
			// made and pinned together: the pin may need a retry (CreatePinnedMnt)
			if fd, err = CreatePinnedMnt(vm.Current(), prop, pin); err != nil {
				return engine.Fail(L, rootlessPinError(err, pin))
			}
			if err := b.forgetPinAtExit(pin, keep); err != nil {
				unix.Close(fd)
				return engine.Fail(L, err)
			}
			_, n := b.pushNew(L, fd, k, pin)
			return n
		}
		fd, err = Create(vm.Current(), k, prop, -1)
	case engine.KindNet:
		no := b.netOpts(o)
		if name != "" {
			fd, conn, err := b.createNamed(vm.Current(), name, no)
			if err != nil {
				return engine.Fail(L, err)
			}
			h, n := b.pushNew(L, fd, k, engine.NetnsPath(name))
			vm.KeepNetnsConn(h, conn)
			return n
		}
		fd, conn, err = b.createNet(vm.Current(), no)
	default:
		fd, err = Create(vm.Current(), k, "", -1)
	}
	if err != nil {
		return engine.Fail(L, err)
	}
	path := FdPath(fd)
	if pin != "" {
		if err := b.pin(fd, k, pin, keep); err != nil {
			unix.Close(fd)
			if conn != nil {
				conn.Close()
			}
			return engine.Fail(L, err)
		}
		path = pin
	}
	h, n := b.pushNew(L, fd, k, path)
	vm.KeepNetnsConn(h, conn)
	return n
}

// netOpts reads a new network namespace's lo and sysctl options: sysctl is
// a table {key = value} of net.* keys (net.sysctl's keys and values),
// written in the order of the files they name, so that "net/ipv4/x" sorts
// as "net.ipv4.x" does: the same settings give the same result however they
// are spelt. Two keys for one file (a dotted and a slash form) raise, since
// only one of the values could hold.
func (b *binding) netOpts(o *engine.Opts) NetOpts {
	no := NetOpts{Lo: o.Bool("lo", false)}
	t := o.TableOpt("sysctl")
	if t == nil {
		return no
	}
	t.ForEach(func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			o.Fail("sysctl", "a table {key = value} expected, got a %s key", engine.TypeName(k))
		}
		path, err := sysctl.Path(string(key))
		if err != nil {
			o.Fail("sysctl", "%s", err)
		}
		value, err := sysctl.Value(v)
		if err != nil {
			o.Fail("sysctl", "%s: %s", key, err)
		}
		no.Sysctls = append(no.Sysctls, Sysctl{Key: string(key), Path: path, Value: value})
	})
	sort.Slice(no.Sysctls, func(i, j int) bool {
		a, b := no.Sysctls[i], no.Sysctls[j]
		return a.Path < b.Path || a.Path == b.Path && a.Key < b.Key
	})
	for i := 1; i < len(no.Sysctls); i++ {
		if a, b := no.Sysctls[i-1], no.Sysctls[i]; a.Path == b.Path {
			o.Fail("sysctl", "%s and %s name the same sysctl", engine.Quote(a.Key), engine.Quote(b.Key))
		}
	}
	return no
}

// checkPlace validates ns.create's name, pin and keep options.
func (b *binding) checkPlace(L *lua.LState, o *engine.Opts, k engine.Kind) (name, pin string, keep bool) {
	name, pin, keep = o.String("name", ""), o.String("pin", ""), o.Bool("keep", false)
	if o.Has("name") {
		if k != engine.KindNet {
			o.Fail("name", "only a net namespace has a name (use pin for %s)", k)
		}
		if why := ValidNetnsName(name); why != "" {
			o.Fail("name", "%s", why)
		}
		if o.Has("pin") {
			o.Fail("pin", "give name or pin, not both")
		}
	}
	if o.Has("pin") {
		pin = checkPinPath(b.vm, L, 2, pin)
	}
	return name, pin, keep
}

// createNamed is `ip netns add NAME`: the pin file first (so that a taken
// name fails before anything is made), then the namespace bound onto it.
func (b *binding) createNamed(cur *engine.ThreadNS, name string, o NetOpts) (int, io.Closer, error) {
	path, err := PrepareNetnsName(name)
	if err != nil {
		return -1, nil, err
	}
	fd, conn, err := b.createNet(cur, o)
	if err != nil {
		unix.Unlink(path)
		return -1, nil, err
	}
	if err := NameNetns(fd, path); err != nil {
		unix.Close(fd)
		if conn != nil {
			conn.Close()
		}
		return -1, nil, err
	}
	return fd, conn, nil
}

// checkPinPath validates a pin path and makes it absolute.
func checkPinPath(vm *engine.VM, L *lua.LState, n int, p string) string {
	if p == "" || strings.IndexByte(p, 0) >= 0 {
		vm.ArgError(L, n, "invalid pin path %s", engine.Quote(p))
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		vm.ArgError(L, n, "invalid pin path %s: %v", engine.Quote(p), err)
	}
	return abs
}

// pin binds the namespace onto path and, unless keep, registers its removal
// at exit — done in the mount namespace the pin was made in, wherever the
// script is by then.
func (b *binding) pin(fd int, k engine.Kind, path string, keep bool) error {
	if err := refuseKeep(path, keep); err != nil {
		return err
	}
	if err := Pin(fd, k, path); err != nil {
		return rootlessPinError(err, path)
	}
	return b.forgetPinAtExit(path, keep)
}

// forgetPinAtExit registers the removal of a pin the script made at exit,
// unless keep.
func (b *binding) forgetPinAtExit(path string, keep bool) error {
	if keep {
		return nil
	}
	mnt, err := unix.Open(CurrentPath(engine.KindMnt), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		Unpin(path)
		return &engine.OpError{Op: "open", Arg: CurrentPath(engine.KindMnt), Err: err}
	}
	vm := b.vm
	st := stateOf(vm)
	if old := st.pins[path]; old != nil {
		old.Keep()
	}
	st.pins[path] = vm.OnClose("namespace pin "+path, func() error {
		defer unix.Close(mnt)
		delete(st.pins, path)
		return engine.OnWorker(vm.Current(), []engine.Target{{Kind: engine.KindMnt, Fd: mnt}},
			func(*engine.ThreadNS) error { return Unpin(path) })
	})
	return nil
}

func checkIDMap(o *engine.Opts, key string, id int) []IDMap {
	t := o.TableOpt(key)
	if t == nil {
		return DefaultIDMap(id)
	}
	var out []IDMap
	for i := 1; i <= t.Len(); i++ {
		row, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok || row.Len() != 3 {
			o.Fail(key, "entry %d: {inside, outside, count} expected", i)
		}
		var v [3]uint32
		for j := range v {
			n, ok := row.RawGetInt(j + 1).(lua.LNumber)
			if !ok || float64(n) != float64(uint32(n)) || (j == 2 && n == 0) {
				o.Fail(key, "entry %d: {inside, outside, count} of non-negative integers expected (count > 0)", i)
			}
			v[j] = uint32(n)
		}
		out = append(out, IDMap{v[0], v[1], v[2]})
	}
	if len(out) == 0 {
		o.Fail(key, "empty map")
	}
	return out
}

func checkOffsets(L *lua.LState, o *engine.Opts) []Offset {
	t := o.TableOpt("offsets")
	if t == nil {
		return nil
	}
	engine.ValidateKeys(L, t, false, Clocks, func(msg string) { o.Fail("offsets", "%s", msg) })
	var out []Offset
	for _, c := range Clocks {
		switch v := t.RawGetString(c).(type) {
		case *lua.LNilType:
		case lua.LNumber:
			// the same bound as proc.spawn's time_offsets: the kernel
			// refuses offsets that could wrap its clocks
			if f := float64(v); math.IsNaN(f) || math.Abs(f) > 1e9 {
				o.Fail("offsets", "%s: offset in seconds expected (at most 1e9 either way), got %v", c, f)
			}
			out = append(out, Offset{c, float64(v)})
		default:
			o.Fail("offsets", "%s: number of seconds expected, got %s", c, engine.TypeName(v))
		}
	}
	return out
}

// ns.delete(name_or_path): unpin a namespace, as `ip netns del NAME` (also
// one that `ip netns add` made). Subscribers (net's netlink sockets) drop
// what they hold for it first, so the kernel can free it.
func (b *binding) delete(L *lua.LState) int {
	vm := b.vm
	s := vm.CheckString(L, 1)
	vm.NoMoreArgs(L, 1)
	if s == "" || strings.IndexByte(s, 0) >= 0 {
		vm.ArgError(L, 1, "invalid netns name or path %s", engine.Quote(s))
	}
	path, err := PinPath(s)
	if err != nil {
		vm.ArgError(L, 1, "%v", err)
	}
	dev, ino, err := PinID(path)
	if err != nil {
		// `ip netns del` removes a pin file whose bind never happened (its
		// maker died in between) and `ip netns list` shows it: so do we
		removed, rerr := RemoveHalfMadePin(path)
		if rerr != nil {
			return engine.Fail(L, rerr)
		}
		if !removed {
			return engine.Fail(L, err)
		}
		b.forgetPin(path)
		return engine.OK(L)
	}
	vm.ReleaseNamespace(dev, ino)
	if err := Unpin(path); err != nil {
		return engine.Fail(L, err)
	}
	b.forgetPin(path)
	return engine.OK(L)
}

// forgetPin drops the removal at exit of a pin this VM made at path: it is
// gone, and whatever is pinned there later is not the script's to remove.
func (b *binding) forgetPin(path string) {
	st := stateOf(b.vm)
	if c := st.pins[path]; c != nil {
		c.Keep()
		delete(st.pins, path)
	}
}

// ns.names(): the named netns, as `ip netns list`.
func (b *binding) names(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 0)
	names, err := Names()
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(engine.StringList(L, names))
	return 1
}

// ns.list([{type=}]): every namespace of the system, as lsns, plus those
// held only by a pin or an fd. A second result lists the pids whose
// namespaces could not be read (EACCES), as lsns silently skips them.
func (b *binding) list(L *lua.LState) int {
	vm := b.vm
	o := vm.CheckOpts(L, 1, "type")
	vm.NoMoreArgs(L, 1)
	kind := engine.AnyKind
	if o.Has("type") {
		name := o.String("type", "")
		k, ok := engine.KindByName(name)
		if !ok {
			o.Fail("type", "%s", engine.UnknownTypeMessage(name, engine.TypeNames()))
		}
		kind = k
	}
	res, err := List(kind)
	if err != nil {
		return engine.Fail(L, err)
	}
	out := L.CreateTable(len(res.Entries), 0)
	for _, e := range res.Entries {
		out.Append(entryTable(L, e))
	}
	L.Push(out)
	if len(res.Unreadable) == 0 {
		return 1
	}
	L.Push(engine.IntList(L, res.Unreadable))
	return 2
}

func entryTable(L *lua.LState, e *Entry) *lua.LTable {
	t := L.CreateTable(0, 9)
	t.RawSetString("id", lua.LNumber(e.Ino))
	t.RawSetString("type", lua.LString(e.Kind.String()))
	t.RawSetString("nprocs", lua.LNumber(len(e.Pids)))
	t.RawSetString("pids", engine.IntList(L, e.Pids))
	if len(e.Pids) > 0 {
		t.RawSetString("pid", lua.LNumber(e.Pids[0]))
		t.RawSetString("uid", lua.LNumber(e.UID))
	}
	t.RawSetString("names", engine.StringList(L, e.Names))
	t.RawSetString("pins", engine.StringList(L, e.Pins))
	t.RawSetString("path", lua.LString(e.Path))
	return t
}

// ns.hostname([name]): get or set the node name of the script's uts
// namespace, as hostname(1).
func (b *binding) hostname(L *lua.LState) int {
	return b.utsName(L, Hostname, SetHostname)
}

// ns.domainname([name]): get or set the NIS domain name, as domainname(1).
func (b *binding) domainname(L *lua.LState) int {
	return b.utsName(L, Domainname, SetDomainname)
}

func (b *binding) utsName(L *lua.LState, get func() (string, error), set func(string) error) int {
	vm := b.vm
	vm.NoMoreArgs(L, 1)
	if L.Get(1) == lua.LNil {
		s, err := get()
		if err != nil {
			return engine.Fail(L, err)
		}
		L.Push(lua.LString(s))
		return 1
	}
	name := vm.CheckString(L, 1)
	if strings.IndexByte(name, 0) >= 0 {
		vm.ArgError(L, 1, "name contains a NUL byte")
	}
	if len(name) > 64 {
		vm.ArgError(L, 1, "name longer than 64 bytes")
	}
	if err := set(name); err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}

// h:pin(path [, {keep=}]): bind-mount the namespace onto path (created when
// missing), as `mount --bind /proc/PID/ns/TYPE PATH`. The pin is removed at
// exit unless keep is true.
func luaPin(vm *engine.VM, L *lua.LState) int {
	h := vm.CheckHandle(L, 1)
	path := checkPinPath(vm, L, 2, vm.CheckString(L, 2))
	o := vm.CheckOpts(L, 3, "keep")
	vm.NoMoreArgs(L, 3)
	b := &binding{vm: vm}
	if err := b.pin(h.Fd(), h.Kind, path, o.Bool("keep", false)); err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}

// h:parent() and h:owner(): the parent pid or user namespace, and the
// owning user namespace (ioctl NS_GET_PARENT, NS_GET_USERNS; lsns -o PNS,ONS).
func luaRelated(vm *engine.VM, L *lua.LState, parent bool) int {
	h := vm.CheckHandle(L, 1)
	vm.NoMoreArgs(L, 1)
	fd, err := Related(h.Fd(), parent)
	if err != nil {
		return engine.Fail(L, err)
	}
	k, err := engine.FdKind(fd)
	if err != nil {
		unix.Close(fd)
		return engine.Fail(L, &engine.OpError{Op: "ioctl", Arg: "NS_GET_NSTYPE", Err: err})
	}
	b := &binding{vm: vm}
	_, n := b.pushNew(L, fd, k, FdPath(fd))
	return n
}
