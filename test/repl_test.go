package test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/test/harness"
)

// The REPL driven through a real pseudo-terminal, keys and all: what a person
// at a terminal sees. Every wait polls the output with a deadline.

const replTimeout = 15 * time.Second

// replTerm is one nslua REPL on a pty.
type replTerm struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited

	mu     sync.Mutex
	out    strings.Builder // everything the terminal showed
	seen   int             // how far expect has consumed screen()
	notify chan struct{}
}

// startREPL starts nslua with no arguments on a pty, with home as HOME and
// XDG_STATE_HOME (so history goes to home/nslua/history), and waits for the
// first prompt.
func startREPL(t *testing.T, home string) *replTerm {
	t.Helper()
	cmd := exec.Command(harness.Bin())
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+home, "TERM=xterm")
	return startOnPTY(t, cmd, 200, "nslua> ")
}

// startOnPTY starts cmd on a new pseudo-terminal of 40 rows and cols
// columns (cols 0: a pty whose size nobody set, 0x0), kills it (this test's own child, by pid) at cleanup if it is
// still running, and waits for prompt.
func startOnPTY(t *testing.T, cmd *exec.Cmd, cols uint16, prompt string) *replTerm {
	t.Helper()
	size := &pty.Winsize{Rows: 40, Cols: cols}
	if cols == 0 {
		size.Rows = 0
	}
	f, err := pty.StartWithSize(cmd, size)
	if err != nil {
		t.Fatal(err)
	}
	rt := &replTerm{t: t, pty: f, cmd: cmd, done: make(chan struct{}), notify: make(chan struct{}, 1)}
	go rt.readLoop()
	go func() { cmd.Wait(); close(rt.done) }()
	t.Cleanup(func() {
		select {
		case <-rt.done:
		default:
			cmd.Process.Kill()
			<-rt.done
		}
		f.Close()
	})
	rt.expect(prompt)
	return rt
}

// escapes are the terminal control sequences readline writes.
var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\r`)

func (rt *replTerm) readLoop() {
	buf := make([]byte, 4096)
	for {
		n, err := rt.pty.Read(buf)
		if n > 0 {
			rt.mu.Lock()
			rt.out.Write(buf[:n])
			rt.mu.Unlock()
			select {
			case rt.notify <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

func (rt *replTerm) screen() string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return escapes.ReplaceAllString(rt.out.String(), "")
}

// expect waits until s appears in the output after what earlier expects
// consumed, and consumes up to its end.
func (rt *replTerm) expect(s string) {
	rt.t.Helper()
	deadline := time.After(replTimeout)
	for {
		text := rt.screen()
		if rt.seen > len(text) {
			rt.seen = len(text)
		}
		if i := strings.Index(text[rt.seen:], s); i >= 0 {
			rt.seen += i + len(s)
			return
		}
		select {
		case <-rt.notify:
		case <-deadline:
			rt.t.Fatalf("timed out waiting for %q; the terminal shows:\n%s", s, text)
		}
	}
}

func (rt *replTerm) send(s string) {
	rt.t.Helper()
	if _, err := rt.pty.Write([]byte(s)); err != nil {
		rt.t.Fatal(err)
	}
}

// waitCooked waits until the terminal has left raw mode (readline gave up
// the line and a chunk runs): only then does Ctrl-C raise SIGINT.
func (rt *replTerm) waitCooked() {
	rt.t.Helper()
	deadline := time.Now().Add(replTimeout)
	for {
		tio, err := unix.IoctlGetTermios(int(rt.pty.Fd()), unix.TCGETS)
		if err != nil {
			rt.t.Fatal(err)
		}
		if tio.Lflag&unix.ISIG != 0 {
			return
		}
		if time.Now().After(deadline) {
			rt.t.Fatal("the terminal stayed in raw mode")
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// exitCode waits for nslua to end.
func (rt *replTerm) exitCode() int {
	rt.t.Helper()
	select {
	case <-rt.done:
	case <-time.After(replTimeout):
		rt.t.Fatalf("nslua did not exit; the terminal shows:\n%s", rt.screen())
	}
	if ps := rt.cmd.ProcessState; !ps.Exited() {
		return 128 + int(ps.Sys().(unix.WaitStatus).Signal())
	}
	return rt.cmd.ProcessState.ExitCode()
}

func TestREPLPrintsValues(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("1+1, \"a\"\r")
	rt.expect("2\t\"a\"")
	rt.expect("nslua> ")
	rt.send("={n = 1, list = {3, 4}}\r")
	rt.expect(`{ list = { 3, 4 }, n = 1 }`)
	rt.expect("nslua> ")
	rt.send("\x04")
	if code := rt.exitCode(); code != 0 {
		t.Errorf("Ctrl-D: exit %d, want 0", code)
	}
}

func TestREPLMultiLineFunction(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("function double(x)\r")
	rt.expect(">> ")
	rt.send("  return x * 2\r")
	rt.expect(">> ")
	rt.send("end\r")
	rt.expect("nslua> ")
	rt.send("double(21)\r")
	rt.expect("42")
	rt.expect("nslua> ")
}

func TestREPLCompletesFields(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("string.form\t")
	rt.expect("string.format")
	// the completed name is really in the line: the call works
	rt.send("(\"%d\", 6 * 7)\r")
	rt.expect(`"42"`)
	rt.expect("nslua> ")
}

func TestREPLCompletesThroughIndex(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("obj = setmetatable({}, {__index = {hello = 1}})\r")
	rt.expect("nslua> ")
	rt.send("obj.he\t")
	rt.expect("obj.hello")
	rt.send("\r")
	rt.expect("1\n")
	rt.expect("nslua> ")
}

func TestREPLCompletesModuleNames(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("m = require \"insp\t")
	rt.expect(`require "inspect`)
	rt.send("\"\r")
	rt.expect("nslua> ")
	rt.send("m({b = 1, a = 2})\r")
	rt.expect(`"{ a = 2, b = 1 }"`)
}

