package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/stdlib"
)

// The LuaLS definition files in docs/lua (editor completion) must describe
// the modules as the binary really builds them: every function a module
// table, a native class or a Lua class exposes has a definition, and every
// definition names something that exists. lua-language-server itself is not
// needed: the files are read with the small parser below.

const defsDir = "../../docs/lua"

// luaSamples give an object of a class that is not reachable without one
// (its methods live in a metatable only an instance leads to), or one whose
// fields are worth checking. Each is a chunk returning the object; it must not
// change the system.
var luaSamples = map[string]string{
	"nslua.ns":        `return assert(require("ns").current("net"))`,
	"nslua.link":      `return assert(require("net").link("lo"))`,
	"nslua.process":   `return assert(require("proc").spawn{"true", stdout = "null", stderr = "null"})`,
	"nslua.container": `return require("container").new{rootfs = "/"}`,
	"nslua.topo":      topoSample + `return t`,
	"nslua.topo.node": topoSample + `return t:node("h1")`,
	"nslua.topo.link": topoSample + `return t:links()[1]`,
	"testing.T": `
		local f = os.tmpname()
		local h = assert(io.open(f, "w"))
		h:write("function test_sample(t) _G.__sample_t = t end\n")
		h:close()
		require("testing").run_file(f, nil, {write = function() end})
		os.remove(f)
		return assert(__sample_t)`,
}

// internalModules are modules require can load that are parts of another
// module rather than API; each needs a reason. Everything else needs a file.
var internalModules = map[string]string{
	"topo.plan":    "topo's address and route planner; reached as topo.plan, documented as internal there",
	"nslua.errors": "where container and topo raise their errors; internal to the stdlib, documented in the file",
}

// topoSample describes a topology (h1 -- s1) without building it; only
// topo's check for a state file left by a killed run reads the system.
const topoSample = `
	local t = require("topo").load{name = "luadefs-sample",
		nodes = {{name = "h1", kind = "host"}, {name = "s1", kind = "switch"}},
		links = {{a = "h1", b = "s1"}}}
	`

// defClass is one ---@class with what follows it.
type defClass struct {
	name    string
	fields  map[string]bool // name -> optional
	methods map[string]bool // functions defined on the class's table (. or :)
	table   string          // the local bound to it ("local ns = {}"), if any
}

// defFile is one docs/lua/NAME.lua.
type defFile struct {
	path     string
	aliases  map[string]bool   // ---@alias names
	typeRefs map[string]string // nslua.* type names used in annotations -> where
	meta     string            // ---@meta NAME
	classes  map[string]*defClass
	byLocal  map[string]*defClass // local table name -> class
	ret      string               // the local the file returns
	retFunc  bool                 // the returned local is a function (callable module)
	errs     []string
}

var (
	reMeta   = regexp.MustCompile(`^---@meta\s+(\S+)\s*$`)
	reClass  = regexp.MustCompile(`^---@class\s+([\w.]+)`)
	reField  = regexp.MustCompile(`^---@field\s+([A-Za-z_]\w*)(\??)\s+(\S+)`)
	reParam  = regexp.MustCompile(`^---@param\s+([A-Za-z_]\w*|\.\.\.)(\??)\s+\S`)
	reLocalT = regexp.MustCompile(`^local\s+([A-Za-z_]\w*)\s*=\s*\{\s*\}\s*$`)
	reFunc   = regexp.MustCompile(`^function\s+([A-Za-z_]\w*)([.:])([A-Za-z_]\w*)\s*\(([^)]*)\)\s*end\s*$`)
	reLocalF = regexp.MustCompile(`^local\s+function\s+([A-Za-z_]\w*)\s*\(([^)]*)\)\s*end\s*$`)
	reReturn = regexp.MustCompile(`^return\s+([A-Za-z_]\w*)\s*$`)
	reAlias  = regexp.MustCompile(`^---@alias\s+([\w.]+)`)
	// the names of nslua's own types in annotations (nslua.ns, nslua.result)
	reTypeRef = regexp.MustCompile(`\bnslua(?:\.\w+)+`)
)

