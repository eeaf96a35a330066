package test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nslua/nslua/test/harness"
)

// writeScript writes a Lua script into a fresh directory and returns its path.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// oneCleanLine checks that stderr is a single line about the problem: no Go
// stack trace, no panic, no Lua traceback.
func oneCleanLine(t *testing.T, r harness.Result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("stderr should be one line containing %q, got:\n%s", want, r.Stderr)
	}
	for _, bad := range []string{"goroutine ", "panic:", ".go:", "stack traceback"} {
		if strings.Contains(r.Stderr, bad) {
			t.Errorf("stderr contains %q:\n%s", bad, r.Stderr)
		}
	}
}

func wantCode(t *testing.T, r harness.Result, code int) {
	t.Helper()
	if r.Code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.Code, code, r.Stdout, r.Stderr)
	}
}

func TestCLIEval(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.MustRun(t, "-e", "print(1+1)")
	if r.Stdout != "2\n" || r.Stderr != "" {
		t.Errorf("stdout %q stderr %q", r.Stdout, r.Stderr)
	}
}

func TestCLIEvalRepeatsInOrder(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.MustRun(t, "-e", "x = 1", "-e", "x = x * 10 + 2", "-eprint(x)", "-e", "io.write('end\\n')")
	if r.Stdout != "12\nend\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	r = harness.Run(t, "-e")
	wantCode(t, r, 2)
	oneCleanLine(t, r, "option -e needs an argument")
}

func TestCLIRequireFlagBindsGlobal(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.MustRun(t, "-l", "json", "-e", "print(type(json), json == package.loaded.json, json.encode({1}))")
	if r.Stdout != "table\ttrue\t[1]\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	// a stdlib module, bound for a script that follows
	s := writeScript(t, "s.lua", "print(type(testing), type(testing.main))")
	r = harness.MustRun(t, "-ltesting", s)
	if r.Stdout != "table\tfunction\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	// -l G=NAME binds NAME to the global G, as lua.c 5.4 does
	s = writeScript(t, "g.lua", "print(j == package.loaded.json, type(t.main), rawget(_G, \"json\"))")
	r = harness.MustRun(t, "-l", "j=json", "-lt=testing", s)
	if r.Stdout != "true\tfunction\tnil\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	r = harness.Run(t, "-l", "nosuchmod")
	wantCode(t, r, 1)
	if !strings.Contains(r.Stderr, "module nosuchmod not found") {
		t.Errorf("stderr %q", r.Stderr)
	}
}

// -e, the script and the REPL share one Lua state, as in lua.c.
func TestCLIEvalThenScriptShareState(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "s.lua", "print(x)")
	r := harness.MustRun(t, "-e", "x = 'from -e'", s)
	if r.Stdout != "from -e\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
}

func TestCLIScriptArgs(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "args.lua", `
print(arg[0], #arg, arg[1], arg[2], arg[3])
print(select("#", ...), ...)
`)
	r := harness.MustRun(t, s, "a b", "", "-e")
	want := s + "\t3\ta b\t\t-e\n3\ta b\t\t-e\n"
	if r.Stdout != want {
		t.Errorf("stdout %q, want %q", r.Stdout, want)
	}
	// options after the script belong to the script; -- ends nslua's options
	r = harness.MustRun(t, "--", s, "-v")
	if !strings.HasSuffix(r.Stdout, "1\t-v\n") {
		t.Errorf("stdout %q", r.Stdout)
	}
}

func TestCLIScriptFromStdin(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.RunWith(t, harness.RunOpts{Stdin: "print(arg[0], ...)\n"}, "-", "x", "y")
	wantCode(t, r, 0)
	if r.Stdout != "-\tx\ty\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	r = harness.RunWith(t, harness.RunOpts{Stdin: "\n\nerror('from stdin')\n"}, "-")
	wantCode(t, r, 1)
	if !strings.Contains(r.Stderr, "stdin:3: from stdin") {
		t.Errorf("stderr %q", r.Stderr)
	}
	// after "--", "-" is a file of that name, as lua.c has it
	r = harness.RunWith(t, harness.RunOpts{Stdin: "print('from stdin')\n"}, "--", "-")
	wantCode(t, r, 1)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "cannot open -") {
		t.Errorf("-- -: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
}

func TestCLIShebangLineSkipped(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "sb.lua", "#!/usr/bin/env nslua\nprint('ran')\nerror('line three')\n")
	r := harness.Run(t, s)
	wantCode(t, r, 1)
	if r.Stdout != "ran\n" || !strings.Contains(r.Stderr, s+":3: line three") {
		t.Errorf("stdout %q stderr %q", r.Stdout, r.Stderr)
	}
}

