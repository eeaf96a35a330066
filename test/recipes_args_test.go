package test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/scripts"
	"github.com/nslua/nslua/test/harness"
)

// usageLine is the usage line of an embedded recipe, from the arguments
// its description in scripts/NAME.lua names ("; args: [N]").
func usageLine(t *testing.T, name string) string {
	t.Helper()
	for _, r := range scripts.List() {
		if r.Name == name {
			if r.Args == "" {
				return "usage: nslua -r " + name
			}
			return "usage: nslua -r " + name + " " + r.Args
		}
	}
	t.Fatalf("no recipe %q", name)
	return ""
}

// TestRecipeBadArguments: a recipe given a bad argument says in one line
// what is wrong, then prints its usage line, and exits 2, as a command-line
// tool does; a failure it expects (no such file, no such topology, no such
// process) is one line and exit 1. Neither shows a Lua traceback, and
// neither starts anything. Every recipe refuses arguments it does not take.
func TestRecipeBadArguments(t *testing.T) {
	types := "cgroup, ipc, mnt, net, pid, time, user, uts"
	for _, tt := range []struct {
		args []string
		code int
		want string // a regexp for the first line on stderr
	}{
		{[]string{"lan", "abc"}, 2, `^lan: N must be a whole number from 2 to \d+, got "abc"$`},
		{[]string{"lan", "1"}, 2, `^lan: N must be a whole number from 2 to \d+, got "1"$`},
		{[]string{"lan", "3", "4"}, 2, `^lan: unexpected argument "4"$`},
		{[]string{"ring", "2"}, 2, `^ring: K must be a whole number of at least 3, got "2"$`},
		{[]string{"ring", "0x4"}, 2, `^ring: K must be a whole number of at least 3, got "0x4"$`},
		{[]string{"bridge-lan", "0"}, 2, `^bridge-lan: N must be a whole number from 2 to \d+, got "0"$`},
		{[]string{"bridge-lan", "x"}, 2, `^bridge-lan: N must be a whole number from 2 to \d+, got "x"$`},
		{[]string{"bridge-lan", "2.5"}, 2, `^bridge-lan: N must be a whole number from 2 to \d+, got "2.5"$`},
		{[]string{"lsns", "-t", "bogus"}, 2, `^lsns: unknown namespace type "bogus"; TYPE is one of ` + types + `$`},
		{[]string{"lsns", "-t"}, 2, `^lsns: -t needs a TYPE: ` + types + `$`},
		{[]string{"lsns", "--foo"}, 2, `^lsns: unknown option "--foo"$`},
		{[]string{"nsenter", "notapid"}, 2, `^nsenter: PID must be a whole number of at least 1, got "notapid"$`},
		{[]string{"nsenter", "0"}, 2, `^nsenter: PID must be a whole number of at least 1, got "0"$`},
		{[]string{"uts", strings.Repeat("a", 65)}, 2, `^uts: NAME1 must be a host name of 1 to 64 bytes, got 65 bytes$`},
		{[]string{"uts", "a", ""}, 2, `^uts: NAME2 must be a host name of 1 to 64 bytes, got 0 bytes$`},
		{[]string{"uts", "a", "b", "c"}, 2, `^uts: unexpected argument "c"$`},
		{[]string{"topo-down", "a", "b"}, 2, `^topo-down: unexpected argument "b"$`},
		{[]string{"load", "a.json", "b.json"}, 2, `^load: unexpected argument "b.json"$`},
		{[]string{"demo", "x"}, 2, `^demo: unknown argument "x", expected dot$`},
		{[]string{"demo", "dot", "x"}, 2, `^demo: unexpected argument "x"$`},
		{[]string{"container", "x"}, 2, `^container: unknown argument "x", expected --check$`},
		{[]string{"container", "--check", "x"}, 2, `^container: unexpected argument "x"$`},
		{[]string{"router", "x"}, 2, `^router: unexpected argument "x"$`},
		{[]string{"pidns", "x"}, 2, `^pidns: unexpected argument "x"$`},
		{[]string{"two-hosts", "x"}, 2, `^two-hosts: unexpected argument "x"$`},
		{[]string{"veth-pair", "x"}, 2, `^veth-pair: unexpected argument "x"$`},
		{[]string{"pod", "x"}, 2, `^pod: unexpected argument "x"$`},
		{[]string{"volume", "x"}, 2, `^volume: unexpected argument "x"$`},
		{[]string{"topo-down", "nslua-test-nosuch"}, 1, `^topo-down: ENOENT: topo.attach\(nslua-test-nosuch\): no topology of that name`},
		{[]string{"load", "/nonexistent.json"}, 1, `^load: ENOENT: open\(/nonexistent.json\): no such file or directory$`},
		{[]string{"nsenter", "2147483647"}, 1, `^nsenter: ESRCH: `},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			harness.NoLeaks(t)
			r := harness.Run(t, append([]string{"-r"}, tt.args...)...)
			lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
			want := []string{tt.want}
			if tt.code == 2 {
				want = append(want, "^"+regexp.QuoteMeta(usageLine(t, tt.args[0]))+"$")
			}
			ok := r.Code == tt.code && len(lines) == len(want) && r.Stdout == ""
			for i := 0; ok && i < len(want); i++ {
				ok = regexp.MustCompile(want[i]).MatchString(lines[i])
			}
			if !ok {
				t.Errorf("exit %d, want %d with the lines\n%s\nstderr:\n%s\nstdout:\n%s",
					r.Code, tt.code, strings.Join(want, "\n"), r.Stderr, r.Stdout)
			}
		})
	}
}

