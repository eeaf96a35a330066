package net

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// /proc/sys/net shows the network namespace of the thread that opens a file
// there, not the process's: ReadSysctl and WriteSysctl must run on a thread
// inside the target namespace (the caller's job).

// ReadSysctl reads a per-namespace sysctl (path from SysctlPath) on the
// calling thread. Equivalent to `sysctl -n KEY`.
func ReadSysctl(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", sysctlErr(key, err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// WriteSysctl writes a per-namespace sysctl on the calling thread.
// Equivalent to `sysctl -w KEY=VALUE`.
func WriteSysctl(key, path, value string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return sysctlErr(key, err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return sysctlErr(key, err)
	}
	return nil
}

func sysctlErr(key string, err error) error {
	var en unix.Errno
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if e, ok := err.(unix.Errno); ok {
		en = e
	} else {
		en = unix.EIO
	}
	text := ""
	if en == unix.ENOENT {
		text = "no such sysctl key in this network namespace"
	}
	return &engine.OpError{Op: "sysctl", Arg: key, Err: en, Text: text}
}
