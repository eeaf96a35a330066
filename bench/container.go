package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The container benchmark: a full container (busybox rootfs, overlay,
// pivot_root, /proc, /dev, /sys, new netns with lo up) running /bin/true, as
// whole processes, against bwrap with the closest options, crun with the
// same rootfs as an OCI bundle, and the Go floor (the same container built
// by plain Go, bench/baselines/container); then the marginal cost of one
// more container in a script that runs many, for nslua and the floor.
func init() {
	register(Bench{Name: "40-container", Title: "Containers: container:run vs bwrap and crun", Run: benchContainer})
}

func benchContainer(env *Env) (string, error) {
	rootfs := filepath.Join(env.Dir, "rootfs")
	if out, err := exec.Command(env.Bin, "-e", `require("container").rootfs_from_host(`+strconv.Quote(rootfs)+`)`).CombinedOutput(); err != nil {
		return "", fmt.Errorf("rootfs_from_host: %v\n%s", err, out)
	}
	script := func(name, body string) (string, error) {
		p := filepath.Join(env.Dir, name)
		return p, os.WriteFile(p, []byte(body), 0o644)
	}
	one, err := script("one.lua", `local c = require("container").new{rootfs = arg[1]}
assert(c:run{"/bin/true"}.code == 0)
`)
	if err != nil {
		return "", err
	}
	many, err := script("many.lua", `local c = require("container").new{rootfs = arg[1]}
for _ = 1, tonumber(arg[2]) do assert(c:run{"/bin/true"}.code == 0) end
`)
	if err != nil {
		return "", err
	}
	root, err := findBaselines()
	if err != nil {
		return "", err
	}
	floor := filepath.Join(env.Dir, "container-floor")
	build := exec.Command("go", "build", "-o", floor, ".")
	build.Dir = filepath.Join(root, "container")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the Go floor: %v\n%s", err, out)
	}
	n := env.Repeats
	var b strings.Builder
	b.WriteString("| command | median | ratio |\n| --- | --- | --- |\n")

	nslua, err := TimeCmd(n, env.Bin, one, rootfs)
	if err != nil {
		return "", err
	}
	row := func(name string, d time.Duration, ratio string) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", name, Ms(d), ratio)
	}
	row("`nslua one.lua` (container:run{\"/bin/true\"})", Median(nslua), "")
	floorOne, err := TimeCmd(n, floor, rootfs, "1")
	if err != nil {
		return "", err
	}
	row("Go floor: `bench/baselines/container ROOTFS 1`, the same container in plain Go", Median(floorOne),
		"nslua "+Ratio(Median(nslua), Median(floorOne)))

	notes := []string{}
	if _, err := exec.LookPath("bwrap"); err == nil {
		bw, err := TimeCmd(n, bwrapArgs(rootfs)...)
		if err != nil {
			return "", err
		}
		row("`bwrap --unshare-all --bind ROOTFS / --proc /proc --dev /dev --ro-bind /sys /sys` + runc's masks",
			Median(bw), "nslua "+Ratio(Median(nslua), Median(bw))+" (goal ≤ 1.0x), floor "+Ratio(Median(floorOne), Median(bw)))
		notes = append(notes, "bwrap "+strings.TrimSpace(output("bwrap", "--version"))+
			" has no overlay option: it binds the rootfs where nslua mounts an overlay with a tmpfs upper "+
			"layer, and it binds the host's /sys where nslua mounts sysfs of the new netns. It gets the same "+
			"masked and read-only /proc paths (--ro-bind /dev/null, --tmpfs + --remount-ro, --ro-bind).")
	} else {
		notes = append(notes, "bwrap is not installed: no comparison.")
	}

	crun, nsenter, err := timeCrun(env, rootfs, n)
	switch {
	case err != nil:
		notes = append(notes, "crun: "+err.Error())
	default:
		row("`nsenter --mount=NS crun run -b BUNDLE ID` (same rootfs, `crun spec` defaults)", Median(crun), "")
		net := Median(crun) - Median(nsenter)
		row("the same minus `nsenter --mount=NS true`", net,
			"nslua "+Ratio(Median(nslua), net)+" (goal ≤ 0.5x), floor "+Ratio(Median(floorOne), net))
		notes = append(notes, "crun "+firstLine(output("crun", "--version"))+" refuses this machine's hybrid "+
			"cgroup layout unless /sys/fs/cgroup/unified is unmounted: it runs in a mount namespace without it, "+
			"entered with nsenter, whose own cost is subtracted in the last row.")
	}

	// marginal cost: many containers in one script
	k := 100
	if env.Quick {
		k = 10
	}
	base, err := TimeCmd(max(3, n/3), env.Bin, many, rootfs, "1")
	if err != nil {
		return "", err
	}
	loop, err := TimeCmd(max(3, n/3), env.Bin, many, rootfs, strconv.Itoa(k+1))
	if err != nil {
		return "", err
	}
	per := (Median(loop) - Median(base)) / time.Duration(k)
	fmt.Fprintf(&b, "\nOne more container in a script that runs %d: **%s** each (goal ≤ 2 ms): "+
		"(median of %s for %d containers − %s for 1) / %d.\n", k+1, Ms(per), Ms(Median(loop)), k+1, Ms(Median(base)), k)
	floorLoop, err := TimeCmd(max(3, n/3), floor, rootfs, strconv.Itoa(k+1))
	if err != nil {
		return "", err
	}
	floorPer := (Median(floorLoop) - Median(floorOne)) / time.Duration(k)
	fmt.Fprintf(&b, "The Go floor, the same way: **%s** each (median of %s for %d − %s for 1) / %d; "+
		"nslua %s.\n", Ms(floorPer), Ms(Median(floorLoop)), k+1, Ms(Median(floorOne)), k, Ratio(per, floorPer))
	notes = append(notes, "The Go floor (`bench/baselines/container`) builds the container nslua builds, with the "+
		"kernel calls nslua makes, with no Lua, no checks and no handles; two threads take turns, one building "+
		"the next container's root while the other's container runs, so a loop uses both cores. "+
		"Where the floor itself misses a goal, the goal asks for less than this work costs in plain Go on this machine.")
	b.WriteString("\n" + strings.Join(notes, "\n\n") + "\n")
	return b.String(), nil
}

