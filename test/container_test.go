package test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nslua/nslua/test/harness"
)

// needContainers skips when this build has no proc.spawn (the container
// module is Lua over it) or the machine has no static busybox.
func needContainers(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("no /bin/busybox (apt install busybox-static)")
	}
	if r := harness.Run(t, "-e", "assert(require('proc').spawn)"); r.Code != 0 {
		t.Skip("this build has no proc.spawn")
	}
}

// busyboxRootfs builds a busybox root file system with
// container.rootfs_from_host in a directory the test removes. Containers use
// it through an overlay, so nothing changes it (TestContainerOverlayKeepsRootfs).
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	needContainers(t)
	dir := filepath.Join(t.TempDir(), "rootfs")
	r := harness.Run(t, "-e", `require("container").rootfs_from_host(`+strconv.Quote(dir)+`)`)
	if r.Code != 0 {
		t.Fatalf("rootfs_from_host: %s", r.Stderr)
	}
	return dir
}

// inContainer runs sh -c cmd in a container made with the Lua options opts
// and returns what it printed; the script fails unless the code is 0.
func inContainer(t *testing.T, opts, cmd string) string {
	t.Helper()
	rootfs := busyboxRootfs(t)
	script := writeScript(t, "c.lua", `
local container = require "container"
local c = container.new{rootfs = arg[1], `+opts+`}
local r = c:run{"/bin/sh", "-c", arg[2]}
io.write(r.stdout, r.stderr)
os.exit(r.code)
`)
	r := harness.Run(t, script, rootfs, cmd)
	if r.Code != 0 {
		t.Fatalf("container (%s) %q: exit %d\n%s%s", opts, cmd, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// TestContainerIsolation: the host's processes, mounts and hostname are
// invisible inside; the container's hostname does not reach the host.
func TestContainerIsolation(t *testing.T) {
	harness.NoLeaks(t)
	hostName, _ := os.Hostname()
	out := inContainer(t, `hostname = "box"`, `hostname; echo PIDS $(ls /proc | grep -E '^[0-9]+$'); cat /proc/self/mountinfo`)
	lines := strings.Split(out, "\n")
	if lines[0] != "box" {
		t.Errorf("hostname inside: %q, want box", lines[0])
	}
	if h, _ := os.Hostname(); h != hostName {
		t.Errorf("the host's hostname changed to %q", h)
	}
	// the shell is pid 1 and ls a child of it: nothing else is there
	for _, l := range lines {
		if pids, ok := strings.CutPrefix(l, "PIDS "); ok {
			f := strings.Fields(pids)
			if len(f) == 0 || f[0] != "1" {
				t.Errorf("processes visible inside: %v (want the shell as 1 and its children)", f)
			}
			for _, p := range f {
				if n, _ := strconv.Atoi(p); n > 10 {
					t.Errorf("a process from outside is visible inside: %s in %v", p, f)
				}
			}
			for _, p := range f {
				if p == strconv.Itoa(os.Getpid()) && p != "1" {
					t.Errorf("the test process (pid %s) is visible inside", p)
				}
			}
		}
	}
	allowed := []string{"/", "/dev", "/proc", "/sys"}
	hostMounts := harness.Tool(t, "findmnt", "-rn", "-o", "TARGET")
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 5 || !strings.Contains(l, " - ") {
			continue
		}
		target := f[4]
		ok := false
		for _, a := range allowed {
			ok = ok || target == a || strings.HasPrefix(target, a+"/") && a != "/"
		}
		if !ok {
			t.Errorf("unexpected mount inside the container: %s", l)
		}
	}
	for _, m := range strings.Fields(hostMounts) {
		if m == "/run" || strings.HasPrefix(m, "/tmp") || strings.HasPrefix(m, "/mnt") {
			if strings.Contains(out, " "+m+" ") {
				t.Errorf("host mount %s is visible inside", m)
			}
		}
	}
}

// TestContainerOverlayKeepsRootfs: writes go to the overlay's tmpfs layer,
// never into the rootfs directory; a read-only container cannot write at all.
func TestContainerOverlayKeepsRootfs(t *testing.T) {
	harness.NoLeaks(t)
	rootfs := busyboxRootfs(t)
	out := inContainer(t, ``, `echo hi > /written && cat /written && rm /bin/ls && echo removed`)
	if out != "hi\nremoved\n" {
		t.Errorf("writable overlay: %q", out)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "written")); err == nil {
		t.Errorf("a write inside reached the rootfs directory")
	}
	if _, err := os.Lstat(filepath.Join(rootfs, "bin", "ls")); err != nil {
		t.Errorf("a removal inside reached the rootfs directory: %v", err)
	}
	out = inContainer(t, `readonly = true`, `touch /x 2>&1; touch /tmp/x 2>&1; echo done`)
	if strings.Count(out, "Read-only file system") != 2 {
		t.Errorf("read-only rootfs was writable: %q", out)
	}
}

// TestContainerMaskedPaths: runc's masked /proc paths read empty or fail,
// its read-only ones and /sys cannot be written.
func TestContainerMaskedPaths(t *testing.T) {
	harness.NoLeaks(t)
	var masked []string
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/latency_stats",
		"/proc/timer_stats", "/proc/sched_debug"} {
		if _, err := os.Stat(p); err == nil {
			masked = append(masked, p)
		}
	}
	if len(masked) == 0 {
		t.Skip("this kernel has none of the masked files")
	}
	cmd := `for f in ` + strings.Join(masked, " ") + `; do echo "$f $(cat $f 2>/dev/null | wc -c)"; done
ls /proc/acpi 2>/dev/null | wc -l
echo x > /proc/sys/kernel/hostname 2>&1
echo x > /proc/sysrq-trigger 2>&1 || true
touch /sys/x 2>&1
ls /sys/firmware | wc -l`
	// the host's /proc/keys is not empty as root
	out := inContainer(t, ``, cmd)
	for _, p := range masked {
		if !strings.Contains(out, p+" 0\n") {
			t.Errorf("%s is readable inside:\n%s", p, out)
		}
	}
	if strings.Count(out, "Read-only file system") < 2 {
		t.Errorf("/proc/sys or /sys writable inside:\n%s", out)
	}
	if !strings.HasPrefix(strings.Split(out, "\n")[len(masked)], "0") {
		t.Errorf("/proc/acpi not empty inside:\n%s", out)
	}
}