// TestRecipeHelp: every recipe answers -h and --help alike, before it
// starts anything: its usage line (the arguments its -r list description
// names), the description, and what each argument means, on stdout; exit 0.
func TestRecipeHelp(t *testing.T) {
	word := regexp.MustCompile(`[A-Za-z-][A-Za-z0-9.-]*[A-Za-z0-9]`)
	for _, rc := range scripts.List() {
		for _, flag := range []string{"-h", "--help"} {
			t.Run(rc.Name+" "+flag, func(t *testing.T) {
				harness.NoLeaks(t)
				r := harness.Run(t, "-r", rc.Name, flag)
				lines := strings.Split(r.Stdout, "\n")
				if r.Code != 0 || r.Stderr != "" || len(lines) < 3 ||
					lines[0] != usageLine(t, rc.Name) || lines[1] != rc.Summary {
					t.Fatalf("exit %d, want 0 with %q and %q first on stdout\nstdout:\n%s\nstderr:\n%s",
						r.Code, usageLine(t, rc.Name), rc.Summary, r.Stdout, r.Stderr)
				}
				// each argument and option of the synopsis is explained
				body := strings.Join(lines[2:], "\n")
				for _, w := range word.FindAllString(rc.Args, -1) {
					if !strings.Contains(body, w) {
						t.Errorf("the help does not explain %s:\n%s", w, r.Stdout)
					}
				}
			})
		}
	}
}