// Ctrl-C during a blocking binding (proc.run waiting for its child) ends the
// chunk as "interrupted", as it ends a loop; the binding's EINTR triple is
// not printed as the chunk's value.
func TestREPLCtrlCInterruptsABlockingCall(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send(`proc.run{"sleep", "30"}` + "\r")
	rt.waitCooked()
	// the child runs: proc.run has started it and waits for it
	waitFor(t, replTimeout, "the sleep of proc.run", func() bool {
		return findBelow(rt.cmd.Process.Pid, "sleep") > 0
	})
	rt.send("\x03")
	rt.expect("interrupted")
	rt.expect("nslua> ")
	if strings.Contains(rt.screen(), "EINTR") {
		t.Errorf("the interrupted call's triple was printed as a value:\n%s", rt.screen())
	}
	rt.send("40 + 2\r")
	rt.expect("42")
	rt.send("\x04")
	if code := rt.exitCode(); code != 0 {
		t.Errorf("exit %d after an interrupted chunk, want 0", code)
	}
}

func TestREPLCtrlCInterruptsLoop(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("while true do end\r")
	rt.waitCooked()
	rt.send("\x03")
	rt.expect("interrupted")
	rt.expect("nslua> ")
	rt.send("40 + 2\r")
	rt.expect("42")
	rt.expect("nslua> ")
	rt.send("\x04")
	if code := rt.exitCode(); code != 0 {
		t.Errorf("exit %d after an interrupted chunk, want 0", code)
	}
}

func TestREPLSIGTERMAtPromptExits(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	sigtermAtPrompt(t, rt)
}