// TestContainerPrivileges: no_new_privs shows in /proc/self/status; caps
// leaves only the listed capabilities in the bounding set.
func TestContainerPrivileges(t *testing.T) {
	harness.NoLeaks(t)
	rootfs := busyboxRootfs(t)
	probe := writeScript(t, "p.lua", `
local c = require("container").new{rootfs = arg[1], caps = {"chown", "net_bind_service"}, no_new_privs = true}
local ok, err = pcall(c.run, c, {"/bin/true"})
if not ok and tostring(err):find('unknown option "caps"', 1, true) then print("UNSUPPORTED", err) end`)
	if r := harness.Run(t, probe, rootfs); strings.Contains(r.Stdout, "UNSUPPORTED") {
		t.Skip("proc.spawn has no caps/no_new_privs options yet: " + r.Stdout)
	}
	out := inContainer(t, `caps = {"chown", "net_bind_service"}, no_new_privs = true`, `grep -E '^(CapBnd|CapEff|NoNewPrivs)' /proc/self/status`)
	for _, want := range []string{"CapBnd:\t0000000000000401", "CapEff:\t0000000000000401", "NoNewPrivs:\t1"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// by default: root's whole set, as unshare(1), and privileges can grow
	out = inContainer(t, ``, `grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status`)
	host, _ := os.ReadFile("/proc/self/status")
	var hostBnd string
	for _, l := range strings.Split(string(host), "\n") {
		if strings.HasPrefix(l, "CapBnd:") {
			hostBnd = l
		}
	}
	if !strings.Contains(out, hostBnd) || !strings.Contains(out, "NoNewPrivs:\t0") {
		t.Errorf("default privileges: %q, want %q and NoNewPrivs 0", out, hostBnd)
	}
}

// TestContainerUserAuto: user = "auto" maps the container's root to an
// unprivileged range; explicit maps are used as given.
func TestContainerUserAuto(t *testing.T) {
	harness.NoLeaks(t)
	out := inContainer(t, `user = "auto"`, `id -u; cat /proc/self/uid_map`)
	f := strings.Fields(out)
	if len(f) != 4 || f[0] != "0" || f[1] != "0" || f[2] == "0" || f[3] != "65536" {
		t.Errorf("user = auto: %q, want uid 0 mapped to a non-zero range of 65536", out)
	}
	out = inContainer(t, `user = {uid_map = {{0, 300000, 1000}}, gid_map = {{0, 300000, 1000}}}`,
		`id -u; cat /proc/self/uid_map /proc/self/gid_map`)
	if f := strings.Fields(out); len(f) != 7 || f[0] != "0" || f[2] != "300000" || f[3] != "1000" || f[5] != "300000" {
		t.Errorf("explicit maps: %q", out)
	}
}

// TestContainerStartExecStop: exec joins the running container (it sees
// the init as pid 1 and the same hostname); stop ends it.
func TestContainerStartExecStop(t *testing.T) {
	harness.NoLeaks(t)
	rootfs := busyboxRootfs(t)
	script := writeScript(t, "c.lua", `
local container = require "container"
local c = container.new{rootfs = arg[1], hostname = "web"}
local p = c:start{"/bin/sleep", "1000"}
assert(c.pid == p.pid and p:running())
local r = c:exec{"/bin/sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo hi > /shared"}
io.write(r.stdout, r.stderr)
r = c:exec{"/bin/cat", "/shared"}
io.write(r.stdout)
local res = c:stop(0.2) -- sleep as pid 1 ignores SIGTERM: SIGKILL after 0.2 s
print("stopped", res.code, p:running(), c.pid)
c:remove()
print(pcall(c.run, c, {"/bin/true"}))
-- a started container the script never stops ends with the script
c = container.new{rootfs = arg[1]}
c:start{"/bin/sleep", "1000"}
`)
	r := harness.MustRun(t, script, rootfs)
	for _, want := range []string{"web\n", "/bin/sleep 1000 \n", "hi\n", "stopped\t137\tfalse\tnil\n", "the container was removed"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("missing %q in\n%s%s", want, r.Stdout, r.Stderr)
		}
	}
}

