package test

import (
	"os"
	"strings"
	"testing"

	"github.com/nslua/nslua/test/harness"
)

// badInputCases: every ns and proc function (and handle method) called with
// wrong types, missing arguments, unknown type names or option keys,
// non-existent pids, a path that is not an nsfs file, a closed handle, huge
// strings and NUL bytes. "raise:" expects a Lua error (DESIGN §3 programming
// errors), "fail:" the nil, message, ENAME triple; the rest of the string
// must occur in the message.
var badInputCases = []struct{ code, want string }{
	// ns.open
	{`ns.open()`, "raise:bad argument #1 to 'open' (string expected, got "},
	{`ns.open(42)`, "raise:bad argument #1 to 'open' (string expected, got number)"},
	{`ns.open("net")`, "raise:bad argument #2 to 'open' (pid, netns name or \"self\" expected"},
	{`ns.open("nett", 1)`, `raise:bad argument #1 to 'open' (unknown namespace type "nett"; expected one of cgroup, ipc, mnt, net, pid, time, user, uts)`},
	{`ns.open("net", {})`, "raise:bad argument #2 to 'open' (pid, process, netns name, path or \"self\" expected, got table)"},
	{`ns.open("net", -1)`, "raise:bad argument #2 to 'open' (invalid pid -1)"},
	{`ns.open("net", 1.5)`, "raise:invalid pid 1.5"},
	{`ns.open("uts", "blue")`, "raise:a netns name cannot stand for a uts namespace"},
	{`ns.open("net", 99999999)`, "fail:ENOENT: open(/proc/99999999/ns/net)"},
	{`ns.open("net", "no-such-netns")`, "fail:ENOENT: open(/run/netns/no-such-netns)"},
	{`ns.open("/etc/hostname")`, "fail:EINVAL: open(/etc/hostname): not a namespace file"},
	{`ns.open("/proc/self/ns/net\0x")`, "raise:NUL"},
	{`ns.open("net", "a\0b")`, "raise:invalid target"},
	{`ns.open("net", string.rep("x", 100000))`, "raise:netns name longer than 255 bytes"},
	{`ns.open("/" .. string.rep("x", 100000))`, "fail:ENAMETOOLONG"},
	{`ns.open("net", "self", 3)`, "raise:bad argument #3 to 'open' (no more than 2 argument(s) expected"},
	// ns.current
	{`ns.current()`, "raise:bad argument #1 to 'current' (string expected, got "},
	{`ns.current("bogus")`, `raise:unknown namespace type "bogus"`},
	{`ns.current("net", 1)`, "raise:bad argument #2 to 'current'"},
	// ns.unshare
	{`ns.unshare()`, "raise:bad argument #1 to 'unshare' (namespace types"},
	{`ns.unshare("nett")`, `raise:bad argument #1 to 'unshare' (unknown namespace type "nett"; expected one of cgroup, ipc, mnt, net, pid, time, user, uts)`},
	{`ns.unshare({1})`, "raise:namespace type names expected, got number at index 1"},
	{`ns.unshare({})`, "raise:no namespace type given"},
	{`ns.unshare("mnt", {propagaton = "private"})`, `raise:unknown option "propagaton"`},
	{`ns.unshare("mnt", {propagation = 1})`, `raise:option "propagation": string expected, got number`},
	{`ns.unshare("net", "x")`, "raise:bad argument #2 to 'unshare' (table of options expected, got string)"},
	{`ns.unshare("user")`, `fail:EINVAL: unshare(user): a multi-threaded process cannot change its user namespace; start a process in one with proc.spawn{ns = {user = "new"}}, or run nslua --rootless`},
	{`ns.unshare("time")`, `fail:EUSERS: unshare(time): a multi-threaded process cannot change its time namespace; start a process in one with proc.spawn{ns = {time = "new"}}`},
	{`select(2, ns.unshare("time")):find("rootless") or "no hint"`, `ok:no hint`}, // --rootless makes no time namespace
	// ns.enter
	{`ns.enter()`, "raise:bad argument #1 to 'enter' (namespace reference"},
	{`ns.enter(true)`, "raise:bad argument #1 to 'enter' (namespace reference (handle, pid, process, netns name or path) expected, got boolean"},
	{`ns.enter(99999999)`, "fail:ENOENT: open(/proc/99999999/ns/"},
	{`ns.enter("/etc/hostname")`, "fail:EINVAL: open(/etc/hostname): not a namespace file"},
	{`ns.enter(ns.current("time"))`, "fail:EUSERS: setns(time)"},
	{`ns.enter(closed)`, "raise:closed nslua.ns"},
	// ns.with
	{`ns.with()`, "raise:bad argument #1 to 'with'"},
	{`ns.with(ns.current("net"))`, "raise:bad argument #2 to 'with' (function expected, got "},
	{`ns.with(ns.current("net"), 5)`, "raise:bad argument #2 to 'with' (function expected, got number)"},
	{`ns.with({}, function() end)`, "raise:empty list of namespaces"},
	{`ns.with({"/etc/hostname"}, function() end)`, "fail:EINVAL: open(/etc/hostname): not a namespace file"},
	{`ns.with(99999999, function() end)`, "fail:ENOENT"},
	{`ns.with(closed, function() end)`, "raise:closed nslua.ns"},
	{`ns.with(ns.current("user"), function() end)`, "fail:EINVAL: setns(user)"},
	// ns.create
	{`ns.create()`, "raise:bad argument #1 to 'create' (string expected, got "},
	{`ns.create("nett")`, `raise:unknown namespace type "nett"`},
	{`ns.create("pid")`, `raise:a pid namespace needs a process inside`},
	{`ns.create("net", {nam = "x"})`, `raise:unknown option "nam" (expected gid_map, keep, lo, name, offsets, pin, propagation, sysctl, uid_map)`},
	{`ns.create("uts", {lo = true})`, `raise:option "lo": applies to a net namespace, not uts`},
	{`ns.create("net", {lo = "yes"})`, `raise:option "lo": boolean expected, got string`},
	// ns.prepare
	{`ns.prepare()`, "raise:bad argument #1 to 'prepare' (string expected, got "},
	{`ns.prepare("uts")`, "raise:only a network namespace can be prepared, not uts"},
	{`ns.prepare("net", {name = "x"})`, `raise:unknown option "name" (expected lo, sysctl)`},
	{`ns.prepare("net", {lo = 1})`, `raise:option "lo": boolean expected, got number`},
	{`ns.create("uts", {name = "x"})`, `raise:option "name": only a net namespace has a name`},
	{`ns.create("net", {name = "a/b"})`, `raise:contains "/"`},
	{`ns.create("net", {name = ""})`, `raise:empty netns name`},
	{`ns.create("net", {name = ".."})`, `raise:is reserved`},
	{`ns.create("net", {name = string.rep("n", 300)})`, `raise:longer than 255 bytes`},
	{`ns.create("net", {name = "x", pin = "/tmp/x"})`, `raise:give name or pin, not both`},
	{`ns.create("net", {pin = "a\0b"})`, `raise:invalid pin path`},
	{`ns.create("net", {uid_map = {}})`, `raise:option "uid_map": applies to a user namespace, not net`},
	{`ns.create("user", {uid_map = {{0, 1}}})`, `raise:option "uid_map": entry 1: {inside, outside, count} expected`},
	{`ns.create("user", {uid_map = {{0, -1, 1}}})`, `raise:non-negative integers`},
	{`ns.create("user", {uid_map = "0 0 1"})`, `raise:option "uid_map": table expected, got string`},
	{`ns.create("time", {offsets = {monotonc = 1}})`, `raise:unknown option "monotonc"`},
	{`ns.create("time", {offsets = {monotonic = "1"}})`, `raise:monotonic: number of seconds expected, got string`},
	{`ns.create("net", {pin = "/nonexistent-dir/x"})`, `fail:ENOENT: create(/nonexistent-dir/x)`},
	{`ns.create("net", {pin = "/etc"})`, `fail:EINVAL: pin(/etc): not a regular file`},
	// ns.delete
	{`ns.delete()`, "raise:bad argument #1 to 'delete' (string expected, got "},
	{`ns.delete(1)`, "raise:bad argument #1 to 'delete' (string expected, got number)"},
	{`ns.delete("")`, "raise:invalid netns name or path"},
	{`ns.delete("..")`, "raise:is reserved"},
	{`ns.delete("no-such-netns")`, "fail:ENOENT: open(/run/netns/no-such-netns)"},
	{`ns.delete("/etc/hostname")`, "fail:EINVAL: open(/etc/hostname): not a namespace file"},
	{`ns.delete("x\0y")`, "raise:invalid netns name or path"},
	// ns.names, ns.list, hostname, domainname
	{`ns.names(1)`, "raise:bad argument #1 to 'names' (no more than 0 argument(s) expected"},
	{`ns.list("net")`, "raise:bad argument #1 to 'list' (table of options expected, got string)"},
	{`ns.list({typ = "net"})`, `raise:unknown option "typ" (expected type)`},
	{`ns.list({type = "nett"})`, `raise:option "type": unknown namespace type "nett"`},
	{`ns.hostname(5)`, "raise:bad argument #1 to 'hostname' (string expected, got number)"},
	{`ns.hostname(string.rep("h", 65))`, "raise:name longer than 64 bytes"},
	{`ns.hostname("a\0b")`, "raise:NUL"},
	{`ns.domainname({})`, "raise:bad argument #1 to 'domainname' (string expected, got table)"},
	// handle methods
	{`closed:pin("/tmp/x")`, "raise:closed nslua.ns"},
	{`closed:parent()`, "raise:closed nslua.ns"},
	{`closed:owner()`, "raise:closed nslua.ns"},
	{`closed:enter()`, "raise:closed nslua.ns"},
	{`closed:with(function() end)`, "raise:closed nslua.ns"},
	{`ns.current("net"):pin()`, "raise:bad argument #2 to 'pin' (string expected, got "},
	{`ns.current("net"):pin("/tmp/x", {kep = true})`, `raise:unknown option "kep" (expected keep)`},
	{`ns.create("time", {offsets = {monotonic = 0/0}})`, `raise:bad argument #2 to 'create' (option "offsets": monotonic: offset in seconds expected`},
	{`ns.create("time", {offsets = {boottime = 1e30}})`, `raise:option "offsets": boottime: offset in seconds expected (at most 1e9 either way), got 1e+30`},
	{`ns.current("net"):parent()`, "fail:EINVAL: ioctl(NS_GET_PARENT)"},
	{`ns.current("net").pin(5)`, "raise:bad argument #1 to 'pin' (nslua.ns expected, got number)"},
	// the kernel's words once: os's errors repeat the op and path
	{`((select(2, ns.create("user", {uid_map = {{0, 0, 1}, {0, 0, 1}}}))):gsub("/proc/%d+/", "/proc/PID/"))`, `ok:EINVAL: write(/proc/PID/uid_map): invalid argument`},
	{`ns.current("net").close(5)`, "raise:bad argument #1 to 'close' (nslua.ns expected, got number)"},
	{`ns.current("net").close(io.stdout)`, "raise:bad argument #1 to 'close' (nslua.ns expected, got userdata)"},
	{`ns.current("net"):close(1)`, "raise:bad argument #2 to 'close'"},
	// proc
	{`proc.self(1)`, "raise:bad argument #1 to 'self'"},
	{`proc.list(1)`, "raise:bad argument #1 to 'list'"},
	{`proc.info()`, "raise:bad argument #1 to 'info' (pid or process expected, got "},
	{`proc.info("1")`, "raise:bad argument #1 to 'info' (pid or process expected, got string)"},
	{`proc.info(0)`, "raise:bad argument #1 to 'info' (invalid pid 0)"},
	{`proc.info(2.5)`, "raise:invalid pid 2.5"},
	{`proc.info(99999999)`, "fail:ESRCH: proc(99999999): no such process"},
	{`proc.info(closed)`, "raise:bad argument #1 to 'info' (pid or process expected, got nslua.ns)"},
	{`proc.children()`, "raise:bad argument #1 to 'children' (pid or process expected, got "},
	{`proc.children(99999999)`, "fail:ESRCH"},
	{`proc.tree("x")`, "raise:bad argument #1 to 'tree' (pid or process expected, got string)"},
	{`proc.tree(99999999)`, "fail:ESRCH"},
	{`proc.find()`, "raise:bad argument #1 to 'find' (process name or table {name=, ns=} expected, got "},
	{`proc.find(5)`, "raise:bad argument #1 to 'find' (process name or table"},
	{`proc.find("")`, "raise:empty process name"},
	{`proc.find({})`, "raise:name or ns expected"},
	{`proc.find({nam = "x"})`, `raise:unknown option "nam" (expected name, ns)`},
	{`proc.find({ns = true})`, `raise:bad argument #1 to 'find' (option "ns": namespace reference (handle, pid, process, netns name or path) expected, got boolean)`},
	{`proc.find({ns = 99999999})`, "fail:ENOENT"},
	{`proc.find("a\0b")`, "raise:NUL"},
	{`proc.mounts()`, "raise:bad argument #1 to 'mounts' (pid or process expected, got "},
	{`proc.mounts(99999999)`, "fail:ESRCH"},
	{`proc.kill()`, "raise:bad argument #1 to 'kill' (pid or process expected, got "},
	{`proc.kill(99999999)`, "fail:ESRCH: kill(99999999): no such process"},
	// pid_t is 32 bits: kill(2) would read 2^32-1 as -1 (every process),
	// 2^40 as 0 (the caller's process group), 2^32+n as n. Signal 0 keeps a
	// regression harmless.
	{`proc.kill(2^32 - 1, 0)`, "raise:bad argument #1 to 'kill' (invalid pid 4294967295)"},
	{`proc.kill(2^40, 0)`, "raise:bad argument #1 to 'kill' (invalid pid 1099511627776)"},
	{`proc.kill(2^32 + proc.self(), 0)`, "raise:invalid pid"},
	{`proc.kill(2^31, 0)`, "raise:invalid pid 2147483648"},
	{`proc.kill(2^31 - 1, 0)`, "fail:ESRCH: kill(2147483647)"},
	{`proc.info(2^32 + proc.self())`, "raise:bad argument #1 to 'info' (invalid pid"},
	{`ns.open("net", 2^32 + 1)`, "raise:bad argument #2 to 'open' (invalid pid 4294967297)"},
	{`proc.kill(1, "NOSUCH")`, `raise:unknown signal "NOSUCH"`},
	{`proc.kill(1, 65)`, "raise:invalid signal number 65"},
	{`proc.kill(1, {})`, "raise:bad argument #2 to 'kill' (signal name or number expected, got table)"},
	{`proc.kill(1, "TERM", 3)`, "raise:bad argument #3 to 'kill'"},
}

