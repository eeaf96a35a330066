package spawn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/nsexec"
)

// Functions returns proc.spawn and proc.run for one VM; cmd/nslua puts them
// in the proc module beside the inspection functions.
func Functions(vm *engine.VM) map[string]func(*lua.LState) int {
	b := &binding{vm: vm}
	// The one-time warm-up (Go's pidfd probe forks a throwaway child) runs
	// in the background from here, so the first spawn finds it done: a
	// container builds its network and root meanwhile, ~0.4 ms sooner
	// out. The closer waits for it, so that child never outlives nslua.
	go warm()
	vm.OnClose("spawn warm-up", func() error { warm(); return nil })
	b.class = vm.NewClass("process", map[string]func(*lua.LState) int{
		"wait":        b.wait,
		"kill":        b.kill,
		"running":     b.running,
		"ns":          b.ns,
		"write":       b.write,
		"close_stdin": b.closeStdin,
		"read":        b.read,
		"lines":       b.lines,
	}, func(L *lua.LState, v any, key string) (lua.LValue, bool) {
		if key == "pid" {
			return lua.LNumber(v.(*process).Pid), true
		}
		return nil, false
	})
	return map[string]func(*lua.LState) int{"spawn": b.spawn, "run": b.run}
}

type binding struct {
	vm    *engine.VM
	class *engine.Class
}

// process is the Go value behind an nslua.process userdata. It is an nsref
// through engine.PIDer.
type process struct {
	*Process
	name   string
	stdin  *os.File
	stdout *Output
	stderr *Output
	pty    *Pty
	closer *engine.Closer
	result *lua.LTable
}

func (p *process) PID() int { return p.Pid }

func (p *process) String() string {
	state := "running"
	if !p.Running() {
		state = "exited"
	}
	return fmt.Sprintf("process %d (%s, %s)", p.Pid, p.name, state)
}

// release kills the child if it still runs, reaps it and closes nslua's ends
// of its stdio: the closer at script end, and the tail of a wait. Unless a
// wait saw the result, the kill goes to the child's process group, also
// when the child itself has ended. (The pipes close themselves earlier once
// the child is done: start, Output.)
func (p *process) release() error {
	var err error
	if p.Running() || p.result == nil {
		err = p.Kill(5 * time.Second)
	}
	p.Process.Release()
	if p.pty != nil {
		p.pty.Finish(200 * time.Millisecond)
	}
	if p.stdin != nil {
		p.stdin.Close()
	}
	for _, o := range []*Output{p.stdout, p.stderr} {
		if o != nil {
			o.Close()
		}
	}
	return err
}

var spawnKeys = []string{"argv", "ns", "join", "uid_map", "gid_map", "time_offsets", "hostname",
	"root", "mounts", "cwd", "env", "uid", "gid", "stdin", "stdout", "stderr", "max_output",
	"timeout", "kill_grace", "tty", "caps", "no_new_privs"}

// spawn is proc.spawn{argv..., opts}: start a process, like unshare(1),
// nsenter(1) or bwrap(1) would, and return a process object.
func (b *binding) spawn(L *lua.LState) int {
	p, err := b.start(L, false)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(b.class.New(L, p))
	return 1
}

// run is proc.run{argv..., opts}: spawn, wait and capture stdout and stderr
// (pipes by default) into the result table.
func (b *binding) run(L *lua.LState) int {
	p, err := b.start(L, true)
	if err != nil {
		return engine.Fail(L, err)
	}
	return b.finish(L, p, -1)
}

