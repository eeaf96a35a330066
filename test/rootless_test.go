package test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/scripts"
	"github.com/nslua/nslua/test/harness"
)

// rootlessUser is the unprivileged user these tests create and remove. Only
// these tests use the name, so one left by a killed run is recognised by it
// and removed before the next run creates it again.
const rootlessUser = "nslua-rootless-test"

// Its subordinate ids: a range far from the 100000.. ranges useradd hands
// out and root-mode containers use.
const (
	rootlessSubStart = 3000000
	rootlessSubCount = 65536
)

// unpriv is the test user and a copy of the binary it may execute.
type unpriv struct {
	uid, gid int
	dir      string // 0755, holds the binary; the user's working directory
	bin      string
}

// newUnpriv creates the test user (with /etc/subuid and /etc/subgid ranges)
// and a copy of nslua it can run, and removes both when the test ends,
// whether it passed or not.
func newUnpriv(t *testing.T) *unpriv {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("creating a test user needs root")
	}
	for _, tool := range []string{"useradd", "userdel", "usermod"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	removeUser(t) // a stale one from a killed run
	harness.Tool(t, "useradd", "--no-create-home", "--shell", "/bin/sh",
		"-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", rootlessUser)
	t.Cleanup(func() { removeUser(t) })
	r := strconv.Itoa(rootlessSubStart) + "-" + strconv.Itoa(rootlessSubStart+rootlessSubCount-1)
	harness.Tool(t, "usermod", "--add-subuids", r, "--add-subgids", r, rootlessUser)
	u, err := user.Lookup(rootlessUser)
	if err != nil {
		t.Fatal(err)
	}
	p := &unpriv{}
	p.uid, _ = strconv.Atoi(u.Uid)
	p.gid, _ = strconv.Atoi(u.Gid)
	// nslua's private runtime directory when XDG_RUNTIME_DIR is unset
	t.Cleanup(func() { os.Remove(filepath.Join(os.TempDir(), "nslua-"+u.Uid)) })
	p.dir, err = os.MkdirTemp("", "nslua-rootless-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(p.dir) })
	if err := os.Chmod(p.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p.bin = filepath.Join(p.dir, "nslua")
	data, err := os.ReadFile(harness.Bin())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// userDir makes a directory owned by the test user (mode 0700), removed at
// the end of the test: a home or an XDG_RUNTIME_DIR.
func (p *unpriv) userDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "nslua-rootless-dir-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chown(d, p.uid, p.gid); err != nil {
		t.Fatal(err)
	}
	return d
}

// needUidmap skips a test that checks the subordinate ranges when the uidmap
// package (newuidmap, newgidmap) is not installed: nslua then maps the
// caller alone. The Makefile's test dependencies install it.
func needUidmap(t *testing.T) {
	t.Helper()
	for _, h := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(h); err != nil {
			t.Skipf("%s not installed (apt install uidmap)", h)
		}
	}
}

// removeUser deletes the test user by its exact name, with its group and its
// subordinate id ranges, if it exists.
func removeUser(t *testing.T) {
	t.Helper()
	if _, err := user.Lookup(rootlessUser); err != nil {
		return
	}
	if out, err := exec.Command("userdel", rootlessUser).CombinedOutput(); err != nil {
		t.Errorf("userdel %s: %v: %s", rootlessUser, err, out)
	}
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		data, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(data, []byte(rootlessUser+":")) {
			continue
		}
		exec.Command("usermod", "--del-subuids", "1-4294967294", rootlessUser).Run()
		t.Errorf("%s still lists %s after userdel", f, rootlessUser)
	}
}

// command is nslua run as the test user with a minimal environment, in its
// directory.
func (p *unpriv) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Dir = p.dir
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + p.dir, "LANG=C"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(p.uid), Gid: uint32(p.gid), Groups: []uint32{}},
	}
	return cmd
}

