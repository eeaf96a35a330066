package test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	nsnet "github.com/nslua/nslua/bindings/net"
	"github.com/nslua/nslua/test/harness"
)

// topoScript writes a Lua script into the test's temporary directory.
func topoScript(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// topoProc is an nslua run the test talks to while it runs.
type topoProc struct {
	cmd    *exec.Cmd
	out    *bufio.Reader
	in     io.WriteCloser
	stderr *strings.Builder
	done   chan error
}

func startTopo(t *testing.T, args ...string) *topoProc {
	t.Helper()
	cmd := exec.Command(harness.Bin(), args...)
	cmd.Dir = harness.Root()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// a pipe of our own, not StdoutPipe: Wait closes that one when the
	// process ends, and a line it wrote just before could be lost unread
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	l := &topoProc{cmd: cmd, out: bufio.NewReader(out), in: in, stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = l.stderr
	err = cmd.Start()
	w.Close()
	if err != nil {
		out.Close()
		t.Fatal(err)
	}
	go func() { l.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-l.done
		}
		out.Close()
	})
	return l
}

// readLine returns the next line of the script's stdout (without the newline).
func (l *topoProc) readLine(t *testing.T) string {
	t.Helper()
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := l.out.ReadString('\n')
		ch <- res{s, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("nslua ended before writing a line (%v); stderr:\n%s", r.err, l.stderr)
		}
		return strings.TrimSuffix(r.s, "\n")
	case <-time.After(60 * time.Second):
		t.Fatalf("no line from nslua in 60 s; stderr:\n%s", l.stderr)
	}
	return ""
}

// wait waits for the run to end and returns its exit code (128+n on signal n).
func (l *topoProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("nslua did not end in 60 s; stderr:\n%s", l.stderr)
	}
	ws := l.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// netnsWithPrefix lists the named netns (as ip netns shows them) that start
// with prefix.
func netnsWithPrefix(t *testing.T, prefix string) []string {
	var out []string
	for _, line := range strings.Split(harness.Tool(t, "ip", "netns", "list"), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			out = append(out, f[0])
		}
	}
	sort.Strings(out)
	return out
}

func stateFile(name string) string { return "/run/nslua/topo/" + name + ".json" }

// fiftyNodes builds a 50-node topology: 5 routers in a ring, a switch behind
// each with 8 hosts. It prints "up" once started and then spins until a
// signal ends it.
const fiftyNodes = `
local topo = require "topo"
local t = topo.new { name = arg[1] }
local rs = {}
for i = 1, 5 do rs[i] = t:router("r" .. i) end
for i = 1, 5 do
  t:link(rs[i], rs[i % 5 + 1])
  local s = t:switch("s" .. i)
  t:link(rs[i], s)
  for j = 1, 8 do t:link(t:host("h" .. i .. "-" .. j), s) end
end
assert(#t:nodes() == 50)
t:start()
print("up")
io.stdout:flush()
if arg[2] == "keep" then t:keep(); return end
if arg[2] == "exit" then return end
while true do end
`

