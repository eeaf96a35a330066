// Package harness drives the built nslua binary from Go tests and checks that
// every test leaves the machine as it found it (DESIGN.md §5).
package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var bin string

// Main builds nslua (or takes $NSLUA_BIN), makes the test process a child
// subreaper so that orphaned grandchildren stay countable, runs the tests and
// removes the build. Call it from TestMain.
func Main(m *testing.M) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "harness: PR_SET_CHILD_SUBREAPER:", err)
		os.Exit(1)
	}
	code := func() int {
		if b := os.Getenv("NSLUA_BIN"); b != "" {
			abs, err := filepath.Abs(b)
			if err != nil {
				fmt.Fprintln(os.Stderr, "harness:", err)
				return 1
			}
			bin = abs
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "nslua-test-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "harness:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "nslua")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/nslua/nslua/cmd/nslua").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "harness: go build: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// Bin is the path of the nslua binary under test.
func Bin() string { return bin }

// Root returns the repository root (where go.mod is).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// Result is what a run of nslua produced.
type Result struct {
	Stdout, Stderr string
	Code           int // exit code, or 128+signal
}

// RunOpts tweak Run.
type RunOpts struct {
	Stdin   string
	Env     []string // added to the environment
	Timeout time.Duration
	Dir     string
}

// Run runs nslua with args and returns its output and exit code. The test
// fails if it does not finish within the timeout (default 60 s).
func Run(t testing.TB, args ...string) Result {
	t.Helper()
	return RunWith(t, RunOpts{}, args...)
}

// RunWith is Run with options.
func RunWith(t testing.TB, o RunOpts, args ...string) Result {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Dir = o.Dir
	if cmd.Dir == "" {
		cmd.Dir = Root()
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = strings.NewReader(o.Stdin)
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("nslua %s: timed out after %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.Timeout, r.Stdout, r.Stderr)
	}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("nslua %s: %v", strings.Join(args, " "), err)
		}
		if ws, ok := ee.Sys().(unix.WaitStatus); ok && ws.Signaled() {
			r.Code = 128 + int(ws.Signal())
		} else {
			r.Code = ee.ExitCode()
		}
	}
	return r
}

// MustRun runs nslua and fails the test unless it exits 0.
func MustRun(t testing.TB, args ...string) Result {
	t.Helper()
	r := Run(t, args...)
	if r.Code != 0 {
		t.Fatalf("nslua %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// Tool runs an outside tool (ip, lsns, findmnt, ...) and returns its stdout,
// failing the test when it fails.
func Tool(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return string(out)
}
