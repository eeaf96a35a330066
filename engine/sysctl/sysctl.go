// Package sysctl reads and writes the per-network-namespace sysctls under
// /proc/sys/net, as `sysctl -n KEY` and `sysctl -w KEY=VALUE` run inside a
// namespace: net.sysctl and ns.create's sysctl option share it.
//
// /proc/sys/net shows the network namespace of the thread that opens a file
// there, not the process's: Read and Write must run on a thread inside the
// target namespace (the caller's job).
package sysctl

import (
	"fmt"
	"math"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Path maps a sysctl key to its file under /proc/sys: "net.ipv4.ip_forward"
// or "net/ipv4/ip_forward". Only per-namespace keys under net are accepted.
// Dots inside interface names need the slash form
// ("net/ipv4/conf/eth0.10/rp_filter"), as sysctl(8) has it.
func Path(key string) (string, error) {
	var parts []string
	if strings.Contains(key, "/") {
		parts = strings.Split(key, "/")
	} else {
		parts = strings.Split(key, ".")
	}
	if len(parts) < 2 || parts[0] != "net" {
		return "", fmt.Errorf("invalid sysctl key %s (expected a net.* key such as net.ipv4.ip_forward)", engine.Quote(key))
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, "\x00") {
			return "", fmt.Errorf("invalid sysctl key %s", engine.Quote(key))
		}
	}
	return "/proc/sys/" + strings.Join(parts, "/"), nil
}

// Value is what writing v sets: a string as it is, a finite number as Lua
// prints it, a boolean as 1 or 0. A string the kernel would cut short (a
// newline or NUL in it: "1\n0" would set 1 and report success), a NaN or
// infinite number, or another type is refused with the reason.
func Value(v lua.LValue) (string, error) {
	switch v := v.(type) {
	case lua.LString:
		if strings.ContainsAny(string(v), "\n\x00") {
			return "", fmt.Errorf("sysctl value %s contains a newline or NUL byte", engine.Quote(string(v)))
		}
		return string(v), nil
	case lua.LNumber:
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return "", fmt.Errorf("sysctl value must be a finite number, got %v", v)
		}
		return v.String(), nil
	case lua.LBool:
		if v {
			return "1", nil
		}
		return "0", nil
	}
	return "", fmt.Errorf("sysctl value: string, number or boolean expected, got %s", engine.TypeName(v))
}

// Read reads a per-namespace sysctl (path from Path) on the calling thread.
// Equivalent to `sysctl -n KEY`.
func Read(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", opErr(key, err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// Write writes a per-namespace sysctl on the calling thread. Equivalent to
// `sysctl -w KEY=VALUE`, which writes the value and a newline: the kernel
// ignores a write of nothing, so an empty value would otherwise change
// nothing and report success, where sysctl(8) gets the kernel's EINVAL.
func Write(key, path, value string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return opErr(key, err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value+"\n")); err != nil {
		return opErr(key, err)
	}
	return nil
}

func opErr(key string, err error) error {
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