func parseDefFile(path string) (*defFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &defFile{path: path, classes: map[string]*defClass{}, byLocal: map[string]*defClass{},
		aliases: map[string]bool{}, typeRefs: map[string]string{}}
	var block []string // the --- lines of the comment block above the current line
	var cur *defClass  // the class the current block declares
	locals := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t")
		where := fmt.Sprintf("%s:%d", filepath.Base(path), n)
		if n == 1 {
			m := reMeta.FindStringSubmatch(line)
			if m == nil {
				d.errs = append(d.errs, where+": the first line must be ---@meta NAME")
			} else {
				d.meta = m[1]
			}
			continue
		}
		if strings.HasPrefix(line, "---") {
			block = append(block, line)
			if m := reAlias.FindStringSubmatch(line); m != nil {
				d.aliases[m[1]] = true
			}
			if strings.HasPrefix(line, "---@") && !reClass.MatchString(line) {
				for _, ref := range reTypeRef.FindAllString(line, -1) {
					d.typeRefs[ref] = where
				}
			}
			if m := reClass.FindStringSubmatch(line); m != nil {
				cur = &defClass{name: m[1], fields: map[string]bool{}, methods: map[string]bool{}}
				if d.classes[cur.name] != nil {
					d.errs = append(d.errs, where+": class "+cur.name+" declared twice")
				}
				d.classes[cur.name] = cur
			} else if m := reField.FindStringSubmatch(line); m != nil {
				if cur == nil {
					d.errs = append(d.errs, where+": ---@field outside a ---@class")
				} else {
					cur.fields[m[1]] = m[2] == "?" || strings.HasSuffix(m[3], "?")
				}
			}
			continue
		}
		switch {
		case reLocalT.MatchString(line):
			name := reLocalT.FindStringSubmatch(line)[1]
			if cur != nil {
				cur.table = name
				d.byLocal[name] = cur
			}
			locals[name] = true
		case reFunc.MatchString(line):
			m := reFunc.FindStringSubmatch(line)
			c := d.byLocal[m[1]]
			if c == nil {
				d.errs = append(d.errs, where+": function on "+m[1]+", which is no local table bound to a ---@class")
				break
			}
			if c.methods[m[3]] {
				d.errs = append(d.errs, where+": "+m[3]+" defined twice")
			}
			c.methods[m[3]] = true
			d.errs = append(d.errs, checkDoc(where, m[1]+m[2]+m[3], m[4], block)...)
		case reLocalF.MatchString(line):
			m := reLocalF.FindStringSubmatch(line)
			locals[m[1]] = true
			if d.byLocal[m[1]] == nil {
				d.byLocal[m[1]] = &defClass{name: m[1], fields: map[string]bool{}, methods: map[string]bool{}}
			}
			d.retFunc = true
			d.errs = append(d.errs, checkDoc(where, m[1], m[2], block)...)
		case reReturn.MatchString(line):
			d.ret = reReturn.FindStringSubmatch(line)[1]
			if !locals[d.ret] {
				d.errs = append(d.errs, where+": returns "+d.ret+", which is not defined above")
			}
		case strings.HasPrefix(line, "--"), line == "":
		default:
			d.errs = append(d.errs, where+": unexpected line (a definition file holds annotations, local tables, empty functions and one return): "+line)
		}
		block, cur = nil, nil
	}
	if d.ret == "" {
		d.errs = append(d.errs, filepath.Base(path)+": no `return NAME` at the end")
	}
	return d, sc.Err()
}

