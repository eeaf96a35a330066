// Package scripts holds the recipe scripts users copy and run. Every one is
// embedded in the binary (nslua -r NAME) and run by the tests.
package scripts

import (
	"bufio"
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// FS holds the recipes and their data files (lab.json).
//
//go:embed *.lua *.json
var FS embed.FS

// Recipe is an embedded script and its one-line description: the first
// comment line after the #! line, without the leading "-- NAME.lua:". The
// description says what the recipe does and ends with its arguments, in the
// form its usage line shows them, after "; args: " ("N hosts on one switch
// ...; args: [N]"); a recipe without arguments has none.
type Recipe struct {
	Name    string
	Doc     string // the whole description, as `nslua -r list` prints it
	Summary string // what it does: Doc without the "; args: ..." at its end
	Args    string // the synopsis after "; args: " ("[N]"), "" for none
}

// argsMark separates a description's summary from its synopsis.
const argsMark = "; args: "

func newRecipe(name, doc string) Recipe {
	r := Recipe{Name: name, Doc: doc, Summary: doc}
	if i := strings.LastIndex(doc, argsMark); i >= 0 {
		r.Summary, r.Args = doc[:i], strings.TrimSpace(doc[i+len(argsMark):])
	}
	return r
}

// List returns the recipes sorted by name.
func List() []Recipe {
	var out []Recipe
	entries, _ := fs.ReadDir(FS, ".")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".lua") {
			continue
		}
		src, _ := FS.ReadFile(e.Name())
		out = append(out, newRecipe(strings.TrimSuffix(e.Name(), ".lua"), describe(string(src))))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func describe(src string) string {
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#!") || line == "" {
			continue
		}
		if !strings.HasPrefix(line, "--") {
			return ""
		}
		line = strings.TrimSpace(strings.TrimLeft(line, "-"))
		if i := strings.Index(line, ".lua:"); i >= 0 && !strings.Contains(line[:i], " ") {
			line = strings.TrimSpace(line[i+5:])
		}
		return line
	}
	return ""
}