// run runs nslua as the test user and returns what it printed and its exit
// code (128+n when killed by signal n).
func (p *unpriv) run(t *testing.T, stdin string, env []string, args ...string) harness.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := p.command(ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("nslua %v as %s: timed out\nstdout:\n%s\nstderr:\n%s", args, rootlessUser, stdout.String(), stderr.String())
	}
	r := harness.Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		r.Code = waitCode(ee.ProcessState)
	}
	return r
}

func waitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

const rootlessNotice = "nslua: not root: running rootless in a user namespace of its own (--no-rootless turns this off)\n"

// started is a running nslua, as the test user, whose script printed a
// line with its pid and then waits for a line on stdin or loops.
type started struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *bytes.Buffer
	pid    int // the re-executed nslua (the script's process)
	done   chan struct{}
}

// selfPID is Lua that prints the pid of the process running the script.
const selfPID = `print("pid", io.open("/proc/self/stat"):read("*a"):match("^%d+")) io.stdout:flush() `

func (p *unpriv) start(t *testing.T, env []string, args ...string) *started {
	t.Helper()
	s := &started{stderr: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = p.command(context.Background(), env, args...)
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.stdout = bufio.NewReader(out)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.wait()
	})
	line := s.line(t)
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "pid" {
		t.Fatalf("first line %q, want pid N; stderr:\n%s", line, s.stderr.String())
	}
	s.pid, _ = strconv.Atoi(f[1])
	return s
}

// line reads one line of stdout, failing the test after a deadline.
func (s *started) line(t *testing.T) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		l, _ := s.stdout.ReadString('\n')
		ch <- strings.TrimSuffix(l, "\n")
	}()
	select {
	case l := <-ch:
		return l
	case <-time.After(60 * time.Second):
		t.Fatalf("no output from nslua; stderr:\n%s", s.stderr.String())
		return ""
	}
}

// wait reaps the parent nslua once and returns its exit code.
func (s *started) wait() int {
	select {
	case <-s.done:
	default:
		s.cmd.Wait()
		close(s.done)
	}
	return waitCode(s.cmd.ProcessState)
}

func nsLink(t *testing.T, pid int, kind string) string {
	t.Helper()
	l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + kind)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The re-executed nslua is root of a user namespace of its own that maps the
// caller and its subordinate ranges, in a mount namespace of its own, with
// stdin, stdout and stderr passed through.
func TestRootlessIdentity(t *testing.T) {
	harness.NoLeaks(t)
	needUidmap(t)
	p := newUnpriv(t)
	s := p.start(t, nil, "-e", selfPID+`
		print(io.open("/proc/self/status"):read("*a"):match("CapEff:%s*(%x+)"))
		print(io.read("*l"))`)
	if s.pid == s.cmd.Process.Pid {
		t.Fatal("the script runs in the process the user started: no re-exec")
	}
	for _, kind := range []string{"user", "mnt"} {
		if nsLink(t, s.pid, kind) == nsLink(t, os.Getpid(), kind) {
			t.Errorf("the script shares the host's %s namespace", kind)
		}
	}
	if nsLink(t, s.pid, "net") != nsLink(t, os.Getpid(), "net") {
		t.Errorf("the re-exec changed the network namespace")
	}
	// the user namespace, as /proc and lsns see it from outside
	uidMap := harness.Tool(t, "cat", "/proc/"+strconv.Itoa(s.pid)+"/uid_map")
	want := [][]string{{"0", strconv.Itoa(p.uid), "1"}, {"1", strconv.Itoa(rootlessSubStart), strconv.Itoa(rootlessSubCount)}}
	var got [][]string
	for _, l := range strings.Split(strings.TrimSpace(uidMap), "\n") {
		got = append(got, strings.Fields(l))
	}
	if len(got) != 2 || strings.Join(got[0], " ") != strings.Join(want[0], " ") || strings.Join(got[1], " ") != strings.Join(want[1], " ") {
		t.Errorf("uid_map:\n%s\nwant the caller as 0 and its subuid range from 1 (newuidmap)", uidMap)
	}
	gidMap := harness.Tool(t, "cat", "/proc/"+strconv.Itoa(s.pid)+"/gid_map")
	if !strings.Contains(gidMap, strconv.Itoa(rootlessSubStart)) {
		t.Errorf("gid_map without the subgid range:\n%s", gidMap)
	}
	owner := strings.TrimSpace(harness.Tool(t, "lsns", "-n", "-o", "USER", "-t", "user", "-p", strconv.Itoa(s.pid)))
	if owner != rootlessUser {
		t.Errorf("lsns says the user namespace belongs to %q, want %s", owner, rootlessUser)
	}
	capEff, err := strconv.ParseUint(s.line(t), 16, 64)
	for _, c := range []uint{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SETUID, unix.CAP_SYS_CHROOT} {
		if err != nil || capEff&(1<<c) == 0 {
			t.Errorf("CapEff inside = %x (%v): capability %d missing", capEff, err, c)
		}
	}
	io.WriteString(s.stdin, "through stdin\n")
	if l := s.line(t); l != "through stdin" {
		t.Errorf("echoed %q", l)
	}
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.stderr.String())
	}
	if s.stderr.String() != rootlessNotice {
		t.Errorf("stderr %q, want only the notice %q", s.stderr.String(), rootlessNotice)
	}
}

