package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/test/harness"
)

var netSeq int

// testNetns makes a named netns with ip(8) for the test and deletes it at
// cleanup.
func testNetns(t *testing.T) string {
	t.Helper()
	netSeq++
	name := fmt.Sprintf("nsl%d-%d", os.Getpid()%100000, netSeq)
	harness.Tool(t, "ip", "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	return name
}

// runLua runs a Lua chunk (with net loaded) and returns its stdout lines.
func runLua(t *testing.T, code string, args ...string) []string {
	t.Helper()
	f := t.TempDir() + "/chunk.lua"
	if err := os.WriteFile(f, []byte("local net = require 'net'\n"+code), 0o644); err != nil {
		t.Fatal(err)
	}
	r := harness.MustRun(t, append([]string{f}, args...)...)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// ipJSON runs ip -j ... and decodes its output.
func ipJSON(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	out := harness.Tool(t, "ip", append([]string{"-j"}, args...)...)
	var v []map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("ip -j %v: %v\n%s", args, err, out)
	}
	return v
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// setupLua builds, in namespace A: a veth va (10.88.0.1/24, fd88::1/64) to
// vb in B, a bridge br0 with a veth port p0, routes; everything up.
const setupLua = `
local A, B = arg[1], arg[2]
local a, b = assert(net.veth("va", "vb", {ns = A, peer_ns = B, mtu = 1400}))
assert(a:addr_add("10.88.0.1/24")); assert(b:addr_add("10.88.0.2/24"))
assert(a:addr_add("fd88::1/64", {nodad = true})); assert(b:addr_add("fd88::2/64", {nodad = true}))
assert(a:up()); assert(b:up())
local br = assert(net.bridge("br0", {ns = A}))
local p0 = assert(net.veth("p0", "p1", {ns = A}))
assert(p0:set{master = br}); assert(p0:up()); assert(br:up())
assert(br:addr_add("10.99.0.1/16"))
assert(net.route_add{dst = "default", via = "10.88.0.2", ns = A})
assert(net.route_add{dst = "198.51.100.0/24", dev = "va", metric = 7, ns = A})
assert(net.route_add{dst = "2001:db8::/32", via = "fd88::2", ns = A})
`

// TestNetAgreesWithIP: what net.links, net.addrs and net.routes report for a
// namespace is what ip -j link/addr/route report inside it.
func TestNetAgreesWithIP(t *testing.T) {
	harness.NoLeaks(t)
	A, B := testNetns(t), testNetns(t)
	lines := runLua(t, setupLua+`
for _, l in ipairs(net.links{ns = A}) do
  print("link", l.index, l.name, l.kind, l.mtu, l.mac, l.state, l.master or "", table.concat(l.flags, ","))
end
for _, e in ipairs(net.addrs{ns = A}) do
  print("addr", e.index, e.dev, e.family, e.addr, e.prefixlen, e.scope, e.broadcast or "")
end
for _, r in ipairs(net.routes{ns = A}) do
  print("route", r.family, r.dst, r.via or "", r.dev or "", r.metric, r.protocol, r.scope, r.src or "")
end`, A, B)

	var gotLinks, gotAddrs, gotRoutes []string
	for _, l := range lines {
		f := strings.SplitN(l, "\t", 2)
		switch f[0] {
		case "link":
			gotLinks = append(gotLinks, f[1])
		case "addr":
			gotAddrs = append(gotAddrs, f[1])
		case "route":
			gotRoutes = append(gotRoutes, f[1])
		}
	}

	var wantLinks []string
	for _, l := range ipJSON(t, "-n", A, "-d", "link", "show") {
		kind := "device"
		if li, ok := l["linkinfo"].(map[string]any); ok && li["info_kind"] != nil {
			kind = str(li["info_kind"])
		} else if l["link_type"] == "loopback" {
			kind = "loopback"
		}
		var flags []string
		for _, f := range l["flags"].([]any) {
			if f != "NO-CARRIER" && f != "M-DOWN" { // ip's own inferences, not kernel flags
				flags = append(flags, strings.ToLower(str(f)))
			}
		}
		wantLinks = append(wantLinks, strings.Join([]string{str(l["ifindex"]), str(l["ifname"]), kind, str(l["mtu"]),
			str(l["address"]), strings.ToLower(str(l["operstate"])), str(l["master"]), strings.Join(flags, ",")}, "\t"))
	}
	compareSets(t, "links", gotLinks, wantLinks)

	var wantAddrs []string
	for _, l := range ipJSON(t, "-n", A, "addr", "show") {
		for _, ai := range l["addr_info"].([]any) {
			a := ai.(map[string]any)
			wantAddrs = append(wantAddrs, strings.Join([]string{str(l["ifindex"]), str(l["ifname"]), str(a["family"]),
				str(a["local"]), str(a["prefixlen"]), str(a["scope"]), str(a["broadcast"])}, "\t"))
		}
	}
	compareSets(t, "addrs", gotAddrs, wantAddrs)

	var wantRoutes []string
	for _, fam := range []string{"-4", "-6"} {
		for _, r := range ipJSON(t, "-n", A, fam, "route", "show") {
			family, scope := "inet", str(r["scope"])
			if fam == "-6" {
				family = "inet6"
			}
			if scope == "" {
				scope = "global"
			}
			metric := str(r["metric"])
			if metric == "" {
				metric = "0"
			}
			proto := str(r["protocol"])
			if proto == "" {
				proto = "boot"
			}
			wantRoutes = append(wantRoutes, strings.Join([]string{family, str(r["dst"]), str(r["gateway"]), str(r["dev"]),
				metric, proto, scope, str(r["prefsrc"])}, "\t"))
		}
	}
	compareSets(t, "routes", gotRoutes, wantRoutes)
	if len(gotRoutes) < 6 {
		t.Errorf("expected at least 6 routes, got %d", len(gotRoutes))
	}
}

func compareSets(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s differ from ip's\nnslua:\n  %s\nip:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(got) == 0 {
		t.Errorf("no %s at all", what)
	}
}

// TestNetVethQueues: a veth end gets one tx and one rx queue unless
// queues= asks for more (ip -d link shows numtxqueues / numrxqueues), and
// both ends agree; a count out of range is an argument error naming queues.
func TestNetVethQueues(t *testing.T) {
	harness.NoLeaks(t)
	A, B := testNetns(t), testNetns(t)
	runLua(t, `
local A, B = arg[1], arg[2]
assert(net.veth("q1", "q1p", {ns = A, peer_ns = B}))
assert(net.veth("q4", "q4p", {ns = A, peer_ns = B, queues = 4}))`, A, B)
	for _, c := range []struct{ ns, name, want string }{{A, "q1", "1"}, {B, "q1p", "1"}, {A, "q4", "4"}, {B, "q4p", "4"}} {
		l := ipJSON(t, "-n", c.ns, "-d", "link", "show", c.name)
		if tx, rx := str(l[0]["num_tx_queues"]), str(l[0]["num_rx_queues"]); tx != c.want || rx != c.want {
			t.Errorf("%s: ip -d link says %s tx / %s rx queues, want %s", c.name, tx, rx, c.want)
		}
	}
	lines := runLua(t, `print(pcall(net.veth, "q0", "q0p", {queues = 0}))`)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "false\t") || !strings.Contains(lines[0], "queues") {
		t.Errorf("queues = 0: %q", lines)
	}
}

