-- container.lua: a busybox shell in a container, or (--check, or no terminal) a run checked from outside; args: [--check]
--
--   nslua -r container            a shell; `exit` leaves, the container is gone
--   nslua -r container --check    run a few commands and check them from outside
--
-- The root file system is built on a tmpfs in a mount namespace of the
-- script's own, so nothing is left on disk or mounted on the host afterwards.
local container = require "container"
local mount = require "mount"
local ns = require "ns"
local proc = require "proc"
local recipes = require "recipes"

local a = recipes.args("[--check]", { max = 1, help = [[
  --check   run a few commands in the container and check them from outside
            instead of opening a shell; without a terminal on stdin and stdout
            the recipe does this anyway]] })
if arg[1] and arg[1] ~= "--check" then a:bad("unknown argument " .. string.format("%q", arg[1]) .. ", expected --check") end

assert(ns.unshare("mnt"))          -- private: the host never sees these mounts
assert(mount.tmpfs("/mnt", { size = "64m" }))
local rootfs = container.rootfs_from_host("/mnt/rootfs")

local c = container.new { rootfs = rootfs, hostname = "busybox" }

-- interactive only when someone types and reads: stdin and stdout on a
-- terminal (a controlling terminal alone, with stdin from a file, is a script)
local fs = require "fs"
if arg[1] ~= "--check" and fs.isatty("stdin") and fs.isatty("stdout") then
  print("busybox shell in a container (hostname busybox); exit to leave")
  local r = c:run { "/bin/sh", tty = true }
  os.exit(r.code)
end

-- scripted: start a container, look at it from outside, then from inside
local p = c:start { "/bin/sleep", "60" }
local me, it = proc.info(proc.self()), proc.info(p.pid)
for _, kind in ipairs { "mnt", "pid", "uts", "ipc", "net" } do
  assert(me.ns[kind] ~= it.ns[kind], kind .. " namespace shared with the host")
end
assert(it.nspid[#it.nspid] == 1, "the container's init is not pid 1 inside")
assert(ns.hostname() ~= "busybox", "the container's hostname leaked to the host")

-- inside: the host name, every process (pid and name, no pipe: a process
-- of a pipeline may or may not have started when ps looks), the init's root
local r = c:exec { "/bin/sh", "-c", "hostname; ps -o pid=,comm=; ls /proc/1/root/bin/busybox" }
io.stderr:write(r.stderr)
local lines, procs = {}, {}
for l in r.stdout:gmatch("[^\n]+") do
  local pid, comm = l:match("^%s*(%d+)%s+(%S+)$")
  if pid then
    procs[#procs + 1] = comm .. (pid == "1" and " as pid 1" or "")
  else
    table.insert(lines, l)
  end
end
-- the init, the shell and ps: nothing of the host's
print("hostname inside: " .. tostring(lines[1]))
print(string.format("processes seen inside: %d (%s)", #procs, table.concat(procs, ", ")))
print("the init's root holds: " .. tostring(lines[2]))
assert(r.code == 0 and lines[1] == "busybox", "hostname inside: " .. tostring(lines[1]))
assert(table.concat(procs, ", ") == "sleep as pid 1, sh, ps",
  "the container sees other processes than its init, the shell and ps")
assert(lines[2] == "/proc/1/root/bin/busybox", "the init's root has no /bin/busybox")
c:stop(0.2)
assert(not p:running(), "the container's init still runs")
print("ok: the container had its own namespaces, hostname and process list")