// Exit codes pass through the waiting parent unchanged.
func TestRootlessExitCodes(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // a substring
	}{
		{"ok", []string{"-e", "print(1)"}, 0, rootlessNotice},
		{"error", []string{"-e", `error("boom")`}, 1, "boom"},
		{"syntax", []string{"-e", "x ="}, 1, "syntax error"},
		{"os.exit", []string{"-e", "os.exit(7)"}, 7, rootlessNotice},
		{"explicit", []string{"--rootless", "-e", "os.exit(3)"}, 3, ""},
		{"both flags", []string{"--rootless", "--no-rootless", "-e", "print(1)"}, 2, "exclude each other"},
		{"stdin script", []string{"-"}, 5, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := p.run(t, "os.exit(5)\n", nil, c.args...)
			if r.Code != c.code || !strings.Contains(r.Stderr, c.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q, want it to contain %q", r.Code, c.code, r.Stderr, c.stderr)
			}
		})
	}
	// --rootless says nothing; --no-rootless runs as the user, unmapped
	r := p.run(t, "", nil, "--rootless", "-e", "print(1)")
	if r.Stderr != "" {
		t.Errorf("--rootless printed %q", r.Stderr)
	}
	r = p.run(t, "", nil, "--no-rootless", "-e", `io.write(io.open("/proc/self/uid_map"):read("*a"))`)
	if r.Code != 0 || r.Stderr != "" || strings.Fields(r.Stdout)[2] != "4294967295" {
		t.Errorf("--no-rootless: exit %d, stderr %q, uid_map %q: want the initial user namespace", r.Code, r.Stderr, r.Stdout)
	}
}

// SIGINT (Ctrl-C) and SIGTERM sent to the process the user started reach the
// script: the closers run and the exit code is 130 / 143. (The script has a
// closer, as any that made something has: nslua waits for its signal
// handlers before the first closer, docs/nslua.md.)
func TestRootlessSignals(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	for _, c := range []struct {
		sig  syscall.Signal
		code int
		msg  string
	}{{syscall.SIGINT, 130, "interrupted"}, {syscall.SIGTERM, 143, "terminated"}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			s := p.start(t, nil, "-e", `require("nslua").on_exit(function() io.stderr:write("closer ran\n") end) `+
				selfPID+"while true do end")
			if err := s.cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			if code := s.wait(); code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, s.stderr.String())
			}
			if !strings.Contains(s.stderr.String(), c.msg) || !strings.Contains(s.stderr.String(), "closer ran") {
				t.Errorf("stderr %q does not say %q after \"closer ran\"", s.stderr.String(), c.msg)
			}
			waitGone(t, s.pid)
		})
	}
}

// The re-executed nslua never outlives the process the user started.
func TestRootlessParentDeath(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	s := p.start(t, nil, "-e", selfPID+"while true do end")
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := s.wait(); code != 128+9 {
		t.Errorf("parent: exit %d, want 137", code)
	}
	waitGone(t, s.pid)
}