// TestTopoInterruptedBuildLeavesNothing interrupts the build of a 50-node
// topology at random points with SIGINT and SIGTERM; each run must exit with
// 130 or 143 (or 0 after "up" was printed) and leave no netns, link, mount,
// process or state file.
func TestTopoInterruptedBuildLeavesNothing(t *testing.T) {
	harness.NoLeaks(t)
	script := topoScript(t, "fifty.lua", fiftyNodes)
	// how long it takes here until the topology is up, so that the signals
	// land inside the build
	start := time.Now()
	l := startTopo(t, script, "intr")
	if line := l.readLine(t); line != "up" {
		t.Fatalf("want up, got %q", line)
	}
	full := time.Since(start)
	l.cmd.Process.Signal(syscall.SIGTERM)
	if code := l.wait(t); code != 143 {
		t.Fatalf("SIGTERM after start: exit %d; stderr:\n%s", code, l.stderr)
	}
	if left := netnsWithPrefix(t, "intr"); len(left) > 0 {
		t.Fatalf("SIGTERM after start left %v", left)
	}
	// Twenty runs (more if needed, up to forty) until ten signals landed
	// inside the build. The build's length varies with the machine's load:
	// a run that printed "up" before its signal shows how long the build
	// took then, and later delays are drawn within that.
	rng := rand.New(rand.NewSource(20261129))
	midBuild, runs := 0, 0
	for ; runs < 40 && (runs < 20 || midBuild < 10); runs++ {
		sig, want := syscall.SIGINT, 130
		if runs%2 == 1 {
			sig, want = syscall.SIGTERM, 143
		}
		delay := time.Duration(rng.Int63n(int64(full)))
		start := time.Now()
		l := startTopo(t, script, "intr")
		up := make(chan time.Duration, 1)
		go func() {
			line, err := l.out.ReadString('\n')
			if err == nil && line == "up\n" {
				up <- time.Since(start)
			}
			close(up)
			io.Copy(io.Discard, l.out)
		}()
		time.Sleep(delay) // a random point of the build, not synchronisation
		l.cmd.Process.Signal(sig)
		code := l.wait(t)
		if code != want {
			t.Fatalf("run %d (%v after %v): exit %d, want %d; stderr:\n%s", runs, sig, delay, code, want, l.stderr)
		}
		if d, ok := <-up; !ok {
			midBuild++
		} else if d < full {
			full = d
		}
		if left := netnsWithPrefix(t, "intr"); len(left) > 0 {
			t.Fatalf("run %d (%v after %v): left %v; stderr:\n%s", runs, sig, delay, left, l.stderr)
		}
		if _, err := os.Stat(stateFile("intr")); err == nil {
			t.Fatalf("run %d (%v after %v): the state file is still there", runs, sig, delay)
		}
	}
	t.Logf("%d of %d runs were interrupted before the topology was up (build took %v at the fastest)", midBuild, runs, full)
	if midBuild < 10 {
		t.Fatalf("only %d of %d interrupts landed before the topology was up: the test did not test the build", midBuild, runs)
	}
}

// TestTopoSIGKILLThenNewCleansUp kills nslua after start: its named netns
// stay (they are pinned), and the next topo.new of the same name finds the
// owner dead, removes them by identity and builds again.
func TestTopoSIGKILLThenNewCleansUp(t *testing.T) {
	harness.NoLeaks(t)
	script := topoScript(t, "fifty.lua", fiftyNodes)
	l := startTopo(t, script, "kill")
	if line := l.readLine(t); line != "up" {
		t.Fatalf("want up, got %q", line)
	}
	l.cmd.Process.Signal(syscall.SIGKILL)
	l.wait(t)
	left := netnsWithPrefix(t, "kill")
	if len(left) != 46 { // 45 hosts and routers, and the switches' netns
		t.Fatalf("after SIGKILL: want 46 leftover netns, got %d: %v", len(left), left)
	}
	t.Cleanup(func() {
		for _, n := range netnsWithPrefix(t, "kill") {
			exec.Command("ip", "netns", "del", n).Run()
		}
		os.Remove(stateFile("kill"))
	})
	var st struct {
		Owner struct {
			Pid int `json:"pid"`
		} `json:"owner"`
		Netns []struct {
			Name string  `json:"name"`
			Ino  float64 `json:"ino"`
		} `json:"netns"`
	}
	data, err := os.ReadFile(stateFile("kill"))
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if st.Owner.Pid != l.cmd.Process.Pid || len(st.Netns) != 46 {
		t.Fatalf("state file: owner %d (want %d), %d netns", st.Owner.Pid, l.cmd.Process.Pid, len(st.Netns))
	}
	// the recorded identities are those lsns / stat see
	for _, e := range st.Netns {
		var s syscall.Stat_t
		if err := syscall.Stat("/run/netns/"+e.Name, &s); err != nil || float64(s.Ino) != e.Ino {
			t.Fatalf("%s: recorded inode %v, stat says %v (%v)", e.Name, e.Ino, s.Ino, err)
		}
	}
	// the next run of the same name cleans up and builds
	start := time.Now()
	harness.MustRun(t, script, "kill", "exit")
	full := time.Since(start)
	if left := netnsWithPrefix(t, "kill"); len(left) > 0 {
		t.Fatalf("after the second run: %v", left)
	}
	// SIGKILL in the middle of the build: every namespace made so far is in
	// the build log before it is pinned, so the next run removes them all
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 6; i++ {
		delay := time.Duration(rng.Int63n(int64(full)))
		l := startTopo(t, script, "kill")
		time.Sleep(delay) // a random point of the build, not synchronisation
		l.cmd.Process.Signal(syscall.SIGKILL)
		l.wait(t)
		r := harness.MustRun(t, script, "kill", "exit")
		if left := netnsWithPrefix(t, "kill"); len(left) > 0 {
			t.Fatalf("kill %d after %v: the next run left %v\n%s", i, delay, left, r.Stderr)
		}
	}
}

