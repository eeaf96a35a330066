package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nslua/nslua/test/harness"
)

// lsnsRow is one namespace of `lsns -J -o NS,TYPE,NPROCS,PID`.
type lsnsRow struct {
	NS     uint64 `json:"ns"`
	Type   string `json:"type"`
	NProcs int    `json:"nprocs"`
	PID    int    `json:"pid"`
}

// nsEntry is one ns.list() entry as the test script prints it.
type nsEntry struct {
	ID     uint64   `json:"id"`
	Type   string   `json:"type"`
	NProcs int      `json:"nprocs"`
	PID    int      `json:"pid"`
	Pids   []int    `json:"pids"`
	Names  []string `json:"names"`
	Path   string   `json:"path"`
}

// listScript prints ns.list() as JSON lines without the json module.
const listScript = `
local ns = require "ns"
for _, e in ipairs(ns.list()) do
  local pids = {}
  for _, p in ipairs(e.pids) do pids[#pids + 1] = tostring(p) end
  local names = {}
  for _, n in ipairs(e.names) do names[#names + 1] = string.format("%q", n) end
  print(string.format('{"id":%d,"type":%q,"nprocs":%d,"pid":%d,"pids":[%s],"names":[%s],"path":%q}',
    e.id, e.type, e.nprocs, e.pid or 0, table.concat(pids, ","), table.concat(names, ","), e.path))
end
`

func nsList(t *testing.T) []nsEntry {
	t.Helper()
	return jsonLines[nsEntry](t, harness.MustRun(t, "-e", listScript).Stdout)
}

// jsonLines decodes one JSON value per line.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var vs []T
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func lsns(t *testing.T) []lsnsRow {
	t.Helper()
	var doc struct {
		Namespaces []lsnsRow `json:"namespaces"`
	}
	if err := json.Unmarshal([]byte(harness.Tool(t, "lsns", "-J", "-o", "NS,TYPE,NPROCS,PID")), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Namespaces
}

// startHolder starts `unshare ARGS sleep` as a long-lived process in new
// namespaces and returns its pid (the sleep's) once unshare has made them
// and exec'd sleep.
func startHolder(t *testing.T, args ...string) int {
	t.Helper()
	cmd := exec.Command("unshare", append(args, "sleep", "300")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitComm(t, cmd.Process.Pid, "sleep")
	return cmd.Process.Pid
}

// waitComm polls until pid runs comm (it has exec'd it), for up to 20 s.
func waitComm(t *testing.T, pid int, comm string) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(2 * time.Millisecond) { // polling interval
		if c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(c)) == comm {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("pid %d never exec'd %s", pid, comm)
		}
	}
}

// TestNSListAgreesWithLsns: every namespace lsns reports is in ns.list()
// with its type; for namespaces only long-lived processes are in (not lsns,
// not nslua, nothing that exits meanwhile), nprocs and the lowest pid agree
// too. A netns only a bind mount holds is listed, with its name.
func TestNSListAgreesWithLsns(t *testing.T) {
	harness.NoLeaks(t)
	holders := []int{startHolder(t, "--net", "--uts"), startHolder(t, "--ipc", "--mount"), startHolder(t, "--cgroup")}
	name := fmt.Sprintf("nsl-list-%d", os.Getpid())
	harness.Tool(t, "ip", "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	pinned := harness.Tool(t, "ip", "netns", "exec", name, "readlink", "/proc/self/ns/net")

	before := lsns(t)
	ours := nsList(t)
	after := lsns(t)

	byKey := map[string]nsEntry{}
	for _, e := range ours {
		byKey[e.Type+strconv.FormatUint(e.ID, 10)] = e
	}
	stable := map[string]lsnsRow{}
	for _, r := range after {
		stable[r.Type+strconv.FormatUint(r.NS, 10)] = r
	}
	compared := 0
	for _, r := range before {
		key := r.Type + strconv.FormatUint(r.NS, 10)
		e, ok := byKey[key]
		if _, still := stable[key]; !ok && still { // not one that came and went meanwhile
			t.Errorf("lsns shows %s:[%d] (pid %d); ns.list does not", r.Type, r.NS, r.PID)
			continue
		}
		if !ok {
			continue
		}
		// a namespace whose processes are long-lived: the same in both lsns
		// runs, and neither lsns nor nslua inside (their pids are above the
		// holders' and they would count)
		if a, ok := stable[key]; !ok || a != r || r.NProcs != len(e.Pids) {
			continue
		}
		if e.NProcs != r.NProcs || e.PID != r.PID {
			t.Errorf("%s:[%d]: ns.list nprocs %d pid %d, lsns %d %d", r.Type, r.NS, e.NProcs, e.PID, r.NProcs, r.PID)
		}
		compared++
	}
	for _, pid := range holders {
		for _, ty := range []string{"net", "uts", "ipc", "mnt", "cgroup"} {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ty))
			if err != nil {
				t.Fatal(err)
			}
			var id uint64
			fmt.Sscanf(link[strings.Index(link, "[")+1:], "%d", &id)
			e, ok := byKey[ty+strconv.FormatUint(id, 10)]
			if !ok {
				t.Errorf("holder %d's %s missing", pid, link)
				continue
			}
			if e.NProcs == 1 && e.PID != pid {
				t.Errorf("%s: lowest pid %d, want %d", link, e.PID, pid)
			}
		}
	}
	if compared < 5 {
		t.Errorf("only %d namespaces had stable counts to compare", compared)
	}
	var id uint64
	fmt.Sscanf(pinned[strings.Index(pinned, "[")+1:], "%d", &id)
	e, ok := byKey["net"+strconv.FormatUint(id, 10)]
	switch {
	case !ok:
		t.Errorf("netns %s held only by its bind mount is missing", pinned)
	case e.NProcs != 0 || e.PID != 0 || len(e.Names) != 1 || e.Names[0] != name || e.Path != "/run/netns/"+name:
		t.Errorf("pinned netns entry: %+v", e)
	}
	for _, r := range before {
		if r.Type == "net" && r.NS == id {
			t.Errorf("lsns 2.38 was expected not to see a netns held only by a pin")
		}
	}
}