// TestRecipeList: each recipe's -r list description names its arguments
// in one style, as its usage line shows them, after "; args: ".
func TestRecipeList(t *testing.T) {
	harness.NoLeaks(t)
	out := harness.MustRun(t, "-r", "list").Stdout
	for _, rc := range scripts.List() {
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(rc.Name) + ` +(.*)$`).FindStringSubmatch(out)
		if line == nil {
			t.Errorf("-r list lacks %s:\n%s", rc.Name, out)
			continue
		}
		want := rc.Summary
		if rc.Args != "" {
			want += "; args: " + rc.Args
		}
		if line[1] != want || strings.Count(line[1], "; args: ") > 1 || strings.Contains(rc.Summary, "nslua -r") {
			t.Errorf("-r list: %s %q, want %q", rc.Name, line[1], want)
		}
	}
	// the arguments a recipe takes are the ones its description names
	for name, args := range map[string]string{
		"bridge-lan": "[N]", "lan": "[N]", "ring": "[K]", "demo": "[dot]", "container": "[--check]",
		"load": "[FILE.json]", "lsns": "[--json] [-t TYPE]", "nsenter": "[PID [CMD...]]",
		"topo-down": "[NAME]", "uts": "[NAME1 [NAME2]]",
	} {
		found := false
		for _, rc := range scripts.List() {
			if rc.Name == name {
				found = true
				if rc.Args != args {
					t.Errorf("%s: args %q, want %q", name, rc.Args, args)
				}
			}
		}
		if !found {
			t.Errorf("no recipe %s", name)
		}
	}
}

// TestRecipesHelpers: recipes.int, usage and fail, outside a recipe too
// (a copy of one run as a file names itself by its path).
func TestRecipesHelpers(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.Run(t, "-e", `local recipes = require "recipes"
		local cases = {
			{"4"}, {"+5"}, {"-3"}, {nil, {default = 4}}, {nil}, {"2.5"}, {"x"}, {""}, {"0x4"}, {"1e3"},
			{" 4"}, {"4 "}, {"--4"}, {"-3", {min = 1}}, {"300", {max = 250}}, {"250", {min = 2, max = 250}},
			{"99999999999999999999"},
		}
		local out = {}
		for i, c in ipairs(cases) do out[i] = tostring(recipes.int(c[1], c[2])) end
		print(table.concat(out, " "))
		for _, bad in ipairs {
			function() recipes.int(4) end,
			function() recipes.int("4", {mni = 1}) end,
			function() recipes.int("4", {min = 1.5}) end,
			function() recipes.int("4", {}, 3) end,
			function() recipes.usage(1) end,
			function() recipes.fail() end,
			function() recipes.fail("x", "y") end,
		} do
			local ok, err = pcall(bad)
			print(ok, err)
		end`)
	lines := strings.Split(r.Stdout, "\n")
	if r.Code != 0 || lines[0] != "4 5 -3 4 nil nil nil nil nil nil nil nil nil nil nil 250 nil" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for i, want := range []string{
		"bad argument #1 to 'int' (string or nil expected, got number)",
		`bad argument #2 to 'int' (unknown option "mni"`,
		`bad argument #2 to 'int' (option "min": integer expected`,
		"bad argument #3 to 'int'",
		"bad argument #1 to 'usage' (string expected, got number)",
		"bad argument #1 to 'fail' (string expected, got no value)",
		"bad argument #2 to 'fail'",
	} {
		if !strings.HasPrefix(lines[i+1], "false\t") || !strings.Contains(lines[i+1], want) {
			t.Errorf("bad input %d: %q, want an error with %q", i+1, lines[i+1], want)
		}
	}

	// usage and fail end the script with their code, under pcall too, and
	// name a script run from a file by its path
	script := t.TempDir() + "/myrecipe.lua"
	for _, tt := range []struct {
		code, stderr string
		exit         int
	}{
		{`pcall(require("recipes").usage, "[N]") print("not reached")`, "usage: nslua " + script + " [N]\n", 2},
		{`require("recipes").usage()`, "usage: nslua " + script + "\n", 2},
		{`pcall(require("recipes").fail, "no such thing\n") print("not reached")`, "myrecipe: no such thing\n", 1},
	} {
		if err := os.WriteFile(script, []byte(tt.code), 0o644); err != nil {
			t.Fatal(err)
		}
		r := harness.Run(t, script)
		if r.Code != tt.exit || r.Stderr != tt.stderr || r.Stdout != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit %d, stderr %q",
				tt.code, r.Code, r.Stderr, r.Stdout, tt.exit, tt.stderr)
		}
	}
}