// TestContainerVolume: a host directory mounted read-write receives the
// container's writes; mounted read-only it refuses them.
func TestContainerVolume(t *testing.T) {
	harness.NoLeaks(t)
	vol := t.TempDir()
	os.WriteFile(filepath.Join(vol, "in"), []byte("from host\n"), 0o644)
	out := inContainer(t, `mounts = {{source = "`+vol+`", target = "/data"}, {source = "`+vol+`", target = "/ro", ro = true}}`,
		`cat /data/in; echo from container > /data/out; touch /ro/x 2>&1; true`)
	if !strings.Contains(out, "from host") || !strings.Contains(out, "Read-only file system") {
		t.Errorf("volume: %q", out)
	}
	if b, _ := os.ReadFile(filepath.Join(vol, "out")); string(b) != "from container\n" {
		t.Errorf("the container's write did not reach the host directory: %q", b)
	}
	if _, err := os.Stat(filepath.Join(vol, "x")); err == nil {
		t.Errorf("the read-only volume was written")
	}
	// a read-only root leaves a read-write volume writable
	out = inContainer(t, `readonly = true, mounts = {{source = "`+vol+`", target = "/data"}}`,
		`echo again > /data/again; touch /x 2>&1; true`)
	if b, _ := os.ReadFile(filepath.Join(vol, "again")); string(b) != "again\n" || !strings.Contains(out, "Read-only file system") {
		t.Errorf("readonly root with a volume: %q, volume got %q", out, b)
	}
}