// TestNSCreateNameMatchesIPNetnsAdd compares what ns.create{name=} leaves
// on the system with what `ip netns add` leaves: the pin's mountinfo line
// (fstype, propagation) and /run/netns as a shared mount point.
func TestNSCreateNameMatchesIPNetnsAdd(t *testing.T) {
	harness.NoLeaks(t)
	a, b := fmt.Sprintf("nsl-ours-%d", os.Getpid()), fmt.Sprintf("nsl-theirs-%d", os.Getpid())
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", a).Run()
		exec.Command("ip", "netns", "del", b).Run()
	})
	harness.MustRun(t, "-e", `assert(require("ns").create("net", {name = "`+a+`"}))`)
	harness.Tool(t, "ip", "netns", "add", b)
	type fm struct {
		Filesystems []struct {
			Target      string `json:"target"`
			Fstype      string `json:"fstype"`
			Propagation string `json:"propagation"`
		} `json:"filesystems"`
	}
	look := func(path string) string {
		var doc fm
		json.Unmarshal([]byte(harness.Tool(t, "findmnt", "-J", "-o", "TARGET,FSTYPE,PROPAGATION", path)), &doc)
		if len(doc.Filesystems) == 0 {
			t.Fatalf("findmnt %s: %+v", path, doc)
		}
		top := doc.Filesystems[len(doc.Filesystems)-1] // the one over any hidden ones
		return top.Fstype + " " + top.Propagation
	}
	if x, y := look("/run/netns/"+a), look("/run/netns/"+b); x != y {
		t.Errorf("pin: ours %q, ip netns add %q", x, y)
	}
	if p := look("/run/netns"); !strings.Contains(p, "shared") {
		t.Errorf("/run/netns is not a shared mount point: %q", p)
	}
	list := harness.Tool(t, "ip", "netns", "list")
	if !strings.Contains(list, a) || !strings.Contains(list, b) {
		t.Errorf("ip netns list: %s", list)
	}
	harness.Tool(t, "ip", "netns", "exec", a, "true")
	harness.Tool(t, "ip", "netns", "del", a)
	harness.MustRun(t, "-e", `assert(require("ns").delete("`+b+`"))`)
	if list := harness.Tool(t, "ip", "netns", "list"); strings.Contains(list, a) || strings.Contains(list, b) {
		t.Errorf("left over: %s", list)
	}
}

// TestNSPinsReleasedAtExit: a pin made without keep is removed when the
// script ends, also on an error; a kept one and a named netns stay.
func TestNSPinsReleasedAtExit(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	name := fmt.Sprintf("nsl-keep-%d", os.Getpid())
	t.Cleanup(func() {
		exec.Command("umount", dir+"/kept").Run()
		exec.Command("ip", "netns", "del", name).Run()
	})
	r := harness.Run(t, "-e", fmt.Sprintf(`
local ns = require "ns"
assert(ns.create("net", {pin = %q}))
assert(ns.create("mnt", {pin = %q}))
assert(ns.create("uts", {pin = %q, keep = true}))
assert(ns.create("net", {name = %q}))
error("stop here")`, dir+"/net", dir+"/mnt", dir+"/kept", name))
	if r.Code != 1 || !strings.Contains(r.Stderr, "stop here") {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	for _, p := range []string{dir + "/net", dir + "/mnt"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists", p)
		}
	}
	if out := harness.Tool(t, "findmnt", "-n", "-o", "FSTYPE", dir+"/kept"); strings.TrimSpace(out) != "nsfs" {
		t.Errorf("kept pin: %q", out)
	}
	harness.Tool(t, "umount", dir+"/kept")
	if !strings.Contains(harness.Tool(t, "ip", "netns", "list"), name) {
		t.Errorf("named netns %s did not outlive the script", name)
	}
	harness.MustRun(t, "-e", `assert(require("ns").delete("`+name+`"))`)
}

