package spawn

import (
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/nsexec"
)

// A child that needs a fresh process before its payload — a new time
// namespace with offsets (which only the process that unshared it may write,
// before anything runs inside), or a bounding set inside a new user namespace
// (which starts with a full one) — starts as the engine/nsexec helper: nslua's
// own binary, from a sealed in-memory copy, never /proc/self/exe, so a
// container can never reach and rewrite the binary (the runc CVE-2019-5736
// lesson). Its C constructor writes the offsets, drops the capabilities and
// execs the payload before the Go runtime starts; the new time namespace
// takes effect at that execve. It is the same helper that joins existing
// user and time namespaces (fresh.go).

var (
	exeOnce sync.Once
	exeFd   int
	exeErr  error
)

// sealedExe returns an fd of a sealed memfd holding nslua's binary, made
// once per process.
func sealedExe() (int, error) {
	exeOnce.Do(func() {
		exeFd, exeErr = makeSealedExe()
	})
	return exeFd, exeErr
}

func makeSealedExe() (int, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return -1, &engine.OpError{Op: "open", Arg: "/proc/self/exe", Err: err}
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("nslua", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, &engine.OpError{Op: "memfd_create", Arg: "nslua", Err: err}
	}
	dst := os.NewFile(uintptr(fd), "memfd:nslua")
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return -1, &engine.OpError{Op: "copy", Arg: "nslua binary", Err: err}
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		dst.Close()
		return -1, &engine.OpError{Op: "fcntl", Arg: "F_ADD_SEALS", Err: err}
	}
	// keep the fd: dst must not be collected and closed
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	dst.Close()
	if err != nil {
		return -1, &engine.OpError{Op: "dup", Arg: "memfd", Err: err}
	}
	return nfd, nil
}

// launchHelper forks the helper (held at its exec), then pivots and mounts
// as launch would, and lets it go. The helper is exec'd while the spawner
// still sees the host's /proc, through the memfd.
func launchHelper(cfg *Config, sys *syscall.SysProcAttr, m *mountSet) (*os.Process, error) {
	exe, err := sealedExe()
	if err != nil {
		return nil, err
	}
	procFd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &engine.OpError{Op: "open", Arg: "/proc", Err: err}
	}
	defer unix.Close(procFd)
	j := &nsexec.Join{ExeFd: exe, Path: cfg.Argv[0], Args: cfg.Argv, Env: envOrEmpty(cfg.Env),
		UID: -1, GID: -1, Dir: cfg.Dir, ProcFd: procFd}
	if t := cfg.TimeOffsets; t != nil {
		mono, boot := int64(t.Monotonic), int64(t.Boottime)
		j.TimeOffsets = fmt.Sprintf("monotonic %d %d\nboottime %d %d\n", mono/1e9, mono%1e9, boot/1e9, boot%1e9)
	}
	if cfg.Caps != nil && has(cfg.New, engine.KindUser) {
		keep := uint64(*cfg.Caps)
		j.Caps = &keep
	}
	h, err := j.Prepare()
	if err != nil {
		return nil, err
	}
	sys.Ptrace = true
	files := append(append([]*os.File{}, cfg.Files[:]...), h.Extra...)
	proc, err := os.StartProcess(h.Exe, h.Args, &os.ProcAttr{Env: h.Env, Files: files, Sys: sys})
	if err != nil {
		h.Started(err)
		return nil, startError(cfg, "nslua helper", err)
	}
	err = func() error {
		if err := m.pivot(); err != nil {
			return err
		}
		if err := m.attachUntilDeferred(); err != nil {
			return err
		}
		if _, err := lookPath(cfg.Argv[0], cfg.Env, cfg.Dir); err != nil {
			return err
		}
		return m.finishStopped(proc.Pid)
	}()
	if err != nil {
		abort(proc)
		h.Started(nil)
		return nil, err
	}
	// the helper runs once detached: wait until it exec'd the payload
	if err := h.Started(nil); err != nil {
		proc.Wait()
		return nil, err
	}
	return proc, nil
}