// TestContainerBadInput: clear errors, and nothing left behind (NoLeaks).
func TestContainerBadInput(t *testing.T) {
	harness.NoLeaks(t)
	rootfs := busyboxRootfs(t)
	script := writeScript(t, "bad.lua", `
local container = require "container"
local function try(f, ...) local ok, err = pcall(f, ...) print("ERR", ok, err) end
try(container.new, {rootfs = "/nonexistent/rootfs"})
try(container.new, {rootfs = arg[1], mounts = {{source = "/tmp", target = "/x", sorce = 1}}})
try(container.new, {rootfs = arg[1], mounts = {{type = "tmpfs"}}})
try(container.new, {rootfs = arg[1], netwrk = "none"})
local c = container.new{rootfs = arg[1]}
try(c.run, c, {"/no/such/program"})
try(c.exec, c, {"/bin/true"})
c = container.new{rootfs = arg[1], mounts = {{source = "/nonexistent/volume", target = "/v"}}}
try(c.run, c, {"/bin/true"})
`)
	r := harness.MustRun(t, script, rootfs)
	for _, want := range []string{
		`rootfs "/nonexistent/rootfs" is not a directory`,
		`mounts[1]: unknown option "sorce"`,
		`mounts[1]: missing target`,
		`unknown option "netwrk"`,
		`bad.lua:3: container: ENOENT: exec(/no/such/program): no such file or directory`,
		`exec: the container is not running`,
		`ENOENT: stat(/nonexistent/volume)`,
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("missing %q in\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "ERR\ttrue") {
		t.Errorf("bad input accepted:\n%s", r.Stdout)
	}
}

// TestContainerRecipeInteractive: on a terminal, `nslua -r container` is a
// busybox shell in the container, with job control's terminal: it answers
// with the container's hostname and ends when the shell exits.
func TestContainerRecipeInteractive(t *testing.T) {
	harness.NoLeaks(t)
	needContainers(t)
	cmd := exec.Command(harness.Bin(), "-r", "container")
	cmd.Env = append(os.Environ(), "TERM=xterm")
	rt := startOnPTY(t, cmd, 120, "# ")
	rt.send("echo host=$(hostname) pid=$$; sleep 30 & jobs\n")
	rt.expect("host=busybox pid=1")
	rt.expect("Running")
	rt.send("kill %1\n")
	rt.send("exit 3\n")
	if code := rt.exitCode(); code != 3 {
		t.Errorf("exit code %d, want the shell's 3; terminal:\n%s", code, rt.screen())
	}
}

// TestContainerReleasesItsNetns: nothing of a finished container stays
// referenced by nslua — here, the netlink socket the loopback was brought up
// with, which would keep every container's network namespace alive until the
// script ends. The number of sockets nslua holds must not grow per container.
func TestContainerReleasesItsNetns(t *testing.T) {
	harness.NoLeaks(t)
	rootfs := busyboxRootfs(t)
	script := writeScript(t, "c.lua", `
local c = require("container").new{rootfs = arg[1]}
for round = 1, 2 do
  for _ = 1, round == 1 and 1 or 4 do assert(c:run{"/bin/true"}.code == 0) end
  print("ROUND", round)
  io.stdout:flush()
  io.read("*l")
end
`)
	cmd := exec.Command(harness.Bin(), script, rootfs)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	sockets := func() int {
		entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
		n := 0
		for _, e := range entries {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, e.Name())); err == nil && strings.HasPrefix(l, "socket:") {
				n++
			}
		}
		return n
	}
	lines := bufio.NewReader(stdout)
	var counts []int
	for round := 1; round <= 2; round++ {
		if l, err := lines.ReadString('\n'); err != nil || l != fmt.Sprintf("ROUND\t%d\n", round) {
			t.Fatalf("script: %q %v", l, err)
		}
		counts = append(counts, sockets())
		stdin.Write([]byte("\n"))
	}
	if counts[1] > counts[0] {
		t.Errorf("nslua holds %d sockets after 1 container and %d after 5: each container's netns stays alive", counts[0], counts[1])
	}
}
