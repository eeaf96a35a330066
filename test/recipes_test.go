package test

import (
	"io/fs"
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
