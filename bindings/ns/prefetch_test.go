package ns

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
)

// netFds lists the network namespaces this process holds open by fd, as
// /proc/self/fd shows them ("net:[4026532000]"), but its own (the engine
// keeps an fd of the original namespaces to bring pooled threads back).
func netFds(t *testing.T, own string) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(l, "net:[") && l != own {
			out[l] = true
		}
	}
	return out
}

// TestCreateNetMadeAhead: a run of ns.create("net") gets distinct new
// namespaces, none the script's own, although from the second call on each
// was made in the background before it was asked for; the one made ahead
// and never asked for is released when the VM closes.
func TestCreateNetMadeAhead(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating network namespaces needs root (make test runs as root)")
	}
	own, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	before := netFds(t, own)
	vm := engine.New([]engine.Module{Module}, nil)
	closed := false
	defer func() {
		if !closed {
			vm.Close()
		}
	}()
	if err := vm.DoString(`
		local ns = require "ns"
		made = {}
		for i = 1, 5 do
			local h = assert(ns.create("net"))
			made[i] = tostring(h)
			h:close()
		end`, "made-ahead"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	vm.L.GetGlobal("made").(*lua.LTable).ForEach(func(_, v lua.LValue) {
		s := v.String()
		if seen[s] || s == own {
			t.Errorf("ns.create gave %s twice or the process's own namespace (%s)", s, own)
		}
		seen[s] = true
	})
	if len(seen) != 5 {
		t.Fatalf("want 5 namespaces, got %v", seen)
	}
	// let the background creation finish (it may still run) before counting
	p := &stateOf(vm).prefetch
	if p.next == nil {
		t.Fatal("nothing is being made ahead after five creations")
	}
	r := <-p.next
	p.next <- r
	// the pool closes the fds of a worker's namespace set soon after the
	// call, on another goroutine: wait for those of the script's namespaces
	extra := func() (held []string, stale []string) {
		for l := range netFds(t, own) {
			switch {
			case seen[l]:
				stale = append(stale, l)
			case !before[l]:
				held = append(held, l)
			}
		}
		return held, stale
	}
	held, stale := extra()
	for deadline := time.Now().Add(20 * time.Second); len(stale) > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		held, stale = extra()
	}
	if len(stale) > 0 {
		t.Errorf("%v were closed by the script but are still open", stale)
	}
	if len(held) != 1 {
		t.Errorf("want exactly one namespace made ahead while the VM runs, found %v", held)
	}
	vm.Close()
	closed = true
	for deadline := time.Now().Add(20 * time.Second); len(held) > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		held, _ = extra()
	}
	if len(held) > 0 {
		t.Errorf("%v still open after the VM closed", held)
	}
}

// TestMadeAheadMatchesSysctlFilesNotSpelling: a namespace ns.prepare made
// with {["net.ipv4.ip_forward"] = 1} is the one a following ns.create with
// {["net/ipv4/ip_forward"] = true} gets: the same file and the same value
// written, however spelt, so it is not thrown away and made again.
func TestMadeAheadMatchesSysctlFilesNotSpelling(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating network namespaces needs root (make test runs as root)")
	}
	vm := engine.New([]engine.Module{Module}, nil)
	defer vm.Close()
	if err := vm.DoString(`
		ns = require "ns"
		assert(ns.prepare("net", {lo = true, sysctl = {["net.ipv4.ip_forward"] = 1}}))`, "prepare"); err != nil {
		t.Fatal(err)
	}
	p := &stateOf(vm).prefetch
	if p.next == nil {
		t.Fatal("ns.prepare made nothing ahead")
	}
	r := <-p.next
	p.next <- r
	if r.err != nil {
		t.Fatalf("made ahead: %v", r.err)
	}
	ahead, err := os.Readlink(filepath.Join("/proc/self/fd", strconv.Itoa(r.fd)))
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.DoString(`
		got = tostring(assert(ns.create("net", {lo = true, sysctl = {["net/ipv4/ip_forward"] = true}})))`, "create"); err != nil {
		t.Fatal(err)
	}
	if got := vm.L.GetGlobal("got").String(); got != ahead {
		t.Errorf("ns.create got %s, not %s made ahead with the same settings", got, ahead)
	}
}
