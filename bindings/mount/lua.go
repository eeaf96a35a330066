package mount

import (
	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/mounts"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

const roFlag = unix.MS_RDONLY

// Module is the Lua mount module.
var Module = engine.Module{
	Name: "mount",
	Doc:  "mounts of the script's mount namespace (mount, umount, findmnt)",
	Open: open,
}

type binding struct{ vm *engine.VM }

func open(vm *engine.VM, L *lua.LState) lua.LValue {
	b := binding{vm}
	return vm.Funcs(map[string]func(*lua.LState) int{
		"mount":         b.mount,
		"bind":          b.bind,
		"tmpfs":         b.tmpfs,
		"proc":          b.proc,
		"sysfs":         b.sysfs,
		"overlay":       b.overlay,
		"umount":        b.umount,
		"propagation":   b.propagation,
		"remount":       b.remount,
		"pivot_root":    b.pivotRoot,
		"chroot":        b.chroot,
		"list":          b.list,
		"is_mountpoint": b.isMountpoint,
		"apply":         b.apply,
	})
}

// path reads argument n as a path: a non-empty string without NUL bytes.
func (b binding) path(L *lua.LState, n int) string {
	s := b.vm.CheckString(L, n)
	b.checkPath(L, n, s)
	return s
}

func (b binding) checkPath(L *lua.LState, n int, s string) {
	if s == "" {
		b.vm.ArgError(L, n, "empty path")
	}
	if err := mounts.CheckPath(s); err != nil {
		b.vm.ArgError(L, n, "%v", err)
	}
}

// optPath reads argument n as a path or nil ("").
func (b binding) optPath(L *lua.LState, n int) string {
	if L.Get(n) == lua.LNil {
		return ""
	}
	return b.path(L, n)
}

// flags reads argument n as a flag string ("ro,nosuid"); nil is none.
func (b binding) flags(L *lua.LState, n int) mounts.Flags {
	s := b.vm.OptString(L, n, "")
	f, err := mounts.ParseFlags(s)
	if err != nil {
		b.vm.ArgError(L, n, "%v (expected words from: %s)", err, engine.JoinNames(mounts.FlagNames()))
	}
	return f
}

// optFlags reads the flags= option of a function that makes a new mount
// (a bind mount when bind is true).
func (b binding) optFlags(L *lua.LState, n int, o *engine.Opts, bind bool) mounts.Flags {
	s := o.String("flags", "")
	f, err := mounts.ParseFlags(s)
	if err == nil {
		err = mounts.CheckNew(s, bind)
	}
	if err != nil {
		o.Fail("flags", "%v", err)
	}
	return f
}

func result(L *lua.LState, err error) int {
	if err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}

// mount.mount(source, target, fstype [, flags [, data]]): mount(8) as
// `mount -t fstype -o flags,data source target`. source and fstype may be nil
// for remounts and propagation changes.
func (b binding) mount(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 5)
	source := ""
	if L.Get(1) != lua.LNil {
		source = b.vm.CheckString(L, 1)
		if err := mounts.CheckPath(source); err != nil {
			b.vm.ArgError(L, 1, "%v", err)
		}
	}
	target := b.path(L, 2)
	fstype := ""
	if L.Get(3) != lua.LNil {
		fstype = b.path(L, 3)
	}
	f := b.flags(L, 4)
	data := b.vm.OptString(L, 5, "")
	if err := mounts.CheckPath(data); err != nil {
		b.vm.ArgError(L, 5, "%v", err)
	}
	return result(L, mounts.Mount(source, target, fstype, f, data))
}

// mount.bind(src, dst [, {ro=, rec=, flags=}]): `mount --bind src dst`
// (--rbind with rec), then read-only (and other flags) with mount_setattr,
// for the whole tree with rec.
func (b binding) bind(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 3)
	src, dst := b.path(L, 1), b.path(L, 2)
	o := b.vm.CheckOpts(L, 3, "ro", "rec", "flags")
	f := b.optFlags(L, 3, o, true)
	if o.Bool("ro", false) {
		f.Set |= roFlag
		f.Clear &^= roFlag
	}
	return result(L, mounts.Bind(src, dst, o.Bool("rec", false), f))
}