// TestTopoOrphanCleanupChecksIdentity replaces one netns of a SIGKILLed
// topology by a namespace of the same name that is not the topology's: the
// cleanup must leave that one alone. Another is left half pinned, as a
// SIGKILL between the touch and the bind leaves it: the cleanup removes it.
func TestTopoOrphanCleanupChecksIdentity(t *testing.T) {
	harness.NoLeaks(t)
	script := topoScript(t, "two.lua", `
local topo = require "topo"
local t = topo.new { name = "ident" }
t:link(t:host("a"), t:host("b"))
t:start()
print("up")
io.stdout:flush()
while true do end
`)
	l := startTopo(t, script)
	l.readLine(t)
	l.cmd.Process.Signal(syscall.SIGKILL)
	l.wait(t)
	t.Cleanup(func() {
		for _, n := range netnsWithPrefix(t, "ident") {
			exec.Command("ip", "netns", "del", n).Run()
		}
		os.Remove(stateFile("ident"))
	})
	harness.Tool(t, "ip", "netns", "del", "ident-b")
	harness.Tool(t, "ip", "netns", "add", "ident-b") // someone else's now
	// ident-a as a kill between the pin's touch and its bind leaves it: an
	// empty file that ip netns list shows; the cleanup removes it
	harness.Tool(t, "umount", "/run/netns/ident-a")
	r := harness.Run(t, "-r", "topo-down", "ident")
	if r.Code != 0 {
		t.Fatalf("topo-down: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if got := netnsWithPrefix(t, "ident"); len(got) != 1 || got[0] != "ident-b" {
		t.Fatalf("after cleanup: want only the foreign ident-b, got %v", got)
	}
	if !strings.Contains(r.Stderr, "ident-b: left alone") {
		t.Fatalf("cleanup did not say it left ident-b alone:\n%s", r.Stderr)
	}
	harness.Tool(t, "ip", "netns", "del", "ident-b")
}

// TestTopoKeepAttachDown keeps a topology past its script, finds it with
// topo.list, and removes it with the topo-down recipe.
func TestTopoKeepAttachDown(t *testing.T) {
	harness.NoLeaks(t)
	script := topoScript(t, "fifty.lua", fiftyNodes)
	harness.MustRun(t, script, "kept", "keep")
	t.Cleanup(func() {
		for _, n := range netnsWithPrefix(t, "kept") {
			exec.Command("ip", "netns", "del", n).Run()
		}
		os.Remove(stateFile("kept"))
	})
	if got := netnsWithPrefix(t, "kept"); len(got) != 46 {
		t.Fatalf("kept topology: want 46 netns, got %d", len(got))
	}
	r := harness.MustRun(t, "-e", `for _, e in ipairs(topo.list()) do print(e.name, e.kept, e.alive, e.nodes) end`)
	if !strings.Contains(r.Stdout, "kept\ttrue\tfalse\t50") {
		t.Fatalf("topo.list: %q", r.Stdout)
	}
	// a new topology of that name is refused while the kept one is up
	r = harness.Run(t, script, "kept", "exit")
	if r.Code == 0 || !strings.Contains(r.Stderr, "was kept") {
		t.Fatalf("new over a kept topology: exit %d\n%s", r.Code, r.Stderr)
	}
	// attach sees it: run a command in a node of it
	r = harness.MustRun(t, "-e", `local t = topo.attach("kept"); print(t:node("h1-1"):run{"ip", "-o", "addr", "show", "h1-1-eth0"}.stdout)`)
	if !strings.Contains(r.Stdout, "10.0.0.") {
		t.Fatalf("attach/run: %q", r.Stdout)
	}
	harness.MustRun(t, "-r", "topo-down", "kept")
	if got := netnsWithPrefix(t, "kept"); len(got) != 0 {
		t.Fatalf("after topo-down: %v", got)
	}
}

// ringScript builds a ring of k routers with a host behind each and prints,
// for every ordered pair of hosts, whether net.ping got an answer; then
// "up", then waits for a line on stdin before it stops the topology.
const ringScript = `
local topo = require "topo"
local json = require "json"
local k, routing = tonumber(arg[1]), arg[2]
local t = topo.new { name = "rg", routing = routing }
local rs = {}
for i = 1, k do rs[i] = t:router("r" .. i) end
for i = 1, k do
  t:link(rs[i], rs[i % k + 1])
  local s = t:switch("s" .. i)
  t:link(rs[i], s)
  t:link(t:host("h" .. i), s)
end
t:start()
-- a reply comes at once or not at all: a short wait keeps the run without
-- routing (no replies) quick; where one must come, net.ping's default 2 s,
-- beyond the second a neighbour resolution may take (20 pairs stay within
-- the test's minute for the line even if none answered)
local res = t:ping_all { timeout = routing == "none" and 0.5 or 2 }
local out = {}
for _, p in ipairs(res.pairs) do
  out[#out + 1] = { from = t:node(p.from).netns, to = t:node(p.to).ip, ok = p.ok, error = p.error }
end
print(json.encode(out))
io.stdout:flush()
io.read("*l")
t:stop()
`

type pingPair struct {
	From  string `json:"from"`
	To    string `json:"to"`
	OK    bool   `json:"ok"`
	Error string `json:"error"` // net.ping's, if it failed
}

// ringPings runs the ring and returns net.ping's verdicts with iputils
// ping's beside them.
func ringPings(t *testing.T, k int, routing string) (pairs []pingPair, iputils []bool) {
	script := topoScript(t, "ring.lua", ringScript)
	l := startTopo(t, script, fmt.Sprint(k), routing)
	line := l.readLine(t)
	if err := json.Unmarshal([]byte(line), &pairs); err != nil {
		t.Fatalf("%v: %q", err, line)
	}
	wait := "2" // seconds for the reply: as in ringScript, short only where none comes
	if routing == "none" {
		wait = "1"
	}
	for _, p := range pairs {
		err := exec.Command("ip", "netns", "exec", p.From, "ping", "-c", "1", "-W", wait, p.To).Run()
		iputils = append(iputils, err == nil)
	}
	l.in.Close()
	if code := l.wait(t); code != 0 {
		t.Fatalf("ring: exit %d\n%s", code, l.stderr)
	}
	return pairs, iputils
}

// TestTopoRingReachability: on a ring with static routing every host reaches
// every other, and net.ping and iputils ping agree; without routing the
// hosts of different LANs do not reach each other (the test can fail).
func TestTopoRingReachability(t *testing.T) {
	harness.NoLeaks(t)
	fulls := harness.NeighbourTableFulls()
	pairs, iputils := ringPings(t, 5, "static")
	if len(pairs) != 20 {
		t.Fatalf("want 20 pairs, got %d", len(pairs))
	}
	for i, p := range pairs {
		if !p.OK || !iputils[i] {
			t.Errorf("%s -> %s: net.ping %v %s, iputils ping %v", p.From, p.To, p.OK, p.Error, iputils[i])
		}
	}
	if now := harness.NeighbourTableFulls(); t.Failed() && now > fulls {
		t.Logf("the kernel's ARP table, shared by every netns of the machine, was full %d times meanwhile "+
			"(table_fulls in "+harness.ArpCache+"): other namespaces' neighbours crowded the ring's out", now-fulls)
	}
	pairs, iputils = ringPings(t, 4, "none")
	for i, p := range pairs {
		if p.OK || iputils[i] {
			t.Errorf("without routing %s -> %s: net.ping %v, iputils ping %v (want both false)", p.From, p.To, p.OK, iputils[i])
		}
	}
}

// TestTopoAddressesMatchIproute2 builds the lab.json recipe's topology and
// compares every interface node:ifaces() reports with what `ip -j addr`
// shows inside the node's netns, and each route with `ip -j route`.
func TestTopoAddressesMatchIproute2(t *testing.T) {
	harness.NoLeaks(t)
	script := topoScript(t, "lab.lua", `
local topo, json = require "topo", require "json"
local t = topo.load(json.decode(assert(require("recipes").read("lab.json"))), { name = "ipchk" })
t:start()
local out = {}
for _, n in ipairs(t:nodes()) do
  if n.kind ~= "switch" then
    out[#out + 1] = { netns = n.netns, ifaces = json.array(n:ifaces()), routes = json.array(n:routes()) }
  end
end
print(json.encode(out))
io.stdout:flush()
io.read("*l")
`)
	l := startTopo(t, script)
	var nodes []struct {
		Netns  string `json:"netns"`
		Ifaces []struct {
			Name string `json:"name"`
			IP   string `json:"ip"`
		} `json:"ifaces"`
		Routes []struct {
			Dst string `json:"dst"`
			Via string `json:"via"`
			Dev string `json:"dev"`
		} `json:"routes"`
	}
	line := l.readLine(t)
	if err := json.Unmarshal([]byte(line), &nodes); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if len(nodes) != 4 {
		t.Fatalf("want 4 nodes with a netns, got %d", len(nodes))
	}
	for _, n := range nodes {
		var addrs []struct {
			Name  string `json:"ifname"`
			Infos []struct {
				Family string `json:"family"`
				Local  string `json:"local"`
				Prefix int    `json:"prefixlen"`
			} `json:"addr_info"`
		}
		json.Unmarshal([]byte(harness.Tool(t, "ip", "-n", n.Netns, "-j", "addr")), &addrs)
		got := map[string]string{}
		for _, a := range addrs {
			for _, i := range a.Infos {
				if i.Family == "inet" && a.Name != "lo" {
					got[a.Name] = fmt.Sprintf("%s/%d", i.Local, i.Prefix)
				}
			}
		}
		for _, i := range n.Ifaces {
			if got[i.Name] != i.IP {
				t.Errorf("%s %s: topo says %s, ip addr says %q", n.Netns, i.Name, i.IP, got[i.Name])
			}
			delete(got, i.Name)
		}
		if len(got) > 0 {
			t.Errorf("%s: addresses topo does not know: %v", n.Netns, got)
		}
		var routes []struct {
			Dst     string `json:"dst"`
			Gateway string `json:"gateway"`
			Dev     string `json:"dev"`
		}
		json.Unmarshal([]byte(harness.Tool(t, "ip", "-n", n.Netns, "-j", "route")), &routes)
		for _, want := range n.Routes {
			found := false
			for _, r := range routes {
				found = found || (r.Dst == want.Dst && r.Gateway == want.Via && r.Dev == want.Dev)
			}
			if !found {
				t.Errorf("%s: route %s via %s dev %s missing from ip route: %+v", n.Netns, want.Dst, want.Via, want.Dev, routes)
			}
		}
	}
	// switches are bridges in the topology's own netns, the host gets nothing
	var links []struct {
		Name string `json:"ifname"`
		Info struct {
			Kind string `json:"info_kind"`
		} `json:"linkinfo"`
	}
	json.Unmarshal([]byte(harness.Tool(t, "ip", "-n", "ipchk", "-d", "-j", "link")), &links)
	bridges := 0
	for _, lk := range links {
		if lk.Info.Kind == "bridge" {
			bridges++
		}
	}
	if bridges != 2 {
		t.Errorf("want 2 bridges in netns ipchk, got %d: %+v", bridges, links)
	}
	l.in.Close()
	if code := l.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, l.stderr)
	}
}