// start parses the options and starts the child.
func (b *binding) start(L *lua.LState, run bool) (*process, error) {
	vm := b.vm
	if L.Get(1).Type() != lua.LTTable {
		vm.TypeError(L, 1, "table (argv and options)")
	}
	o := vm.CheckOptsArray(L, 1, spawnKeys...)
	vm.NoMoreArgs(L, 1)
	cfg := &Config{Base: vm.Current()}
	cfg.Argv = b.argv(L, o)
	refs, err := b.namespaces(L, o, cfg)
	defer refs.release()
	if err != nil {
		return nil, err
	}
	releaseRange := b.idMaps(L, o, cfg)
	started := false
	defer func() {
		if releaseRange != nil && !started {
			releaseRange()
		}
	}()
	b.filesystem(L, o, cfg)
	cfg.Env = b.env(L, o)
	if o.Has("uid") {
		v := b.id(L, o, "uid")
		cfg.UID = &v
	}
	if o.Has("gid") {
		v := b.id(L, o, "gid")
		cfg.GID = &v
	}
	cfg.NoNewPrivs = o.Bool("no_new_privs", false)
	if t := o.TableOpt("caps"); t != nil {
		var keep CapSet
		t.ForEach(func(k, v lua.LValue) {
			name, ok := v.(lua.LString)
			if _, isNum := k.(lua.LNumber); !isNum || !ok {
				o.Fail("caps", "a list of capability names expected")
			}
			c, known := CapByName(string(name))
			if !known {
				o.Fail("caps", "unknown capability %s (expected names like net_admin, CAP_CHOWN)", engine.Quote(string(name)))
			}
			keep |= 1 << c
		})
		cfg.Caps = &keep
	}
	if o.Has("timeout") {
		t := o.Number("timeout", 0)
		if !(t > 0) || t > 1e9 {
			o.Fail("timeout", "positive number of seconds expected, got %v", t)
		}
		cfg.Timeout = engine.Seconds(t)
	}
	grace := o.Number("kill_grace", 1)
	if !(grace >= 0) || grace > 1e9 {
		o.Fail("kill_grace", "non-negative number of seconds expected, got %v", grace)
	}
	cfg.KillGrace = engine.Seconds(grace)
	maxOut := o.Int("max_output", 64<<20)
	if maxOut < 0 {
		o.Fail("max_output", "non-negative byte count expected, got %d", maxOut)
	}

	p := &process{name: cfg.Argv[0]}
	var toClose []*os.File
	defer func() {
		for _, f := range toClose {
			f.Close()
		}
	}()
	if o.Bool("tty", false) {
		for _, k := range []string{"stdin", "stdout", "stderr"} {
			if o.Has(k) {
				o.Fail(k, "not with tty = true: the terminal is the child's stdin, stdout and stderr")
			}
		}
		pty, err := OpenPty()
		if err != nil {
			return nil, err
		}
		p.pty = pty
		cfg.Files = [3]*os.File{pty.Slave, pty.Slave, pty.Slave}
		cfg.Tty = true
	} else {
		defaults := [3]string{"inherit", "inherit", "inherit"}
		if run {
			defaults[1], defaults[2] = "pipe", "pipe"
			// run returns no process object to write to: the child would
			// wait for input that never comes
			if o.Has("stdin") && o.String("stdin", "") == "pipe" {
				o.Fail("stdin", `"pipe" needs a process object to write to: use proc.spawn and p:write, `+
					`or give run a path, "null" or "inherit"`)
			}
		}
		for i, k := range []string{"stdin", "stdout", "stderr"} {
			child, parent, err := stdio(o, k, i, defaults[i])
			if err != nil {
				closeAll(p, toClose)
				return nil, err
			}
			cfg.Files[i] = child
			if child != nil && child != os.Stdin && child != os.Stdout && child != os.Stderr {
				toClose = append(toClose, child)
			}
			switch {
			case parent == nil:
			case i == 0:
				p.stdin = parent
			case i == 1:
				p.stdout = NewOutput(parent, maxOut, true)
			default:
				p.stderr = NewOutput(parent, maxOut, false)
			}
		}
	}
	proc, err := Start(cfg)
	if err != nil {
		closeAll(p, toClose)
		return nil, err
	}
	p.Process = proc
	started = true
	go func() {
		<-proc.Done()
		if releaseRange != nil {
			releaseRange()
		}
		// Nothing reads the stdin pipe any more (a background grandchild
		// that inherited it sees its end): closing it here means a process
		// object the script drops holds no descriptor once its child is
		// done. The pipes of stdout and stderr close themselves at their
		// end (Output).
		if p.stdin != nil {
			p.stdin.Close()
		}
	}()
	if p.pty != nil {
		p.pty.Slave.Close()
		if err := p.pty.Relay(); err != nil {
			p.release()
			return nil, err
		}
	}
	p.closer = vm.OnClose("process "+strconv.Itoa(p.Pid), p.release)
	return p, nil
}