// mount.tmpfs(dst [, {size=, mode=, flags=}]): `mount -t tmpfs -o
// size=,mode= tmpfs dst`. size: bytes or "64m"; mode: a number or an octal
// string ("1777").
func (b binding) tmpfs(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	dst := b.path(L, 1)
	o := b.vm.CheckOpts(L, 2, "size", "mode", "flags")
	size, err := mounts.SizeValue(o.Get("size"))
	if err != nil {
		o.Fail("size", "%v", err)
	}
	mode, err := mounts.ModeValue(o.Get("mode"))
	if err != nil {
		o.Fail("mode", "%v", err)
	}
	return result(L, mounts.Tmpfs(dst, size, mode, b.optFlags(L, 2, o, false), ""))
}

// mount.proc(dst [, {pidns=, flags=}]): `mount -t proc proc dst`, showing the
// script's pid namespace, or the pid namespace of pidns (an nsref: a process
// started with a new pid namespace, a pid, a handle).
func (b binding) proc(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	dst := b.path(L, 1)
	o := b.vm.CheckOpts(L, 2, "pidns", "flags")
	f := b.optFlags(L, 2, o, false)
	pidns := -1
	if o.Has("pidns") {
		refs, err := o.ResolveNSRefOpt("pidns", engine.KindPID)
		if err != nil {
			return engine.Fail(L, err)
		}
		defer refs.Release()
		pidns = refs.Targets[0].Fd
	}
	return result(L, mounts.Proc(dst, pidns, f))
}

// mount.sysfs(dst [, {flags=}]): `mount -t sysfs sysfs dst` (nosuid, nodev,
// noexec; add flags = "ro" for a read-only /sys).
func (b binding) sysfs(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	dst := b.path(L, 1)
	o := b.vm.CheckOpts(L, 2, "flags")
	return result(L, mounts.Sysfs(dst, b.optFlags(L, 2, o, false)))
}

// mount.overlay{lower=, upper=, work=, target= [, tmpfs=, size=, flags=,
// options=, ro=]}: `mount -t overlay overlay -o lowerdir=,upperdir=,workdir=
// target`. lower is a path or a list, top layer first. tmpfs = true puts upper
// and work on a private tmpfs that is mounted nowhere: the writes vanish with
// the overlay. options are flag words and overlayfs options mixed, as mount -o.
func (b binding) overlay(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 1)
	if _, ok := L.Get(1).(*lua.LTable); !ok {
		b.vm.TypeError(L, 1, "table")
	}
	t := L.Get(1).(*lua.LTable)
	if t.RawGetString("type") != lua.LNil {
		b.vm.ArgError(L, 1, "unknown option \"type\" (expected flags, lower, options, ro, size, target, tmpfs, upper, work)")
	}
	t2 := L.NewTable()
	t.ForEach(func(k, v lua.LValue) { t2.RawSet(k, v) })
	t2.RawSetString("type", lua.LString("overlay"))
	spec := mounts.SpecFromLua(t2, func(msg string) { b.vm.ArgError(L, 1, "%s", msg) })
	o := mounts.Overlay{Lower: spec.Lower, Upper: spec.Upper, Work: spec.Work, Tmpfs: spec.Tmpfs,
		Size: spec.Size, Flags: spec.Flags, Data: spec.Data}
	return result(L, o.Mount(spec.Target))
}

// mount.umount(target [, {detach=, force=}]): umount(8); detach is
// `umount -l`, force `umount -f`.
func (b binding) umount(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	target := b.path(L, 1)
	o := b.vm.CheckOpts(L, 2, "detach", "force")
	return result(L, mounts.Umount(target, o.Bool("detach", false), o.Bool("force", false)))
}