// TestNetReachabilityAgreesWithPing: a veth pair built with net carries
// iputils ping both ways, v4 and v6, and net.ping says the same; an address
// nobody holds fails both.
func TestNetReachabilityAgreesWithPing(t *testing.T) {
	harness.NoLeaks(t)
	A, B := testNetns(t), testNetns(t)
	runLua(t, setupLua, A, B)
	for _, c := range []struct{ from, to string }{{A, "10.88.0.2"}, {B, "10.88.0.1"}, {A, "fd88::2"}, {B, "fd88::1"}} {
		harness.Tool(t, "ip", "netns", "exec", c.from, "ping", "-c", "2", "-i", "0.2", "-w", "6", c.to)
		lines := runLua(t, `local r = assert(net.ping(arg[2], {ns = arg[1], count = 2}))
print(r.sent, r.received, r.rtt_ms ~= nil)`, c.from, c.to)
		if len(lines) != 1 || lines[0] != "2\t2\ttrue" {
			t.Errorf("net.ping %s from %s: %q", c.to, c.from, lines)
		}
	}
	if err := exec.Command("ip", "netns", "exec", A, "ping", "-c", "1", "-W", "1", "10.88.0.77").Run(); err == nil {
		t.Errorf("iputils ping reached 10.88.0.77, which nobody holds")
	}
	lines := runLua(t, `local r = assert(net.ping("10.88.0.77", {ns = arg[1], timeout = 0.5}))
print(r.sent, r.received)`, A)
	if len(lines) != 1 || lines[0] != "1\t0" {
		t.Errorf("net.ping 10.88.0.77: %q", lines)
	}
}

