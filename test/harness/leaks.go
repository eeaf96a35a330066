package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Snapshot is the set of kernel objects visible on the host that a test could
// leak: named netns (as `ip netns list` and /run/netns show them), links of
// the host netns, mounts of the test's mount namespace, and processes
// descended from the test process.
type Snapshot struct {
	Netns     map[string]bool
	RunNetns  map[string]bool
	Links     map[string]bool
	Mounts    map[string]bool
	Processes map[string]bool
}

// Take records the current state.
func Take() (*Snapshot, error) {
	s := &Snapshot{}
	var err error
	if s.Netns, err = ipNetns(); err != nil {
		return nil, err
	}
	s.RunNetns = dirNames("/run/netns")
	if s.Links, err = hostLinks(); err != nil {
		return nil, err
	}
	if s.Mounts, err = mounts(); err != nil {
		return nil, err
	}
	s.Processes = descendants()
	return s, nil
}

// Leaks lists what exists now and did not exist in s, one line per object.
func (s *Snapshot) Leaks(now *Snapshot) []string {
	var out []string
	add := func(kind string, before, after map[string]bool) {
		for k := range after {
			if !before[k] {
				out = append(out, kind+" "+k)
			}
		}
	}
	add("netns", s.Netns, now.Netns)
	add("/run/netns file", s.RunNetns, now.RunNetns)
	add("link", s.Links, now.Links)
	add("mount", s.Mounts, now.Mounts)
	add("process", s.Processes, now.Processes)
	sort.Strings(out)
	return out
}

// LeakDeadline is how long a check waits for the kernel's asynchronous
// teardown (netns destruction removes veths tens of milliseconds later).
var LeakDeadline = 15 * time.Second

// Check polls until nothing is left over relative to before, or the deadline
// passes, and returns what remains.
func Check(before *Snapshot, deadline time.Duration) ([]string, error) {
	end := time.Now().Add(deadline)
	delay := 5 * time.Millisecond
	for {
		reapOrphans()
		now, err := Take()
		if err != nil {
			return nil, err
		}
		leaks := before.Leaks(now)
		if len(leaks) == 0 || time.Now().After(end) {
			return leaks, nil
		}
		time.Sleep(delay) // polling interval, not synchronisation
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

// NoLeaks snapshots the machine now and fails t at cleanup if anything the
// test made is still there. Call it first in every integration test, so its
// check runs after the test's own cleanups.
func NoLeaks(t testing.TB) {
	t.Helper()
	before, err := Take()
	if err != nil {
		t.Fatalf("leak check: %v", err)
	}
	t.Cleanup(func() {
		leaks, err := Check(before, LeakDeadline)
		if err != nil {
			t.Errorf("leak check: %v", err)
			return
		}
		if len(leaks) > 0 {
			t.Errorf("leak check: the test left behind:\n  %s", strings.Join(leaks, "\n  "))
		}
	})
}

func ipNetns() (map[string]bool, error) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns list: %w", err)
	}
	m := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			m[f[0]] = true
		}
	}
	return m, nil
}

func dirNames(dir string) map[string]bool {
	m := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		m[e.Name()] = true
	}
	return m
}

func hostLinks() (map[string]bool, error) {
	out, err := exec.Command("ip", "-j", "link", "show").Output()
	if err != nil {
		return nil, fmt.Errorf("ip -j link: %w", err)
	}
	var links []struct {
		Index int    `json:"ifindex"`
		Name  string `json:"ifname"`
	}
	if err := json.Unmarshal(out, &links); err != nil {
		return nil, fmt.Errorf("ip -j link: %w", err)
	}
	m := map[string]bool{}
	for _, l := range links {
		m[fmt.Sprintf("%s (ifindex %d)", l.Name, l.Index)] = true
	}
	return m, nil
}

// mounts keys every mount of the test's mount namespace by id and target.
func mounts() (map[string]bool, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == "/run/netns" {
			// iproute2 (and ns.create, which does what it does) turns
			// /run/netns into a shared bind mount of itself the first time a
			// netns is named, and leaves it there for good.
			continue
		}
		if len(f) > 4 {
			m[f[4]+" (mount id "+f[0]+")"] = true
		}
	}
	return m, nil
}

// descendants lists the live processes descended from this test process.
func descendants() map[string]bool {
	me := os.Getpid()
	type proc struct {
		ppid  int
		state string
		comm  string
	}
	procs := map[int]proc{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		j := strings.IndexByte(s, '(')
		if i < 0 || j < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		procs[pid] = proc{ppid, f[0], s[j+1 : i]}
	}
	m := map[string]bool{}
	for pid, p := range procs {
		if p.state == "Z" {
			continue
		}
		for a, depth := p.ppid, 0; a > 1 && depth < 64; depth++ {
			if a == me {
				m[fmt.Sprintf("%d (%s)", pid, p.comm)] = true
				break
			}
			a = procs[a].ppid
		}
	}
	return m
}

// reapOrphans collects zombies that were reparented to the test process (it
// is a subreaper), so they do not linger. Only waits for exited children.
func reapOrphans() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// ArpCache is the ARP table's statistics file. The kernel shows it only in
// the initial network namespace: pid 1's, outside test/sandbox.sh's.
const ArpCache = "/proc/1/net/stat/arp_cache"

// NeighbourTableFulls returns how often the kernel's IPv4 neighbour (ARP)
// table has been full since boot (ArpCache's table_fulls summed over the
// CPUs), or -1 if it cannot be read. The table is one for every network
// namespace of the machine (gc_thresh3, 1024 entries by default): when
// other namespaces fill it, a new neighbour cannot be resolved and packets
// to it are dropped. A ping test that failed while this count grew says so.
func NeighbourTableFulls() int64 {
	data, err := os.ReadFile(ArpCache)
	if err != nil {
		return -1
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 2 {
		return -1
	}
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "table_fulls" {
			col = i
		}
	}
	if col < 0 {
		return -1
	}
	var sum int64
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if col >= len(f) {
			return -1
		}
		n, err := strconv.ParseInt(f[col], 16, 64)
		if err != nil {
			return -1
		}
		sum += n
	}
	return sum
}