// closeAll closes what start opened when it fails before the child runs.
func closeAll(p *process, files []*os.File) {
	for _, f := range files {
		f.Close()
	}
	if p.stdin != nil {
		p.stdin.Close()
	}
	for _, o := range []*Output{p.stdout, p.stderr} {
		if o != nil {
			o.Close()
		}
	}
	if p.pty != nil {
		p.pty.Master.Close()
		p.pty.Slave.Close()
	}
}

// stdio opens what fd i of the child gets: the child's end and, for a pipe,
// nslua's end.
func stdio(o *engine.Opts, key string, i int, def string) (child, parent *os.File, err error) {
	v := o.String(key, def)
	switch v {
	case "inherit":
		return []*os.File{os.Stdin, os.Stdout, os.Stderr}[i], nil, nil
	case "null":
		f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			return nil, nil, &engine.OpError{Op: "open", Arg: os.DevNull, Err: unwrapPath(err)}
		}
		return f, nil, nil
	case "pipe":
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, &engine.OpError{Op: "pipe", Arg: key, Err: err}
		}
		if i == 0 {
			return r, w, nil
		}
		return w, r, nil
	case "":
		o.Fail(key, `"inherit", "null", "pipe" or a path expected, got ""`)
	}
	if strings.IndexByte(v, 0) >= 0 {
		o.Fail(key, "path contains a NUL byte")
	}
	// a misspelt word would otherwise make a file of that name ("Pipe",
	// "null "): a path that looks like one of the words must show it is a
	// path ("./pipe")
	switch word := strings.ToLower(strings.TrimSpace(v)); word {
	case "inherit", "null", "pipe":
		o.Fail(key, `%q is not %q: "inherit", "null", "pipe" or a path expected (a file of that name: "./%s")`,
			v, word, v)
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if i == 0 {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(v, flag, 0o644)
	if err != nil {
		return nil, nil, &engine.OpError{Op: "open", Arg: v, Err: unwrapPath(err)}
	}
	return f, nil, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// argv takes the array part of the options, or opts.argv.
func (b *binding) argv(L *lua.LState, o *engine.Opts) []string {
	t := o.Table()
	if o.Has("argv") {
		if t.Len() > 0 {
			o.Fail("argv", "give argv either in the list part or as argv =, not both")
		}
		t = o.TableOpt("argv")
	}
	var argv []string
	for i := 1; i <= t.Len(); i++ {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			argv = append(argv, string(v))
		case lua.LNumber:
			argv = append(argv, v.String())
		default:
			b.vm.ArgError(L, 1, "argv[%d]: string expected, got %s", i, engine.TypeName(v))
		}
		if strings.IndexByte(argv[i-1], 0) >= 0 {
			b.vm.ArgError(L, 1, "argv[%d] contains a NUL byte", i)
		}
	}
	if len(argv) == 0 || argv[0] == "" {
		b.vm.ArgError(L, 1, "argv expected: a list like {\"ls\", \"-l\"} (or argv = {...})")
	}
	return argv
}

// nsRefs collects the fds resolved for ns= and join=.
type nsRefs []*engine.Refs

func (r nsRefs) release() {
	for _, x := range r {
		x.Release()
	}
}

// namespaces fills cfg.New and cfg.Join from ns = and join =.
func (b *binding) namespaces(L *lua.LState, o *engine.Opts, cfg *Config) (nsRefs, error) {
	vm := b.vm
	var refs nsRefs
	explicit := map[engine.Kind]bool{}
	switch v := o.Get("ns").(type) {
	case *lua.LNilType:
	case lua.LString:
		for _, name := range strings.Split(string(v), ",") {
			name = strings.TrimSpace(name)
			k, ok := engine.KindByName(name)
			if !ok {
				o.Fail("ns", "%s", engine.UnknownTypeMessage(name, engine.TypeNames()))
			}
			cfg.New = append(cfg.New, k)
			explicit[k] = true
		}
	case *lua.LTable:
		engine.ValidateKeys(L, v, false, engine.TypeNames(), func(msg string) {
			o.Fail("ns", "%s", strings.Replace(msg, "unknown option", "unknown namespace type", 1))
		})
		var err error
		v.ForEach(func(key, val lua.LValue) {
			if err != nil {
				return
			}
			k, _ := engine.KindByName(string(key.(lua.LString)))
			explicit[k] = true
			if s, ok := val.(lua.LString); ok && s == "new" {
				cfg.New = append(cfg.New, k)
				return
			}
			var r *engine.Refs
			r, err = b.resolve(L, o, "ns."+k.String(), val, k)
			if r != nil {
				refs = append(refs, r)
				cfg.Join = append(cfg.Join, r.Targets...)
			}
		})
		if err != nil {
			return refs, err
		}
	default:
		o.Fail("ns", `"net,uts,..." or a table {net = "new" | nsref, ...} expected, got %s`, engine.TypeName(v))
	}
	if o.Has("join") {
		r, err := b.resolve(L, o, "join", o.Get("join"), engine.AnyKind)
		if r != nil {
			refs = append(refs, r)
			for _, t := range r.Targets {
				if !explicit[t.Kind] {
					cfg.Join = append(cfg.Join, t)
				}
			}
		}
		if err != nil {
			return refs, err
		}
	}
	sort.Slice(cfg.New, func(i, j int) bool { return cfg.New[i] < cfg.New[j] })
	for i := 1; i < len(cfg.New); i++ {
		if cfg.New[i] == cfg.New[i-1] {
			o.Fail("ns", "namespace type %s given twice", cfg.New[i])
		}
	}
	_ = vm
	return refs, nil
}

// resolve turns an nsref option value into targets. Joining a user or time
// namespace other than the script's needs a fresh process (DESIGN.md §2.5):
// fresh.go starts one through engine/nsexec. A pid or process given as join
// stands for its user and time namespaces too when they are not the
// script's, as nsenter -a enters them.
func (b *binding) resolve(L *lua.LState, o *engine.Opts, what string, v lua.LValue, k engine.Kind) (*engine.Refs, error) {
	switch v.(type) {
	case lua.LNumber, lua.LString, *lua.LUserData:
	default:
		expected := "a namespace reference (handle, pid, process, netns name or path)"
		if what != "join" {
			expected = `"new" or ` + expected
		}
		o.Fail(what, "%s expected, got %s", expected, engine.TypeName(v))
	}
	fail := func(format string, args ...any) { o.Fail(what, format, args...) }
	r, err := b.vm.ResolveNSRefValue(v, k, fail)
	if err != nil {
		return nil, err
	}
	if k == engine.AnyKind {
		if pid := pidOf(v); pid > 0 {
			for _, uk := range []engine.Kind{engine.KindUser, engine.KindTime} {
				if !differs(pid, uk) {
					continue
				}
				x, err := b.vm.ResolveNSRefValue(v, uk, fail)
				if err != nil {
					r.Release()
					return nil, err
				}
				r.Adopt(x)
			}
		}
	}
	kept := r.Targets[:0]
	for _, t := range r.Targets {
		if t.Kind == engine.KindUser || t.Kind == engine.KindTime {
			if sameAsOurs(t) {
				continue
			}
			if !nsexec.Available {
				r.Release()
				return nil, unjoinable(t.Kind)
			}
		}
		kept = append(kept, t)
	}
	r.Targets = kept
	return r, nil
}

func unjoinable(k engine.Kind) error {
	return engine.Errorf(unix.EINVAL, "setns", k.String(), fmt.Sprintf(
		"joining an existing %s namespace needs a fresh process, which needs nslua built with cgo; "+
			"a new one works: ns = {%s = \"new\"}", k, k))
}

func pidOf(v lua.LValue) int {
	switch v := v.(type) {
	case lua.LNumber:
		return int(v)
	case *lua.LUserData:
		if p, ok := v.Value.(engine.PIDer); ok {
			return p.PID()
		}
	}
	return 0
}

// differs reports whether process pid is in another namespace of kind k than
// the thread running Lua (unreadable counts as the same, as nsenter -a skips it).
func differs(pid int, k engine.Kind) bool {
	var a, b unix.Stat_t
	if unix.Stat("/proc/"+strconv.Itoa(pid)+"/ns/"+k.String(), &a) != nil {
		return false
	}
	if unix.Stat("/proc/thread-self/ns/"+k.String(), &b) != nil {
		return false
	}
	return a.Dev != b.Dev || a.Ino != b.Ino
}

func sameAsOurs(t engine.Target) bool {
	var a, b unix.Stat_t
	if unix.Fstat(t.Fd, &a) != nil || unix.Stat("/proc/thread-self/ns/"+t.Kind.String(), &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

func (cfg *Config) isNew(k engine.Kind) bool { return has(cfg.New, k) }

func (cfg *Config) isJoined(k engine.Kind) bool {
	for _, t := range cfg.Join {
		if t.Kind == k {
			return true
		}
	}
	return false
}

// idMaps reads uid_map, gid_map and time_offsets, with API.md's defaults.
// release (or nil) gives a default id range back when the child has ended.
func (b *binding) idMaps(L *lua.LState, o *engine.Opts, cfg *Config) (release func()) {
	newUser := cfg.isNew(engine.KindUser)
	for _, k := range []string{"uid_map", "gid_map"} {
		if o.Has(k) && !newUser {
			o.Fail(k, "needs a new user namespace: ns = {user = \"new\"}")
		}
	}
	if newUser {
		cfg.UIDMap = b.idMap(o, "uid_map")
		cfg.GIDMap = b.idMap(o, "gid_map")
		if cfg.UIDMap == nil || cfg.GIDMap == nil {
			var def IDMaps
			def, release = DefaultIDMap()
			if cfg.UIDMap == nil {
				cfg.UIDMap = def.UID
			}
			if cfg.GIDMap == nil {
				cfg.GIDMap = def.GID
			}
		}
	}
	if o.Has("time_offsets") {
		if !cfg.isNew(engine.KindTime) {
			o.Fail("time_offsets", "needs a new time namespace: ns = {time = \"new\"}")
		}
		t := o.TableOpt("time_offsets")
		engine.ValidateKeys(L, t, false, []string{"monotonic", "boottime"}, func(msg string) {
			o.Fail("time_offsets", "%s", msg)
		})
		off := &TimeOffsets{}
		for key, dst := range map[string]*time.Duration{"monotonic": &off.Monotonic, "boottime": &off.Boottime} {
			switch v := t.RawGetString(key).(type) {
			case *lua.LNilType:
			case lua.LNumber:
				f := float64(v)
				if math.IsNaN(f) || math.Abs(f) > 1e9 {
					o.Fail("time_offsets", "%s: offset in seconds expected, got %v", key, f)
				}
				*dst = engine.Seconds(f)
			default:
				o.Fail("time_offsets", "%s: number of seconds expected, got %s", key, engine.TypeName(v))
			}
		}
		cfg.TimeOffsets = off
	}
	return release
}

func (b *binding) idMap(o *engine.Opts, key string) []syscall.SysProcIDMap {
	t := o.TableOpt(key)
	if t == nil {
		return nil
	}
	if t.Len() == 0 {
		o.Fail(key, "a list of {inside, outside, count} expected")
	}
	var m []syscall.SysProcIDMap
	for i := 1; i <= t.Len(); i++ {
		e, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok || e.Len() != 3 {
			o.Fail(key, "entry %d: {inside, outside, count} expected", i)
		}
		var v [3]int
		for j := range v {
			n, ok := e.RawGetInt(j + 1).(lua.LNumber)
			if !ok || float64(n) != math.Trunc(float64(n)) || n < 0 || n > math.MaxUint32 {
				o.Fail(key, "entry %d: {inside, outside, count} of integers from 0 to 4294967295 expected", i)
			}
			v[j] = int(n)
		}
		m = append(m, syscall.SysProcIDMap{ContainerID: v[0], HostID: v[1], Size: v[2]})
	}
	return m
}

var mountKeys = []string{"type", "source", "target", "options", "ro", "rec"}

// filesystem reads hostname, root, mounts and cwd. hostname implies a new
// uts namespace, root and mounts a new mount namespace, unless the option
// joins an existing one (then they are refused: they would change it).
func (b *binding) filesystem(L *lua.LState, o *engine.Opts, cfg *Config) {
	need := func(key string, k engine.Kind) {
		if cfg.isJoined(k) {
			o.Fail(key, "would change the joined %s namespace; use %s = \"new\"", k, k)
		}
		if !cfg.isNew(k) {
			cfg.New = append(cfg.New, k)
		}
	}
	if o.Has("hostname") {
		h := o.String("hostname", "")
		if h == "" || len(h) > 64 || strings.IndexByte(h, 0) >= 0 {
			o.Fail("hostname", "1 to 64 bytes without NUL expected")
		}
		need("hostname", engine.KindUTS)
		cfg.Hostname = h
	}
	if o.Has("root") {
		r := o.String("root", "")
		if r == "" || strings.IndexByte(r, 0) >= 0 {
			o.Fail("root", "a directory path expected")
		}
		need("root", engine.KindMnt)
		cfg.Root = r
	}
	if t := o.TableOpt("mounts"); t != nil {
		need("mounts", engine.KindMnt)
		t.ForEach(func(k, _ lua.LValue) {
			if n, ok := k.(lua.LNumber); !ok || int(n) < 1 || int(n) > t.Len() {
				o.Fail("mounts", "a list of mount specs expected")
			}
		})
		for i := 1; i <= t.Len(); i++ {
			spec, ok := t.RawGetInt(i).(*lua.LTable)
			if !ok {
				o.Fail("mounts", "entry %d: mount spec table expected, got %s", i, engine.TypeName(t.RawGetInt(i)))
			}
			cfg.Mounts = append(cfg.Mounts, b.mountSpec(L, o, i, spec))
		}
	}
	if o.Has("cwd") {
		c := o.String("cwd", "")
		if c == "" || strings.IndexByte(c, 0) >= 0 {
			o.Fail("cwd", "a directory path expected")
		}
		cfg.Dir = c
	}
}

func (b *binding) mountSpec(L *lua.LState, o *engine.Opts, i int, spec *lua.LTable) Mount {
	engine.ValidateKeys(L, spec, false, mountKeys, func(msg string) {
		o.Fail("mounts", "entry %d: %s", i, strings.Replace(msg, "option", "mount spec key", 1))
	})
	str := func(key string) string {
		switch v := spec.RawGetString(key).(type) {
		case *lua.LNilType:
			return ""
		case lua.LString:
			return string(v)
		default:
			o.Fail("mounts", "entry %d: %s: string expected, got %s", i, key, engine.TypeName(v))
		}
		return ""
	}
	flag := func(key string, def bool) bool {
		switch v := spec.RawGetString(key).(type) {
		case *lua.LNilType:
			return def
		case lua.LBool:
			return bool(v)
		default:
			o.Fail("mounts", "entry %d: %s: boolean expected, got %s", i, key, engine.TypeName(v))
		}
		return def
	}
	m := Mount{Type: str("type"), Source: str("source"), Target: str("target"), Options: str("options"),
		ReadOnly: flag("ro", false), Recursive: flag("rec", true)}
	if m.Type == "" && m.Source != "" {
		m.Type = "bind"
	}
	if err := m.Check(); err != nil {
		o.Fail("mounts", "entry %d: %v", i, err)
	}
	return m
}

// env returns the child's environment: opts.env ({NAME = value} or
// {"NAME=value", ...}), else nslua's own.
func (b *binding) env(L *lua.LState, o *engine.Opts) []string {
	t := o.TableOpt("env")
	if t == nil {
		return os.Environ()
	}
	env := []string{}
	t.ForEach(func(k, v lua.LValue) {
		var kv string
		switch k := k.(type) {
		case lua.LString:
			val, ok := v.(lua.LString)
			if !ok {
				if n, isNum := v.(lua.LNumber); isNum {
					val, ok = lua.LString(n.String()), true
				}
			}
			if !ok || string(k) == "" || strings.ContainsAny(string(k), "=\x00") {
				o.Fail("env", "%s: string value for a name without '=' expected", engine.Quote(string(k)))
			}
			kv = string(k) + "=" + string(val)
		case lua.LNumber:
			s, ok := v.(lua.LString)
			if !ok || !strings.Contains(string(s), "=") || strings.HasPrefix(string(s), "=") {
				o.Fail("env", "list entries must be \"NAME=value\" strings")
			}
			kv = string(s)
		default:
			o.Fail("env", "names must be strings")
		}
		if strings.IndexByte(kv, 0) >= 0 {
			o.Fail("env", "%s contains a NUL byte", engine.Quote(kv))
		}
		env = append(env, kv)
	})
	sort.Strings(env)
	return env
}

func (b *binding) id(L *lua.LState, o *engine.Opts, key string) int {
	v := o.Int(key, 0)
	if v < 0 || v > math.MaxUint32-1 {
		o.Fail(key, "id from 0 to 4294967294 expected, got %d", v)
	}
	return v
}

func (b *binding) check(L *lua.LState) *process {
	return engine.Check[*process](b.vm, L, 1, b.class)
}

// wait is p:wait([timeout]): the result table once the child has ended and
// its piped output reached its end, or nil, msg, "ETIMEDOUT" (the child runs
// on).
func (b *binding) wait(L *lua.LState) int {
	p := b.check(L)
	timeout := b.vm.OptTimeout(L, 2, -1) // -1: no limit
	b.vm.NoMoreArgs(L, 2)
	return b.finish(L, p, timeout)
}

// finish is the end of a wait and of run: it waits for the child to exit
// and for its piped stdout and stderr to reach their end (as a shell's
// command substitution does, so a background grandchild that holds the pipe
// keeps the wait going), within timeout seconds (< 0: no limit), and builds
// the result. On ETIMEDOUT what was collected stays for reads and a later
// wait.
func (b *binding) finish(L *lua.LState, p *process, timeout float64) int {
	if p.result != nil {
		L.Push(p.result)
		return 1
	}
	outs := []struct {
		key string
		o   *Output
	}{{"stdout", p.stdout}, {"stderr", p.stderr}}
	for _, x := range outs {
		if x.o != nil {
			x.o.BeginWait()
			defer x.o.EndWait()
		}
	}
	ctx := L.Context()
	var expire <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(engine.Seconds(timeout))
		defer t.Stop()
		expire = t.C
	}
	pid := strconv.Itoa(p.Pid)
	await := func(done <-chan struct{}, what string) error {
		select {
		case <-done: // first, so an ended child beats a timeout of 0
			return nil
		default:
		}
		select {
		case <-done:
			return nil
		case <-expire:
			return engine.Errorf(unix.ETIMEDOUT, "wait", pid, fmt.Sprintf("%s after %gs", what, timeout))
		case <-ctx.Done():
			return engine.Errorf(unix.EINTR, "wait", pid, "interrupted")
		}
	}
	if err := await(p.Done(), "still running"); err != nil {
		return engine.Fail(L, err)
	}
	if p.SharesTerminalSignals() && p.Status().Signal == int(unix.SIGINT) {
		// the terminal's Ctrl-C, which nslua got too: its handler may not
		// have run yet, and the script (or REPL chunk) must end as
		// interrupted, not go on with this result
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, x := range outs {
		if x.o == nil {
			continue
		}
		if err := await(x.o.Done(), "exited, but another process still holds its "+x.key+" open"); err != nil {
			return engine.Fail(L, err)
		}
	}
	if p.pty != nil {
		p.pty.Finish(time.Second)
	}
	res := L.NewTable()
	st := p.Status()
	res.RawSetString("code", lua.LNumber(st.Code))
	if st.Signal != 0 {
		res.RawSetString("signal", lua.LNumber(st.Signal))
	}
	res.RawSetString("timed_out", lua.LBool(st.TimedOut))
	for _, x := range outs {
		if x.o != nil {
			res.RawSetString(x.key, lua.LString(x.o.Take()))
		}
	}
	p.result = res
	p.closer.Close()
	L.Push(res)
	return 1
}

// kill is p:kill([sig]), as kill(1): sig is "TERM", "SIGKILL", 9, ...
func (b *binding) kill(L *lua.LState) int {
	p := b.check(L)
	sig := unix.SIGTERM
	if L.Get(2) != lua.LNil {
		sig = ParseSignal(b.vm, L, 2)
	}
	b.vm.NoMoreArgs(L, 2)
	if err := p.Signal(sig); err != nil {
		return engine.Fail(L, &engine.OpError{Op: "kill", Arg: strconv.Itoa(p.Pid), Err: err})
	}
	return engine.OK(L)
}

// ParseSignal reads a signal name ("TERM", "SIGTERM", "term") or number.
func ParseSignal(vm *engine.VM, L *lua.LState, n int) unix.Signal {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		if float64(v) != math.Trunc(float64(v)) || v < 0 || v > 64 {
			vm.ArgError(L, n, "signal number from 0 to 64 expected, got %v", v)
		}
		return unix.Signal(int(v))
	case lua.LString:
		name := strings.ToUpper(string(v))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		if s := unix.SignalNum(name); s != 0 {
			return s
		}
		vm.ArgError(L, n, "unknown signal %s", engine.Quote(string(v)))
	default:
		vm.TypeError(L, n, "signal name or number")
	}
	return 0
}

func (b *binding) running(L *lua.LState) int {
	p := b.check(L)
	b.vm.NoMoreArgs(L, 1)
	L.Push(lua.LBool(p.Running()))
	return 1
}

// ns is p:ns(type): a handle of the child's namespace, as
// `ls -l /proc/PID/ns/TYPE` names it.
func (b *binding) ns(L *lua.LState) int {
	p := b.check(L)
	name := b.vm.CheckString(L, 2)
	b.vm.NoMoreArgs(L, 2)
	k, ok := engine.KindByName(name)
	if !ok {
		b.vm.ArgError(L, 2, "%s", engine.UnknownTypeMessage(name, engine.TypeNames()))
	}
	fd, err := p.PidfdNS(k)
	if err != nil {
		return engine.Fail(L, err)
	}
	h, err := b.vm.NewHandle(fd, k, "/proc/"+strconv.Itoa(p.Pid)+"/ns/"+k.String())
	if err != nil {
		return engine.Fail(L, err)
	}
	b.vm.PushHandle(L, h)
	return 1
}

func (b *binding) write(L *lua.LState) int {
	p := b.check(L)
	data := b.vm.CheckString(L, 2)
	b.vm.NoMoreArgs(L, 2)
	if p.stdin == nil {
		b.vm.ArgError(L, 1, "stdin of process %d is not a pipe (spawn with stdin = \"pipe\")", p.Pid)
	}
	ctx := L.Context()
	stop := contextDeadline(ctx, p.stdin.SetWriteDeadline)
	_, err := io.WriteString(p.stdin, data)
	stop()
	if errors.Is(err, os.ErrClosed) {
		// close_stdin, or the child has exited and nslua closed the pipe
		return engine.Fail(L, engine.Errorf(unix.EPIPE, "write", "stdin of "+strconv.Itoa(p.Pid), "stdin is closed"))
	}
	if err != nil {
		return engine.Fail(L, &engine.OpError{Op: "write", Arg: "stdin of " + strconv.Itoa(p.Pid), Err: unwrapPath(err)})
	}
	return engine.OK(L)
}

func contextDeadline(ctx interface{ Done() <-chan struct{} }, set func(time.Time) error) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = set(time.Unix(1, 0))
		case <-done:
		}
	}()
	return func() { close(done); _ = set(time.Time{}) }
}

