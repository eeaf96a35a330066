package stdlib

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/nslua/nslua/engine"
)

// Every embedded module has a current .luac: without one, require compiles
// the source on every run (correct, but ~3 ms slower for container). Run
// `go generate ./stdlib` (make build does) after changing a module.
func TestLuacCurrent(t *testing.T) {
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".lua") {
			return err
		}
		src, _ := fs.ReadFile(FS, p)
		blob, err := fs.ReadFile(FS, p+"c")
		if err != nil {
			t.Errorf("%s has no %sc: run go generate ./stdlib", p, p)
			return nil
		}
		if _, err := engine.DecodeCompiled(src, blob); err != nil {
			t.Errorf("%sc: %v: run go generate ./stdlib", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