// bwrapArgs is the closest bwrap command: new namespaces (loopback up),
// the rootfs, /proc with runc's masked and read-only paths this kernel has,
// a minimal /dev, /sys read-only, a hostname and a minimal environment.
func bwrapArgs(rootfs string) []string {
	args := []string{"bwrap", "--unshare-all", "--die-with-parent", "--bind", rootfs, "/",
		"--proc", "/proc", "--dev", "/dev", "--ro-bind", "/sys", "/sys", "--hostname", "container",
		"--clearenv", "--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"--setenv", "HOME", "/root"}
	for _, p := range []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"} {
		st, err := os.Stat(p)
		switch {
		case err != nil:
		case st.IsDir():
			args = append(args, "--tmpfs", p, "--remount-ro", p)
		default:
			args = append(args, "--ro-bind", "/dev/null", p)
		}
	}
	for _, p := range []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"} {
		if _, err := os.Stat(p); err == nil {
			args = append(args, "--ro-bind", p, p)
		}
	}
	return append(args, "/bin/true")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// timeCrun times `crun run` of the rootfs as an OCI bundle, inside a mount
// namespace held by a helper shell where the cgroup v2 hierarchy of the
// hybrid layout is unmounted, and the cost of entering it alone.
func timeCrun(env *Env, rootfs string, n int) (crun, nsenter []time.Duration, err error) {
	if _, err := exec.LookPath("crun"); err != nil {
		return nil, nil, fmt.Errorf("not installed: no comparison")
	}
	bundle := filepath.Join(env.Dir, "bundle")
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		return nil, nil, err
	}
	if out, err := exec.Command("crun", "spec", "-b", bundle).CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("crun spec: %v: %s", err, out)
	}
	cfgPath := filepath.Join(bundle, "config.json")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, nil, err
	}
	cfg["root"] = map[string]any{"path": rootfs, "readonly": false}
	p := cfg["process"].(map[string]any)
	p["args"] = []string{"/bin/true"}
	p["terminal"] = false
	if raw, err = json.Marshal(cfg); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(cfgPath, raw, 0o644); err != nil {
		return nil, nil, err
	}
	holder := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		"umount /sys/fs/cgroup/unified 2>/dev/null; echo ready; exec cat")
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		return nil, nil, err
	}
	defer func() { stdin.Close(); holder.Wait() }()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		return nil, nil, fmt.Errorf("mount namespace holder did not start")
	}
	mnt := fmt.Sprintf("--mount=/proc/%d/ns/mnt", holder.Process.Pid)
	for i := 0; i < n; i++ {
		d, err := TimeCmd(1, "nsenter", mnt, "crun", "run", "-b", bundle, fmt.Sprintf("nslua-bench-%d-%d", os.Getpid(), i))
		if err != nil {
			return nil, nil, err
		}
		crun = append(crun, d...)
	}
	nsenter, err = TimeCmd(n, "nsenter", mnt, "true")
	return crun, nsenter, err
}