const badInputRunner = `
local ns, proc = require "ns", require "proc"
closed = ns.current("net")
closed:close()
local env = setmetatable({ ns = ns, proc = proc, closed = closed }, { __index = _G })
for line in io.lines() do
  local chunk = assert(loadstring("return " .. line))
  setfenv(chunk, env)
  local ok, a, b, c = pcall(chunk)
  local out
  if not ok then out = "raise:" .. tostring(a)
  elseif a == nil and type(b) == "string" then out = "fail:" .. b .. " [" .. tostring(c) .. "]"
  else out = "ok:" .. tostring(a) end
  print((out:gsub("\n", " ")))
end
`

// TestNSAndProcBadInput runs every case in one nslua and checks that each
// raised or failed as DESIGN §3 says, and that nslua never crashed.
func TestNSAndProcBadInput(t *testing.T) {
	harness.NoLeaks(t)
	var in strings.Builder
	for _, c := range badInputCases {
		in.WriteString(c.code + "\n")
	}
	script := t.TempDir() + "/bad.lua"
	if err := os.WriteFile(script, []byte(badInputRunner), 0o644); err != nil {
		t.Fatal(err)
	}
	r := harness.RunWith(t, harness.RunOpts{Stdin: in.String()}, script)
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) != len(badInputCases) {
		t.Fatalf("%d results for %d cases:\n%s", len(lines), len(badInputCases), r.Stdout)
	}
	for i, c := range badInputCases {
		kind, text, _ := strings.Cut(c.want, ":")
		got := lines[i]
		if !strings.HasPrefix(got, kind+":") || !strings.Contains(got, text) {
			t.Errorf("%s\n  got  %s\n  want %s", c.code, got, c.want)
		}
		if strings.Contains(got, "internal error") {
			t.Errorf("%s: %s", c.code, got)
		}
		if kind == "fail" {
			// the third value is the errno name the message starts with
			if name, _, _ := strings.Cut(strings.TrimPrefix(got, "fail:"), ":"); !strings.HasSuffix(got, "["+name+"]") {
				t.Errorf("%s: errno name does not match the message: %s", c.code, got)
			}
		}
	}
}
