package test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/test/harness"
)

// liveNslua is an nslua process running a script that reports on stdout and
// waits for a line on stdin before it ends.
type liveNslua struct {
	cmd   *exec.Cmd
	out   *bufio.Reader
	stdin io.WriteCloser
}

func startNslua(t *testing.T, script string, extra ...*os.File) *liveNslua {
	t.Helper()
	cmd := exec.Command(harness.Bin(), "-e", script)
	cmd.Dir = harness.Root()
	cmd.Stderr = os.Stderr
	cmd.ExtraFiles = extra
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &liveNslua{cmd: cmd, out: bufio.NewReader(stdout), stdin: stdin}
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	})
	return n
}

// line reads one line the script printed, failing the test after 20 s.
func (n *liveNslua) line(t *testing.T) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		l, _ := n.out.ReadString('\n')
		ch <- strings.TrimSuffix(l, "\n")
	}()
	select {
	case l := <-ch:
		if l == "" {
			t.Fatal("nslua printed nothing (ended?)")
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("nslua printed nothing within 20 s")
	}
	return ""
}

// finish lets the script end and checks that it exits 0.
func (n *liveNslua) finish(t *testing.T) {
	t.Helper()
	n.stdin.Write([]byte("\n"))
	n.stdin.Close()
	if err := n.cmd.Wait(); err != nil {
		t.Fatalf("nslua: %v", err)
	}
}

// gone reports whether pid has exited: no /proc entry, or a zombie waiting
// for the leak checker's reaper (the test process is a child subreaper).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

// spawnConfigs are the ways a child can be started that the guarantees must
// hold for: each starts from a different code path on the spawner.
var spawnConfigs = []struct{ name, pre, opts string }{
	{"plain", "", `{}`},
	{"new namespaces", "", `{ns = "net,uts,ipc,mnt,pid,cgroup", mounts = {{type = "proc", target = "/proc"}}}`},
	{"user namespace", "", `{ns = "user,pid,mnt", mounts = {{type = "proc", target = "/proc"}}}`},
	{"time offsets", "", `{ns = "time,pid", time_offsets = {boottime = 5}}`},
	{"tty", "", `{tty = true}`},
	{"after ns.unshare pid", `assert(require("ns").unshare("pid")); proc.spawn{"true"}:wait()`, `{}`},
}