// sigtermAtPrompt sends SIGTERM while half a line is typed (the terminal is
// raw while readline edits) and checks that nslua exits 143 and leaves the
// terminal cooked again.
func sigtermAtPrompt(t *testing.T, rt *replTerm) {
	t.Helper()
	rt.send("x = 1")
	rt.expect("x = 1")
	if err := rt.cmd.Process.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := rt.exitCode(); code != 143 {
		t.Errorf("exit %d after SIGTERM, want 143", code)
	}
	tio, err := unix.IoctlGetTermios(int(rt.pty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != unix.ICANON|unix.ECHO|unix.ISIG {
		t.Errorf("terminal left in raw mode: lflag %#x", tio.Lflag)
	}
}

func TestREPLCtrlCClearsLine(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("1 +")
	rt.expect("1 +")
	rt.send("\x03")
	rt.expect("nslua> ")
	rt.send("2 + 2\r") // 5 if "1 +" were still there
	rt.expect("4\n")
	// in a continuation too: the whole chunk goes
	rt.send("function broken(\r")
	rt.expect(">> ")
	rt.send("\x03")
	rt.expect("nslua> ")
	rt.send("type(broken)\r")
	rt.expect(`"nil"`)
}

// TestREPLCtrlDDropsChunk: Ctrl-D on a `>> ` line drops the chunk, as Ctrl-C
// does, without a syntax error, and the session goes on.
func TestREPLCtrlDDropsChunk(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("if true then\r")
	rt.expect(">> ")
	rt.send("\x04")
	rt.expect("nslua> ")
	rt.send("1 + 1\r")
	rt.expect("2\n")
	rt.expect("nslua> ")
	if strings.Contains(rt.screen(), "error") {
		t.Errorf("Ctrl-D on a continuation line printed an error:\n%s", rt.screen())
	}
}

// TestREPLCompletesOnZeroSizeTerminal: a terminal that reports a 0x0 window
// (a pty nobody sized) still completes, as one of 80 columns.
func TestREPLCompletesOnZeroSizeTerminal(t *testing.T) {
	harness.NoLeaks(t)
	home := t.TempDir()
	cmd := exec.Command(harness.Bin())
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+home, "TERM=xterm")
	rt := startOnPTY(t, cmd, 0, "nslua> ")
	if ws, err := unix.IoctlGetWinsize(int(rt.pty.Fd()), unix.TIOCGWINSZ); err != nil || ws.Col != 0 || ws.Row != 0 {
		t.Fatalf("the pty is not 0x0: %+v %v", ws, err)
	}
	rt.send("string.form\t")
	rt.expect("string.format")
	rt.send("(\"%d\", 6 * 7)\r")
	rt.expect(`"42"`)
	rt.expect("nslua> ")
	// Tab twice lists the candidates in columns
	rt.send("string.s\t\t")
	rt.expect("sub")
	rt.send("\x03")
	rt.expect("nslua> ")
}

func TestREPLUnterminatedStringIsError(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("x = \"abc\r")
	rt.expect("unterminated string")
	rt.expect("nslua> ")
	rt.send("type(x)\r")
	rt.expect(`"nil"`)
}

func TestREPLRuntimeErrorGoesOn(t *testing.T) {
	harness.NoLeaks(t)
	rt := startREPL(t, t.TempDir())
	rt.send("error(\"boom\")\r")
	rt.expect("stdin:1: boom")
	rt.expect("nslua> ")
	rt.send("1\r")
	rt.expect("1\n")
}

func TestREPLHistoryAcrossRuns(t *testing.T) {
	harness.NoLeaks(t)
	home := t.TempDir()
	histFile := filepath.Join(home, "nslua", "history")

	first := startREPL(t, home)
	first.send("21 * 2\r")
	first.expect("42")
	first.expect("nslua> ")
	first.send("function h(x)\r")
	first.expect(">> ")
	first.send("return x end\r")
	first.expect("nslua> ")
	first.send("\x04")
	if code := first.exitCode(); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	data, err := os.ReadFile(histFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := "21 * 2\nfunction h(x)\\\nreturn x end\n"; string(data) != want {
		t.Fatalf("history file %q, want %q (one entry per chunk)", data, want)
	}

	second := startREPL(t, home)
	second.send("\x1b[A") // up: the function, joined into one line
	second.expect("function h(x) return x end")
	second.send("\x1b[A")
	second.expect("21 * 2")
	second.send("\r")
	second.expect("42")
	second.expect("nslua> ")
	second.send("\x04")
	if code := second.exitCode(); code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	data, _ = os.ReadFile(histFile)
	if !strings.HasSuffix(string(data), "return x end\n21 * 2\n") {
		t.Errorf("the recalled chunk was not added again: %q", data)
	}
}

func TestREPLOnAPipe(t *testing.T) {
	harness.NoLeaks(t)
	home := t.TempDir()
	r := harness.RunWith(t, harness.RunOpts{
		Stdin: "1+1, \"a\"\nfunction f(x)\n  return x * 2\nend\nf(21)\nerror('boom')\n=inspect\n",
		Env:   []string{"HOME=" + home, "XDG_STATE_HOME=" + home},
	})
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 3 || lines[0] != "2\t\"a\"" || lines[1] != "42" || !strings.HasPrefix(lines[2], "function: ") {
		t.Errorf("stdout %q", r.Stdout)
	}
	if strings.Contains(r.Stdout+r.Stderr, "nslua>") || strings.Contains(r.Stdout+r.Stderr, ">> ") {
		t.Errorf("prompts on a pipe:\n%s%s", r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "stdin:1: boom") {
		t.Errorf("stderr %q", r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "nslua", "history")); err == nil {
		t.Error("a pipe session wrote history")
	}
}

// lineWaiter collects a pipe's lines and waits for one that contains a text.
type lineWaiter struct {
	t     *testing.T
	lines chan string
}

func newLineWaiter(t *testing.T, r io.Reader) *lineWaiter {
	w := &lineWaiter{t: t, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	return w
}

func (w *lineWaiter) expect(s string) {
	w.t.Helper()
	deadline := time.After(replTimeout)
	for {
		select {
		case l, ok := <-w.lines:
			if !ok {
				w.t.Fatalf("output ended before %q", s)
			}
			if strings.Contains(l, s) {
				return
			}
		case <-deadline:
			w.t.Fatalf("timed out waiting for %q", s)
		}
	}
}

func TestREPLOnAPipeSignals(t *testing.T) {
	harness.NoLeaks(t)
	home := t.TempDir()
	cmd := exec.Command(harness.Bin())
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+home)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out, errs := newLineWaiter(t, stdout), newLineWaiter(t, stderr)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(replTimeout):
			cmd.Process.Kill() // this test's own child, by pid
			<-exited
		}
	})

	// SIGINT during a chunk interrupts it and the session goes on
	io.WriteString(stdin, "print('looping') while true do end\n")
	out.expect("looping")
	cmd.Process.Signal(unix.SIGINT)
	errs.expect("interrupted")
	io.WriteString(stdin, "1 + 1\n")
	out.expect("2")

	// SIGINT while it waits for input ends nslua, as lua.c
	cmd.Process.Signal(unix.SIGINT)
	select {
	case err := <-exited:
		exited <- err
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("exit %v, want 130", err)
		}
	case <-time.After(replTimeout):
		t.Fatal("nslua kept reading after SIGINT")
	}
}
