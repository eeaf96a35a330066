package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

func init() {
	register(Bench{Name: "20-ns-with", Title: "ns.with round trip into a netns", Run: benchNSWith})
	register(Bench{Name: "21-ns-list", Title: "ns.list() with 500 extra namespaces, beside lsns -J", Run: benchNSList})
}

// benchNSWith times ns.with(netns, function() end) inside nslua — the
// difference between a run with N calls and a run with none, divided by N —
// beside the raw cost of the two setns calls a thread needs to go into a
// netns and back, measured in this process in the same run.
func benchNSWith(env *Env) (string, error) {
	n := 20000
	if env.Quick {
		n = 2000
	}
	script := `local ns = require "ns"
local h = assert(ns.create("net"))
local f = function() end
for i = 1, tonumber(arg[1]) do ns.with(h, f) end`
	path := env.Dir + "/with.lua"
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", err
	}
	full, err := TimeCmd(env.Repeats, env.Bin, path, fmt.Sprint(n))
	if err != nil {
		return "", err
	}
	empty, err := TimeCmd(env.Repeats, env.Bin, path, "0")
	if err != nil {
		return "", err
	}
	per := (Median(full) - Median(empty)) / time.Duration(n)
	cpuFull, err := cpuTime(env.Repeats, env.Bin, path, fmt.Sprint(n))
	if err != nil {
		return "", err
	}
	cpuEmpty, err := cpuTime(env.Repeats, env.Bin, path, "0")
	if err != nil {
		return "", err
	}
	cpuPer := (Median(cpuFull) - Median(cpuEmpty)) / time.Duration(n)
	raw, err := rawSetnsPair(n)
	if err != nil {
		return "", err
	}
	floor, err := onWorkerFromLocked(n)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| what | per call |\n|---|---|\n")
	fmt.Fprintf(&b, "| `ns.with(h, function() end)` (a pooled locked worker thread woken, setns, Lua call, VM thread woken; setns back after) | %s |\n", Us(per))
	fmt.Fprintf(&b, "| CPU time (user+sys, all threads) per `ns.with` | %s |\n", Us(cpuPer))
	fmt.Fprintf(&b, "| engine.OnWorker (a fresh thread per call, created and destroyed) into the netns with an empty Go function, called from a locked thread: what ns.with cost before the pool | %s |\n", Us(floor))
	fmt.Fprintf(&b, "| raw `setns(netns)` + `setns(back)` on one locked thread, Go | %s |\n", Us(raw))
	fmt.Fprintf(&b, "\nGoal: at most 60 µs per ns.with. Ratio to the raw pair: %s. Median of %d runs of %d calls each, minus a run with none. "+
		"What remains above the setns pair is two wake-ups of locked threads (the worker, then the VM thread); "+
		"load average %s when measured.\n",
		Ratio(per, raw), env.Repeats, n, loadAvg())
	return b.String(), nil
}

// cpuTime runs argv n times and returns the user+sys time of each run.
func cpuTime(n int, argv ...string) ([]time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		cmd := exec.Command(argv[0], argv[1:]...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		ds = append(ds, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	return ds, nil
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// onWorkerFromLocked measures the engine's worker round trip as the VM
// thread pays it: from a locked goroutine, into a netns, with nothing to do.
func onWorkerFromLocked(n int) (time.Duration, error) {
	var d time.Duration
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // like the VM thread; dies with the goroutine
		var fd int
		err := engine.OnWorker(engine.NewThreadNS(), nil, func(*engine.ThreadNS) error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return err
			}
			var err error
			fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			return err
		})
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(fd)
		targets := []engine.Target{{Kind: engine.KindNet, Fd: fd}}
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := engine.OnWorker(engine.NewThreadNS(), targets, func(*engine.ThreadNS) error { return nil }); err != nil {
				done <- err
				return
			}
		}
		d = time.Since(start) / time.Duration(n)
		done <- nil
	}()
	return d, <-done
}

// rawSetnsPair measures setns into a fresh netns and back to the original.
func rawSetnsPair(n int) (time.Duration, error) {
	var d time.Duration
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with us
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		other, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(other)
		defer unix.Close(self)
		if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := unix.Setns(other, unix.CLONE_NEWNET); err != nil {
				done <- err
				return
			}
			if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
				done <- err
				return
			}
		}
		d = time.Since(start) / time.Duration(n)
		done <- nil
	}()
	return d, <-done
}

// benchNSList starts 250 processes, each in a new net and uts namespace
// (500 namespaces lsns can see, since processes hold them), and times a
// whole `nslua -e 'ns.list()'` beside a whole `lsns -J`.
func benchNSList(env *Env) (string, error) {
	const holders = 250
	var cmds []*exec.Cmd
	defer func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}()
	for i := 0; i < holders; i++ {
		c := exec.Command("unshare", "--net", "--uts", "sleep", "600")
		if err := c.Start(); err != nil {
			return "", err
		}
		cmds = append(cmds, c)
	}
	// wait until every holder is in its namespaces (unshare exec'd sleep)
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range cmds {
		for {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c.Process.Pid))
			if strings.TrimSpace(string(comm)) == "sleep" {
				break
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("holder %d did not start", c.Process.Pid)
			}
			time.Sleep(time.Millisecond)
		}
	}
	count := `local n = #require("ns").list() assert(n >= 500, n)`
	ours, err := TimeCmd(env.Repeats, env.Bin, "-e", count)
	if err != nil {
		return "", err
	}
	theirs, err := TimeCmd(env.Repeats, "lsns", "-J")
	if err != nil {
		return "", err
	}
	start, err := TimeCmd(env.Repeats, env.Bin, "-e", "")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| command | median |\n|---|---|\n")
	fmt.Fprintf(&b, "| `nslua -e 'ns.list()'` (tasks, fds and pins) | %s |\n", Ms(Median(ours)))
	fmt.Fprintf(&b, "| `lsns -J` (processes only) | %s |\n", Ms(Median(theirs)))
	fmt.Fprintf(&b, "| `nslua -e ''` (start-up alone) | %s |\n", Ms(Median(start)))
	fmt.Fprintf(&b, "\nnslua / lsns: %s (goal: below 1). %d extra processes, each in a new net and uts namespace; "+
		"median of %d runs of each whole command.\n", Ratio(Median(ours), Median(theirs)), holders, env.Repeats)
	return b.String(), nil
}
