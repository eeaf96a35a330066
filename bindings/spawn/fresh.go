package spawn

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/nsexec"
)

// A child that joins an existing user or time namespace (nsenter -U, -T)
// cannot be made by a spawner thread: the kernel allows setns into those to a
// single-threaded process only. Such a child starts as a fresh helper — a
// sealed copy of nslua's binary — that joins the namespaces in engine/nsexec's
// C constructor, before the Go runtime exists, takes its credentials, and
// executes the program.

// needsFresh reports whether the joins include a user or time namespace.
func needsFresh(join []engine.Target) bool {
	for _, t := range join {
		if t.Kind == engine.KindUser || t.Kind == engine.KindTime {
			return true
		}
	}
	return false
}

// splitFresh divides the joins between the spawner thread and the helper. The
// spawner takes only pid: setns(pid) affects children alone, so it must be in
// place when the helper is forked. The helper takes the rest, user first as
// nsenter does, and mnt among them, so that nslua's binary is exec'd from the
// script's mount namespace and the program is looked up in the joined one.
// Namespaces the script is in already are dropped (nsenter -a skips them
// too): entering the same mount namespace again would reset the cwd.
func splitFresh(base *engine.ThreadNS, join []engine.Target) (spawner, helper []engine.Target) {
	for _, t := range join {
		var st unix.Stat_t
		if unix.Fstat(t.Fd, &st) == nil {
			if dev, ino := base.ID(t.Kind); dev == st.Dev && ino == st.Ino {
				continue
			}
		}
		if t.Kind == engine.KindPID {
			spawner = append(spawner, t)
		} else {
			helper = append(helper, t)
		}
	}
	return spawner, helper
}

// freshUnsupported says which option cannot be combined with joining a user
// or time namespace, or "".
func freshUnsupported(cfg *Config) string {
	switch {
	case cfg.Root != "":
		return "root"
	case len(cfg.Mounts) > 0:
		return "mounts"
	case cfg.Hostname != "":
		return "hostname"
	case cfg.TimeOffsets != nil:
		return "time_offsets"
	}
	for _, k := range cfg.New {
		switch k {
		case engine.KindMnt, engine.KindPID, engine.KindUser, engine.KindTime:
			return "ns." + k.String() + " = \"new\""
		}
	}
	return ""
}

// launchFresh runs on the locked spawner thread in place of launch: it joins
// the script's namespaces and the pid one to join, then starts the helper
// and waits until it exec'd the program (or reports why it could not).
func launchFresh(cfg *Config, st *engine.ThreadNS, late []engine.Target, setpgid bool) (*os.Process, error) {
	if opt := freshUnsupported(cfg); opt != "" {
		return nil, engine.Errorf(unix.EINVAL, "spawn", opt, opt+" cannot be combined with joining an existing user or time namespace")
	}
	if err := st.Enter(); err != nil {
		return nil, err
	}
	exe, err := sealedExe()
	if err != nil {
		return nil, err
	}
	j := &nsexec.Join{
		ExeFd: exe,
		Path:  cfg.Argv[0],
		Args:  cfg.Argv,
		Env:   envOrEmpty(cfg.Env),
		NS:    late,
		UID:   -1, GID: -1,
		Dir:        cfg.Dir,
		NoNewPrivs: cfg.NoNewPrivs,
	}
	// The bounding set is dropped by the helper after the joins: setns
	// into a user namespace gives a full one again, whatever the spawner
	// thread held.
	if cfg.Caps != nil {
		keep := uint64(*cfg.Caps)
		j.Caps = &keep
	}
	for _, k := range cfg.New {
		j.Unshare |= k.Flag()
	}
	if cfg.UID != nil {
		j.UID = *cfg.UID
	}
	if cfg.GID != nil {
		j.GID = *cfg.GID
	}
	sys := &syscall.SysProcAttr{}
	if cfg.Tty {
		sys.Setsid, sys.Setctty, sys.Ctty = true, true, 0
	}
	sys.Setpgid = setpgid
	if pdeathsigSafe(false) {
		sys.Pdeathsig = syscall.SIGKILL
		j.Deathsig = syscall.SIGKILL // the helper arms it again after setresuid
	}
	h, err := j.Prepare()
	if err != nil {
		return nil, err
	}
	files := append(append([]*os.File{}, cfg.Files[:]...), h.Extra...)
	proc, err := os.StartProcess(h.Exe, h.Args, &os.ProcAttr{Env: h.Env, Files: files, Sys: sys})
	if err != nil {
		h.Started(err)
		return nil, startError(cfg, "nslua join helper", err)
	}
	if err := h.Started(nil); err != nil {
		proc.Wait()
		return nil, err
	}
	return proc, nil
}
