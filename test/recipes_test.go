package test

import (
	"io/fs"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/nslua/nslua/scripts"
	"github.com/nslua/nslua/test/harness"
)

// recipeArgs are the arguments each recipe runs with in the suite; recipes
// not listed run without arguments. Every recipe asserts its own outcome and
// exits non-zero when it does not hold.
var recipeArgs = map[string][]string{
	"container": {"--check"},
	"lan":       {"6"},
	"ring":      {"5"},
}

// TestRecipes runs every embedded recipe, the way users run them: nslua -r.
func TestRecipes(t *testing.T) {
	entries, err := fs.ReadDir(scripts.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lua")
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			harness.NoLeaks(t)
			r := harness.Run(t, append([]string{"-r", name}, recipeArgs[name]...)...)
			if r.Code != 0 {
				t.Fatalf("recipe %s: exit %d\nstdout:\n%s\nstderr:\n%s", name, r.Code, r.Stdout, r.Stderr)
			}
		})
	}
}

// dotStatement is one line of the body of the graph t:dot() writes: an
// attribute, node or edge statement.
var dotStatement = regexp.MustCompile(`^  (node \[.*\]|"[^"]+" \[.*\]|"[^"]+" -- "[^"]+" \[.*\]);$`)

// TestRecipeDemoDot pipes `nslua -r demo dot` into a DOT reader, as its
// advertisement says (nslua -r demo dot | dot -Tsvg): stdout must be the
// graph alone, the report goes to stderr.
func TestRecipeDemoDot(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.Run(t, "-r", "demo", "dot")
	if r.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if lines[0] != `graph "demo" {` || lines[len(lines)-1] != "}" {
		t.Fatalf("stdout is not one DOT graph (want `graph \"demo\" {` ... `}`):\n%s", r.Stdout)
	}
	nodes, edges := 0, 0
	for _, l := range lines[1 : len(lines)-1] {
		if !dotStatement.MatchString(l) {
			t.Errorf("not a DOT statement of the graph: %q", l)
		}
		if strings.Contains(l, " -- ") {
			edges++
		} else if strings.Contains(l, "kind=") {
			nodes++
		}
	}
	if nodes != 8 || edges != 7 {
		t.Errorf("want 8 nodes and 7 links in the graph, got %d and %d:\n%s", nodes, edges, r.Stdout)
	}
	for _, want := range []string{"*** Results: 0% dropped (12/12 received)", "routes of r1", "ttl=62"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("the report on stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if _, err := exec.LookPath("dot"); err != nil {
		t.Logf("graphviz's dot is not installed: checked the DOT text by its form only")
		return
	}
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(r.Stdout)
	svg, err := cmd.Output()
	if err != nil || !strings.Contains(string(svg), "<svg") {
		t.Fatalf("dot -Tsvg: %v\n%s", err, svg)
	}
}
