package main

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Start-up: nslua running an empty -e chunk against lua5.4 doing the same
// (issue 2's goal: a median of at most 5 ms), and what one call from Lua into
// a Go binding costs.
func init() {
	register(Bench{Name: "01-startup", Title: "Start-up and the cost of a call", Run: benchStartup})
}

// callScript times N calls of a function against an empty loop of N, inside
// one process, several rounds; it prints the per-call cost of each round in
// nanoseconds. os.clock is wall time in gopher-lua and CPU time in lua5.4:
// both are fine for a loop that never blocks.
const callScript = `
local N, rounds, which = tonumber(arg[1]), tonumber(arg[2]), arg[3]
local clock, t = os.clock, {}
local calls
if which == "binding" then
  -- an engine-wrapped binding (vm.Func): call name, argument checks, panic guard
  local f = require("json").array
  f(t)
  calls = function() local t0 = clock(); for _ = 1, N do f(t) end; return clock() - t0 end
else
  -- a builtin of the Lua implementation itself
  local f = rawequal
  calls = function() local t0 = clock(); for _ = 1, N do f(t, t) end; return clock() - t0 end
end
local function empty() local t0 = clock(); for _ = 1, N do end; return clock() - t0 end
for _ = 1, rounds do
  local e, c = empty(), calls()
  io.write(string.format("%.3f\n", (c - e) / N * 1e9))
end
`

func benchStartup(env *Env) (string, error) {
	lua, err := exec.LookPath("lua5.4")
	if err != nil {
		return "", fmt.Errorf("lua5.4 is not installed (make bench installs it): %v", err)
	}
	runs := 300
	if env.Quick {
		runs = 20
	}
	cmds := []struct {
		label string
		argv  []string
	}{
		{"`nslua -e ''`", []string{env.Bin, "-e", ""}},
		{"`lua5.4 -e ''`", []string{lua, "-e", ""}},
		{"`nslua -e 'local _ = json'` (loads one module)", []string{env.Bin, "-e", "local _ = json"}},
		{"`nslua -v` (no Lua state)", []string{env.Bin, "-v"}},
	}
	// warm the page cache, then interleave the commands so that a slow
	// moment of the machine hits all of them alike
	times := make([][]time.Duration, len(cmds))
	for round := -3; round < runs; round++ {
		for i, c := range cmds {
			ds, err := TimeCmd(1, c.argv...)
			if err != nil {
				return "", err
			}
			if round >= 0 {
				times[i] = append(times[i], ds[0])
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Wall time from fork to exit, %d runs each, interleaved. The nslua binary: %s.\n\n", runs, describeBinary(env.Bin))
	fmt.Fprintf(&b, "| command | median | 10th pct | 90th pct | vs lua5.4 |\n|---|---|---|---|---|\n")
	base := Median(times[1])
	for i, c := range cmds {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.label, Ms(Median(times[i])),
			Ms(percentile(times[i], 10)), Ms(percentile(times[i], 90)), Ratio(Median(times[i]), base))
	}
	verdict := "met"
	if Median(times[0]) > 5*time.Millisecond {
		verdict = "**not met**"
	}
	fmt.Fprintf(&b, "\nGoal (issue 2): `nslua -e ''` median at most 5 ms: %s (%s).\n\n", verdict, Ms(Median(times[0])))

	n, rounds := 2_000_000, 7
	if env.Quick {
		n, rounds = 200_000, 3
	}
	bind, err := callCost(env.Bin, n, rounds, "binding")
	if err != nil {
		return "", err
	}
	builtin, err := callCost(env.Bin, n, rounds, "builtin")
	if err != nil {
		return "", err
	}
	luaBuiltin, err := callCost(lua, n, rounds, "builtin")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "One call from Lua into Go: a loop of %d calls minus an empty loop of %d, inside one\n"+
		"process, %d rounds (the best round shows the cost on a quiet CPU).\n\n", n, n, rounds)
	fmt.Fprintf(&b, "| call | median ns per call | best ns per call |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| nslua binding `json.array(t)` (engine wrapper: name, argument checks, panic guard) | %.1f | %.1f |\n", bind[0], bind[1])
	fmt.Fprintf(&b, "| gopher-lua builtin `rawequal(t, t)` in nslua | %.1f | %.1f |\n", builtin[0], builtin[1])
	fmt.Fprintf(&b, "| lua5.4 builtin `rawequal(t, t)` (C) | %.1f | %.1f |\n", luaBuiltin[0], luaBuiltin[1])
	return b.String(), nil
}

// callCost runs callScript under interp and returns the median and the
// lowest ns per call.
func callCost(interp string, n, rounds int, which string) ([2]float64, error) {
	cmd := exec.Command(interp, "-", strconv.Itoa(n), strconv.Itoa(rounds), which)
	cmd.Stdin = strings.NewReader(callScript)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return [2]float64{}, fmt.Errorf("%s call benchmark: %v\n%s", interp, err, out)
	}
	var vals []float64
	for _, line := range strings.Fields(string(out)) {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return [2]float64{}, fmt.Errorf("%s call benchmark: unexpected output %q", interp, out)
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return [2]float64{}, fmt.Errorf("%s call benchmark: no output", interp)
	}
	sort.Float64s(vals)
	return [2]float64{vals[len(vals)/2], vals[0]}, nil
}

// percentile p (0..100) of durations, nearest rank.
func percentile(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// describeBinary says how big the binary is and whether it is linked
// dynamically: a cgo build (the default when the net package is linked in and
// a C compiler exists) starts about a millisecond slower than a static one.
func describeBinary(path string) string {
	size := "size unknown"
	if fi, err := os.Stat(path); err == nil {
		size = fmt.Sprintf("%.1f MB", float64(fi.Size())/1e6)
	}
	f, err := elf.Open(path)
	if err != nil {
		return size
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return size + ", dynamically linked (cgo; CGO_ENABLED=0 starts faster)"
		}
	}
	return size + ", statically linked"
}