// waitGone polls until pid has exited, reaping it if it became our child
// (the test process is a subreaper).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		if i := bytes.LastIndexByte(data, ')'); i > 0 && len(data) > i+2 && data[i+2] == 'Z' {
			unix.Wait4(pid, &ws, 0, nil)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still runs: %s", pid, data)
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
}

// Netns pins and state live in a private tmpfs over $XDG_RUNTIME_DIR/nslua
// (or a private directory): nothing shows on the host, before or after.
func TestRootlessRuntimeDir(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	xdg := p.userDir(t)
	s := p.start(t, []string{"XDG_RUNTIME_DIR=" + xdg}, "-e", selfPID+`
		local f = assert(io.open(os.getenv("XDG_RUNTIME_DIR") .. "/nslua/netns/probe", "w"))
		f:write("x") f:close()
		print("written") io.stdout:flush()
		io.read("*l")`)
	if l := s.line(t); l != "written" {
		t.Fatalf("got %q; stderr:\n%s", l, s.stderr.String())
	}
	// inside: a tmpfs on the runtime directory, as findmnt sees it
	out := harness.Tool(t, "findmnt", "-N", strconv.Itoa(s.pid), "-n", "-o", "FSTYPE", "--target", filepath.Join(xdg, "nslua"))
	if strings.TrimSpace(out) != "tmpfs" {
		t.Errorf("runtime directory inside is on %q, want tmpfs", out)
	}
	// outside: nothing but the empty directory
	if entries, _ := os.ReadDir(filepath.Join(xdg, "nslua")); len(entries) != 0 {
		t.Errorf("the host sees %v under %s/nslua", entries, xdg)
	}
	io.WriteString(s.stdin, "\n")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.stderr.String())
	}

	// without XDG_RUNTIME_DIR: $TMPDIR/nslua-UID, empty on the host
	priv := filepath.Join(os.TempDir(), "nslua-"+strconv.Itoa(p.uid))
	t.Cleanup(func() { os.Remove(priv) })
	s = p.start(t, nil, "-e", selfPID+`io.read("*l")`)
	out = harness.Tool(t, "findmnt", "-N", strconv.Itoa(s.pid), "-n", "-o", "FSTYPE", "--target", priv)
	if strings.TrimSpace(out) != "tmpfs" {
		t.Errorf("%s inside is on %q, want tmpfs", priv, out)
	}
	io.WriteString(s.stdin, "\n")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.stderr.String())
	}
	if entries, err := os.ReadDir(priv); err != nil || len(entries) != 0 {
		t.Errorf("%s on the host: %v %v, want an empty directory", priv, entries, err)
	}
}

// rootlessRecipes must pass as the unprivileged user, each asserting its own
// outcome, and leave nothing on the host.
var rootlessRecipes = []string{"two-hosts", "ring", "container"}

func TestRootlessRecipes(t *testing.T) {
	for _, name := range rootlessRecipes {
		t.Run(name, func(t *testing.T) {
			if _, err := fs.Stat(scripts.FS, name+".lua"); err != nil {
				t.Skipf("recipe %s not in this build yet", name)
			}
			harness.NoLeaks(t)
			p := newUnpriv(t)
			// without XDG_RUNTIME_DIR, the harder case: the private tmpfs
			// goes on $TMPDIR/nslua-UID
			stray := filepath.Join(os.TempDir(), "nslua")
			_, err := os.Stat(stray)
			strayBefore := err == nil
			r := p.run(t, "", nil, append([]string{"-r", name}, recipeArgs[name]...)...)
			if r.Code != 0 {
				t.Fatalf("recipe %s as %s: exit %d\nstdout:\n%s\nstderr:\n%s", name, rootlessUser, r.Code, r.Stdout, r.Stderr)
			}
			// state files and pins were on nslua's private tmpfs: the host
			// sees only its empty mount point
			priv := filepath.Join(os.TempDir(), "nslua-"+strconv.Itoa(p.uid))
			if entries, err := os.ReadDir(priv); err != nil || len(entries) != 0 {
				t.Errorf("%s on the host: %v %v, want an empty directory", priv, entries, err)
			}
			if _, err := os.Stat(stray); err == nil && !strayBefore {
				t.Errorf("%s appeared on the host", stray)
			}
		})
	}
}

