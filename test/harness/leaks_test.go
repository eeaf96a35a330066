package harness

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// The checker must see each kind of object a careless test leaves behind,
// and must stop seeing it once it is removed.
func TestLeakCheckerCatchesLeaks(t *testing.T) {
	name := fmt.Sprintf("nslua-leakcheck-%d", os.Getpid())
	cases := []struct {
		what    string
		make    func(t *testing.T) (cleanup func())
		mustSay string
	}{
		{"named netns", func(t *testing.T) func() {
			Tool(t, "ip", "netns", "add", name)
			return func() { Tool(t, "ip", "netns", "del", name) }
		}, "netns " + name},
		{"host link", func(t *testing.T) func() {
			Tool(t, "ip", "link", "add", "lkchk0", "type", "veth", "peer", "name", "lkchk1")
			return func() { Tool(t, "ip", "link", "del", "lkchk0") }
		}, "link lkchk0"},
		{"mount", func(t *testing.T) func() {
			dir := t.TempDir()
			Tool(t, "mount", "-t", "tmpfs", "none", dir)
			return func() { Tool(t, "umount", dir) }
		}, "mount /tmp/"},
		{"orphaned grandchild", func(t *testing.T) func() {
			// the shell exits at once; sleep is reparented to us (subreaper)
			out := Tool(t, "sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!")
			pid := strings.TrimSpace(out)
			// the shell's fork is "sh" until it has exec'd sleep
			for end := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
				if comm, _ := os.ReadFile("/proc/" + pid + "/comm"); strings.TrimSpace(string(comm)) == "sleep" {
					break
				}
				if time.Now().After(end) {
					exec.Command("kill", "-KILL", pid).Run()
					t.Fatalf("pid %s never exec'd sleep", pid)
				}
			}
			return func() { exec.Command("kill", "-KILL", pid).Run() }
		}, "(sleep)"},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			before, err := Take()
			if err != nil {
				t.Fatal(err)
			}
			cleanup := c.make(t)
			leaks, err := Check(before, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(leaks, "\n"), c.mustSay) {
				cleanup()
				t.Fatalf("leak of %s not reported; got %q", c.what, leaks)
			}
			cleanup()
			leaks, err = Check(before, LeakDeadline)
			if err != nil {
				t.Fatal(err)
			}
			if len(leaks) > 0 {
				t.Fatalf("after cleanup the checker still reports %q", leaks)
			}
		})
	}
}

// The ARP table's overflow count is read from the kernel (a ping test
// names it when it failed while the table was full).
func TestNeighbourTableFullsReads(t *testing.T) {
	if n := NeighbourTableFulls(); n < 0 {
		b, err := os.ReadFile(ArpCache)
		t.Fatalf("table_fulls not read from %s (%v):\n%s", ArpCache, err, b)
	}
}
