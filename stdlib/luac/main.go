// Command luac stores every embedded stdlib module compiled, as NAME.luac
// next to NAME.lua, so that require skips gopher-lua's parser and compiler
// (engine/luac.go). Run it through `go generate ./stdlib` (make build does).
// Deterministic: an unchanged module gives the same bytes.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nslua/nslua/engine"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "luac" {
			return filepath.SkipDir // this command
		}
		if d.IsDir() || filepath.Ext(p) != ".lua" {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		blob, err := engine.EncodeCompiled(src, "stdlib/"+filepath.ToSlash(rel))
		if err != nil {
			// require reports the error as before, from the source
			fmt.Fprintf(os.Stderr, "luac: %s: %v (left uncompiled)\n", p, err)
			if rerr := os.Remove(p + "c"); rerr != nil && !os.IsNotExist(rerr) {
				return rerr
			}
			return nil
		}
		return os.WriteFile(p+"c", blob, 0o644)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "luac:", err)
		os.Exit(1)
	}
}