// TestRecipeLsnsEscapes: a command line with a newline or a tab stays on its
// row, written as lsns(8) writes it (\x0a, \x09, and \x5c for a backslash
// that would read as an escape).
// utsShell starts `unshare --uts sh -c script` (a script waiting on its
// stdin, which the test holds) and returns sh's pid once unshare has execed
// it in the new uts namespace; it ends with the test.
func utsShell(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("unshare", "--uts", "sh", "-c", script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var self, it unix.Stat_t
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		if unix.Stat("/proc/self/ns/uts", &self) == nil && unix.Stat("/proc/"+pid+"/ns/uts", &it) == nil &&
			self.Ino != it.Ino && strings.HasPrefix(string(cmdline), "sh\x00") {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare did not start sh in a new uts namespace")
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

func TestRecipeLsnsEscapes(t *testing.T) {
	harness.NoLeaks(t)
	// read, a builtin, waits on stdin: no child of sh to outlive it
	pid := utsShell(t, "read x\ntrue \\x\t#")
	want := `sh -c read x\x0atrue \x5cx\x09#`
	r := harness.Run(t, "-r", "lsns", "-t", "uts")
	if r.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	var row string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[3] == pid {
			row = l
		}
	}
	if !strings.HasSuffix(row, " "+want) {
		t.Errorf("row of pid %s: %q, want the command %q\nstdout:\n%s", pid, row, want, r.Stdout)
	}
	// lsns(8) agrees, when it is here
	if _, err := exec.LookPath("lsns"); err == nil {
		out := harness.Tool(t, "lsns", "-n", "-t", "uts", "-o", "PID,COMMAND")
		found := false
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == pid {
				found = strings.HasSuffix(l, " "+want)
				if !found {
					t.Errorf("lsns(8) writes %q", l)
				}
			}
		}
		if !found {
			t.Errorf("lsns(8) does not show pid %s:\n%s", pid, out)
		}
	}
}

// The container recipe is interactive only when stdin and stdout are a
// terminal. With a controlling terminal but stdin from /dev/null (a script
// run from an interactive shell) it runs its scripted check: it used to open
// a shell there, which read end of input at once.
func TestRecipeContainerScriptedWithoutATerminalStdin(t *testing.T) {
	harness.NoLeaks(t)
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	cmd := exec.Command(harness.Bin(), "-r", "container")
	cmd.Dir = harness.Root()
	cmd.Stdin = null // stdout and stderr: the terminal, which is also the controlling one
	cmd.SysProcAttr = &syscall.SysProcAttr{Ctty: 1}
	rt := startOnPTY(t, cmd, 100, "ok: the container had its own namespaces")
	<-rt.done
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, rt.screen())
	}
	if strings.Contains(rt.screen(), "busybox shell in a container") {
		t.Errorf("the recipe went interactive with stdin from /dev/null:\n%s", rt.screen())
	}
}