// Rootless, named netns are pinned in the private runtime directory, where
// ns.names and ns.delete find them; pins that would outlive nslua, or that
// need the host's /run, are refused with the reason. The host sees nothing.
func TestRootlessNetnsNames(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	before := harness.Tool(t, "ip", "netns", "list")
	s := p.start(t, nil, "-e", selfPID+`
		local ns, nslua = require "ns", require "nslua"
		assert(nslua.rootless == true, "nslua.rootless")
		local h = assert(ns.create("net", {name = "rl-a"}))
		assert(h.path == nslua.netns_dir .. "/rl-a", h.path)
		assert(nslua.netns_dir:sub(1, #nslua.runtime_dir) == nslua.runtime_dir)
		local names = ns.names()
		assert(#names == 1 and names[1] == "rl-a", table.concat(names, ","))
		local ok, msg, code = ns.create("net", {pin = "/run/rl-b"})
		assert(ok == nil and code == "EACCES" and msg:find("rootless mode cannot pin at /run/rl%-b"), msg)
		ok, msg, code = ns.create("net", {pin = os.getenv("HOME") .. "/k", keep = true})
		assert(ok == nil and code == "EPERM" and msg:find("rootless mode cannot keep a pin after nslua exits"), msg)
		print(h.id) io.stdout:flush()
		io.read("*l")
		assert(ns.delete("rl-a"))
		assert(#ns.names() == 0)`)
	id := s.line(t)
	if _, err := strconv.Atoi(id); err != nil {
		t.Fatalf("got %q, want the netns id; stderr:\n%s", id, s.stderr.String())
	}
	// the pin, seen from outside: a mount of that netns (findmnt shows
	// nsfs[net:[ID]]) only inside nslua's mount namespace; `ip netns` on the
	// host knows nothing of it
	out := harness.Tool(t, "nsenter", "-t", strconv.Itoa(s.pid), "-m", "findmnt", "-n", "-l", "-o", "TARGET,SOURCE")
	found := false
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && strings.HasSuffix(f[0], "/netns/rl-a") && strings.Contains(f[1], "net:["+id+"]") {
			found = true
		}
	}
	if !found {
		t.Errorf("no pin of net:[%s] at .../netns/rl-a among nslua's mounts:\n%s", id, out)
	}
	if strings.Contains(harness.Tool(t, "findmnt", "-n", "-l", "-o", "TARGET,SOURCE"), id) {
		t.Errorf("the pin of net:[%s] is visible in the host's mount namespace", id)
	}
	if after := harness.Tool(t, "ip", "netns", "list"); after != before {
		t.Errorf("ip netns list changed on the host:\n%s", after)
	}
	if _, err := os.Stat("/run/netns/rl-a"); err == nil {
		t.Error("/run/netns/rl-a exists on the host")
	}
	io.WriteString(s.stdin, "\n")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.stderr.String())
	}
}

// Root may ask for rootless mode too: the same re-exec, mapping root to 0 of
// a new user namespace, and no notice (it was asked for).
func TestRootlessAsRoot(t *testing.T) {
	harness.NoLeaks(t)
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	r := harness.Run(t, "--rootless", "-e", `print(require("nslua").rootless) io.write(io.open("/proc/self/uid_map"):read("*a"))`)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 2 || lines[0] != "true" || strings.Join(strings.Fields(lines[1]), " ") != "0 0 1" {
		t.Errorf("stdout %q, want true and the uid_map 0 0 1", r.Stdout)
	}
	r = harness.Run(t, "-e", `print(require("nslua").rootless)`)
	if r.Code != 0 || r.Stdout != "false\n" {
		t.Errorf("as root without --rootless: exit %d, stdout %q", r.Code, r.Stdout)
	}
}

