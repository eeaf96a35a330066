package spawn

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// HelperArg is os.Args[1] of the re-exec'd helper that gives a child a new
// time namespace with offsets. Offsets can only be written by a process that
// did unshare(CLONE_NEWTIME) itself and has not yet exec'd, so the child
// first runs nslua's own binary — a sealed in-memory copy, never
// /proc/self/exe, so a container can never reach and rewrite the binary
// (the runc CVE-2019-5736 lesson) — which writes the offsets and execs the
// payload; the new time namespace takes effect at that execve.
// cmd/nslua hands control to HelperMain when it sees this argument.
const HelperArg = "--nslua-internal-timens-exec"

// helperProcFd is the fd through which the helper reaches a procfs whatever
// its root: the spawner's /proc, opened O_PATH.
const helperProcFd = 3

// HelperMain is the time-namespace helper: args are monotonic and boottime
// offsets in nanoseconds, the working directory, and the payload's argv. It
// returns only on failure (an exit code, 127 as a shell's).
func HelperMain(args []string) int {
	fail := func(op, arg string, err error) int {
		fmt.Fprintf(os.Stderr, "nslua: %s\n", (&engine.OpError{Op: op, Arg: arg, Err: err}).Error())
		return 127
	}
	if len(args) < 4 {
		return fail("helper", "arguments", unix.EINVAL)
	}
	mono, err1 := strconv.ParseInt(args[0], 10, 64)
	boot, err2 := strconv.ParseInt(args[1], 10, 64)
	if err1 != nil || err2 != nil {
		return fail("helper", "offsets", unix.EINVAL)
	}
	dir, argv := args[2], args[3:]
	if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
		return fail("unshare", "time", err)
	}
	fd, err := unix.Openat(helperProcFd, "self/timens_offsets", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("open", "/proc/self/timens_offsets", err)
	}
	line := fmt.Sprintf("monotonic %d %d\nboottime %d %d\n",
		mono/1e9, mono%1e9, boot/1e9, boot%1e9)
	_, err = unix.Write(fd, []byte(line))
	unix.Close(fd)
	unix.Close(helperProcFd)
	if err != nil {
		return fail("write", "timens_offsets", err)
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
	args := append([]string{"nslua-timens", HelperArg,
		strconv.FormatInt(int64(cfg.TimeOffsets.Monotonic), 10),
		strconv.FormatInt(int64(cfg.TimeOffsets.Boottime), 10), cfg.Dir}, cfg.Argv...)
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
