package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

func init() {
	register(Bench{
		Name:  "70-rootless",
		Title: "Rootless mode: the cost of the re-exec and the user namespace",
		Run:   benchRootless,
	})
}

// benchRootless runs the same work as root and with --rootless, alternating
// the two so that drift on the machine hits both alike. As root, --rootless
// takes the same path as an unprivileged user (re-exec, new user namespace
// mapping the caller to 0, private mount namespace and runtime tmpfs); only
// newuidmap/newgidmap, which run when the caller has /etc/subuid ranges, are
// not part of it, and are measured on their own when installed.
func benchRootless(env *Env) (string, error) {
	if os.Getuid() != 0 {
		return "", fmt.Errorf("needs root (the baseline runs as root)")
	}
	var b strings.Builder
	b.WriteString("| work | as root | --rootless | overhead | ratio |\n|---|---|---|---|---|\n")
	row := func(name string, n int, args ...string) error {
		root, rl, err := alternate(n,
			append([]string{env.Bin, "--no-rootless"}, args...),
			append([]string{env.Bin, "--rootless"}, args...))
		if err != nil {
			return err
		}
		mr, ml := Median(root), Median(rl)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, Ms(mr), Ms(ml), Ms(ml-mr), Ratio(ml, mr))
		return nil
	}
	if err := row("empty script (`-e ''`), start to exit", env.Repeats, "-e", ""); err != nil {
		return "", err
	}
	lanN := "100"
	reps := 5
	if env.Quick {
		lanN, reps = "10", 1
	}
	if !strings.Contains(output(env.Bin, "-r", "list"), "lan ") {
		b.WriteString("\nThe lan recipe is not in this build; its row is missing.\n")
	} else if err := row("`nslua -r lan "+lanN+"` (build, ping, tear down)", reps, "-r", "lan", lanN); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nMedians of %d runs (lan: %d), the two modes alternating in one run. "+
		"The re-exec costs one more start of nslua plus a user and a mount namespace (made, and torn down at exit). "+
		"Building a topology costs the same in both modes: rootless, the netns pins go to a private tmpfs; "+
		"as root to /run/netns, which is a tmpfs on most systems%s.", env.Repeats, reps, runNetnsNote())
	if p, err := exec.LookPath("newuidmap"); err == nil {
		// the helper's own cost: it refuses (no range for root) after
		// starting, reading /etc/subuid and checking the caller
		ds, _ := timeFailing(env.Repeats, p, "1", "0", "0", "1")
		fmt.Fprintf(&b, " A caller with /etc/subuid ranges also pays for newuidmap and newgidmap"+
			" (two setuid executions, ~%s each here).", Ms(Median(ds)))
	}
	b.WriteString("\n")
	return b.String(), nil
}

// alternate times a and b n times each, interleaved. A failed run is tried
// once more (the lan recipe asserts that every ping came back, and one in
// many runs loses one): twice in a row is an error.
func alternate(n int, a, b []string) (da, db []time.Duration, err error) {
	once := func(argv []string) ([]time.Duration, error) {
		d, err := TimeCmd(1, argv...)
		if err != nil {
			d, err = TimeCmd(1, argv...)
		}
		return d, err
	}
	for i := 0; i < n; i++ {
		x, err := once(a)
		if err != nil {
			return nil, nil, err
		}
		y, err := once(b)
		if err != nil {
			return nil, nil, err
		}
		da, db = append(da, x...), append(db, y...)
	}
	return da, db, nil
}

// timeFailing times a command whose exit status does not matter.
func timeFailing(n int, argv ...string) ([]time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		exec.Command(argv[0], argv[1:]...).Run()
		ds = append(ds, time.Since(start))
	}
	return ds, nil
}

// runNetnsNote says when /run/netns is not on a tmpfs here: its pins then
// cost file system work that rootless mode (a private tmpfs) does not pay.
func runNetnsNote() string {
	out := strings.TrimSpace(output("findmnt", "-n", "-o", "FSTYPE", "--target", "/run/netns"))
	if out == "" || out == "tmpfs" {
		return ""
	}
	return " but " + out + " on this machine, so the root runs also pay for creating and removing the pin files on disk"
}