func TestCLIUncaughtErrorHasTraceback(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "boom.lua", `local function inner()
  error("it broke")
end
local function outer() inner() end
outer()
`)
	r := harness.Run(t, s)
	wantCode(t, r, 1)
	for _, want := range []string{
		"nslua: " + s + ":2: it broke\n", "stack traceback:", s + ":2:", s + ":4:", s + ":5: in main chunk",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "goroutine ") {
		t.Errorf("Go stack trace in stderr:\n%s", r.Stderr)
	}
}

func TestCLISyntaxError(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "syn.lua", "local x = 1\nx = = 2\n")
	r := harness.Run(t, s)
	wantCode(t, r, 1)
	oneCleanLine(t, r, s+":2:5: syntax error near '='")

	r = harness.Run(t, "-e", "print(1")
	wantCode(t, r, 1)
	oneCleanLine(t, r, "(command line):1: syntax error near <eof>")

	// at the end of input: the last line, as lua.c says
	s = writeScript(t, "eof.lua", "local x = 1\nif x then\n")
	r = harness.Run(t, s)
	wantCode(t, r, 1)
	oneCleanLine(t, r, s+":3: syntax error near <eof>")
}

func TestCLIUsageErrors(t *testing.T) {
	harness.NoLeaks(t)
	for _, args := range [][]string{{"--bogus"}, {"-x", "s.lua"}, {"-l"}} {
		r := harness.Run(t, args...)
		wantCode(t, r, 2)
		oneCleanLine(t, r, "nslua: ")
		if !strings.Contains(r.Stderr, args[0]) {
			t.Errorf("%v: stderr does not name the option: %q", args, r.Stderr)
		}
	}
}

func TestCLIMissingScript(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.Run(t, "/nonexistent/script.lua")
	wantCode(t, r, 1)
	oneCleanLine(t, r, "cannot open /nonexistent/script.lua: no such file or directory")
	dir := t.TempDir()
	r = harness.Run(t, dir)
	wantCode(t, r, 1)
	oneCleanLine(t, r, "cannot read "+dir+": is a directory")
}

func TestCLIVersionAndHelp(t *testing.T) {
	harness.NoLeaks(t)
	for _, f := range []string{"-v", "--version"} {
		r := harness.MustRun(t, f)
		if !regexp.MustCompile(`^nslua \S+ \(Lua 5\.1\)\n$`).MatchString(r.Stdout) {
			t.Errorf("%s: stdout %q", f, r.Stdout)
		}
	}
	for _, f := range []string{"-h", "--help"} {
		r := harness.MustRun(t, f)
		for _, want := range []string{"usage: nslua", "-e CODE", "-r NAME", "--rootless", "json "} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("%s: help lacks %q:\n%s", f, want, r.Stdout)
			}
		}
	}
}

