package spawn

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// HelperArg is os.Args[1] of the re-exec'd helper that gives a child a new
// time namespace with offsets, or a bounding set inside a new user namespace
// (which starts with a full one). Offsets can only be written by a process
// that did unshare(CLONE_NEWTIME) itself and has not yet exec'd, so the child
// first runs nslua's own binary — a sealed in-memory copy, never
// /proc/self/exe, so a container can never reach and rewrite the binary
// (the runc CVE-2019-5736 lesson) — which writes the offsets and execs the
// payload; the new time namespace takes effect at that execve.
// cmd/nslua hands control to HelperMain when it sees this argument.
const HelperArg = "--nslua-internal-spawn-helper"

// helperProcFd is the fd through which the helper reaches a procfs whatever
// its root: the spawner's /proc, opened O_PATH.
const helperProcFd = 3

// HelperMain is the helper: args are the time offsets ("-" or monotonic and
// boottime nanoseconds as "M,B"), the bounding set to keep ("-" or a hex
// mask), the working directory, and the payload's argv. It returns only on
// failure (an exit code, 127 as a shell's).
func HelperMain(args []string) int {
	fail := func(op, arg string, err error) int {
		fmt.Fprintf(os.Stderr, "nslua: %s\n", (&engine.OpError{Op: op, Arg: arg, Err: err}).Error())
		return 127
	}
	if len(args) < 4 {
		return fail("helper", "arguments", unix.EINVAL)
	}
	offsets, caps, dir, argv := args[0], args[1], args[2], args[3:]
	if offsets != "-" {
		if err := writeOffsets(offsets); err != nil {
			fmt.Fprintf(os.Stderr, "nslua: %v\n", err)
			return 127
		}
	}
	unix.Close(helperProcFd)
	if caps != "-" {
		keep, err := strconv.ParseUint(caps, 16, 64)
		if err != nil {
			return fail("helper", "caps", unix.EINVAL)
		}
		if err := dropBounding(CapSet(keep)); err != nil {
			fmt.Fprintf(os.Stderr, "nslua: %v\n", err)
			return 127
		}
	}
	if dir != "" {
		if err := unix.Chdir(dir); err != nil {
			return fail("chdir", dir, err)
		}
	}
	path, err := lookPath(argv[0], os.Environ(), dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nslua: %v\n", err)
		return 127
	}
	err = unix.Exec(path, argv, os.Environ())
	return fail("exec", path, err)
}

// writeOffsets creates the time namespace and writes "M,B" (nanoseconds).
func writeOffsets(offsets string) error {
	ms, bs, _ := strings.Cut(offsets, ",")
	mono, err1 := strconv.ParseInt(ms, 10, 64)
	boot, err2 := strconv.ParseInt(bs, 10, 64)
	if err1 != nil || err2 != nil {
		return &engine.OpError{Op: "helper", Arg: "offsets", Err: unix.EINVAL}
	}
	if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
		return &engine.OpError{Op: "unshare", Arg: "time", Err: err}
	}
	fd, err := unix.Openat(helperProcFd, "self/timens_offsets", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &engine.OpError{Op: "open", Arg: "/proc/self/timens_offsets", Err: err}
	}
	defer unix.Close(fd)
	line := fmt.Sprintf("monotonic %d %d\nboottime %d %d\n", mono/1e9, mono%1e9, boot/1e9, boot%1e9)
	if _, err := unix.Write(fd, []byte(line)); err != nil {
		return &engine.OpError{Op: "write", Arg: "timens_offsets", Err: err}
	}
	return nil
}

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
	procFile := os.NewFile(uintptr(procFd), "/proc")
	defer procFile.Close()
	offsets, caps := "-", "-"
	if t := cfg.TimeOffsets; t != nil {
		offsets = strconv.FormatInt(int64(t.Monotonic), 10) + "," + strconv.FormatInt(int64(t.Boottime), 10)
	}
	if cfg.Caps != nil && has(cfg.New, engine.KindUser) {
		caps = strconv.FormatUint(uint64(*cfg.Caps), 16)
	}
	args := append([]string{"nslua-helper", HelperArg, offsets, caps, cfg.Dir}, cfg.Argv...)
	sys.Ptrace = true
	files := append(append([]*os.File{}, cfg.Files[:]...), procFile)
	proc, err := os.StartProcess("/proc/self/fd/"+strconv.Itoa(exe), args, &os.ProcAttr{
		Env: envOrEmpty(cfg.Env), Files: files, Sys: sys,
	})
	if err != nil {
		return nil, startError(cfg, "nslua time helper", err)
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
		return nil, err
	}
	return proc, nil
}
