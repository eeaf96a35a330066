package test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nslua/nslua/test/harness"
)

// infoScript prints proc.info(pid) for each pid argument as one JSON line.
const infoScript = `
local proc = require "proc"
local function list(t, quote)
  if t == nil then return "null" end
  local out = {}
  for i, v in ipairs(t) do out[i] = quote and string.format("%q", v) or tostring(v) end
  return "[" .. table.concat(out, ",") .. "]"
end
local function str(v) return v == nil and "null" or string.format("%q", v) end
local function num(v) return v == nil and "null" or string.format("%d", v) end
for _, a in ipairs(arg) do
  local i = assert(proc.info(tonumber(a)))
  local ns = {}
  for k, v in pairs(i.ns or {}) do ns[#ns + 1] = string.format("%q:%d", k, v) end
  print(string.format('{"pid":%d,"ppid":%d,"name":%s,"state":%s,"uid":%s,"euid":%s,"gid":%s,"egid":%s,' ..
    '"threads":%s,"exe":%s,"cwd":%s,"root":%s,"cgroup":%s,"start_time":%.2f,"cmdline":%s,"nspid":%s,"ns":{%s}}',
    i.pid, i.ppid, str(i.name), str(i.state), num(i.uid), num(i.euid), num(i.gid), num(i.egid),
    num(i.threads), str(i.exe), str(i.cwd), str(i.root), str(i.cgroup), i.start_time,
    list(i.cmdline, true), list(i.nspid), table.concat(ns, ",")))
end
`

type procInfo struct {
	PID       int               `json:"pid"`
	PPID      int               `json:"ppid"`
	Name      string            `json:"name"`
	State     string            `json:"state"`
	UID       *int              `json:"uid"`
	EUID      *int              `json:"euid"`
	GID       *int              `json:"gid"`
	EGID      *int              `json:"egid"`
	Threads   *int              `json:"threads"`
	Exe       *string           `json:"exe"`
	Cwd       *string           `json:"cwd"`
	Root      *string           `json:"root"`
	Cgroup    *string           `json:"cgroup"`
	StartTime float64           `json:"start_time"`
	Cmdline   []string          `json:"cmdline"`
	NSpid     []int             `json:"nspid"`
	NS        map[string]uint64 `json:"ns"`
}