// os.exit(n) exits with n after the closers ran: it unwinds instead of
// calling Go's os.Exit.
func TestCLIOSExitRunsClosers(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	mark := filepath.Join(dir, "closed")
	s := writeScript(t, "exit.lua", `
local nslua = require "nslua"
nslua.on_exit(function()
  local f = assert(io.open(arg[1], "w")); f:write("closer ran"); f:close()
end)
local function deep() os.exit(7) end
deep()
print("not reached")
`)
	r := harness.Run(t, s, mark)
	wantCode(t, r, 7)
	if r.Stdout != "" || r.Stderr != "" {
		t.Errorf("stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	if b, err := os.ReadFile(mark); err != nil || string(b) != "closer ran" {
		t.Errorf("closer did not run: %q %v", b, err)
	}
}

// SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) end nslua
// with 128+signal after the closers ran, like a shell's EXIT trap: during a
// busy loop, and while the script waits in io.read for a line that does not
// come ("press Enter to tear down"), where a blocking read used to keep it
// waiting until then.
func TestCLISignalsRunClosers(t *testing.T) {
	type sigCase struct {
		sig  syscall.Signal
		code int
		msg  string
	}
	var cases []sigCase
	for _, c := range []sigCase{{syscall.SIGINT, 130, "interrupted"}, {syscall.SIGTERM, 143, "terminated"}, {syscall.SIGHUP, 129, "hangup"}} {
		cases = append(cases, c)
	}
	for _, wait := range []string{"while true do end", "io.read()"} {
		for _, tc := range cases {
			testSignalRunsClosers(t, tc.sig, tc.code, tc.msg, wait)
		}
	}
}

func testSignalRunsClosers(t *testing.T, sig syscall.Signal, code int, msg, wait string) {
	tc := struct {
		sig  syscall.Signal
		code int
		msg  string
	}{sig, code, msg}
	{
		t.Run(tc.sig.String()+" in "+wait, func(t *testing.T) {
			harness.NoLeaks(t)
			dir := t.TempDir()
			ready, mark := filepath.Join(dir, "ready"), filepath.Join(dir, "closed")
			s := writeScript(t, "loop.lua", `
require("nslua").on_exit(function()
  local f = assert(io.open(arg[2], "w")); f:write("closer ran"); f:close()
end)
local f = assert(io.open(arg[1], "w")); f:close()
`+wait+"\n")
			cmd := exec.Command(harness.Bin(), s, ready, mark)
			stdin, err := cmd.StdinPipe() // open, and nothing comes
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			done := startWatched(t, cmd)
			waitFor(t, 30*time.Second, "the script to start its loop", func() bool {
				_, err := os.Stat(ready)
				return err == nil
			})
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("nslua still running 30 s after %v", tc.sig)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("wait: %v", err)
			}
			ws := ee.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				t.Fatalf("nslua was killed by %v instead of exiting %d", ws.Signal(), tc.code)
			}
			if ws.ExitStatus() != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", ws.ExitStatus(), tc.code, stderr.String())
			}
			if b, err := os.ReadFile(mark); err != nil || string(b) != "closer ran" {
				t.Errorf("closer did not run: %q %v", b, err)
			}
			if got := stderr.String(); got != "nslua: "+tc.msg+"\n" {
				t.Errorf("stderr %q", got)
			}
		})
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}

// recipeDocs reads scripts/*.lua straight from the source tree: each file's
// first comment line is "-- NAME.lua: description".
func recipeDocs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(harness.Root(), "scripts", "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recipes in scripts/ (%v)", err)
	}
	docs := map[string]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		name := strings.TrimSuffix(filepath.Base(f), ".lua")
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#!") || strings.TrimSpace(line) == "" {
				continue
			}
			if _, doc, ok := strings.Cut(line, name+".lua:"); ok && strings.HasPrefix(line, "--") {
				docs[name] = strings.TrimSpace(doc)
			}
			break
		}
		fh.Close()
		if docs[name] == "" {
			t.Errorf("scripts/%s.lua does not start with \"-- %s.lua: what it shows\"", name, name)
		}
	}
	return docs
}

