package test

import (
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nslua/nslua/test/harness"
)

// inMountNS runs a shell command in a private mount namespace of its own
// (unshare -m), so nothing it mounts can reach the host: the namespace dies
// with the shell. $NSLUA is the binary under test.
func inMountNS(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-ec", script)
	cmd.Env = append(os.Environ(), "NSLUA="+harness.Bin())
	cmd.Dir = harness.Root()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

// listFields are mount.list's fields, hex-encoded one per column so that
// any byte survives the trip (mount points with spaces, tabs, backslashes).
const printList = `
local function hex(s) return (tostring(s):gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function dump(list)
  for _, m in ipairs(list) do
    print("M", m.id, m.parent, hex(m.source), hex(m.target), hex(m.fstype), hex(m.options),
      hex(m.super_options), hex(m.root), m.propagation)
  end
end
`

type mnt struct {
	ID, Parent                                           int
	Source, Target, FSType, Options, Super, Root, Propag string
}

func parseDump(t *testing.T, out string) []mnt {
	t.Helper()
	var ms []mnt
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 10 || f[0] != "M" {
			continue
		}
		dec := func(s string) string {
			b, err := hex.DecodeString(s)
			if err != nil {
				t.Fatalf("bad hex %q", s)
			}
			return string(b)
		}
		var m mnt
		m.ID, m.Parent = atoi(t, f[1]), atoi(t, f[2])
		m.Source, m.Target, m.FSType, m.Options = dec(f[3]), dec(f[4]), dec(f[5]), dec(f[6])
		m.Super, m.Root, m.Propag = dec(f[7]), dec(f[8]), f[9]
		ms = append(ms, m)
	}
	return ms
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// findmntList runs findmnt -J in the output of a shell: the part after a
// "FINDMNT" line.
func findmntList(t *testing.T, out string) []mnt {
	t.Helper()
	_, js, ok := strings.Cut(out, "FINDMNT\n")
	if !ok {
		t.Fatalf("no findmnt output in:\n%s", out)
	}
	js, _, _ = strings.Cut(js, "ENDFINDMNT\n")
	var doc struct {
		Filesystems []struct {
			ID          int    `json:"id"`
			Parent      int    `json:"parent"`
			Source      string `json:"source"`
			Target      string `json:"target"`
			FSType      string `json:"fstype"`
			VFSOptions  string `json:"vfs-options"`
			FSOptions   string `json:"fs-options"`
			FSRoot      string `json:"fsroot"`
			Propagation string `json:"propagation"`
		} `json:"filesystems"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("findmnt -J: %v\n%s", err, js)
	}
	var ms []mnt
	for _, f := range doc.Filesystems {
		src := f.Source
		// findmnt writes a bind mount's source as device[/root]
		if f.FSRoot != "/" && strings.HasSuffix(src, "["+f.FSRoot+"]") {
			src = strings.TrimSuffix(src, "["+f.FSRoot+"]")
		}
		ms = append(ms, mnt{f.ID, f.Parent, src, f.Target, f.FSType, f.VFSOptions, f.FSOptions, f.FSRoot, f.Propagation})
	}
	return ms
}

func sortMounts(ms []mnt) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
}

const findmntCmd = `echo FINDMNT; findmnt -J --list -o ID,PARENT,SOURCE,TARGET,FSTYPE,VFS-OPTIONS,FS-OPTIONS,FSROOT,PROPAGATION; echo ENDFINDMNT`

// compareWithFindmnt checks that mount.list and findmnt agree on every
// field of every mount, and returns nslua's list.
func compareWithFindmnt(t *testing.T, out string) []mnt {
	t.Helper()
	got, want := parseDump(t, out), findmntList(t, out)
	sortMounts(got)
	sortMounts(want)
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("mount.list has %d mounts, findmnt %d\n%s", len(got), len(want), out)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("mount %d differs:\n  nslua   %+v\n  findmnt %+v", got[i].ID, got[i], want[i])
		}
	}
	return got
}

// byTarget finds the topmost mount at target: the one no other mount at
// target is stacked on (mount ids are reused, so their order says nothing).
func byTarget(ms []mnt, target string) *mnt {
	var top *mnt
	for i := range ms {
		if ms[i].Target != target {
			continue
		}
		covered := false
		for j := range ms {
			covered = covered || (ms[j].Target == target && ms[j].Parent == ms[i].ID)
		}
		if !covered {
			top = &ms[i]
		}
	}
	return top
}

// TestMountListAgreesWithFindmnt: mount.list and findmnt -J read the same
// namespace, with mount points and super options that need escapes and
// every propagation type.
func TestMountListAgreesWithFindmnt(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	script := writeScript(t, "s.lua", printList+`
local mount = require "mount"
local dir = arg[1]
for _, name in ipairs{"a b", "tab\tc", "back\\slash", "shared", "slave", "unbindable"} do
  local p = dir .. "/" .. name
  os.execute("mkdir -p '" .. p .. "'")
  assert(mount.tmpfs(p, {size = "1m"}))
end
assert(mount.propagation(dir .. "/shared", "shared"))
assert(mount.propagation(dir .. "/slave", "shared"))
os.execute("mkdir -p '" .. dir .. "/peer'")
assert(mount.bind(dir .. "/slave", dir .. "/peer"))   -- a peer: the slave gets a master
assert(mount.propagation(dir .. "/slave", "slave"))
assert(mount.propagation(dir .. "/unbindable", "unbindable"))
assert(mount.bind(dir .. "/a b", dir .. "/shared", {ro = true}))
-- the kernel escapes the layer's space and comma in the super options
os.execute("mkdir -p '" .. dir .. "/lo w,er' '" .. dir .. "/ovl'")
assert(mount.overlay{lower = dir .. "/lo w,er", tmpfs = true, target = dir .. "/ovl"})
dump(mount.list())
`)
	out := inMountNS(t, `"$NSLUA" `+script+` `+dir+`; `+findmntCmd)
	ms := compareWithFindmnt(t, out)
	for name, prop := range map[string]string{"a b": "private", "tab\tc": "private", "back\\slash": "private",
		"slave": "private,slave", "peer": "shared", "unbindable": "private,unbindable"} {
		m := byTarget(ms, dir+"/"+name)
		if m == nil || m.Propag != prop || m.FSType != "tmpfs" {
			t.Errorf("%q: got %+v, want a tmpfs with propagation %s", name, m, prop)
		}
	}
}

// TestMountListOfAnotherProcess: mount.list(pid) reads that process's
// namespace, which findmnt --task sees the same way.
func TestMountListOfAnotherProcess(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	// a shell in a namespace of its own holds a mount the host lacks
	sh := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		"mount -t tmpfs marker "+dir+" && echo ready && read x")
	stdin, _ := sh.StdinPipe()
	stdout, _ := sh.StdoutPipe()
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); sh.Wait() }()
	buf := make([]byte, 6)
	if _, err := io.ReadFull(stdout, buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("shell did not start: %v %q", err, buf)
	}
	pid := strconv.Itoa(sh.Process.Pid)
	script := writeScript(t, "s.lua", printList+`
local mount = require "mount"
dump(mount.list(tonumber(arg[1])))
print(select(2, mount.list(999999999)))
`)
	r := harness.MustRun(t, script, pid)
	fm := harness.Tool(t, "findmnt", "-J", "--list", "--task", pid, "-o", "ID,PARENT,SOURCE,TARGET,FSTYPE,VFS-OPTIONS,FS-OPTIONS,FSROOT,PROPAGATION")
	ms := compareWithFindmnt(t, r.Stdout+"FINDMNT\n"+fm)
	if m := byTarget(ms, dir); m == nil || m.Source != "marker" {
		t.Errorf("mount.list(pid) does not show the shell's tmpfs at %s", dir)
	}
	if !strings.Contains(r.Stdout, "ESRCH: proc(999999999): no such process") { // as proc.mounts says it
		t.Errorf("mount.list of a missing pid: %s", r.Stdout)
	}
}

// TestMountOperations: each function changes the namespace as mount(8)
// would, checked with findmnt and the file system.
func TestMountOperations(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	for _, d := range []string{"src/sub", "bind", "rbind", "tmp", "lower", "ovl", "gone"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "lower", "file"), []byte("lower\n"), 0o644)
	script := writeScript(t, "s.lua", printList+`
local mount = require "mount"
local d = arg[1]
assert(mount.tmpfs(d .. "/src/sub"))
assert(mount.bind(d .. "/src", d .. "/bind", {ro = true}))
assert(mount.bind(d .. "/src", d .. "/rbind", {ro = true, rec = true}))
assert(mount.tmpfs(d .. "/tmp", {size = 65536, mode = "0710", flags = "nosuid,nodev"}))
assert(mount.remount(d .. "/tmp", "noexec"))
assert(mount.overlay{lower = d .. "/lower", tmpfs = true, target = d .. "/ovl"})
local f = assert(io.open(d .. "/ovl/file", "w")); f:write("upper\n"); f:close()
assert(mount.tmpfs(d .. "/gone"))
assert(mount.umount(d .. "/gone", {detach = true}))
print("MP", mount.is_mountpoint(d .. "/tmp"), mount.is_mountpoint(d .. "/src"), mount.is_mountpoint(d .. "/bind"))
dump(mount.list())
`)
	out := inMountNS(t, `"$NSLUA" `+script+` `+dir+`; `+findmntCmd+`; echo CONTENT; cat `+dir+`/ovl/file; touch `+dir+`/bind/x 2>&1 || true`)
	ms := compareWithFindmnt(t, out)
	check := func(target, fstype, opts string) *mnt {
		t.Helper()
		m := byTarget(ms, dir+"/"+target)
		if m == nil {
			t.Errorf("no mount at %s", target)
			return nil
		}
		if m.FSType != fstype {
			t.Errorf("%s: fstype %s, want %s", target, m.FSType, fstype)
		}
		for _, o := range strings.Split(opts, ",") {
			if !strings.Contains(","+m.Options+","+m.Super+",", ","+o+",") {
				t.Errorf("%s: options %s / %s lack %s", target, m.Options, m.Super, o)
			}
		}
		return m
	}
	check("bind", "ext4", "ro")
	if m := byTarget(ms, dir+"/bind/sub"); m != nil {
		t.Errorf("a plain bind took the submount along: %+v", m)
	}
	check("rbind", "ext4", "ro")
	check("rbind/sub", "tmpfs", "ro")
	check("tmp", "tmpfs", "nosuid,nodev,noexec,size=64k,mode=710")
	check("ovl", "overlay", "rw")
	if byTarget(ms, dir+"/gone") != nil {
		t.Errorf("umount left %s/gone mounted", dir)
	}
	if !strings.Contains(out, "MP\ttrue\tfalse\ttrue") {
		t.Errorf("is_mountpoint: want true false true in\n%s", out)
	}
	if !strings.Contains(out, "CONTENT\nupper\n") || !strings.Contains(out, "Read-only file system") {
		t.Errorf("overlay write or read-only bind wrong:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "lower", "file")); string(b) != "lower\n" {
		t.Errorf("the overlay's lower layer changed: %q", b)
	}
}

// TestMountPivotRootAndChroot: after pivot_root the script's namespace has
// the new root as "/" and nothing of the old one; chroot changes only the
// script's view of paths.
func TestMountPivotRootAndChroot(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "new"), 0o755)
	os.MkdirAll(filepath.Join(dir, "ch", "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "ch", "etc", "marker"), []byte("chroot\n"), 0o644)
	script := writeScript(t, "s.lua", printList+`
local mount = require "mount"
local d = arg[1]
if arg[2] == "chroot" then
  assert(mount.chroot(d .. "/ch"))
  print("CHROOT", io.open("/etc/marker"):read("*l"))
  os.exit(0)
end
assert(mount.tmpfs(d .. "/new"))
assert(mount.apply({{type = "dir", target = "/proc"}, {type = "proc", target = "/proc"},
  {type = "dir", target = "/old"}}, {root = d .. "/new"}))
local f = assert(io.open(d .. "/new/hello", "w")); f:write("new root\n"); f:close()
-- in the mount namespace nslua started in, pivot_root would move every
-- process there too: nslua refuses it
local ok, msg = mount.pivot_root(d .. "/new")
print("REFUSED", ok, msg)
assert(require("ns").unshare("mnt"))
assert(mount.pivot_root(d .. "/new"))
print("PIVOT", io.open("/hello"):read("*l"))
dump(mount.list())
`)
	out := inMountNS(t, `"$NSLUA" `+script+` `+dir+` chroot; "$NSLUA" `+script+` `+dir)
	if !strings.Contains(out, "CHROOT\tchroot") || !strings.Contains(out, "PIVOT\tnew root") {
		t.Fatalf("chroot or pivot_root did not change the root:\n%s", out)
	}
	if !strings.Contains(out, "REFUSED\tnil\tEBUSY: pivot_root("+dir+"/new): it would move every process and thread") {
		t.Errorf("pivot_root in nslua's original mount namespace was not refused:\n%s", out)
	}
	ms := parseDump(t, out)
	if len(ms) != 2 || byTarget(ms, "/") == nil || byTarget(ms, "/proc") == nil || byTarget(ms, "/").FSType != "tmpfs" {
		t.Errorf("after pivot_root want only the tmpfs root and /proc, got %+v", ms)
	}
}

// TestMountErrors: system failures are triples naming the path; nothing is
// left mounted by a failed overlay or bind.
func TestMountErrors(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "t"), 0o755)
	script := writeScript(t, "s.lua", printList+`
local mount = require "mount"
local d = arg[1]
local function show(...) print("R", select(2, ...)) end
show(mount.tmpfs(d .. "/missing"))
show(mount.bind(d .. "/nope", d .. "/t"))
show(mount.overlay{lower = d .. "/nolower", tmpfs = true, target = d .. "/t"})
show(mount.umount(d .. "/t"))
assert(require("ns").unshare("mnt"))
show(mount.pivot_root(d .. "/t"))
show(mount.is_mountpoint(d .. "/missing"))
show(mount.apply({{type = "tmpfs", target = "/a"}, {source = d .. "/nope", target = "/b"}}, {root = d .. "/t"}))
dump(mount.list())
`)
	out := inMountNS(t, `"$NSLUA" `+script+` `+dir)
	for _, want := range []string{
		"ENOENT: mount(" + dir + "/missing): no such file or directory",
		"ENOENT: mount(" + dir + "/nope on " + dir + "/t): no such file or directory",
		"ENOENT: lowerdir(" + dir + "/nolower)",
		"EINVAL: umount(" + dir + "/t): not a mount point",
		"EINVAL: pivot_root(" + dir + "/t): not a mount point: bind it on itself first",
		"ENOENT: statx(" + dir + "/missing)",
		"ENOENT: stat(" + dir + "/nope)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	ms := parseDump(t, out)
	if m := byTarget(ms, dir+"/t"); m != nil {
		t.Errorf("a failed overlay left a mount: %+v", m)
	}
	if m := byTarget(ms, dir+"/t/a"); m == nil {
		t.Errorf("apply stops at the failing spec, keeping the ones before: no tmpfs at t/a")
	}
}

// TestMountListInUnsharedNamespace: after ns.unshare("mnt") the script's
// mounts live in its own namespace; mount.list shows exactly what findmnt
// --task reads there, and the host (the test) does not see them.
func TestMountListInUnsharedNamespace(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	out, pid := startLister(t, `
assert(ns.unshare("mnt"))
assert(mount.tmpfs(arg[1], {size = "2m"}))
assert(mount.overlay{lower = "/etc", tmpfs = true, target = arg[1]})
dump(mount.list())
print("PID", require("proc").self())
`, dir)
	ms := compareWithFindmnt(t, out+"FINDMNT\n"+findmntTask(t, pid))
	if m := byTarget(ms, dir); m == nil || m.FSType != "overlay" {
		t.Errorf("no overlay at %s in the script's namespace: %+v\n%s", dir, m, out)
	}
	host := harness.Tool(t, "findmnt", "-J", "--list", "-o", "TARGET")
	if strings.Contains(host, dir) {
		t.Errorf("the script's mount at %s is visible to the test:\n%s", dir, host)
	}
}

// TestMountListOfSpawnedProcess: mount.list(process) of a child spawned in
// a new mount namespace shows that namespace as findmnt --task does.
func TestMountListOfSpawnedProcess(t *testing.T) {
	harness.NoLeaks(t)
	if r := harness.Run(t, "-e", "assert(require('proc').spawn)"); r.Code != 0 {
		t.Skip("this build has no proc.spawn")
	}
	dir := t.TempDir()
	out, pid := startLister(t, `
local p = assert(require("proc").spawn{"/bin/sleep", "1000", ns = "mnt",
  mounts = {{type = "tmpfs", target = arg[1], options = "size=1m"}}})
dump(mount.list(p))
print("PID", p.pid)
`, dir)
	ms := compareWithFindmnt(t, out+"FINDMNT\n"+findmntTask(t, pid))
	if m := byTarget(ms, dir); m == nil || m.FSType != "tmpfs" {
		t.Errorf("no tmpfs at %s in the child's namespace: %+v", dir, m)
	}
}

// startLister runs a script that prints mount lists and a "PID n" line, then
// waits on stdin (closed at the end of the test) while the test looks at
// that pid's namespace. It returns the output up to the PID line and the pid.
func startLister(t *testing.T, body, dir string) (string, string) {
	t.Helper()
	script := writeScript(t, "s.lua", printList+`
local mount, ns = require "mount", require "ns"
`+body+`
io.stdout:flush()
io.read("*l") -- the test runs findmnt meanwhile
`)
	cmd := exec.Command(harness.Bin(), script, dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	var out strings.Builder
	buf := make([]byte, 64*1024)
	for !strings.Contains(out.String(), "PID\t") || !strings.HasSuffix(out.String(), "\n") {
		n, err := stdout.Read(buf)
		if err != nil {
			t.Fatalf("script ended early: %v\n%s", err, out.String())
		}
		out.Write(buf[:n])
	}
	_, pid, _ := strings.Cut(out.String(), "PID\t")
	return out.String(), strings.TrimSpace(pid)
}

func findmntTask(t *testing.T, pid string) string {
	t.Helper()
	return harness.Tool(t, "findmnt", "-J", "--list", "--task", pid, "-o",
		"ID,PARENT,SOURCE,TARGET,FSTYPE,VFS-OPTIONS,FS-OPTIONS,FSROOT,PROPAGATION")
}

// TestMountApplyOnTheRootItself: specs whose target is "/" act on the mount
// they make there, not on the root directory's mount beneath it: a
// read-only bind over the root is the read-only one (the tmpfs beneath
// keeps its flags), and readonly on a root that is not a mount point binds
// it on itself and makes that read-only — as findmnt sees it.
func TestMountApplyOnTheRootItself(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	for _, d := range []string{"root", "src", "plain"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	script := writeScript(t, "s.lua", printList+`
local mount = require "mount"
local d = arg[1]
assert(mount.tmpfs(d .. "/root"))
assert(mount.apply({{type = "bind", source = d .. "/src", target = "/", ro = true, rec = false}}, {root = d .. "/root"}))
assert(mount.apply({{type = "readonly", target = "/"}}, {root = d .. "/plain"}))
dump(mount.list())
`)
	out := inMountNS(t, `"$NSLUA" `+script+` `+dir+`; `+findmntCmd+`; touch `+dir+`/root/x `+dir+`/plain/x 2>&1 || true`)
	ms := compareWithFindmnt(t, out)
	top := byTarget(ms, dir+"/root")
	if top == nil || top.Root != dir+"/src" || !strings.HasPrefix(top.Options, "ro,") {
		t.Errorf("the bind on the root is not the read-only mount on top: %+v", top)
	}
	for _, m := range ms {
		if m.Target == dir+"/root" && m.FSType == "tmpfs" && !strings.HasPrefix(m.Options, "rw,") {
			t.Errorf("the tmpfs beneath the bind became read-only: %+v", m)
		}
	}
	if m := byTarget(ms, dir+"/plain"); m == nil || m.Root != dir+"/plain" || !strings.HasPrefix(m.Options, "ro,") {
		t.Errorf("readonly on a root that is no mount point: %+v", m)
	}
	if strings.Count(out, "Read-only file system") != 2 {
		t.Errorf("writes into the read-only roots did not fail:\n%s", out)
	}
}

// TestMountOverlayLongLayersAndOptions: overlay layers whose paths pass the
// 255 bytes fsconfig(2) takes as a string still mount (mount(8) takes them),
// and options reach overlayfs — an unknown one is refused by the kernel, not
// dropped — in mount.overlay as in mount.apply, as findmnt shows them.
func TestMountOverlayLongLayersAndOptions(t *testing.T) {
	harness.NoLeaks(t)
	dir := t.TempDir()
	long := filepath.Join(dir, strings.Repeat("l", 200), strings.Repeat("o", 200))
	for _, d := range []string{long, filepath.Join(dir, "top"), filepath.Join(dir, "ovl"), filepath.Join(dir, "root")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(long, "file"), []byte("deep\n"), 0o644)
	script := writeScript(t, "s.lua", `
local mount = require "mount"
local d, long = arg[1], arg[2]
assert(mount.overlay{lower = {d .. "/top", long}, target = d .. "/ovl", options = "userxattr"})
assert(mount.apply({{type = "overlay", lower = long, tmpfs = true, target = "/", options = "redirect_dir=nofollow"}},
  {root = d .. "/root"}))
print("BOGUS", mount.overlay{lower = {d .. "/top", long}, target = d .. "/ovl", options = "nslua_bogus=1"})
`)
	out := inMountNS(t, `"$NSLUA" `+script+` `+dir+` `+long+`; cat `+dir+`/ovl/file `+dir+`/root/file; `+
		`findmnt -J -o TARGET,FSTYPE,FS-OPTIONS `+dir+`/ovl; findmnt -J -o TARGET,FSTYPE,FS-OPTIONS `+dir+`/root`)
	if strings.Count(out, "deep\n") != 2 {
		t.Errorf("the overlays do not show the long layer's file:\n%s", out)
	}
	for _, want := range []string{"lowerdir+=" + long, "userxattr", "redirect_dir=nofollow",
		"BOGUS\tnil\tEINVAL: fsconfig(nslua_bogus=1): invalid argument (overlay: Unknown parameter 'nslua_bogus')"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
