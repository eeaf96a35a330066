package proc

import (
	"os"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/mountinfo"
)

// Functions returns the inspection half of the Lua module proc (API.md):
// self, list, info, children, tree, find, mounts, kill. cmd/nslua composes
// the module from these and the spawn binding's functions.
func Functions(vm *engine.VM) map[string]func(*lua.LState) int {
	b := &binding{vm: vm}
	return map[string]func(*lua.LState) int{
		"self":     b.self,
		"list":     b.list,
		"info":     b.info,
		"children": b.children,
		"tree":     b.tree,
		"find":     b.find,
		"mounts":   b.mounts,
		"kill":     b.kill,
	}
}

type binding struct{ vm *engine.VM }

// proc.self(): nslua's pid ($$).
func (b *binding) self(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 0)
	L.Push(lua.LNumber(os.Getpid()))
	return 1
}

// proc.list(): every pid, sorted (ps -e -o pid).
func (b *binding) list(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 0)
	pids, err := List()
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(engine.IntList(L, pids))
	return 1
}

// proc.info(pid): a process's identity, credentials and namespaces, as
// `ps -o pid,ppid,comm,state,euid` and /proc/PID/status.
func (b *binding) info(L *lua.LState) int {
	pid := b.vm.CheckPID(L, 1)
	b.vm.NoMoreArgs(L, 1)
	in, err := ReadInfo(pid)
	if err != nil {
		return engine.Fail(L, err)
	}
	t := L.CreateTable(0, 17)
	t.RawSetString("pid", lua.LNumber(in.PID))
	t.RawSetString("ppid", lua.LNumber(in.PPID))
	t.RawSetString("name", lua.LString(in.Name))
	t.RawSetString("state", lua.LString(in.State))
	t.RawSetString("start_time", lua.LNumber(in.StartTime))
	if in.Cmdline != nil {
		t.RawSetString("cmdline", engine.StringList(L, in.Cmdline))
	}
	setStr := func(k string, v *string) {
		if v != nil {
			t.RawSetString(k, lua.LString(*v))
		}
	}
	setInt := func(k string, v *int) {
		if v != nil {
			t.RawSetString(k, lua.LNumber(*v))
		}
	}
	setStr("exe", in.Exe)
	setStr("cwd", in.Cwd)
	setStr("root", in.Root)
	setStr("cgroup", in.Cgroup)
	setInt("uid", in.UID)
	setInt("euid", in.EUID)
	setInt("gid", in.GID)
	setInt("egid", in.EGID)
	setInt("threads", in.Threads)
	if in.NSpid != nil {
		t.RawSetString("nspid", engine.IntList(L, in.NSpid))
	}
	if len(in.NS) > 0 {
		ns := L.NewTable()
		for k, v := range in.NS {
			ns.RawSetString(k, lua.LNumber(v))
		}
		t.RawSetString("ns", ns)
	}
	L.Push(t)
	return 1
}

// proc.children(pid): the pids whose parent is pid, sorted (pgrep -P PID).
func (b *binding) children(L *lua.LState) int {
	pid := b.vm.CheckPID(L, 1)
	b.vm.NoMoreArgs(L, 1)
	if _, err := ReadStat(pid); err != nil {
		return engine.Fail(L, err)
	}
	s, err := TakeSnapshot()
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(engine.IntList(L, s.Children[pid]))
	return 1
}

// proc.tree([pid]): {pid=, name=, children={...}} nested, as pstree -p PID
// (default: pid 1).
func (b *binding) tree(L *lua.LState) int {
	pid := 1
	if L.Get(1) != lua.LNil {
		pid = b.vm.CheckPID(L, 1)
	}
	b.vm.NoMoreArgs(L, 1)
	if _, err := ReadStat(pid); err != nil {
		return engine.Fail(L, err)
	}
	s, err := TakeSnapshot()
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(nodeTable(L, s.Tree(pid)))
	return 1
}

func nodeTable(L *lua.LState, n *Node) *lua.LTable {
	t := L.CreateTable(0, 3)
	t.RawSetString("pid", lua.LNumber(n.PID))
	t.RawSetString("name", lua.LString(n.Name))
	c := L.CreateTable(len(n.Children), 0)
	for _, ch := range n.Children {
		c.Append(nodeTable(L, ch))
	}
	t.RawSetString("children", c)
	return t
}

// proc.find(name) or proc.find{name=, ns=}: pids whose comm is name and/or
// that are in the namespaces of ns (an nsref; a pid means all of its
// namespaces but user and time), as `pgrep -x NAME --ns PID`.
func (b *binding) find(L *lua.LState) int {
	vm := b.vm
	vm.NoMoreArgs(L, 1)
	var name string
	var match []NSMatch
	switch v := L.Get(1).(type) {
	case lua.LString:
		name = string(v)
	case *lua.LTable:
		o := vm.CheckOpts(L, 1, "name", "ns")
		name = o.String("name", "")
		if o.Has("ns") {
			refs, err := o.ResolveNSRefOpt("ns", engine.AnyKind)
			if err != nil {
				return engine.Fail(L, err)
			}
			for _, t := range refs.Targets {
				var st unix.Stat_t
				if err := unix.Fstat(t.Fd, &st); err != nil {
					refs.Release()
					return engine.Fail(L, &engine.OpError{Op: "fstat", Arg: t.Kind.String(), Err: err})
				}
				match = append(match, NSMatch{t.Kind.String(), st.Ino})
			}
			refs.Release()
		} else if name == "" {
			vm.ArgError(L, 1, "name or ns expected")
		}
	default:
		vm.TypeError(L, 1, "process name or table {name=, ns=}")
	}
	if strings.IndexByte(name, 0) >= 0 {
		vm.ArgError(L, 1, "name contains a NUL byte")
	}
	if _, ok := L.Get(1).(lua.LString); ok && name == "" {
		vm.ArgError(L, 1, "empty process name")
	}
	pids, err := Find(name, match)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(engine.IntList(L, pids))
	return 1
}

// proc.mounts(pid): the mount table of pid's mount namespace, entries as
// mount.list's (findmnt -N PID).
func (b *binding) mounts(L *lua.LState) int {
	pid := b.vm.CheckPID(L, 1)
	b.vm.NoMoreArgs(L, 1)
	ms, err := mountinfo.Read(pid)
	if err != nil {
		if os.IsNotExist(err) {
			return engine.Fail(L, noProcess(pid, err))
		}
		return engine.Fail(L, &engine.OpError{Op: "read", Arg: "/proc/" + strconv.Itoa(pid) + "/mountinfo", Err: err})
	}
	L.Push(engine.MountTable(L, ms))
	return 1
}

// proc.kill(pid [, sig]): send a signal ("TERM", "SIGKILL", 9; default
// TERM), as kill(1).
func (b *binding) kill(L *lua.LState) int {
	vm := b.vm
	pid := vm.CheckPID(L, 1)
	vm.NoMoreArgs(L, 2)
	sig := unix.SIGTERM
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		n := int(v)
		if float64(n) != float64(v) || n < 0 || n > 64 {
			vm.ArgError(L, 2, "invalid signal number %v", v)
		}
		sig = unix.Signal(n)
	case lua.LString:
		s, ok := ParseSignal(string(v))
		if !ok {
			vm.ArgError(L, 2, "unknown signal %s", engine.Quote(string(v)))
		}
		sig = s
	default:
		vm.TypeError(L, 2, "signal name or number")
	}
	if err := Kill(pid, sig); err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}