// mount.propagation(target, type [, {rec=}]): `mount --make-[r]TYPE target`,
// type one of private, shared, slave, unbindable.
func (b binding) propagation(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 3)
	target := b.path(L, 1)
	kind := b.vm.CheckString(L, 2)
	o := b.vm.CheckOpts(L, 3, "rec")
	known := false
	for _, k := range mounts.PropagationTypes {
		known = known || k == kind
	}
	if !known {
		b.vm.ArgError(L, 2, "unknown propagation type %s; expected one of %s",
			engine.Quote(kind), engine.JoinNames(mounts.PropagationTypes))
	}
	return result(L, mounts.Propagation(target, kind, o.Bool("rec", false)))
}

// mount.remount(target, flags): `mount -o remount,bind,FLAGS target`: changes
// the per-mount flags named (ro/rw, nosuid/suid, nodev/dev, noexec/exec,
// atime modes, nosymfollow) and keeps the others.
func (b binding) remount(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	target := b.path(L, 1)
	b.vm.CheckString(L, 2)
	return result(L, mounts.Remount(target, b.flags(L, 2)))
}

// mount.pivot_root(new_root [, put_old]): pivot_root(8) for the script's
// mount namespace, then cd /. Without put_old the old root is detached at
// once. new_root must be a mount point (bind it on itself first).
func (b binding) pivotRoot(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	newRoot := b.path(L, 1)
	putOld := b.optPath(L, 2)
	if why := b.vm.MountNSShared(); why != "" {
		return engine.Fail(L, engine.Errorf(unix.EBUSY, "pivot_root", newRoot,
			"it would move every process and thread of the mount namespace, and "+why+
				": unshare one for the script first (ns.unshare(\"mnt\"))"))
	}
	// the thread's root and directory change: a pooled ns.with worker that
	// did this must not be reused
	b.vm.Current().Taint()
	return result(L, mounts.PivotRoot(newRoot, putOld))
}

// mount.chroot(dir): chroot(8) for the script's thread, then cd /.
func (b binding) chroot(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 1)
	dir := b.path(L, 1)
	b.vm.Current().Taint() // see pivotRoot
	return result(L, mounts.Chroot(dir))
}

// mount.list([pid]): the mounts of the script's mount namespace, or of a
// process's (a pid or a process object), as `findmnt --task PID` lists them:
// {id, parent, source, target, fstype, options, super_options, root,
// propagation}.
func (b binding) list(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 1)
	pid := 0
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		pid = b.vm.CheckInt(L, 1)
		if pid <= 0 {
			b.vm.ArgError(L, 1, "pid must be positive, got %d", pid)
		}
	case *lua.LUserData:
		p, ok := v.Value.(engine.PIDer)
		if !ok {
			b.vm.TypeError(L, 1, "pid or process")
		}
		pid = p.PID()
	default:
		b.vm.TypeError(L, 1, "pid or process")
	}
	entries, err := List(pid)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(engine.MountTable(L, entries))
	return 1
}

// mount.is_mountpoint(path): mountpoint(1): true when path is the root of a
// mount (bind mounts included), false otherwise.
func (b binding) isMountpoint(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 1)
	ok, err := mounts.IsMountpoint(b.path(L, 1))
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(lua.LBool(ok))
	return 1
}

// mount.apply(specs [, {root=, check=}]): make a list of mount specs (see
// docs/mount.md) in the script's mount namespace, with targets resolved
// inside root (default "/"), as a container runtime builds a root file
// system. Stops at the first failure; what was made before it stays. With
// check = true it only validates the specs (raising on a bad one).
func (b binding) apply(L *lua.LState) int {
	b.vm.NoMoreArgs(L, 2)
	b.vm.CheckTable(L, 1)
	specs := mounts.FromLua(L.Get(1), "specs", func(msg string) { b.vm.ArgError(L, 1, "%s", msg) })
	o := b.vm.CheckOpts(L, 2, "root", "check")
	root := o.String("root", "/")
	if err := mounts.CheckPath(root); err != nil || root == "" {
		o.Fail("root", "a path expected")
	}
	if o.Bool("check", false) {
		return engine.OK(L) // only validate the specs
	}
	return result(L, mounts.Apply(specs, mounts.Env{Root: root, PidNS: -1}))
}