// TestRecipeNsenterCommand: as nsenter(1), the recipe passes on the
// command's exit code and its stderr, says so when the command cannot be
// run (127 when it is not found), and refuses in one line a process whose
// namespaces cannot be entered (a zombie has none) instead of crashing.
func TestRecipeNsenterCommand(t *testing.T) {
	harness.NoLeaks(t)
	// the target, in a uts namespace of its own; /bin/true becomes a zombie
	// child of sleep, which never reaps it
	cmd := exec.Command("unshare", "--uts", "sh", "-c", "hostname nsenter-test; /bin/true & exec sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	var zombie string
	deadline := time.Now().Add(10 * time.Second)
	for zombie == "" {
		comm, _ := os.ReadFile("/proc/" + pid + "/comm")
		kids, _ := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
		if string(comm) == "sleep\n" {
			for _, k := range strings.Fields(string(kids)) {
				if st, _ := os.ReadFile("/proc/" + k + "/stat"); strings.Contains(string(st), ") Z ") {
					zombie = k
				}
			}
		}
		if zombie == "" && time.Now().After(deadline) {
			t.Fatal("no sleep with a zombie child")
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}

	for _, tt := range []struct {
		args           []string
		code           int
		stdout, stderr string // stderr: a regexp
	}{
		{[]string{pid}, 0, "nsenter-test\n", `^$`},
		{[]string{pid, "hostname"}, 0, "nsenter-test\n", `^$`},
		{[]string{pid, "false"}, 1, "", `^$`},
		{[]string{pid, "sh", "-c", "echo out; echo err >&2; exit 7"}, 7, "out\n", `^err\n$`},
		{[]string{pid, "nslua-no-such-command"}, 127, "", `^nsenter: ENOENT: exec\(nslua-no-such-command\): no such file or directory.*\n$`},
		{[]string{pid, "/etc/passwd"}, 126, "", `^nsenter: EACCES: exec\(/etc/passwd\): permission denied.*\n$`},
		{[]string{zombie}, 1, "", `^nsenter: ENOENT: open\(/proc/` + zombie + `/ns/[a-z]+\): no such file or directory\n$`},
	} {
		r := harness.Run(t, append([]string{"-r", "nsenter"}, tt.args...)...)
		if r.Code != tt.code || r.Stdout != tt.stdout || !regexp.MustCompile(tt.stderr).MatchString(r.Stderr) {
			t.Errorf("nsenter %s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr matching %q",
				strings.Join(tt.args, " "), r.Code, r.Stdout, r.Stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}

// TestRecipeLoadColumns: the table of the lab's interfaces has every column
// as wide as its widest cell, so each starts at the same place on every row
// (client-eth0 and office-eth0 used to push theirs along).
func TestRecipeLoadColumns(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.MustRun(t, "-r", "load")
	table, _, ok := strings.Cut(r.Stdout, "*** Ping")
	if !ok {
		t.Fatalf("no ping report:\n%s", r.Stdout)
	}
	cell := regexp.MustCompile(`\S+`)
	var starts [][]int
	for _, l := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
		var s []int
		for _, m := range cell.FindAllStringIndex(l, -1) {
			s = append(s, m[0])
		}
		starts = append(starts, s)
	}
	if len(starts) != 11 { // the header and 10 interfaces
		t.Fatalf("want a header and 10 rows:\n%s", table)
	}
	for i, s := range starts {
		if len(s) != 5 || fmtInts(s) != fmtInts(starts[0]) {
			t.Errorf("row %d: columns start at %v, the header's at %v:\n%s", i, s, starts[0], table)
		}
	}
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// TestRecipeVethPairIPv6: the first IPv6 ping does not wait out a lost
// neighbour solicitation (a second), because the recipe waits until IPv6 is
// up on both ends first; the timing column says what it is.
func TestRecipeVethPairIPv6(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.MustRun(t, "-r", "veth-pair")
	row := regexp.MustCompile(`(?m)^(left|right) +-> (\S+) +(\d+)/(\d+) +([0-9.]+) ms$`)
	header := regexp.MustCompile(`(?m)^from +-> to +replies +mean rtt$`)
	rows := row.FindAllStringSubmatch(r.Stdout, -1)
	if !header.MatchString(r.Stdout) || len(rows) != 4 {
		t.Fatalf("want a labelled header and 4 rows:\n%s", r.Stdout)
	}
	for _, m := range rows {
		// a lost solicitation makes the mean of 3 pings at least 333 ms
		if ms, _ := strconv.ParseFloat(m[5], 64); ms > 200 {
			t.Errorf("%s -> %s: mean rtt %s ms: a ping waited for the neighbour:\n%s", m[1], m[2], m[5], r.Stdout)
		}
	}
}

// gcThresh3 is the size of the kernel's neighbour table, as ip ntable shows
// it from any network namespace.
func gcThresh3(t *testing.T) int {
	out := harness.Tool(t, "ip", "ntable", "show", "name", "arp_cache")
	m := regexp.MustCompile(`thresh3 (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ip ntable shows no thresh3:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestRecipeBridgeLanCap: all pairs of N hosts pinging need N*(N-1)
// neighbour entries, from one table for the whole machine: bridge-lan takes
// N only as far as they fit in gc_thresh3 less 128, and says why it refuses
// more (35 hosts used to fail half way with "h12 cannot reach h41").
func TestRecipeBridgeLanCap(t *testing.T) {
	harness.NoLeaks(t)
	thresh := gcThresh3(t)
	limit := 2
	for limit < 250 && (limit+1)*limit <= thresh-128 {
		limit++
	}
	h := harness.MustRun(t, "-r", "bridge-lan", "--help")
	if !strings.Contains(h.Stdout, fmt.Sprintf("N   hosts, 2 to %d (default 4)", limit)) ||
		!strings.Contains(h.Stdout, fmt.Sprintf("holds %d here", thresh)) {
		t.Errorf("the help does not give the limit %d from gc_thresh3 %d:\n%s", limit, thresh, h.Stdout)
	}
	if limit == 250 {
		t.Skipf("gc_thresh3 is %d: the neighbour table leaves no limit below 250 to check", thresh)
	}
	n := limit + 1
	r := harness.Run(t, "-r", "bridge-lan", strconv.Itoa(n))
	want := fmt.Sprintf("bridge-lan: N = %d hosts pinging each other need %d neighbour entries, "+
		"but the kernel's table, shared by every namespace, holds %d (", n, n*(n-1), thresh)
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if r.Code != 2 || len(lines) != 2 || !strings.HasPrefix(lines[0], want) ||
		!strings.HasSuffix(lines[0], fmt.Sprintf("N may be at most %d", limit)) || lines[1] != "usage: nslua -r bridge-lan [N]" {
		t.Errorf("bridge-lan %d: exit %d, want 2 with %q...\nstderr:\n%s\nstdout:\n%s", n, r.Code, want, r.Stderr, r.Stdout)
	}
}

// TestRecipeLsnsCutsToTheTerminal: on a terminal, a command line longer than
// the row has room for is cut at the terminal's width, as lsns(8) cuts it,
// instead of wrapping; into a pipe the row is whole, as lsns(8) writes it.
func TestRecipeLsnsCutsToTheTerminal(t *testing.T) {
	harness.NoLeaks(t)
	long := "read x # " + strings.Repeat("y", 200)
	pid := utsShell(t, long)
	rowOf := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 3 && f[3] == pid {
				return l
			}
		}
		return ""
	}

	piped := harness.MustRun(t, "-r", "lsns", "-t", "uts")
	whole := rowOf(piped.Stdout)
	if !strings.HasSuffix(whole, " sh -c "+long) {
		t.Fatalf("into a pipe, the row of pid %s is %q, want the whole command\n%s", pid, whole, piped.Stdout)
	}

	const cols = 70
	term := exec.Command(harness.Bin(), "-r", "lsns", "-t", "uts")
	term.Dir = harness.Root()
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "COLUMNS=") {
			term.Env = append(term.Env, e)
		}
	}
	rt := startOnPTY(t, term, cols, "COMMAND")
	<-rt.done
	screen := rt.screen()
	row := rowOf(screen)
	if len(row) != cols || !strings.HasPrefix(whole, row) {
		t.Errorf("on a terminal %d wide, the row of pid %s is %q (%d wide), want the first %d bytes of %q",
			cols, pid, row, len(row), cols, whole)
	}
	for _, l := range strings.Split(screen, "\n") {
		if len(l) > cols && !strings.HasPrefix(l, "lsns: ") { // stderr is not a table
			t.Errorf("a line %d wide on a terminal %d wide: %q", len(l), cols, l)
		}
	}
}

// TestRecipesArgsHelper: recipes.args, the one way every recipe reads its
// command line, in a copy run from a file (named by its path, described by
// its own first line), and its bad input.
func TestRecipesArgsHelper(t *testing.T) {
	harness.NoLeaks(t)
	script := t.TempDir() + "/myrecipe.lua"
	src := `-- myrecipe.lua: counts to N; args: [N]
local recipes = require "recipes"
local a = recipes.args("[N]", { max = 1, help = "  N   how far, 1 to 5" })
print(a:int(1, "N", { default = 3, min = 1, max = 5 }), a.synopsis, recipes.columns())
`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	usage := "usage: nslua " + script + " [N]\n"
	for _, tt := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{nil, 0, "3\t[N]\tnil\n", ""},
		{[]string{"5"}, 0, "5\t[N]\tnil\n", ""},
		{[]string{"-h"}, 0, usage + "counts to N\n\n  N   how far, 1 to 5\n", ""},
		{[]string{"4", "--help"}, 0, usage + "counts to N\n\n  N   how far, 1 to 5\n", ""},
		{[]string{"9"}, 2, "", `myrecipe: N must be a whole number from 1 to 5, got "9"` + "\n" + usage},
		{[]string{"1", "2"}, 2, "", `myrecipe: unexpected argument "2"` + "\n" + usage},
	} {
		r := harness.Run(t, append([]string{script}, tt.args...)...)
		if r.Code != tt.code || r.Stdout != tt.stdout || r.Stderr != tt.stderr {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
				tt.args, r.Code, r.Stdout, r.Stderr, tt.code, tt.stdout, tt.stderr)
		}
	}

	bad := t.TempDir() + "/bad.lua"
	if err := os.WriteFile(bad, []byte(`local recipes = require "recipes"
		local a = recipes.args("[N]", { max = 1 })
		for _, bad in ipairs {
			function() recipes.args(1) end,
			function() recipes.args("", { mx = 1 }) end,
			function() recipes.args("", { max = -1 }) end,
			function() recipes.args("", { rest = 1.5 }) end,
			function() recipes.args("", {}, 3) end,
			function() a.int(1, "N") end,
			function() a:int(0, "N") end,
			function() a:int(1) end,
			function() a:int(1, "N", { dflt = 1 }) end,
			function() a:bad() end,
			function() a:help(1) end,
			function() recipes.columns(1) end,
		} do
			local ok, err = pcall(bad)
			print(ok, err)
		end`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := harness.Run(t, bad)
	lines := strings.Split(r.Stdout, "\n")
	for i, want := range []string{
		"bad argument #1 to 'args' (string expected, got number)",
		`bad argument #2 to 'args' (unknown option "mx"`,
		`bad argument #2 to 'args' (option "max": a count of arguments expected, got -1)`,
		`bad argument #2 to 'args' (option "rest": integer expected`,
		"bad argument #3 to 'args'",
		"bad argument #1 to 'int' (recipes.args object expected, got number",
		"bad argument #2 to 'int' (an argument number from 1 expected, got 0)",
		"bad argument #3 to 'int' (string expected, got no value)",
		`bad argument #4 to 'int' (unknown option "dflt"`,
		"bad argument #2 to 'bad' (string expected, got no value)",
		"bad argument #2 to 'help'",
		"bad argument #1 to 'columns'",
	} {
		if i >= len(lines) {
			t.Fatalf("bad input %d: no output\nstdout:\n%s\nstderr:\n%s", i+1, r.Stdout, r.Stderr)
		}
		if !strings.HasPrefix(lines[i], "false\t") || !strings.Contains(lines[i], want) {
			t.Errorf("bad input %d: %q, want an error with %q\nstdout:\n%s\nstderr:\n%s", i+1, lines[i], want, r.Stdout, r.Stderr)
		}
	}
}