func TestCLIRecipeList(t *testing.T) {
	harness.NoLeaks(t)
	docs := recipeDocs(t)
	r := harness.MustRun(t, "-r", "list")
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if len(lines) != len(docs) {
		t.Errorf("-r list shows %d lines for %d recipes:\n%s", len(lines), len(docs), r.Stdout)
	}
	for name, doc := range docs {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+` + regexp.QuoteMeta(doc) + `$`)
		if !re.MatchString(r.Stdout) {
			t.Errorf("-r list lacks %q with %q:\n%s", name, doc, r.Stdout)
		}
	}
}

// -r NAME args runs the embedded recipe with arg set as for a script. The
// -e hook prints what the recipe saw after it ended.
func TestCLIRecipeRunsWithArgs(t *testing.T) {
	harness.NoLeaks(t)
	const recipe = "uts" // a quick recipe whose two optional arguments are names
	if _, ok := recipeDocs(t)[recipe]; !ok {
		t.Fatalf("scripts/%s.lua is gone: pick another quick recipe for this test", recipe)
	}
	r := harness.Run(t, "-e", `nslua.on_exit(function() io.write("args: ", arg[0], " ", table.concat(arg, ","), "\n") end)`,
		"-r", recipe, "one", "two three")
	wantCode(t, r, 0)
	if !strings.HasSuffix(r.Stdout, "args: recipe:"+recipe+".lua one,two three\n") {
		t.Errorf("stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	r = harness.Run(t, "-r", "nosuch")
	wantCode(t, r, 2)
	oneCleanLine(t, r, `no recipe "nosuch" (nslua -r list shows them)`)
	r = harness.Run(t, "-r")
	wantCode(t, r, 2)
	oneCleanLine(t, r, "option -r needs an argument")
}

// Modules load on first use: -e sees them as globals without require (and
// they are not loaded before that), a script must require them.
func TestCLIModulesLoadLazily(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.MustRun(t, "-e", `
assert(package.loaded.json == nil, "json loaded before use")
assert(type(json.encode) == "function")
assert(package.loaded.json == json)
assert(package.loaded.testing == nil, "testing loaded without use")
print(rawget(_G, "nslua") == nil, nslua.version ~= nil)`)
	if r.Stdout != "true\ttrue\n" {
		t.Errorf("stdout %q", r.Stdout)
	}
	s := writeScript(t, "plain.lua", `print(json, nslua, package.loaded.json); print(require("json").encode({}))`)
	r = harness.MustRun(t, s)
	if r.Stdout != "nil\tnil\tnil\n{}\n" {
		t.Errorf("a script saw modules it did not require: %q", r.Stdout)
	}
	r = harness.MustRun(t, "-e", "for _, m in ipairs(nslua.modules()) do print(m) end")
	for _, want := range []string{"json", "nslua", "testing"} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(r.Stdout) {
			t.Errorf("nslua.modules() lacks %s: %q", want, r.Stdout)
		}
	}
}

func TestCLINslua(t *testing.T) {
	harness.NoLeaks(t)
	v := strings.Fields(harness.MustRun(t, "-v").Stdout)[1]
	r := harness.MustRun(t, "-e", "print(nslua.version)")
	if strings.TrimSpace(r.Stdout) != v {
		t.Errorf("nslua.version %q, -v says %q", r.Stdout, v)
	}
	r = harness.Run(t, "-e", "nslua.on_exit(42)")
	wantCode(t, r, 1)
	if !strings.Contains(r.Stderr, "bad argument #1 to 'on_exit' (function expected, got number)") {
		t.Errorf("stderr %q", r.Stderr)
	}
	// closers run newest first; a failing one is reported and the rest still run
	r = harness.Run(t, "-e", `
nslua.on_exit(function() print("first") end)
nslua.on_exit(function() error("cleanup failed") end)
nslua.on_exit(function() print("last") end)`)
	if r.Stdout != "last\nfirst\n" || !strings.Contains(r.Stderr, "cleanup failed") {
		t.Errorf("stdout %q stderr %q", r.Stdout, r.Stderr)
	}
}

// -i after a script reads more chunks; with stdin not a terminal, without
// prompts (the REPL's own tests drive it through a pseudo-terminal).
func TestCLIInteractiveAfterScript(t *testing.T) {
	harness.NoLeaks(t)
	s := writeScript(t, "setup.lua", "x = 41")
	r := harness.RunWith(t, harness.RunOpts{Stdin: "print(x + 1)\n"}, "-i", s)
	wantCode(t, r, 0)
	if r.Stdout != "42\n" {
		t.Errorf("stdout %q stderr %q", r.Stdout, r.Stderr)
	}
}

// TestCLIFdTableGrownBeforeThreads: nslua starts with room for a thousand
// descriptors (or as many as the soft limit allows), grown before the Go
// runtime starts its threads; the kernel makes a multi-threaded process wait
// for an RCU grace period each time it doubles a full table. The soft limit
// itself is left alone, and the descriptor used to grow it is closed.
func TestCLIFdTableGrownBeforeThreads(t *testing.T) {
	harness.NoLeaks(t)
	script := `local f = io.open("/proc/self/status")
		local s = f:read("*a"); f:close()
		local top = SIZE - 1 -- the descriptor used to grow the table
		local p = io.popen("ls /proc/" .. require("proc").self() .. "/fd")
		local open = false
		for fd in p:lines() do open = open or tonumber(fd) == top end
		p:close()
		print(s:match("FDSize:%s*(%d+)"), open)`
	for _, c := range []struct {
		limit, want string
		rootless    bool // the re-executed process that runs the script grows its own
	}{{"", "1024\tfalse\n", false}, {"256", "256\tfalse\n", false}, {"", "1024\tfalse\n", true}} {
		size := strings.TrimSuffix(strings.Split(c.want, "\t")[0], "\n")
		argv := []string{harness.Bin(), "-e", strings.Replace(script, "SIZE", size, 1)}
		if c.rootless {
			argv = append([]string{harness.Bin(), "--rootless"}, argv[1:]...)
		}
		if c.limit != "" {
			argv = append([]string{"prlimit", "--nofile=" + c.limit + ":" + c.limit, "--"}, argv...)
		}
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil || string(out) != c.want {
			t.Errorf("%v: %q (%v), want %q", argv, out, err, c.want)
		}
	}
}

// arg is numbered as lua.c numbers it — the script at 0, its arguments from
// 1, the interpreter and its options below 0; without a script the
// interpreter at 0 — checked against lua5.4 itself.
func TestCLIArgTableAsLuaC(t *testing.T) {
	lua54, err := exec.LookPath("lua5.4")
	if err != nil {
		t.Skip("lua5.4 not installed (make bench installs it)")
	}
	s := writeScript(t, "args.lua", `for i = -4, #arg do io.write(i, "=", tostring(arg[i]), " ") end print(select("#", ...), ...)`+"\n")
	dump := `io.write(#arg, " ", tostring(arg[1]), " ", tostring(arg[2]), " ", tostring(arg[-1]), "\n")`
	for _, args := range [][]string{
		{s, "a", "b c", ""},
		{"-e", "x=1", s, "q"},
		{"-e", dump},
		{"-e", "y=2", "-e", dump},
		{"--", s, "-v"},
	} {
		want, err := exec.Command(lua54, args...).Output()
		if err != nil {
			t.Fatalf("lua5.4 %q: %v", args, err)
		}
		got := harness.MustRun(t, args...).Stdout
		// arg[-n] is the interpreter's own path: the two differ there only
		norm := func(s, prog string) string { return strings.ReplaceAll(s, prog, "INTERP") }
		if norm(got, harness.Bin()) != norm(string(want), lua54) && norm(got, harness.Bin()) != norm(string(want), "lua5.4") {
			t.Errorf("%q:\nnslua  %q\nlua5.4 %q", args, got, want)
		}
	}
}

// -v prints the version and goes on with the rest of the command line, as
// lua.c does; alone it prints the version only.
func TestCLIVersionThenTheRest(t *testing.T) {
	r := harness.MustRun(t, "-v", "-e", "print(40 + 2)")
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "nslua ") || lines[1] != "42" {
		t.Errorf("nslua -v -e: %q", r.Stdout)
	}
}