// checkDoc checks the doc block above a function: it exists (---@ lines or
// a --- description), and its ---@param lines name the function's
// parameters, in order.
func checkDoc(where, fn, params string, block []string) []string {
	if len(block) == 0 {
		return []string{fmt.Sprintf("%s: %s has no --- doc block (---@param, ---@return)", where, fn)}
	}
	var want []string
	for _, p := range strings.Split(params, ",") {
		if p = strings.TrimSpace(p); p != "" {
			want = append(want, p)
		}
	}
	var got []string
	for _, l := range block {
		if m := reParam.FindStringSubmatch(l); m != nil {
			got = append(got, m[1])
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		return []string{fmt.Sprintf("%s: %s(%s) documents parameters (%s)", where, fn, strings.Join(want, ", "), strings.Join(got, ", "))}
	}
	return nil
}

func parseDefs(t *testing.T) map[string]*defFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(defsDir, "*.lua"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no definition files in %s (%v)", defsDir, err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	defs := map[string]*defFile{}
	defer func() { checkTypeRefs(t, defs) }()
	for _, p := range paths {
		if _, err := L.LoadFile(p); err != nil {
			t.Errorf("%s is not valid Lua: %v", p, err)
		}
		d, err := parseDefFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range d.errs {
			t.Error(e)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".lua")
		if d.meta != name {
			t.Errorf("%s: ---@meta %s, want ---@meta %s (require %q resolves through it)", p, d.meta, name, name)
		}
		defs[name] = d
	}
	return defs
}

// publicKeys lists the string keys of t that are not private (_name) and
// not metamethods, split into functions and other values.
func publicKeys(t *lua.LTable) (funcs, values map[string]bool) {
	funcs, values = map[string]bool{}, map[string]bool{}
	t.ForEach(func(k, v lua.LValue) {
		s, ok := k.(lua.LString)
		if !ok || strings.HasPrefix(string(s), "_") {
			return
		}
		if v.Type() == lua.LTFunction {
			funcs[string(s)] = true
		} else {
			values[string(s)] = true
		}
	})
	return funcs, values
}

// keySet turns a map of names to anything into a set of its names.
func keySet(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// compare reports what exists without a definition and what is defined but
// does not exist.
func compare(t *testing.T, what string, real, defined map[string]bool, file string) {
	t.Helper()
	for _, k := range sortedKeys(real) {
		if !defined[k] {
			t.Errorf("%s: %s exists but %s has no definition for it", what, k, file)
		}
	}
	for _, k := range sortedKeys(defined) {
		if !real[k] {
			t.Errorf("%s: %s is defined in %s but does not exist", what, k, file)
		}
	}
}

func callChunk(vm *engine.VM, code, name string, args ...lua.LValue) (lua.LValue, error) {
	fn, err := vm.L.LoadString(code)
	if err != nil {
		return nil, err
	}
	if err := vm.L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	v := vm.L.Get(-1)
	vm.L.Pop(1)
	return v, nil
}

func TestLuaDefinitionsMatchModules(t *testing.T) {
	defs := parseDefs(t)
	vm := engine.New(modules, stdlib.FS)
	defer vm.Close()

	// every module the binary can require, native or stdlib
	defined := map[string]*defClass{} // every class of every file
	for _, d := range defs {
		for n, c := range d.classes {
			defined[n] = c
		}
	}
	for _, name := range vm.ModuleNames() {
		d := defs[name]
		if d == nil && internalModules[name] != "" {
			continue
		}
		if d == nil {
			t.Errorf("module %s has no definition file docs/lua/%s.lua", name, name)
			continue
		}
		v, err := callChunk(vm, fmt.Sprintf("return require %q", name), name)
		if err != nil {
			t.Errorf("require %q: %v", name, err)
			continue
		}
		file := filepath.Base(d.path)
		switch v := v.(type) {
		case *lua.LFunction:
			if !d.retFunc {
				t.Errorf("module %s is a function, but %s returns a table", name, file)
			}
		case *lua.LTable:
			c := d.byLocal[d.ret]
			if c == nil || d.retFunc {
				t.Errorf("module %s is a table, but %s does not return a local table bound to a ---@class", name, file)
				continue
			}
			funcs, values := publicKeys(v)
			compare(t, "module "+name+" function", funcs, c.methods, file)
			compare(t, "module "+name+" field", values, keySet(c.fields), file)
		default:
			t.Errorf("module %s is a %s", name, v.Type())
		}
	}
	for name := range defs {
		if !vm.HasModule(name) {
			t.Errorf("docs/lua/%s.lua describes a module the binary does not have", name)
		}
	}

	// native classes: their methods live in Go; the engine lists them
	native := map[string]bool{}
	for _, c := range vm.Classes() {
		native[c.Name] = true
		dc := defined[c.Name]
		if dc == nil {
			t.Errorf("class %s has no ---@class %s in docs/lua", c.Name, c.Name)
			continue
		}
		real := map[string]bool{}
		for _, m := range c.MethodNames() {
			real[m] = true
		}
		compare(t, "class "+c.Name+" method", real, dc.methods, "docs/lua")
	}

	// classes only an instance leads to: their metatable (and its __index
	// table) hold the methods
	for name, code := range luaSamples {
		dc := defined[name]
		if dc == nil {
			t.Errorf("sample class %s has no ---@class in docs/lua", name)
			continue
		}
		obj, err := callChunk(vm, code, name)
		if err != nil {
			t.Errorf("sample of %s: %v", name, err)
			continue
		}
		if !native[name] {
			real := map[string]bool{}
			for _, tbl := range metaTables(vm.L, obj) {
				funcs, _ := publicKeys(tbl)
				for k := range funcs {
					real[k] = true
				}
			}
			compare(t, "class "+name+" method", real, dc.methods, "docs/lua")
		}
		for f, optional := range dc.fields {
			if optional {
				continue
			}
			got, err := callChunk(vm, fmt.Sprintf("local obj = ...; return obj[%q]", f), name, obj)
			if err != nil {
				t.Errorf("class %s: reading field %s: %v", name, f, err)
			} else if got == lua.LNil {
				t.Errorf("class %s: field %s is documented as always present but reads nil", name, f)
			}
		}
	}

	// a class with methods is an object someone can hold: it must be
	// checked by one of the ways above
	for name, c := range defined {
		if len(c.methods) == 0 || native[name] || luaSamples[name] != "" {
			continue
		}
		module := false
		for _, d := range defs {
			if d.byLocal[d.ret] == c {
				module = true
			}
		}
		if !module {
			t.Errorf("class %s has methods in docs/lua but is neither a module, a native class nor in luaSamples", name)
		}
	}
}

// metaTables returns the metatable of v and, when its __index is another
// table, that one too.
func metaTables(L *lua.LState, v lua.LValue) []*lua.LTable {
	mt, ok := L.GetMetatable(v).(*lua.LTable)
	if !ok {
		return nil
	}
	out := []*lua.LTable{mt}
	if idx, ok := mt.RawGetString("__index").(*lua.LTable); ok && idx != mt {
		out = append(out, idx)
	}
	return out
}

// checkTypeRefs: every nslua.* type an annotation uses is declared by a
// ---@class or ---@alias in some file (LuaLS would show it as unknown).
func checkTypeRefs(t *testing.T, defs map[string]*defFile) {
	t.Helper()
	known := map[string]bool{}
	for _, d := range defs {
		for n := range d.classes {
			known[n] = true
		}
		for n := range d.aliases {
			known[n] = true
		}
	}
	for _, d := range defs {
		for ref, where := range d.typeRefs {
			if !known[ref] {
				t.Errorf("%s: type %s is used but declared nowhere in docs/lua", where, ref)
			}
		}
	}
}