// startREPLAs starts the REPL as the test user on a pty: the terminal
// belongs to the user's process and must reach the re-executed nslua as it
// is (raw mode for editing, cooked with ISIG while a chunk runs).
func startREPLAs(t *testing.T, p *unpriv) *replTerm {
	t.Helper()
	home := p.userDir(t)
	cmd := p.command(context.Background(), []string{"XDG_STATE_HOME=" + home, "TERM=xterm"})
	cmd.Env = append(cmd.Env, "HOME="+home)
	return startOnPTY(t, cmd, 200, "nslua> ")
}

// Ctrl-C on the terminal interrupts a running chunk of the rootless REPL, as
// it does as root, and the REPL goes on: the terminal signals the whole
// foreground group, and the parent's forwarded copy does no extra harm.
func TestRootlessTerminal(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	rt := startREPLAs(t, p)
	rt.send(`require("nslua").rootless` + "\r")
	rt.expect("true")
	rt.expect("nslua> ")
	rt.send("while true do end\r")
	rt.waitCooked()
	rt.send("\x03")
	rt.expect("interrupted")
	rt.expect("nslua> ")
	rt.send("40 + 2\r")
	rt.expect("42")
	rt.expect("nslua> ")
	// as a shell does for a job: the script's process has a group of its
	// own that holds the terminal's foreground; the waiting parent is in the
	// background and gets no second copy of the terminal's signals (ps's
	// PGID and TPGID, from /proc/PID/stat)
	child := childOf(t, rt.cmd.Process.Pid)
	pgrp, tpgid := statPgrp(t, child)
	ppgrp, _ := statPgrp(t, rt.cmd.Process.Pid)
	if pgrp != child || tpgid != child || ppgrp == tpgid {
		t.Errorf("script pgrp %d, terminal foreground %d, parent pgrp %d: want the script's own group in the foreground", pgrp, tpgid, ppgrp)
	}
	sigtermAtPrompt(t, rt)
}

// Job control from the user's shell: a rootless nslua stopped on a terminal
// is one job that a single fg resumes. The line editor of the REPL suspends
// itself for Ctrl-Z by signalling its parent too, as if that were the shell
// (chzyer/readline); the script below does the same, so the waiting parent
// gets a SIGTSTP of its own while its child stops.
func TestRootlessJobControl(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	script := filepath.Join(p.dir, "tstp.lua")
	if err := os.WriteFile(script, []byte(`
		local pid, ppid = io.open("/proc/self/stat"):read("*a"):match("^(%d+) %b() %a (%d+)")
		os.execute("kill -TSTP " .. ppid .. " " .. pid)
		print("resumed")`), 0o644); err != nil {
		t.Fatal(err)
	}
	rt := startShellAs(t, p)
	rt.send(p.bin + " --rootless " + script + "\r")
	rt.expect("Stopped")
	rt.expect("SH$ ")
	rt.send("fg\r")
	rt.expect("resumed")
	rt.expect("SH$ ")
	rt.send("echo rc=$?\r")
	rt.expect("rc=0")
	rt.send("exit\r")
	if code := rt.exitCode(); code != 0 {
		t.Errorf("bash: exit %d", code)
	}
}

// A stopped rootless nslua continued in the background (bg) leaves the
// terminal to the shell, as any job does.
func TestRootlessJobControlBackground(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	rt := startShellAs(t, p)
	rt.send(p.bin + ` --rootless -e 'print("run" .. "ning") io.stdout:flush() while true do end'` + "\r")
	rt.expect("running")
	rt.send("\x1a")
	rt.expect("Stopped")
	rt.expect("SH$ ")
	rt.send("bg\r")
	rt.expect("SH$ ")
	rt.send("echo still-$((40 + 2))\r")
	rt.expect("still-42")
	rt.expect("SH$ ")
	// the terminal's foreground, as ps's TPGID reads it: the shell's group
	shell, _ := statPgrp(t, rt.cmd.Process.Pid)
	if _, tpgid := statPgrp(t, rt.cmd.Process.Pid); tpgid != shell {
		t.Errorf("after bg the terminal's foreground group is %d, want the shell's %d", tpgid, shell)
	}
	rt.send("kill %1; wait %1; echo rc=$?\r")
	rt.expect("rc=143")
	rt.send("exit\r")
	if code := rt.exitCode(); code != 0 {
		t.Errorf("bash: exit %d", code)
	}
}