// TestNetPingInterrupt: Ctrl-C ends a net.ping that waits for a reply that
// never comes, and nslua exits 130.
func TestNetPingInterrupt(t *testing.T) {
	harness.NoLeaks(t)
	A, B := testNetns(t), testNetns(t)
	runLua(t, setupLua, A, B)
	cmd := exec.Command(harness.Bin(), "-e", `net = require "net"
io.stdout:write("pinging\n"); io.stdout:flush()
net.ping("10.88.0.77", {ns = "`+A+`", count = 1000, timeout = 60})
print("not reached")`)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := io.ReadFull(stdout, buf); err != nil {
		t.Fatalf("reading: %v", err)
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { io.Copy(io.Discard, stdout); done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("nslua did not stop within 10s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 && !strings.Contains(cmd.ProcessState.String(), "interrupt") {
		t.Errorf("exit: %v, want 130", cmd.ProcessState)
	}
	t.Logf("stopped %v after SIGINT", time.Since(start))
}

// inNetns runs fn on a thread that joined the named netns; the thread is
// never given back to the runtime. Sockets made there stay in the netns.
// The process's main thread is never used: a goroutine locked to it that
// exits only parks it, and /proc/self/ns/net (which later tests read) would
// then show the foreign namespace.
func inNetns(t *testing.T, name string, fn func()) {
	t.Helper()
	done := make(chan error)
	var work func(started chan struct{})
	work = func(started chan struct{}) {
		runtime.LockOSThread() // never unlocked on success: the thread dies with the goroutine
		if unix.Gettid() == unix.Getpid() {
			// the main thread stays put: hold it until the work runs elsewhere
			inner := make(chan struct{})
			go work(inner)
			<-inner
			runtime.UnlockOSThread()
			return
		}
		if started != nil {
			close(started)
		}
		fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		fn()
		done <- nil
	}
	go work(nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestNetShapeRateThroughput: a tbf rate limit set by l:shape holds for a
// real transfer between two namespaces (an upper bound: never faster than
// 1.5x the rate), tc sees it, and l:unshape removes it.
func TestNetShapeRateThroughput(t *testing.T) {
	harness.NoLeaks(t)
	for _, qdisc := range []string{"tbf", "htb"} {
		t.Run(qdisc, func(t *testing.T) {
			A, B := testNetns(t), testNetns(t)
			const rate = 4_000_000 // bit/s
			runLua(t, setupLua+`assert(net.link("va", {ns = A}):shape{rate = "4mbit", qdisc = arg[3]})`, A, B, qdisc)
			if out := harness.Tool(t, "tc", "-n", A, "qdisc", "show", "dev", "va"); !strings.Contains(out, qdisc+" 1: root") {
				t.Fatalf("tc shows no %s root:\n%s", qdisc, out)
			}
			var ln net.Listener
			inNetns(t, B, func() {
				var err error
				ln, err = net.Listen("tcp", "10.88.0.2:0")
				if err != nil {
					t.Error(err)
				}
			})
			if ln == nil {
				t.FailNow()
			}
			defer ln.Close()
			var conn net.Conn
			inNetns(t, A, func() {
				var err error
				conn, err = net.Dial("tcp", ln.Addr().String())
				if err != nil {
					t.Error(err)
				}
			})
			if conn == nil {
				t.FailNow()
			}
			peer, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			const size = 600_000 // bytes: 1.2 s at 4 mbit
			start := time.Now()
			go func() {
				conn.Write(make([]byte, size))
				conn.Close()
			}()
			n, _ := io.Copy(io.Discard, peer)
			elapsed := time.Since(start)
			peer.Close()
			if n != size {
				t.Fatalf("received %d of %d bytes", n, size)
			}
			bps := float64(n*8) / elapsed.Seconds()
			t.Logf("%s: %d bytes in %v: %.2f Mbit/s (limit 4)", qdisc, n, elapsed, bps/1e6)
			if bps > 1.5*rate {
				t.Errorf("%s: throughput %.2f Mbit/s exceeds 1.5x the 4 Mbit/s limit", qdisc, bps/1e6)
			}
			runLua(t, `assert(net.link("va", {ns = arg[1]}):unshape())`, A)
			if out := harness.Tool(t, "tc", "-n", A, "qdisc", "show", "dev", "va"); strings.Contains(out, qdisc) {
				t.Errorf("after unshape tc still shows %s:\n%s", qdisc, out)
			}
		})
	}
}
