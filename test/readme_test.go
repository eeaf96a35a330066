package test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nslua/nslua/test/harness"
)

// The README's tour must work against the binary as it is. Every fenced
// block of README.md whose info string is "lua" or "console" runs here:
//
//   - ```lua: a script, run with nslua; it must exit 0. Comments `--> text`
//     (after code or on a line of their own) are its expected stdout, one
//     line each, in order. A block whose first line is `-- NAME.lua...` is
//     a file instead: it is saved as NAME.lua, and a later console block
//     must run it (`$ ./nslua NAME.lua args`).
//   - ```console: `$ CMD` lines run in bash (./nslua is the binary under
//     test) and must exit 0; the lines after one are its expected output
//     (stdout and stderr). `$ ./nslua` followed by `nslua> ` lines is a REPL
//     session: those lines (and `   >> ` continuation lines) are its input,
//     the others its expected output, and it must write nothing to stderr.
//
// Expected output matches line by line, except that every run of digits
// matches any run of digits (ids, pids, times) and a line `...` matches any
// number of lines. Blocks run in order, in one directory, in one test.

type readmeBlock struct {
	lang string
	line int // of the opening fence
	text []string
}

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	f, err := os.Open(filepath.Join(harness.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n}
		case cur != nil && strings.TrimSpace(line) == "```":
			if cur.lang == "lua" || cur.lang == "console" {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			cur.text = append(cur.text, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("README.md:%d: fenced block never closed", cur.line)
	}
	return blocks
}

var digits = regexp.MustCompile(`[0-9]+`)

// lineMatches compares one expected line with one output line.
func lineMatches(want, got string) bool {
	want, got = strings.TrimRight(want, " \t"), strings.TrimRight(got, " \t")
	parts := digits.Split(want, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, "[0-9]+") + "$").MatchString(got)
}