func (b *binding) closeStdin(L *lua.LState) int {
	p := b.check(L)
	b.vm.NoMoreArgs(L, 1)
	if p.stdin != nil {
		p.stdin.Close()
	}
	return engine.OK(L)
}

func (b *binding) stdoutOf(L *lua.LState, p *process) *Output {
	if p.stdout == nil {
		b.vm.ArgError(L, 1, "stdout of process %d is not a pipe (spawn with stdout = \"pipe\")", p.Pid)
	}
	return p.stdout
}

// read is p:read([n]): up to n bytes of a piped stdout (without n, all that
// has arrived), blocking until some arrive; nil at the end.
func (b *binding) read(L *lua.LState) int {
	p := b.check(L)
	n := 0
	if L.Get(2) != lua.LNil {
		n = b.vm.CheckInt(L, 2)
		if n <= 0 {
			b.vm.ArgError(L, 2, "positive byte count expected, got %d", n)
		}
	}
	b.vm.NoMoreArgs(L, 2)
	data, err := b.stdoutOf(L, p).Read(L.Context(), n)
	return pushRead(L, lua.LString(data), err)
}

func pushRead(L *lua.LState, v lua.LValue, err error) int {
	switch {
	case err == io.EOF:
		L.Push(lua.LNil)
		return 1
	case err == errCancelled:
		return engine.Fail(L, engine.Errorf(unix.EINTR, "read", "stdout", "interrupted"))
	case err != nil:
		return engine.Fail(L, &engine.OpError{Op: "read", Arg: "stdout", Err: err})
	}
	L.Push(v)
	return 1
}

// lines is p:lines(): an iterator over the lines of a piped stdout.
func (b *binding) lines(L *lua.LState) int {
	p := b.check(L)
	b.vm.NoMoreArgs(L, 1)
	out := b.stdoutOf(L, p)
	L.Push(L.NewFunction(func(L *lua.LState) int {
		line, err := out.ReadLine(L.Context())
		return pushRead(L, lua.LString(line), err)
	}))
	return 1
}
