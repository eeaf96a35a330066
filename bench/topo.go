package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// starScript is the nslua side of the topo benchmark: a star of N hosts on
// one switch, built, one ping from the first host to the last, torn down.
const starScript = `
local topo = require "topo"
local n = tonumber(arg[1])
local t = topo.new { name = "bstar", subnet = "10.0.0.0/16" }
local s = t:switch("s1")
for i = 1, n do t:link(t:host("h" .. i), s) end
t:start()
local r = t:node("h1"):ping(t:node("h" .. n), { timeout = 5 })
assert(r.received == 1, "h1 cannot reach h" .. n)
t:stop()
`

func init() {
	register(Bench{
		Name:  "60-topo",
		Title: "topo: a star of N hosts on one switch (build, one ping, teardown)",
		Run:   runTopoBench,
	})
}

// runMeasured runs argv once and returns its wall time and peak RSS (KiB).
func runMeasured(argv ...string) (time.Duration, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return d, rss, nil
}

func runTopoBench(env *Env) (string, error) {
	script := filepath.Join(env.Dir, "star.lua")
	if err := os.WriteFile(script, []byte(starScript), 0o644); err != nil {
		return "", err
	}
	shell, err := filepath.Abs("bench/baselines/topo-star.sh")
	if err != nil {
		return "", err
	}
	sizes := []int{10, 100, 1000}
	reps := map[int]int{10: 10, 100: 5, 1000: 3}
	if env.Quick {
		sizes = []int{10, 100}
		reps = map[int]int{10: 2, 100: 1}
	}
	var b strings.Builder
	b.WriteString("| N | nslua (median) | peak RSS | iproute2 shell script | shell / nslua |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, n := range sizes {
		var ours, theirs []time.Duration
		var peak int64
		for i := 0; i < reps[n]; i++ {
			d, rss, err := runMeasured(env.Bin, script, fmt.Sprint(n))
			if err != nil {
				return "", err
			}
			ours = append(ours, d)
			peak = max(peak, rss)
			d, _, err = runMeasured("sh", shell, fmt.Sprint(n))
			if err != nil {
				return "", err
			}
			theirs = append(theirs, d)
		}
		fmt.Fprintf(&b, "| %d | %s | %.1f MB | %s | %s |\n", n, Ms(Median(ours)), float64(peak)/1024,
			Ms(Median(theirs)), Ratio(Median(theirs), Median(ours)))
	}
	b.WriteString("\nBoth sides build the same thing: a bridge in a netns of its own, one named netns\n" +
		"per host with a veth to the bridge and an address, then ping the last host from the\n" +
		"first and delete everything. nslua does it in one process with netlink (no process\n" +
		"per node); the shell script runs `ip` about six times per host (bench/baselines/topo-star.sh).\n" +
		"Times include starting the process; RSS is nslua's peak (getrusage).\n")
	return b.String(), nil
}
