package engine

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// TestReadTakesLua54Formats: io.read and file:read take "l", "n", "a"
// (Lua 5.3+) as "*l", "*n", "*a", and a bad format names itself; io.open
// fails as C Lua's does ("PATH: Strerror text", errno).
func TestReadTakesLua54Formats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(path, []byte("first\n42\nrest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vm := New(nil, nil)
	defer vm.Close()
	vm.L.SetGlobal("path", lua.LString(path))
	err := vm.DoString(`
local f = assert(io.open(path))
assert(f:read("l") == "first")
assert(f:read("n") == 42)
assert(f:read("a") == "\nrest\n")
f:close()
io.input(path)
local a, b = io.read("l", "n")
assert(a == "first" and b == 42, tostring(a) .. " " .. tostring(b))
io.input():close()
local ok, msg = pcall(io.read, "x")
assert(not ok and msg:find([[bad argument #1 to 'read' (invalid format "x"]], 1, true), tostring(msg))
local f, msg, errno = io.open(path .. ".missing")
assert(f == nil and msg == path .. ".missing: No such file or directory" and errno == 2,
  tostring(msg) .. " " .. tostring(errno))
f, msg, errno = io.open(path .. "/x", "w")
assert(f == nil and msg == path .. "/x: Not a directory" and errno == 20, tostring(msg) .. " " .. tostring(errno))
ok, msg = pcall(io.stdout.read, io.stdout, {})
assert(not ok and msg:find("bad argument #1 to 'read' (format expected, got table)", 1, true), tostring(msg))
`, "read")
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenCreatesAsFopen: a file io.open creates gets 0666 less the umask,
// as fopen gives it (gopher-lua gave 0600); an existing file keeps its mode.
func TestOpenCreatesAsFopen(t *testing.T) {
	runtime.LockOSThread() // the umask below is this thread's (CLONE_FS)
	defer runtime.UnlockOSThread()
	old := unix.Umask(0o027)
	defer unix.Umask(old)
	dir := t.TempDir()
	kept := filepath.Join(dir, "kept")
	if err := os.WriteFile(kept, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	vm := New(nil, nil)
	defer vm.Close()
	vm.L.SetGlobal("dir", lua.LString(dir))
	if err := vm.DoString(`
for _, m in ipairs{"w", "a", "w+", "a+"} do assert(io.open(dir .. "/" .. m, m)):close() end
assert(io.open(dir .. "/kept", "w")):close()`, "open"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"w": 0o640, "a": 0o640, "w+": 0o640, "a+": 0o640, "kept": 0o600} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("io.open(%q): mode %o, want %o", name, st.Mode().Perm(), want)
		}
	}
}

// TestLinesKeepLongLines: io.lines, file:lines and a popen pipe's lines give
// a line longer than bufio's 4096-byte buffer whole (gopher-lua's own
// iterators cut it in pieces), io.lines(path) closes the file at its end,
// and misuse raises as Lua 5.1 does.
func TestLinesKeepLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 10000)+"\nshort\n"+strings.Repeat("y", 5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	fds := func() int {
		ents, _ := os.ReadDir("/proc/self/fd")
		return len(ents)
	}
	vm := New(nil, nil)
	defer vm.Close()
	vm.L.SetGlobal("path", lua.LString(path))
	err := vm.DoString(`
local function lengths(iter, ...)
  local out = {}
  for l in iter, ... do out[#out + 1] = #l end
  return table.concat(out, " ")
end
local want = "10000 5 5000"
local got = lengths(io.lines(path))
assert(got == want, "io.lines: " .. got)
local f = assert(io.open(path))
got = lengths(f:lines())
assert(got == want, "file:lines: " .. got)
assert(io.type(f) == "file", "file:lines closed the file")
f:close()
local p = assert(io.popen("cat " .. path))
got = lengths(p:lines())
assert(got == want, "popen lines: " .. got)
p:close()
local ok, msg = pcall(io.lines, path .. ".missing")
assert(not ok and msg:find("bad argument #1 to 'lines'", 1, true) and msg:find(".missing", 1, true), tostring(msg))
ok, msg = pcall(f.lines, f)
assert(not ok and msg:find("closed file", 1, true), tostring(msg))
ok, msg = pcall(f.lines, 42)
assert(not ok and msg:find("FILE* expected, got number", 1, true), tostring(msg))
local it = io.lines(path)
it() it() it()
assert(it() == nil)
ok, msg = pcall(it)
assert(not ok and msg:find("file is already closed", 1, true), tostring(msg))
`, "lines")
	if err != nil {
		t.Fatal(err)
	}
	before := fds()
	if err := vm.DoString(`for _ in io.lines(path) do end`, "lines"); err != nil {
		t.Fatal(err)
	}
	if after := fds(); after != before {
		t.Errorf("%d fds open before, %d after: io.lines left its file open", before, after)
	}
}