func procInfos(t *testing.T, pids ...int) []procInfo {
	t.Helper()
	args := []string{"-"}
	for _, p := range pids {
		args = append(args, strconv.Itoa(p))
	}
	r := harness.RunWith(t, harness.RunOpts{Stdin: infoScript}, args...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	return jsonLines[procInfo](t, r.Stdout)
}

func startCmd(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// waitChild polls for the first child of pid (unshare --fork's payload).
func waitChild(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("ps", "-o", "pid=", "--ppid", strconv.Itoa(pid)).Output()
		if f := strings.Fields(string(out)); len(f) > 0 {
			c, _ := strconv.Atoi(f[0])
			// wait until it exec'd sleep
			if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c)); strings.TrimSpace(string(comm)) == "sleep" {
				return c
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no child of %d appeared", pid)
	return 0
}

// TestProcInfoAgreesWithPsAndProc: for the test process, a plain sleep, a
// sleep with another effective uid and one in a nested pid namespace,
// proc.info agrees with `ps -o pid,ppid,comm,euid` and with /proc; nspid of
// the nested one lists its pid on the host and 1 inside.
func TestProcInfoAgreesWithPsAndProc(t *testing.T) {
	harness.NoLeaks(t)
	plain := startCmd(t, "sleep", "300")
	setuid := startCmd(t, "setpriv", "--euid=65534", "--egid=65534", "--clear-groups", "sleep", "300")
	nest := startCmd(t, "unshare", "--fork", "--pid", "sleep", "300")
	inner := waitChild(t, nest.Process.Pid)
	t.Cleanup(func() { // an orphan once unshare is gone: kill it first
		if p, err := os.FindProcess(inner); err == nil {
			p.Kill()
			p.Wait()
		}
	})
	// the states compared below are stable once each sleep sleeps: just
	// after its exec it may still run (R) or page in (D)
	for _, pid := range []int{plain.Process.Pid, setuid.Process.Pid, inner} {
		waitComm(t, pid, "sleep")
		waitSleeping(t, pid)
	}
	pids := []int{os.Getpid(), plain.Process.Pid, setuid.Process.Pid, inner}
	infos := procInfos(t, pids...)

	ps := map[int][]string{}
	out := harness.Tool(t, "ps", "-o", "pid=,ppid=,comm=,euid=,ruid=,egid=,nlwp=", "-p",
		strings.Trim(strings.Join(strings.Fields(fmt.Sprint(pids)), ","), "[]"))
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		pid, _ := strconv.Atoi(f[0])
		ps[pid] = f
	}
	for _, in := range infos {
		f := ps[in.PID]
		if f == nil {
			t.Fatalf("ps does not show %d", in.PID)
		}
		got := []string{strconv.Itoa(in.PID), strconv.Itoa(in.PPID), in.Name, itoa(in.EUID), itoa(in.UID), itoa(in.EGID), itoa(in.Threads)}
		if in.PID == os.Getpid() {
			got[6], f[6] = "-", "-" // the Go test's thread count changes under us
		}
		if strings.Join(got, " ") != strings.Join(f, " ") {
			t.Errorf("pid %d: proc.info %v, ps %v", in.PID, got, f)
		}
		dir := fmt.Sprintf("/proc/%d/", in.PID)
		if exe, _ := os.Readlink(dir + "exe"); in.Exe == nil || *in.Exe != exe {
			t.Errorf("pid %d exe: %v, /proc %q", in.PID, in.Exe, exe)
		}
		if cwd, _ := os.Readlink(dir + "cwd"); in.Cwd == nil || *in.Cwd != cwd {
			t.Errorf("pid %d cwd: %v, /proc %q", in.PID, in.Cwd, cwd)
		}
		cmd, _ := os.ReadFile(dir + "cmdline")
		if want := strings.Split(strings.TrimSuffix(string(cmd), "\x00"), "\x00"); strings.Join(in.Cmdline, " ") != strings.Join(want, " ") {
			t.Errorf("pid %d cmdline %q, /proc %q", in.PID, in.Cmdline, want)
		}
		for ty, id := range in.NS {
			link, _ := os.Readlink(dir + "ns/" + ty)
			if link != fmt.Sprintf("%s:[%d]", ty, id) {
				t.Errorf("pid %d ns %s: %d, /proc %s", in.PID, ty, id, link)
			}
		}
		if len(in.NS) != 8 {
			t.Errorf("pid %d: %d namespaces, want 8", in.PID, len(in.NS))
		}
		stat, _ := os.ReadFile(dir + "stat")
		sf := strings.Fields(string(stat)[strings.LastIndex(string(stat), ")")+2:])
		ticks, _ := strconv.ParseFloat(sf[19], 64)
		stable := in.PID != os.Getpid() // the test itself runs and sleeps meanwhile
		if in.StartTime != ticks/100 || (stable && in.State != sf[0]) {
			t.Errorf("pid %d start_time %v state %s, stat %v %s", in.PID, in.StartTime, in.State, ticks/100, sf[0])
		}
	}
	nested := infos[3]
	if len(nested.NSpid) != 2 || nested.NSpid[0] != inner || nested.NSpid[1] != 1 {
		t.Errorf("nspid of the nested sleep: %v, want [%d 1]", nested.NSpid, inner)
	}
	if len(infos[0].NSpid) != 1 || infos[0].NSpid[0] != os.Getpid() {
		t.Errorf("nspid of the test: %v", infos[0].NSpid)
	}
}

// waitSleeping polls until pid waits in nanosleep (sleep(1) has started
// and sleeps), for up to 20 s.
func waitSleeping(t *testing.T, pid int) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) { // polling interval
		if w, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid)); strings.Contains(string(w), "nanosleep") {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("pid %d does not sleep", pid)
		}
	}
}