// outputMatches compares expected lines (with "..." lines) with output.
func outputMatches(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if strings.TrimSpace(want[0]) == "..." {
		for i := 0; i <= len(got); i++ {
			if outputMatches(want[1:], got[i:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && lineMatches(want[0], got[0]) && outputMatches(want[1:], got[1:])
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func checkOutput(t *testing.T, where string, want []string, got string) {
	t.Helper()
	if !outputMatches(want, splitLines(got)) {
		t.Errorf("%s: output differs from the README\nREADME:\n%s\ngot:\n%s", where, strings.Join(want, "\n"), got)
	}
}

var (
	expectComment = regexp.MustCompile(`--> ?(.*)$`)
	scriptName    = regexp.MustCompile(`^-- ([\w.-]+\.lua)\b`)
)

// runLuaBlock runs a lua block, or saves it when it names a file; it
// returns the file's name then.
func runLuaBlock(t *testing.T, dir string, b readmeBlock) (saved string) {
	t.Helper()
	where := fmt.Sprintf("README.md:%d", b.line)
	name := fmt.Sprintf("readme-%d.lua", b.line)
	if len(b.text) > 0 {
		if m := scriptName.FindStringSubmatch(b.text[0]); m != nil {
			saved = m[1]
			name = saved
		}
	}
	var want []string
	for _, l := range b.text {
		if m := expectComment.FindStringSubmatch(l); m != nil {
			want = append(want, m[1])
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(b.text, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if saved != "" {
		return saved
	}
	r := harness.RunWith(t, harness.RunOpts{Dir: dir}, name)
	if r.Code != 0 {
		t.Fatalf("%s: nslua %s: exit %d\nstdout:\n%s\nstderr:\n%s", where, name, r.Code, r.Stdout, r.Stderr)
	}
	if len(want) > 0 {
		checkOutput(t, where, want, r.Stdout)
	}
	return ""
}

func runConsoleBlock(t *testing.T, dir string, b readmeBlock) {
	t.Helper()
	for i := 0; i < len(b.text); {
		where := fmt.Sprintf("README.md:%d", b.line+1+i)
		cmd, ok := strings.CutPrefix(b.text[i], "$ ")
		if !ok {
			t.Fatalf("%s: a console block holds `$ command` lines and their output; got %q", where, b.text[i])
		}
		i++
		var rest []string
		for i < len(b.text) && !strings.HasPrefix(b.text[i], "$ ") {
			rest = append(rest, b.text[i])
			i++
		}
		if strings.TrimSpace(cmd) == "./nslua" {
			runREPL(t, dir, where, rest)
		} else {
			runShell(t, dir, where, cmd, rest)
		}
	}
}

func runREPL(t *testing.T, dir, where string, lines []string) {
	t.Helper()
	var input, want []string
	for _, l := range lines {
		if in, ok := strings.CutPrefix(l, "nslua> "); ok {
			input = append(input, in)
		} else if in, ok := strings.CutPrefix(strings.TrimLeft(l, " "), ">> "); ok {
			input = append(input, in)
		} else {
			want = append(want, l)
		}
	}
	if len(input) == 0 {
		t.Fatalf("%s: `$ ./nslua` without `nslua> ` lines (the README shows no REPL input)", where)
	}
	r := harness.RunWith(t, harness.RunOpts{Dir: dir, Stdin: strings.Join(input, "\n") + "\n",
		Env: []string{"HOME=" + dir, "XDG_STATE_HOME=" + dir}})
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("%s: REPL: exit %d\nstdout:\n%s\nstderr:\n%s", where, r.Code, r.Stdout, r.Stderr)
	}
	checkOutput(t, where, want, r.Stdout)
}

func runShell(t *testing.T, dir, where, cmd string, want []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-c", cmd)
	c.Dir = dir
	out, err := c.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s: %s: timed out\n%s", where, cmd, out)
	}
	if err != nil {
		t.Fatalf("%s: %s: %v\n%s", where, cmd, err, out)
	}
	checkOutput(t, where, want, string(out))
}

func TestReadmeSnippets(t *testing.T) {
	harness.NoLeaks(t)
	blocks := readmeBlocks(t)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```lua or ```console block")
	}
	dir := t.TempDir()
	if err := os.Symlink(harness.Bin(), filepath.Join(dir, "nslua")); err != nil {
		t.Fatal(err)
	}
	unrun := map[string]int{} // saved files no console line has run yet -> line
	for _, b := range blocks {
		ok := t.Run(fmt.Sprintf("%s-line-%d", b.lang, b.line), func(t *testing.T) {
			if b.lang == "lua" {
				if name := runLuaBlock(t, dir, b); name != "" {
					unrun[name] = b.line
				}
				return
			}
			for name := range unrun {
				for _, l := range b.text {
					if strings.HasPrefix(l, "$ ./nslua "+name) {
						delete(unrun, name)
					}
				}
			}
			runConsoleBlock(t, dir, b)
		})
		if !ok {
			return // later blocks may build on this one's files
		}
	}
	for name, line := range unrun {
		t.Errorf("README.md:%d: %s is shown but no `$ ./nslua %s` runs it", line, name, name)
	}
}

func TestReadmeOutputMatcher(t *testing.T) {
	for _, c := range []struct {
		want, got string
		ok        bool
	}{
		{"net:[4026531840]", "net:[4026532001]", true},
		{"3/3 replies", "3/3 replies", true},
		{"3/3 replies", "2/3 replied", false},
		{"a\n...\nz", "a\nb\nc\nz", true},
		{"a\n...\nz", "a\nz", true},
		{"a\n...\nz", "a\nb", false},
		{"a", "a\nb", false},
		{"", "", true},
	} {
		if got := outputMatches(splitLines(c.want), splitLines(c.got)); got != c.ok {
			t.Errorf("want %q vs output %q: %v, expected %v", c.want, c.got, got, c.ok)
		}
	}
}

// TestDocsIndexLinksEveryPage: docs/README.md has a line for every page in
// docs/, and links nothing that is not there.
func TestDocsIndexLinksEveryPage(t *testing.T) {
	harness.NoLeaks(t)
	dir := filepath.Join(harness.Root(), "docs")
	index, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		name := filepath.Base(p)
		if name != "README.md" && !strings.Contains(string(index), "]("+name+")") {
			t.Errorf("docs/README.md does not link docs/%s", name)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)\)`).FindAllStringSubmatch(string(index), -1) {
		if m[1] == "BENCHMARKS.md" {
			continue // written by make bench; may not exist in a fresh tree
		}
		if _, err := os.Stat(filepath.Join(dir, m[1])); err != nil {
			t.Errorf("docs/README.md links %s, which does not exist", m[1])
		}
	}
}