// TestNSUnshareMovesTheScript: ns.unshare moves the VM thread itself (the
// main thread, which /proc/PID/ns shows), and a pid namespace's init stops
// with the script.
func TestNSUnshareMovesTheScript(t *testing.T) {
	harness.NoLeaks(t)
	host, _ := os.Readlink("/proc/self/ns/net")
	r := harness.MustRun(t, "-e", `
local ns = require "ns"
assert(ns.unshare({"net", "uts", "pid"}))
assert(ns.hostname("moved"))
local f = io.popen("readlink /proc/" .. require("proc").self() .. "/ns/net; hostname")
io.write(f:read("*a")) f:close()
print(tostring(ns.current("net")))`)
	lines := strings.Fields(r.Stdout)
	if len(lines) != 3 || lines[0] == host || lines[0] != lines[2] || lines[1] != "moved" {
		t.Errorf("got %q (host net %s)", r.Stdout, host)
	}
	if h, _ := os.Hostname(); h == "moved" {
		t.Errorf("hostname leaked to the host")
	}
}

// TestNSWithLeavesTheVMThread: ns.with runs on a worker; the main thread's
// links, read from outside while fn runs, stay the host's.
func TestNSWithLeavesTheVMThread(t *testing.T) {
	harness.NoLeaks(t)
	host, _ := os.Readlink("/proc/self/ns/net")
	r := harness.MustRun(t, "-e", `
local ns, proc = require "ns", require "proc"
local n = assert(ns.create("net"))
ns.with(n, function()
  local f = io.popen("readlink /proc/" .. proc.self() .. "/ns/net")
  print(f:read("*l")) f:close()
  print(tostring(ns.current("net")) == tostring(n))
end)`)
	if lines := strings.Fields(r.Stdout); len(lines) != 2 || lines[0] != host || lines[1] != "true" {
		t.Errorf("got %q, host %s", r.Stdout, host)
	}
}

// A process whose namespaces the caller may not read cannot be entered:
// ns.enter, ns.with and proc.spawn's join fail with EACCES, as `nsenter -a`
// fails, instead of reporting success while nothing was entered.
func TestEnterUnreadableProcessFails(t *testing.T) {
	harness.NoLeaks(t)
	p := newUnpriv(t)
	// a root process in a uts namespace of its own: the test user may not
	// read its namespace links
	sleeper := exec.Command("unshare", "--uts", "sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	pid := strconv.Itoa(sleeper.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if l, err := os.Readlink("/proc/" + pid + "/ns/uts"); err == nil && l != nsLink(t, os.Getpid(), "uts") {
			break // unshare has made the namespace and exec'd sleep
		}
		if time.Now().After(deadline) {
			t.Fatal("the sleeper never entered a uts namespace of its own")
		}
	}

	nsenter := p.command(t.Context(), nil)
	nsenter.Path, nsenter.Args = "/usr/bin/nsenter", []string{"nsenter", "-a", "-t", pid, "true"}
	if out, err := nsenter.CombinedOutput(); err == nil {
		t.Fatalf("nsenter -a as %s entered a root process's namespaces: %s", rootlessUser, out)
	}

	r := p.run(t, "", nil, "--no-rootless", "-e", `
		local pid, before = `+pid+`, ns.current("uts").id
		print(ns.enter(pid))
		print(ns.current("uts").id == before)
		print(ns.with(pid, function() return "entered" end))
		print(proc.run{"true", join = pid})`)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if r.Code != 0 || len(lines) != 4 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for i, what := range []string{"ns.enter", "", "ns.with", "proc.run join"} {
		if what == "" {
			if lines[i] != "true" {
				t.Errorf("ns.enter moved the script although it failed: %q", lines[i])
			}
			continue
		}
		if !strings.HasPrefix(lines[i], "nil\tEACCES: open(/proc/"+pid+"/ns/") || !strings.HasSuffix(lines[i], "\tEACCES") {
			t.Errorf("%s of an unreadable process: %q, want nil, EACCES: open(/proc/%s/ns/...), EACCES", what, lines[i], pid)
		}
	}
}