func itoa(p *int) string {
	if p == nil {
		return "nil"
	}
	return strconv.Itoa(*p)
}

// TestProcTreeChildrenFindKill: children and tree agree with ps --ppid,
// find with pgrep -x, and kill ends a process with the signal asked for.
func TestProcTreeChildrenFindKill(t *testing.T) {
	harness.NoLeaks(t)
	a := startCmd(t, "sleep", "301")
	b := startCmd(t, "sleep", "302")
	waitComm(t, a.Process.Pid, "sleep") // named sleep only once exec'd
	waitComm(t, b.Process.Pid, "sleep")
	before, _ := exec.Command("ps", "-o", "pid=", "--ppid", strconv.Itoa(os.Getpid())).Output()
	r := harness.MustRun(t, "-e", fmt.Sprintf(`
local proc = require "proc"
local kids = proc.children(%d)
local tree = proc.tree(%d)
local names = {}
for _, c in ipairs(tree.children) do names[#names + 1] = c.pid .. "=" .. c.name end
print(table.concat(kids, ","))
print(table.concat(names, ","))
print(table.concat(proc.find("sleep"), ","))
assert(proc.kill(%d, "KILL"))
assert(proc.kill(%d, 15))`, os.Getpid(), os.Getpid(), a.Process.Pid, b.Process.Pid))
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	// ps ran before nslua started: each child it saw is still there (and
	// nslua itself is one more)
	var want []string
	for _, f := range strings.Fields(string(before)) {
		if _, err := os.Stat("/proc/" + f); err == nil { // not ps itself
			want = append(want, f)
		}
	}
	got := strings.Split(lines[0], ",")
	if !contains(got, strconv.Itoa(a.Process.Pid)) || !contains(got, strconv.Itoa(b.Process.Pid)) {
		t.Errorf("children %v lack the sleeps", got)
	}
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("ps --ppid shows %s, proc.children %v does not", w, got)
		}
	}
	if !strings.Contains(lines[1], fmt.Sprintf("%d=sleep", a.Process.Pid)) {
		t.Errorf("tree: %s", lines[1])
	}
	pgrep := strings.Fields(harness.Tool(t, "pgrep", "-x", "sleep"))
	found := strings.Split(lines[2], ",")
	for _, p := range []string{strconv.Itoa(a.Process.Pid), strconv.Itoa(b.Process.Pid)} {
		if !contains(found, p) || !contains(pgrep, p) {
			t.Errorf("find %v / pgrep %v lack %s", found, pgrep, p)
		}
	}
	for cmd, sig := range map[*exec.Cmd]string{a: "killed", b: "terminated"} {
		err := cmd.Wait()
		if err == nil || !strings.Contains(err.Error(), sig) {
			t.Errorf("pid %d: %v, want %s", cmd.Process.Pid, err, sig)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestProcInfoUnreadableFieldsAreNil: run as an unprivileged user, proc.info
// of root's process returns what /proc shows everyone (pid, name, uid) and
// nil for what it refuses (exe, cwd, root, namespaces), as ps does.
func TestProcInfoUnreadableFieldsAreNil(t *testing.T) {
	harness.NoLeaks(t)
	sleep := startCmd(t, "sleep", "303")
	waitComm(t, sleep.Process.Pid, "sleep")
	dir, err := os.MkdirTemp("", "nslua-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := dir + "/nslua"
	data, err := os.ReadFile(harness.Bin())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", bin, "-e", fmt.Sprintf(`
local i = assert(require("proc").info(%d))
print(i.name, i.uid, tostring(i.exe), tostring(i.cwd), tostring(i.root), tostring(i.ns))`, sleep.Process.Pid)).Output() // stderr: the rootless notice
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// uid 0 reads as 65534 (overflowuid) if nslua runs itself rootless
	got := strings.Fields(string(out))
	if len(got) != 6 || got[0] != "sleep" || (got[1] != "0" && got[1] != "65534") ||
		strings.Join(got[2:], " ") != "nil nil nil nil" {
		t.Errorf("as nobody: %q", out)
	}
}
