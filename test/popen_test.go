package test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nslua/nslua/test/harness"
)

// The file methods of an io.popen pipe, where gopher-lua's broke them:
// io.close() of a pipe made the default output waited for ever for a "w"
// child (its input was never closed), setvbuf made a new pipe to a running
// child and lost the old one (write then failed and close() waited for
// ever), and a second close() returned 0 as if the child had exited
// anew. os.execute() without a command raised; C Lua answers whether a
// shell is there.
func TestCLIPopenFileMethods(t *testing.T) {
	cases := []struct{ name, script, want string }{
		{"io.close of the default output",
			`io.output(assert(io.popen("tr a-z A-Z", "w")))
io.write("default output\n")
local st = io.close()
io.output(io.stdout)
print("closed:", st)`,
			"DEFAULT OUTPUT\nclosed:\t0\n"},
		{"setvbuf on a w pipe",
			`local w = assert(io.popen("tr a-z A-Z", "w"))
print(w:setvbuf("no"))
print(w:write("unbuffered\n"))
print(w:setvbuf("full", 1024))
print(w:write("full\n"))
print(w:setvbuf("line"))
print("closed:", w:close())`,
			"true\ntrue\ntrue\ntrue\ntrue\nUNBUFFERED\nFULL\nclosed:\t0\n"},
		{"setvbuf on a r pipe",
			`local r = assert(io.popen("echo x"))
print(r:setvbuf("no"), r:read("*l"), r:close())
print(pcall(r.setvbuf, r, "no"))
local r = assert(io.popen("true"))
print(pcall(r.setvbuf, r, "some"))
r:close()`,
			"true\tx\t0\n" +
				"false\t(command line):3: bad argument #1 to 'setvbuf' (file is closed)\n" +
				"false\t(command line):5: bad argument #2 to 'setvbuf' (invalid option \"some\": \"no\", \"full\" or \"line\" expected)\n"},
		{"close twice",
			`local r = assert(io.popen("exit 7"))
print(r:close())
print(pcall(r.close, r))
print(pcall(io.close, r))
local w = assert(io.popen("cat", "w"))
print(w:close())
print(pcall(w.close, w))`,
			"7\n" +
				"false\t(command line):3: bad argument #1 to 'close' (file is closed)\n" +
				"false\t(command line):4: bad argument #1 to 'close' (file is closed)\n" +
				"0\n" +
				"false\t(command line):7: bad argument #1 to 'close' (file is closed)\n"},
		{"os.execute without a command",
			`print(os.execute())`,
			"true\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			harness.NoLeaks(t)
			r := harness.RunWith(t, harness.RunOpts{Timeout: 20 * time.Second}, "-e", tc.script)
			wantCode(t, r, 0)
			if r.Stdout != tc.want || r.Stderr != "" {
				t.Errorf("stdout %q, want %q; stderr %q", r.Stdout, tc.want, r.Stderr)
			}
		})
	}
}

// A pipe the script drops without close() — `io.popen(cmd):read("*a")`
// in a loop — is closed and its child reaped once Go's garbage collector
// finds it, as C Lua's __gc does; before, every one stayed a zombie until
// nslua ended. And a child that is still running holds no thread of nslua
// (its pidfd waits in the netpoller): before, each held one, so 200 live
// pipes made 200 threads.
func TestCLIPopenDroppedPipesAndThreads(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "drop.lua", `
for i = 1, 200 do io.popen("echo dropped"):read("*l") end
for i = 1, 200 do io.popen("cat >/dev/null", "w"):write("x") end
local live = {}
for i = 1, 200 do live[i] = assert(io.popen("cat", "w")) end
print("live") io.stdout:flush()
io.read("*l")
for i = 1, 200 do live[i]:close() end
live = nil
collectgarbage() collectgarbage()
print("dropped") io.stdout:flush()
io.read("*l")
`)
	cmd := exec.Command(harness.Bin(), s)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines := bufio.NewReader(out)
	expect := func(want string) {
		t.Helper()
		l, err := lines.ReadString('\n')
		if err != nil || l != want+"\n" {
			t.Fatalf("nslua said %q, %v; want %q", l, err, want)
		}
	}
	pid := cmd.Process.Pid
	expect("live")
	// 200 cats wait for their input: 200 children, and no thread for each
	if n := len(childrenOf(pid)); n < 200 {
		t.Errorf("%d children with 200 pipes open, want 200 or more", n)
	}
	if n := threadsOf(t, pid); n > 50 {
		t.Errorf("nslua has %d threads with 200 pipes open: a thread per child", n)
	}
	io.WriteString(stdin, "\n")
	expect("dropped")
	waitFor(t, 20*time.Second, "the children of the dropped pipes to be reaped", func() bool {
		return len(childrenOf(pid)) == 0
	})
	io.WriteString(stdin, "\n")
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// childrenOf lists the children of pid, zombies included, from /proc.
func childrenOf(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// threadsOf returns the Threads: line of /proc/PID/status.
func threadsOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no Threads: in /proc/%d/status", pid)
	return 0
}