// TestSpawnChildDiesWithNsluaKilled: a child must not outlive nslua, also
// when nslua is killed with SIGKILL and runs no cleanup at all.
func TestSpawnChildDiesWithNsluaKilled(t *testing.T) {
	for _, c := range spawnConfigs {
		t.Run(c.name, func(t *testing.T) {
			harness.NoLeaks(t)
			n := startNslua(t, `local proc = require "proc"
				`+c.pre+`
				local o = `+c.opts+`
				o[1], o[2] = "sleep", "1000"
				local p = assert(proc.spawn(o))
				print(p.pid)
				io.read()`)
			pid, err := strconv.Atoi(n.line(t))
			if err != nil {
				t.Fatal(err)
			}
			if gone(pid) {
				t.Fatalf("child %d is not running", pid)
			}
			n.cmd.Process.Signal(unix.SIGKILL)
			n.cmd.Wait()
			deadline := time.Now().Add(20 * time.Second)
			for !gone(pid) {
				if time.Now().After(deadline) {
					exec.Command("kill", "-9", strconv.Itoa(pid)).Run()
					t.Fatalf("child %d still alive 20 s after nslua was killed", pid)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// TestSpawnNoDescriptorReachesChild: the child's fds are exactly its stdio,
// though nslua inherited an extra fd and holds namespace handles, files and
// pipes of its own.
func TestSpawnNoDescriptorReachesChild(t *testing.T) {
	for _, c := range spawnConfigs {
		t.Run(c.name, func(t *testing.T) {
			harness.NoLeaks(t)
			inherited, err := os.Open("/proc/self/status") // not close-on-exec in nslua
			if err != nil {
				t.Fatal(err)
			}
			defer inherited.Close()
			n := startNslua(t, `local proc = require "proc"
				local f = assert(io.open("/proc/self/stat"))
				`+c.pre+`
				local other = assert(proc.spawn{"sleep", "1000", stdin = "pipe", stdout = "pipe"})
				local o = `+c.opts+`
				o[1], o[2] = "sleep", "1000"
				local p = assert(proc.spawn(o))
				local h = p:ns("net")
				print(p.pid)
				io.read()
				other:kill()`, inherited)
			pid := n.line(t)
			// judge the payload once it sleeps: the time helper runs first
			// and the dynamic loader holds libraries open while it starts
			deadline := time.Now().Add(20 * time.Second)
			for {
				wchan, _ := os.ReadFile("/proc/" + pid + "/wchan")
				if strings.Contains(string(wchan), "nanosleep") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("child %s is not sleeping (wchan %q)", pid, wchan)
				}
				time.Sleep(time.Millisecond)
			}
			ents, err := os.ReadDir("/proc/" + pid + "/fd")
			if err != nil {
				t.Fatal(err)
			}
			var fds []string
			for _, e := range ents {
				target, _ := os.Readlink("/proc/" + pid + "/fd/" + e.Name())
				fds = append(fds, e.Name()+" -> "+target)
			}
			sort.Strings(fds)
			if len(fds) != 3 || !strings.HasPrefix(fds[0], "0 ") || !strings.HasPrefix(fds[2], "2 ") {
				t.Errorf("child %s has fds %q, want only 0, 1, 2", pid, fds)
			}
			n.finish(t)
		})
	}
}

// TestSpawnMountStaysInside: mounts made for a child, and by the child,
// in a new mount namespace never appear on the host, even below a shared
// mount point (the case Cloneflags alone gets wrong, DESIGN.md §2).
func TestSpawnMountStaysInside(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	harness.Tool(t, "mount", "-t", "tmpfs", "spawn-shared", dir)
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	harness.Tool(t, "mount", "--make-shared", dir)
	os.Mkdir(filepath.Join(dir, "a"), 0o755)
	os.Mkdir(filepath.Join(dir, "b"), 0o755)
	n := startNslua(t, fmt.Sprintf(`local proc = require "proc"
		local p = assert(proc.spawn{"sh", "-c", "mount -t tmpfs by-child %[1]s/b && echo ready && exec sleep 1000",
			mounts = {{type = "tmpfs", target = %[1]q .. "/a", source = "by-spawn"}}, stdout = "pipe"})
		print(p.pid)
		print(p:lines()())
		io.read()
		p:kill()`, dir))
	pid := n.line(t)
	if l := n.line(t); l != "ready" {
		t.Fatalf("child said %q", l)
	}
	inside := harness.Tool(t, "findmnt", "-J", "-N", pid, "-o", "TARGET,SOURCE")
	for _, want := range []string{"by-spawn", "by-child"} {
		if !strings.Contains(inside, want) {
			t.Errorf("findmnt -N %s does not show %s:\n%s", pid, want, inside)
		}
	}
	host := harness.Tool(t, "findmnt", "-J", "-o", "TARGET,SOURCE")
	for _, bad := range []string{"by-spawn", "by-child"} {
		if strings.Contains(host, bad) {
			t.Errorf("mount %s of the child's namespace appeared on the host:\n%s", bad, host)
		}
	}
	n.finish(t)
}

// TestSpawnPidNamespaceView: a child in a new pid namespace is pid 1 there
// and sees no host process; the host sees it under its own pid (NSpid).
func TestSpawnPidNamespaceView(t *testing.T) {
	harness.NoLeaks(t)
	n := startNslua(t, `local proc = require "proc"
		local p = assert(proc.spawn{"sh", "-c", "echo /proc/[0-9]*; exec sleep 1000", ns = "pid,mnt",
			mounts = {{type = "proc", target = "/proc"}}, stdout = "pipe"})
		print(p.pid)
		print(p:lines()())
		io.read()
		p:kill()`)
	pid := n.line(t)
	if seen := n.line(t); seen != "/proc/1" {
		t.Errorf("child in a new pid namespace sees %q, want only /proc/1", seen)
	}
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if want := "NSpid:\t" + pid + "\t1\n"; !strings.Contains(string(status), want) {
		t.Errorf("/proc/%s/status lacks %q:\n%s", pid, want, status)
	}
	// nsenter into its pid namespace, from outside: ps there shows only the child
	out := harness.Tool(t, "nsenter", "-t", pid, "-p", "-m", "ps", "-e", "-o", "pid=")
	if strings.Fields(out)[0] != "1" || strings.Contains(out, strconv.Itoa(os.Getpid())) {
		t.Errorf("ps inside the pid namespace: %q", out)
	}
	n.finish(t)
}

// TestSpawnRefusedMapEPERM: a uid_map the kernel refuses fails with EPERM
// and names the map. nslua runs in a user namespace that maps only root, so
// outside id 1000 is unmapped there.
func TestSpawnRefusedMapEPERM(t *testing.T) {
	harness.NoLeaks(t)
	out, err := exec.Command("unshare", "--user", "--map-root-user", harness.Bin(), "-e",
		`local proc = require "proc"
		print(proc.run{"true", ns = "user", uid_map = {{0, 1000, 1}}})`).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.HasPrefix(string(out), "nil\tEPERM: ") || !strings.Contains(string(out), "{0 1000 1}") ||
		!strings.HasSuffix(string(out), "\tEPERM\n") {
		t.Errorf("got %q", out)
	}
}

// TestSpawnTTYOnTerminal: with tty = true on a real terminal the child gets
// its own pty with nslua's window size, size changes are forwarded, nslua's
// terminal is raw while the child runs (Ctrl-C reaches the child, not
// nslua) and restored afterwards.
func TestSpawnTTYOnTerminal(t *testing.T) {
	harness.NoLeaks(t)
	cmd := exec.Command(harness.Bin(), "-e", `local r = require("proc").run{"sh", "-c",
		"stty size; while read x; do stty size; done", tty = true}
		print("child ended", r.code)`)
	cmd.Dir = harness.Root()
	rt := startOnPTY(t, cmd, 100, "40 100")
	f := rt.pty
	if err := pty.Setsize(f, &pty.Winsize{Rows: 50, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	// the resize reaches the child asynchronously: ask until it tells
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(rt.screen(), "50 120") {
		if time.Now().After(deadline) {
			t.Fatalf("window size not forwarded:\n%s", rt.screen())
		}
		f.Write([]byte("again\n"))
		time.Sleep(20 * time.Millisecond)
	}
	f.Write([]byte{3}) // Ctrl-C: raw outside, so it is the child's SIGINT
	rt.expect("child ended\t130")
	<-rt.done
	if cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("nslua exit %d, want 0 (the Ctrl-C was the child's)", cmd.ProcessState.ExitCode())
	}
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("nslua left its terminal in raw mode (lflag %#x)", tio.Lflag)
	}
}

// TestSpawnInterruptedWait: SIGINT ends a wait that would block for long;
// nslua exits 130 and its cleanup kills the child.
func TestSpawnInterruptedWait(t *testing.T) {
	harness.NoLeaks(t)
	n := startNslua(t, `local proc = require "proc"
		local p = assert(proc.spawn{"sleep", "1000", ns = "net"})
		print(p.pid)
		p:wait()
		print("not reached")`)
	pid, err := strconv.Atoi(n.line(t))
	if err != nil {
		t.Fatal(err)
	}
	n.cmd.Process.Signal(unix.SIGINT)
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
			t.Errorf("nslua after SIGINT: %v, want exit 130", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("nslua still waiting 20 s after SIGINT")
	}
	if !gone(pid) {
		t.Errorf("child %d outlived nslua's cleanup", pid)
	}
}

// TestSpawnTTYStdinEOF: with tty = true and nslua's stdin at end of input (a
// pipe that closed, /dev/null), the end reaches the child as a terminal
// delivers it, so a program that reads to the end (cat, sh) ends instead of
// waiting forever; a last line without its newline still arrives first.
func TestSpawnTTYStdinEOF(t *testing.T) {
	script := `local r = require("proc").run{"cat", tty = true}
		print("") print("cat ended", r.code, r.stdout)`
	for _, tt := range []struct{ name, stdin, want string }{
		{"empty", "", ""},
		{"whole lines", "one\ntwo\n", "one\r\ntwo\r\n"},
		{"partial last line", "one\npart", "one\r\npart"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			harness.NoLeaks(t)
			r := harness.RunWith(t, harness.RunOpts{Stdin: tt.stdin, Timeout: 20 * time.Second}, "-e", script)
			if r.Code != 0 || !strings.HasSuffix(r.Stdout, "cat ended\t0\tnil\n") {
				t.Fatalf("exit %d\nstdout:\n%q\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
			}
			// the pty echoes the input, then cat writes it back: both copies
			if tt.want != "" && strings.Count(r.Stdout, tt.want) < 2 {
				t.Errorf("cat did not get all its input: stdout %q", r.Stdout)
			}
		})
	}
	t.Run("dev null", func(t *testing.T) {
		harness.NoLeaks(t)
		cmd := exec.Command(harness.Bin(), "-e", script) // Stdin nil: /dev/null
		cmd.Dir = harness.Root()
		done := make(chan []byte, 1)
		go func() { out, _ := cmd.Output(); done <- out }()
		select {
		case out := <-done:
			if !strings.HasSuffix(string(out), "cat ended\t0\tnil\n") {
				t.Errorf("stdout %q", out)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatal("cat on a tty never saw the end of /dev/null")
		}
	})
}

// grandchildren is a script that starts a child that leaves two children of
// its own (sh's background jobs, in its process group); it prints the
// child's pid, and the child writes the grandchildren's to the file %[1]s.
// %[2]s are more proc.spawn options.
const grandchildren = `local proc = require "proc"
	local p = assert(proc.spawn{"sh", "-c", "sleep 321 & echo $! > %[1]s.new; sleep 322 & echo $! >> %[1]s.new; mv %[1]s.new %[1]s; wait"%[2]s})
	print(p.pid)
`

// pidFile is a path in a fresh directory any user may write to: the child
// may be root of a user namespace that does not map the test's root.
func pidFile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nslua-pids")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "pids")
}

// readPids reads the child's pid the script printed and the grandchildren's
// from pidfile, and kills those still alive when the test ends (a failed
// test must leave nothing behind).
func readPids(t *testing.T, n *liveNslua, pidfile string) []int {
	t.Helper()
	var pids []int
	t.Cleanup(func() {
		for _, pid := range pids {
			if !gone(pid) {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	})
	pid, err := strconv.Atoi(n.line(t))
	if err != nil {
		t.Fatal(err)
	}
	pids = append(pids, pid)
	var b []byte
	waitFor(t, 20*time.Second, "the grandchildren's pids", func() bool {
		b, err = os.ReadFile(pidfile)
		return err == nil
	})
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("%s: %q", pidfile, b)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 3 {
		t.Fatalf("%s: %q", pidfile, b)
	}
	return pids
}

// allGone fails unless every pid has exited within 20 s.
func allGone(t *testing.T, pids []int, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, pid := range pids {
		for !gone(pid) {
			if time.Now().After(deadline) {
				comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
				t.Fatalf("%s: pid %d (%q) still runs", what, pid, comm)
			}
			time.Sleep(5 * time.Millisecond) // polling interval
		}
	}
}

// TestSpawnGrandchildrenEndWithTheScript: however the script ends, a child
// still running is killed with its process group, so what it started goes
// too — not reparented to pid 1 and left running.
func TestSpawnGrandchildrenEndWithTheScript(t *testing.T) {
	for _, tc := range []struct {
		name, tail string
		sig        unix.Signal
		code       int
	}{
		{"normal end", `io.read()`, 0, 0},
		{"error", `io.read() error("boom")`, 0, 1},
		{"os.exit", `io.read() os.exit(3)`, 0, 3},
		{"SIGTERM", `p:wait()`, unix.SIGTERM, 143},
		{"SIGINT", `p:wait()`, unix.SIGINT, 130},
	} {
		t.Run(tc.name, func(t *testing.T) {
			harness.NoLeaks(t)
			pidfile := pidFile(t)
			n := startNslua(t, fmt.Sprintf(grandchildren, pidfile, "")+tc.tail)
			pids := readPids(t, n, pidfile)
			for _, pid := range pids {
				if gone(pid) {
					t.Fatalf("pid %d is not running", pid)
				}
			}
			if tc.sig != 0 {
				n.cmd.Process.Signal(tc.sig)
			} else {
				n.stdin.Write([]byte("\n"))
			}
			n.cmd.Wait()
			if got := n.cmd.ProcessState.ExitCode(); got != tc.code {
				t.Errorf("nslua exit %d, want %d", got, tc.code)
			}
			allGone(t, pids, "after the script ended")
		})
	}
	// the helper's paths: time offsets, and joining a user namespace
	for name, opts := range map[string]string{
		"time offsets":    `, ns = "time", time_offsets = {boottime = 5}`,
		"join user":       `, join = assert(proc.spawn{"sleep", "1000", ns = "user"})`,
		"tty (a session)": `, tty = true`,
		"new net and mnt": `, ns = "net,mnt"`,
	} {
		t.Run(name, func(t *testing.T) {
			harness.NoLeaks(t)
			pidfile := pidFile(t)
			n := startNslua(t, fmt.Sprintf(grandchildren, pidfile, opts)+`io.read()`)
			pids := readPids(t, n, pidfile)
			n.finish(t)
			allGone(t, pids, "after the script ended")
		})
	}
	// a child that ended by itself, never waited for: its background job is
	// still in its group, and goes at script end
	t.Run("child ended before", func(t *testing.T) {
		harness.NoLeaks(t)
		n := startNslua(t, `local proc = require "proc"
			local p = assert(proc.spawn{"sh", "-c", "sleep 323 & echo $!", stdout = "pipe"})
			print(p:lines()())
			while p:running() do end
			print("ended")
			io.read()`)
		pid, err := strconv.Atoi(n.line(t))
		if err != nil {
			t.Fatal(err)
		}
		pids := []int{pid}
		t.Cleanup(func() { unix.Kill(pid, unix.SIGKILL) })
		if l := n.line(t); l != "ended" || gone(pids[0]) {
			t.Fatalf("got %q; the background job runs: %v", l, !gone(pids[0]))
		}
		n.finish(t)
		allGone(t, pids, "after the script ended")
	})
}

// TestSpawnKillSignalsTheChildOnly: p:kill signals the child alone, as
// kill(1) does; its own children stay until the script ends.
func TestSpawnKillSignalsTheChildOnly(t *testing.T) {
	harness.NoLeaks(t)
	pidfile := pidFile(t)
	n := startNslua(t, fmt.Sprintf(grandchildren, pidfile, "")+`
		io.read()
		p:kill("KILL")
		while p:running() do end
		print("killed")
		io.read()`)
	pids := readPids(t, n, pidfile)
	n.stdin.Write([]byte("\n"))
	if l := n.line(t); l != "killed" {
		t.Fatalf("got %q", l)
	}
	allGone(t, pids[:1], "the child after p:kill")
	for _, pid := range pids[1:] {
		if gone(pid) {
			t.Errorf("grandchild %d ended with p:kill, which must reach the child alone", pid)
		}
	}
	n.finish(t)
	allGone(t, pids[1:], "after the script ended")
}

// TestSpawnTimeoutEndsTheProcessGroup: timeout signals the child's process
// group, as timeout -k does: SIGTERM, then SIGKILL kill_grace later to what
// ignored it — so proc.run, which reads the output pipes to their end, does
// not wait for grandchildren that still hold them.
func TestSpawnTimeoutEndsTheProcessGroup(t *testing.T) {
	harness.NoLeaks(t)
	// The timeout runs from the spawn. A run where it struck before the
	// shell had both jobs running, the second one ignoring SIGTERM, proves
	// nothing (a busy machine): it is run again with a longer timeout.
	for _, timeout := range []string{"0.5", "2", "8"} {
		if timeoutEndsTheGroup(t, timeout) {
			return
		}
		t.Logf("timeout = %s struck before the shell's jobs ran: again with a longer one", timeout)
	}
	t.Fatal("the shell never had its jobs running before the timeout, even with 8 s")
}

// timeoutEndsTheGroup runs one proc.run with timeout and reports whether
// the run was a test: the shell wrote both jobs' pids and the second one
// ignored SIGTERM before the timeout.
func timeoutEndsTheGroup(t *testing.T, timeout string) bool {
	t.Helper()
	dir := t.TempDir()
	pidfile, trapped := filepath.Join(dir, "pids"), filepath.Join(dir, "trapped")
	n := startNslua(t, fmt.Sprintf(`local proc = require "proc"
		local r = assert(proc.run{"sh", "-c",
			"sleep 324 & echo $! > %[1]s.new; (trap '' TERM; : > %[2]s; exec sleep 325) & echo $! >> %[1]s.new; mv %[1]s.new %[1]s; wait",
			timeout = %[3]s, kill_grace = 0.2})
		print(r.timed_out, r.code)
		io.read()`, pidfile, trapped, timeout))
	l := n.line(t)
	b, err := os.ReadFile(pidfile)
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			if pid > 0 && !gone(pid) {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	})
	if _, terr := os.Stat(trapped); err != nil || terr != nil {
		// struck early: what the shell started goes with its group all the same
		allGone(t, pids, "after an early timeout")
		n.finish(t)
		return false
	}
	if l != "true\t143" {
		t.Errorf("result %q, want timed_out true, code 143", l)
	}
	if len(pids) != 2 {
		t.Fatalf("pids %q", b)
	}
	allGone(t, pids, "after the timeout, while the script runs")
	n.finish(t)
	return true
}

// TestSpawnOnTerminalKeepsForegroundGroup: a child whose stdin is the
// terminal nslua runs in the foreground of stays in nslua's process group,
// so it may read the terminal and change its modes (in a group of its own
// it would be stopped by SIGTTIN/SIGTTOU); with another stdin on the same
// terminal, the child leads a group of its own.
func TestSpawnOnTerminalKeepsForegroundGroup(t *testing.T) {
	harness.NoLeaks(t)
	// pgrp is field 5 of /proc/PID/stat (comm "sh" has no blank)
	const pgrp = "read pid comm state ppid pgrp rest < /proc/$$/stat; "
	cmd := exec.Command(harness.Bin(), "-e", `local proc = require "proc"
		local r = proc.run{"sh", "-c", "`+pgrp+`stty -echo; read x; stty echo; echo got $x $(( pgrp == $PPID ))",
			stdout = "pipe"}
		print("terminal", r.code, r.stdout)
		r = proc.run{"sh", "-c", "`+pgrp+`echo $(( pgrp == $$ ))", stdin = "null", stdout = "pipe"}
		print("null", r.code, r.stdout)`)
	cmd.Dir = harness.Root()
	rt := startOnPTY(t, cmd, 100, "")
	rt.pty.Write([]byte("hello\n"))
	rt.expect("terminal\t0\tgot hello 1") // in nslua's group: pgrp is nslua's pid
	rt.expect("null\t0\t1")               // a group of its own
	<-rt.done
}