// TestTopoProgressOnlyOnATerminal builds 60 nodes twice: with stderr a
// terminal it shows progress there; with stderr a pipe it writes nothing.
func TestTopoProgressOnlyOnATerminal(t *testing.T) {
	harness.NoLeaks(t)
	script := topoScript(t, "sixty.lua", `
local topo = require "topo"
local t = topo.new { name = "prog" }
local s = t:switch("s")
for i = 1, 59 do t:link(t:host("h" .. i), s) end
t:start()
t:stop()
`)
	r := harness.MustRun(t, script)
	if r.Stderr != "" {
		t.Fatalf("stderr is a pipe, yet topo wrote to it: %q", r.Stderr)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := exec.Command(harness.Bin(), script)
	cmd.Stderr = tty
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	got, _ := io.ReadAll(ptmx) // EIO once the child closed the terminal
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if !strings.Contains(string(got), "topo prog: 60/60 nodes, up") {
		t.Fatalf("no progress on the terminal: %q", got)
	}
}

// shapeCase is one value of a link option, a string or a Lua number.
type shapeCase struct {
	Opt string   `json:"opt"`
	S   *string  `json:"s,omitempty"`
	N   *float64 `json:"n,omitempty"`
}

// TestTopoShapeRulesAgreeWithNet checks that topo's up-front checks of a
// link's rate, delay and loss (topo.plan.parse_*, which are net.parse_*)
// accept exactly what net's l:shape accepts at t:start() (bindings/net
// ParseRate, ParseDuration, ParseLoss, which l:shape gives fmt.Sprint of a
// Lua number), with the same value: a link that t:link accepts does not fail
// in t:start() on its options, and one that would is refused before anything
// is built. It fails if topo reads these values any other way.
func TestTopoShapeRulesAgreeWithNet(t *testing.T) {
	strs := map[string][]string{
		"rate": {"10mbit", "1gbit", "500kbps", "1.5e3kbit", "10MBIT", " 10mbit ", "10 mbit", "bogus", "", "mbit",
			"0", "7", "8", "8bit", "1bps", "1pbit", "1000tbit", "1001tbit", "1e15", "1e16", "-5mbit", "+5mbit",
			".5mbit", "5.mbit", ".mbit", "1kibit", "2gibps", "3mibit", "1tibps", "nan", "inf", "1_000kbit",
			"1e", "e5", "5e+2kbit", "5E-1mbit", "1.2.3mbit", "100mbitt", "1__000kbit", "_1mbit", "1_mbit",
			"1_0e1_0bit", "1._5mbit", "0x1p3mbit"},
		"delay": {"10ms", "1s", "250us", "5", "0", "-5", "1h", "3600s", "3601s", "10 ms", " 10MS ", "10msecs",
			"1usec", "1usecs", "2secs", "5sec", "bogus", "", "ms", "1e3ms", "nan", "-0", "0.5", "3.6e6", "1e400"},
		"loss": {"1%", "0.5%", "2", "100", "100.1", "-1", "1 %", " 1% ", "1%%", "%", "", "bogus", "1e1%",
			"nan", "0", "+3%", "50.%"},
	}
	nums := map[string][]float64{
		"rate":  {1e6, 7, 8, 1e15, 1.5e15, -1, 0.5, 12.5},
		"delay": {0, 5, -5, 3600000, 3600001, 0.25, 1e-9},
		"loss":  {0, 100, 101, -0.5, 12.5, 1e-7},
	}
	var cases []shapeCase
	for _, opt := range []string{"rate", "delay", "loss"} {
		for _, s := range strs[opt] {
			cases = append(cases, shapeCase{Opt: opt, S: &s})
		}
		for _, n := range nums[opt] {
			cases = append(cases, shapeCase{Opt: opt, N: &n})
		}
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	script := topoScript(t, "shape.lua", `
local plan, json = require "topo.plan", require "json"
local out = {}
for i, c in ipairs(json.decode(io.read("*a"))) do
  local v = plan["parse_" .. c.opt](c.s or c.n)
  out[i] = v or json.null
end
print(json.encode(json.array(out)))
`)
	r := harness.RunWith(t, harness.RunOpts{Stdin: string(in)}, script)
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	var got []*float64
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || len(got) != len(cases) {
		t.Fatalf("want %d results, got %q (%v)", len(cases), r.Stdout, err)
	}
	for i, c := range cases {
		text := ""
		if c.S != nil {
			text = *c.S
		} else {
			text = fmt.Sprint(*c.N)
		}
		var want float64
		var perr error
		switch c.Opt {
		case "rate":
			var bits uint64
			bits, perr = nsnet.ParseRate(text)
			want = float64(bits)
		case "delay":
			var d time.Duration
			d, perr = nsnet.ParseDuration(text)
			want = float64(d) / float64(time.Millisecond)
		case "loss":
			want, perr = nsnet.ParseLoss(text)
		}
		name := fmt.Sprintf("%s %q", c.Opt, text)
		if c.N != nil {
			name = fmt.Sprintf("%s %v (a number)", c.Opt, *c.N)
		}
		switch {
		case perr != nil && got[i] != nil:
			t.Errorf("%s: topo accepts it (%v), net refuses it: %v", name, *got[i], perr)
		case perr == nil && got[i] == nil:
			t.Errorf("%s: topo refuses it, net accepts it (%v)", name, want)
		case perr == nil && !closeTo(*got[i], want, c.Opt):
			t.Errorf("%s: topo reads %v, net %v", name, *got[i], want)
		}
	}
}

// closeTo compares topo's reading of a value with net's: net truncates a
// rate to whole bits per second and a delay to whole nanoseconds.
func closeTo(topo, net float64, opt string) bool {
	switch opt {
	case "rate":
		return net <= topo && topo < net+1
	case "delay":
		return net <= topo+1e-9 && topo < net+1e-6+1e-9
	}
	return topo == net
}

// TestTopoStopLeavesAForeignNamespaceAlone: a namespace that took one of
// the topology's names while it ran is someone else's. t:stop() removes the
// rest, leaves that one, says so on stderr, and succeeds: the script goes on.
func TestTopoStopLeavesAForeignNamespaceAlone(t *testing.T) {
	harness.NoLeaks(t)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", "takeover-b").Run() })
	script := topoScript(t, "takeover.lua", `
local topo = require "topo"
local t = topo.new { name = "takeover" }
t:link(t:host("a"), t:host("b"))
t:start()
assert(os.execute("ip netns del takeover-b && ip netns add takeover-b") == 0)
print("stop", t:stop())
print("after")
`)
	r := harness.Run(t, script)
	if r.Code != 0 || !strings.Contains(r.Stdout, "stop\ttrue\nafter\n") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "takeover-b: left alone (it is not the namespace the topology made") {
		t.Errorf("stop did not say it left takeover-b alone:\n%s", r.Stderr)
	}
	if got := netnsWithPrefix(t, "takeover"); len(got) != 1 || got[0] != "takeover-b" {
		t.Errorf("after stop: want only the foreign takeover-b, got %v", got)
	}
}
