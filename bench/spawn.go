package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The spawn benchmark: start-to-exit of `true` in new pid, mnt, net, uts and
// ipc namespaces, proc.run against unshare(1). unshare runs as a whole
// process each time (that is how it is used); nslua is measured both per
// run inside one script (the cost a script pays for one more child) and as
// a whole process that runs one child.
func init() {
	register(Bench{
		Name:  "20-spawn",
		Title: "Spawning a process in new namespaces",
		Run:   benchSpawn,
	})
}

const spawnNS = "pid,mnt,net,uts,ipc"

// spawnLoop is a script that runs `true` n times in new namespaces and
// prints the median time of one proc.run in microseconds.
const spawnLoop = `local proc = require "proc"
local n = tonumber(arg[1])
for i = 1, n do
  local r = assert(proc.run{"true", ns = "` + spawnNS + `", stdout = "null", stderr = "null"})
  assert(r.code == 0)
end
`

func benchSpawn(env *Env) (string, error) {
	runs := 300
	if env.Quick {
		runs = 20
	}
	// per run inside one nslua process: time the loop as a whole process
	// with 0 runs and with `runs` runs; the difference is the runs' cost
	script := env.Dir + "/spawn-loop.lua"
	if err := writeFile(script, spawnLoop); err != nil {
		return "", err
	}
	loop := func(n int) (time.Duration, error) {
		ds, err := TimeCmd(env.Repeats/3+1, env.Bin, script, strconv.Itoa(n))
		if err != nil {
			return 0, err
		}
		return Median(ds), nil
	}
	base, err := loop(0)
	if err != nil {
		return "", err
	}
	full, err := loop(runs)
	if err != nil {
		return "", err
	}
	perRun := (full - base) / time.Duration(runs)

	unshare, err := TimeCmd(env.Repeats, "unshare", "--fork", "--pid", "--mount", "--net", "--uts", "--ipc", "true")
	if err != nil {
		return "", err
	}
	whole, err := TimeCmd(env.Repeats, env.Bin, "-e",
		`if assert(require("proc").run{"true", ns = "`+spawnNS+`"}).code ~= 0 then os.exit(1) end`)
	if err != nil {
		return "", err
	}
	empty, err := TimeCmd(env.Repeats, env.Bin, "-e", "")
	if err != nil {
		return "", err
	}
	u := Median(unshare)
	var b strings.Builder
	fmt.Fprintf(&b, "`true` in new pid, mnt, net, uts and ipc namespaces; goal: proc.run at most 0.8x unshare(1).\n\n")
	fmt.Fprintf(&b, "| what | median | vs unshare(1) |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| `unshare --fork --pid --mount --net --uts --ipc true` (whole process) | %s | 1.00x |\n", Ms(u))
	fmt.Fprintf(&b, "| proc.run, one more child inside a script (%d runs) | %s | %s |\n", runs, Ms(perRun), Ratio(perRun, u))
	fmt.Fprintf(&b, "| `nslua -e 'proc.run{...}'` (whole process) | %s | %s |\n", Ms(Median(whole)), Ratio(Median(whole), u))
	fmt.Fprintf(&b, "| `nslua -e ''` (start-up alone, for reference) | %s | %s |\n", Ms(Median(empty)), Ratio(Median(empty), u))
	fmt.Fprintf(&b, "\nMost of a new network namespace's cost is the kernel's (creating and\n"+
		"tearing down loopback and the per-netns state); both sides pay it.\n")
	return b.String(), nil
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
