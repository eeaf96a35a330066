package test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/nslua/nslua/test/harness"
)

// TestLua runs every test/lua/*_test.lua file through the testing module, one
// subtest per file, each under the leak checker.
func TestLua(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(harness.Root(), "test", "lua", "*_test.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Lua test files found (%v)", err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(harness.Root(), f)
		t.Run(filepath.Base(f), func(t *testing.T) {
			harness.NoLeaks(t)
			r := harness.Run(t, filepath.Join("test", "lua", "run.lua"), rel)
			for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
				t.Log(line)
			}
			if r.Code != 0 {
				t.Errorf("%s: exit %d\n%s", rel, r.Code, r.Stderr)
			}
		})
	}
}
