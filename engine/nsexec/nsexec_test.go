//go:build cgo

package nsexec

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// The test binary links the constructor too (this package is under test), so
// the helpers below re-execute it exactly as nslua re-executes itself.

func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to create the namespaces to join")
	}
}

// target starts `unshare -U -r -T --boottime OFF sleep` (util-linux, not
// ours): a process in a user and a time namespace of its own.
func target(t *testing.T, offset int) int {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) not installed")
	}
	cmd := exec.Command("unshare", "-U", "-r", "-T", "--boottime", strconv.Itoa(offset), "sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	waitExec(t, pid, "sleep")
	return pid
}

// waitExec polls until pid runs comm: unshare(1) has written the maps and
// exec'd it, in its new namespaces.
func waitExec(t *testing.T, pid int, comm string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(data)) == comm {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never exec'd %s", pid, comm)
		}
		time.Sleep(2 * time.Millisecond) // polling interval
	}
}

func link(t *testing.T, path string) string {
	t.Helper()
	s, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openNS(t *testing.T, pid int, kind engine.Kind) engine.Target {
	t.Helper()
	fd, k, err := engine.OpenNS("/proc/"+strconv.Itoa(pid)+"/ns/"+kind.String(), kind)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return engine.Target{Kind: k, Fd: fd}
}

// run starts j and returns its stdout, or the error Started reported.
func run(t *testing.T, j *Join) (string, error) {
	t.Helper()
	cmd, p, err := j.Command()
	if err != nil {
		return "", err
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := p.Started(cmd.Start()); err != nil {
		cmd.Wait()
		return "", err
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %v\n%s", j.Args, err, errb.String())
	}
	return out.String(), nil
}

func TestJoinUserAndTime(t *testing.T) {
	needRoot(t)
	pid := target(t, 100000)
	out, err := run(t, &Join{
		Path: "sh", // looked up in Env's PATH by the helper
		Env:  []string{"PATH=/usr/bin:/bin"},
		Args: []string{"sh", "-c", "readlink /proc/self/ns/user /proc/self/ns/time; id -u; cat /proc/uptime; env"},
		NS:   []engine.Target{openNS(t, pid, engine.KindUser), openNS(t, pid, engine.KindTime)},
		UID:  -1, GID: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	p := "/proc/" + strconv.Itoa(pid) + "/ns/"
	if want := link(t, p+"user"); lines[0] != want {
		t.Errorf("user namespace %s, target's (readlink) %s", lines[0], want)
	}
	if want := link(t, p+"time"); lines[1] != want {
		t.Errorf("time namespace %s, target's (readlink) %s", lines[1], want)
	}
	if lines[2] != "0" {
		t.Errorf("id -u inside the joined user namespace = %s, want 0 (nsenter -U)", lines[2])
	}
	inside, _ := strconv.ParseFloat(strings.Fields(lines[3])[0], 64)
	data, _ := os.ReadFile("/proc/uptime")
	outside, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	if d := inside - outside; d < 99990 || d > 100010 {
		t.Errorf("uptime inside %.2f, outside %.2f: want the 100000 s boottime offset", inside, outside)
	}
	if strings.Contains(out, "_NSLUA_NSEXEC") {
		t.Errorf("marker variables leaked into the payload's environment:\n%s", out)
	}
}

func TestJoinFailures(t *testing.T) {
	needRoot(t)
	netfd := openNS(t, os.Getpid(), engine.KindNet)
	cases := []struct {
		name string
		j    Join
		want string
	}{
		{"wrong kind", Join{Path: "/bin/true", Args: []string{"true"}, UID: -1, GID: -1,
			NS: []engine.Target{{Kind: engine.KindUser, Fd: netfd.Fd}}}, "EINVAL: setns(user): invalid argument"},
		{"no program", Join{Path: "/nonexistent/x", Args: []string{"x"}, UID: -1, GID: -1},
			"ENOENT: execve(/nonexistent/x): no such file or directory"},
		{"bad cwd", Join{Path: "/bin/true", Args: []string{"true"}, UID: -1, GID: -1, Dir: "/nonexistent"},
			"ENOENT: chdir(/nonexistent): no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, &c.j)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
	if _, _, err := (&Join{Path: "/bin/true", Args: []string{"true"}, Unshare: unix.CLONE_NEWPID}).Command(); err == nil {
		t.Error("a new pid namespace with nsexec was accepted")
	}
	if _, _, err := (&Join{Path: "/bin/true", Args: []string{"true"}, NS: []engine.Target{{Kind: engine.KindPID, Fd: netfd.Fd}}}).Command(); err == nil {
		t.Error("joining pid through nsexec was accepted")
	}
}

// An unprivileged process may enter a user namespace it owns and, through it,
// the namespaces that namespace owns: the second pass after setns(user).
func TestJoinAsOwner(t *testing.T) {
	needRoot(t)
	const uid = 65000 // any unused uid: the test only needs a non-root one
	// The target belongs to uid: a user namespace with a net namespace in it.
	cmd := exec.Command("unshare", "-U", "-r", "-n", "sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL,
		Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	waitExec(t, pid, "sleep")
	j := &Join{Path: "/bin/sh", Args: []string{"sh", "-c", "readlink /proc/self/ns/net"}, UID: -1, GID: -1,
		NS: []engine.Target{openNS(t, pid, engine.KindUser), openNS(t, pid, engine.KindNet)}}
	c, p, err := j.Command()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c.Stdout = &out
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
	if err := p.Started(c.Start()); err != nil {
		c.Wait()
		t.Fatal(err)
	}
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out.String()), link(t, "/proc/"+strconv.Itoa(pid)+"/ns/net"); got != want {
		t.Errorf("net namespace %s, target's %s", got, want)
	}
}

func TestParseFailure(t *testing.T) {
	err := parseFailure("setns\tuser\t1")
	if err == nil || err.Error() != "EPERM: setns(user): operation not permitted" {
		t.Errorf("got %v", err)
	}
	if err := parseFailure("garbage"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("got %v", err)
	}
}

// The helper may run from an open copy of the binary (a memfd), and the
// payload inherits none of the helper's descriptors: only 0, 1, 2 (and the
// directory ls itself opens).
func TestJoinFromCopyLeaksNoFds(t *testing.T) {
	needRoot(t)
	pid := target(t, 0)
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mfd, err := unix.MemfdCreate("nslua-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	mem := os.NewFile(uintptr(mfd), "memfd")
	defer mem.Close()
	if _, err := io.Copy(mem, src); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, &Join{
		ExeFd: mfd,
		Path:  "/bin/ls", Args: []string{"ls", "/proc/self/fd"},
		NS:  []engine.Target{openNS(t, pid, engine.KindUser), openNS(t, pid, engine.KindTime)},
		UID: -1, GID: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(out); strings.Join(got, " ") != "0 1 2 3" {
		t.Errorf("the payload has fds %v, want 0 1 2 and ls's own 3", got)
	}
}

// A new time namespace with offsets, written by the helper before it execs
// the payload: /proc/uptime inside runs ahead by the boottime offset.
func TestNewTimeNamespaceWithOffsets(t *testing.T) {
	needRoot(t)
	proc, err := os.Open("/proc")
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	out, err := run(t, &Join{Path: "/bin/sh", Args: []string{"sh", "-c", "cat /proc/uptime; readlink /proc/self/ns/time"},
		UID: -1, GID: -1, TimeOffsets: "boottime 50000 0\n", ProcFd: int(proc.Fd())})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	inside, _ := strconv.ParseFloat(strings.Fields(lines[0])[0], 64)
	data, _ := os.ReadFile("/proc/uptime")
	outside, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	if d := inside - outside; d < 49990 || d > 50010 {
		t.Errorf("uptime inside %.2f, outside %.2f: want the 50000 s boottime offset", inside, outside)
	}
	if lines[1] == link(t, "/proc/self/ns/time") {
		t.Errorf("the payload is in nslua's time namespace %s", lines[1])
	}
	if _, err := run(t, &Join{Path: "/bin/true", Args: []string{"true"}, UID: -1, GID: -1, TimeOffsets: "nonsense"}); err == nil ||
		!strings.HasPrefix(err.Error(), "EINVAL: write(timens_offsets)") {
		t.Errorf("bad offsets: %v", err)
	}
}

// A bounding set: the payload keeps exactly the capabilities asked for.
func TestCapsBoundingSet(t *testing.T) {
	needRoot(t)
	keep := uint64(1<<unix.CAP_NET_ADMIN | 1<<unix.CAP_SYS_ADMIN)
	out, err := run(t, &Join{Path: "/bin/sh", Args: []string{"sh", "-c", "grep -E '^Cap(Bnd|Amb|Inh)' /proc/self/status"},
		UID: -1, GID: -1, Caps: &keep})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"CapInh:": 0, "CapBnd:": keep, "CapAmb:": 0}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		v, _ := strconv.ParseUint(f[1], 16, 64)
		if v != want[f[0]] {
			t.Errorf("%s %x, want %x", f[0], v, want[f[0]])
		}
	}
}

// Joining a user namespace gives a full bounding set: the helper drops it
// after the join, and before it becomes a non-root id (which takes the
// CAP_SETPCAP the drop needs); no_new_privs is set too.
func TestCapsAndNoNewPrivsAfterJoiningUser(t *testing.T) {
	needRoot(t)
	// a user namespace mapping 0..99 (made by Go's os/exec, not by us)
	m := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 200000, Size: 100}}
	cmd := exec.Command("sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Cloneflags: syscall.CLONE_NEWUSER,
		UidMappings: m, GidMappings: m}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitExec(t, cmd.Process.Pid, "sleep")
	keep := uint64(1 << unix.CAP_CHOWN)
	for _, uid := range []int{-1, 5} { // -1: root of the namespace
		out, err := run(t, &Join{Path: "/bin/sh", Args: []string{"sh", "-c", "id -u; grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status"},
			NS: []engine.Target{openNS(t, cmd.Process.Pid, engine.KindUser)}, UID: uid, GID: uid, Caps: &keep, NoNewPrivs: true})
		if err != nil {
			t.Fatalf("uid %d: %v", uid, err)
		}
		want := fmt.Sprintf("%d\nCapBnd:\t0000000000000001\nNoNewPrivs:\t1\n", max(uid, 0))
		if out != want {
			t.Errorf("uid %d: got %q, want %q", uid, out, want)
		}
	}
}