// What a script leaves in io.stdout's buffer (setvbuf "full") is written at
// exit, as C's exit flushes stdio for lua.c; error(nil) reads as lua.c's.
func TestCLIExitFlushesAndNilErrors(t *testing.T) {
	if r := harness.MustRun(t, "-e", `io.stdout:setvbuf("full"); io.write("kept\n")`); r.Stdout != "kept\n" {
		t.Errorf("buffered stdout lost at exit: %q", r.Stdout)
	}
	r := harness.Run(t, "-e", "error(nil)")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, "nslua: (error object is a nil value)") {
		t.Errorf("error(nil): exit %d, stderr %q", r.Code, r.Stderr)
	}
}

// SIGTERM and SIGHUP while the script waits for a child of os.execute or
// io.popen: the signal goes on to that child and the processes below it
// (SIGKILL 2 s later if they stay), so the script ends, its closers run and
// nothing it started is left; before, nslua waited until the child ended by
// itself (here 60 s).
func TestCLIStopsReachTheChildrenOfExecuteAndPopen(t *testing.T) {
	waits := map[string]string{
		"os.execute":          `os.execute("sleep 60")`,
		"os.execute compound": `os.execute("sleep 60; true")`,
		"io.popen read":       `local p = io.popen("sleep 60; echo x"); p:read("*a")`,
	}
	for name, wait := range waits {
		for _, tc := range []struct {
			sig  syscall.Signal
			code int
		}{{syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
			t.Run(tc.sig.String()+" in "+name, func(t *testing.T) {
				harness.NoLeaks(t)
				mark := filepath.Join(t.TempDir(), "closed")
				s := writeScript(t, "wait.lua", `
require("nslua").on_exit(function()
  local f = assert(io.open(arg[1], "w")); f:write("closer ran"); f:close()
end)
`+wait+"\n")
				cmd := exec.Command(harness.Bin(), s, mark)
				done := startWatched(t, cmd)
				var sleep int
				waitFor(t, 30*time.Second, "the sleep below nslua", func() bool {
					sleep = findBelow(cmd.Process.Pid, "sleep")
					return sleep > 0
				})
				if err := cmd.Process.Signal(tc.sig); err != nil {
					t.Fatal(err)
				}
				var err error
				select {
				case err = <-done:
				case <-time.After(15 * time.Second):
					syscall.Kill(sleep, syscall.SIGKILL)
					t.Fatalf("nslua still running 15 s after %v", tc.sig)
				}
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
					t.Errorf("exit %v, want %d", err, tc.code)
				}
				if b, err := os.ReadFile(mark); err != nil || string(b) != "closer ran" {
					t.Errorf("closer did not run: %q %v", b, err)
				}
				waitFor(t, 10*time.Second, "the sleep to end", func() bool {
					b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", sleep))
					return err != nil || strings.Contains(string(b), ") Z ")
				})
			})
		}
	}
}