// startShellAs starts an interactive bash as the test user on a pty, with
// job control, and waits for its prompt "SH$ ".
func startShellAs(t *testing.T, p *unpriv) *replTerm {
	t.Helper()
	cmd := p.command(context.Background(), []string{"TERM=xterm", "PS1=SH$ "})
	cmd.Path, cmd.Args = "/bin/bash", []string{"bash", "--norc", "--noprofile", "-i"}
	return startOnPTY(t, cmd, 200, "SH$ ")
}

// The programs a rootless nslua runs on a terminal get the signal
// dispositions they get from nslua as root: none ignored that the user's
// shell did not ignore (the waiting parent ignores SIGTTOU and SIGTSTP for
// its own work, and must not hand that on across fork and exec).
func TestRootlessChildSignals(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	cmd := p.command(context.Background(), []string{"TERM=xterm"}, "-e",
		`io.write(require("proc").run{"grep", "SigIgn", "/proc/self/status"}.stdout)`)
	rt := startOnPTY(t, cmd, 200, "SigIgn:")
	if code := rt.exitCode(); code != 0 {
		t.Fatalf("exit %d; the terminal shows:\n%s", code, rt.screen())
	}
	f := strings.Fields(rt.screen()[rt.seen:])
	if len(f) == 0 {
		t.Fatalf("no SigIgn mask; the terminal shows:\n%s", rt.screen())
	}
	mask, err := strconv.ParseUint(f[0], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []unix.Signal{unix.SIGTTOU, unix.SIGTSTP, unix.SIGTTIN} {
		if mask&(1<<(sig-1)) != 0 {
			t.Errorf("the script's child ignores %s (SigIgn %s)", unix.SignalName(sig), f[0])
		}
	}
}

// childOf returns the only child of pid (the re-executed nslua).
func childOf(t *testing.T, pid int) int {
	t.Helper()
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var kids []string
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		kids = append(kids, strings.Fields(string(data))...)
	}
	if len(kids) != 1 {
		t.Fatalf("pid %d has children %v, want one", pid, kids)
	}
	c, _ := strconv.Atoi(kids[0])
	return c
}

// statPgrp reads the process group and the terminal's foreground group of
// pid from /proc/PID/stat (fields 5 and 8).
func statPgrp(t *testing.T, pid int) (pgrp, tpgid int) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	pgrp, _ = strconv.Atoi(f[2])
	tpgid, _ = strconv.Atoi(f[5])
	return pgrp, tpgid
}

// rootlessLuaFiles run as the unprivileged user through test/lua/run.lua:
// what rootless mode can do (test/rootless/), and joining user and time
// namespaces as their owner (spawn join, container exec: files TestLua also
// runs as root).
var rootlessLuaFiles = []string{"test/rootless/works_test.lua", "test/lua/spawn_join_test.lua", "test/lua/container_exec_user_test.lua"}

func TestRootlessLuaFiles(t *testing.T) {
	for _, rel := range rootlessLuaFiles {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			harness.NoLeaks(t)
			needUidmap(t)
			p := newUnpriv(t)
			for _, f := range []string{"test/lua/run.lua", "test/lua/helpers.lua", rel} {
				data, err := os.ReadFile(filepath.Join(harness.Root(), f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(p.dir, filepath.Base(f)), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := p.run(t, "", nil, "run.lua", filepath.Base(rel))
			for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
				t.Log(line)
			}
			if r.Code != 0 {
				t.Errorf("%s as %s: exit %d\n%s", rel, rootlessUser, r.Code, r.Stderr)
			}
		})
	}
}
