package test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/test/harness"
)

// TestRecipeBadArguments: a recipe given a bad argument prints one usage line
// and exits 2, as a command-line tool does; a failure it expects (no such
// file, no such topology, no such process) is one line and exit 1. Neither
// shows a Lua traceback, and neither starts anything.
func TestRecipeBadArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string // the start of the one line on stderr
	}{
		{[]string{"lan", "abc"}, 2, "usage: nslua -r lan "},
		{[]string{"lan", "1"}, 2, "usage: nslua -r lan "},
		{[]string{"lan", "3", "4"}, 2, "usage: nslua -r lan "},
		{[]string{"ring", "2"}, 2, "usage: nslua -r ring "},
		{[]string{"ring", "0x4"}, 2, "usage: nslua -r ring "},
		{[]string{"bridge-lan", "0"}, 2, "usage: nslua -r bridge-lan "},
		{[]string{"bridge-lan", "x"}, 2, "usage: nslua -r bridge-lan "},
		{[]string{"bridge-lan", "2.5"}, 2, "usage: nslua -r bridge-lan "},
		{[]string{"bridge-lan", "251"}, 2, "usage: nslua -r bridge-lan "},
		{[]string{"lsns", "-t", "bogus"}, 2, "usage: nslua -r lsns "},
		{[]string{"lsns", "-t"}, 2, "usage: nslua -r lsns "},
		{[]string{"lsns", "--foo"}, 2, "usage: nslua -r lsns "},
		{[]string{"nsenter", "notapid"}, 2, "usage: nslua -r nsenter "},
		{[]string{"nsenter", "0"}, 2, "usage: nslua -r nsenter "},
		{[]string{"uts", strings.Repeat("a", 65)}, 2, "usage: nslua -r uts "},
		{[]string{"topo-down", "a", "b"}, 2, "usage: nslua -r topo-down "},
		{[]string{"load", "a.json", "b.json"}, 2, "usage: nslua -r load "},
		{[]string{"topo-down", "nslua-test-nosuch"}, 1, `topo-down: ENOENT: topo.attach(nslua-test-nosuch): no topology of that name`},
		{[]string{"load", "/nonexistent.json"}, 1, "load: ENOENT: open(/nonexistent.json): no such file or directory"},
		{[]string{"nsenter", "2147483647"}, 1, "nsenter: ESRCH: "},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			harness.NoLeaks(t)
			r := harness.Run(t, append([]string{"-r"}, tt.args...)...)
			lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
			if r.Code != tt.code || len(lines) != 1 || !strings.HasPrefix(lines[0], tt.want) || r.Stdout != "" {
				t.Errorf("exit %d, want %d with one line starting %q\nstderr:\n%s\nstdout:\n%s",
					r.Code, tt.code, tt.want, r.Stderr, r.Stdout)
			}
		})
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
func TestRecipeLsnsEscapes(t *testing.T) {
	harness.NoLeaks(t)
	// read, a builtin, waits on stdin: no child of sh to outlive it
	cmd := exec.Command("unshare", "--uts", "sh", "-c", "read x\ntrue \\x\t#")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	// unshare has execed sh once its namespace is new
	want := `sh -c read x\x0atrue \x5cx\x09#`
	deadline := time.Now().Add(10 * time.Second)
	for {
		var self, it unix.Stat_t
		cmdline, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		if unix.Stat("/proc/self/ns/uts", &self) == nil && unix.Stat("/proc/"+pid+"/ns/uts", &it) == nil &&
			self.Ino != it.Ino && strings.HasPrefix(string(cmdline), "sh\x00") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare did not start sh in a new uts namespace")
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
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