// startWatched starts cmd and returns where its Wait's result arrives; if
// the test ends first, the process (the test's own, by pid) is killed.
func startWatched(t *testing.T, cmd *exec.Cmd) <-chan error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	})
	return done
}

// findBelow returns the pid of a process called comm below pid, or 0.
func findBelow(pid int, comm string) int {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			c, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			if name, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c)); strings.TrimSpace(string(name)) == comm {
				return c
			}
			if d := findBelow(c, comm); d > 0 {
				return d
			}
		}
	}
	return 0
}

// io.popen as C Lua has it: the child of a "w" pipe writes to nslua's
// standard output and close() ends its input before it waits (gopher-lua's
// waited for ever, and sent the output to /dev/null); a "r" child's error
// messages reach nslua's standard error; close() gives the exit status.
func TestCLIPopenPipesAsCLua(t *testing.T) {
	harness.NoLeaks(t)
	cmd := exec.Command(harness.Bin(), "-e", `
local w = assert(io.popen("tr a-z A-Z", "w"))
w:write("through the pipe\n")
print("closed:", w:close())
local r = assert(io.popen("echo out; echo err >&2; exit 3"))
print("read:", r:read("*l"), "status:", r:close())
print(pcall(io.popen, "true", "rw"))`)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v; stderr %q", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("nslua still running after 20 s (close() of a \"w\" pipe waits for ever); stdout %q", stdout.String())
	}
	want := "THROUGH THE PIPE\nclosed:\t0\nread:\tout\tstatus:\t3\n" +
		"false\t(command line):7: bad argument #2 to 'popen' (invalid mode \"rw\": \"r\" or \"w\" expected)\n"
	if stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if stderr.String() != "err\n" {
		t.Errorf("stderr %q, want the child's \"err\\n\"", stderr.String())
	}
}
