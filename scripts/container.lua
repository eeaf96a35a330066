-- container.lua: a busybox shell in a container (interactive on a terminal, `--check` for a scripted run)
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

local r = c:exec { "/bin/sh", "-c", "hostname; ps -o pid= | wc -l; ls /proc/1/root/bin/busybox" }
io.stderr:write(r.stderr)
local lines = {}
for l in r.stdout:gmatch("[^\n]+") do table.insert(lines, l) end
print("hostname inside: " .. tostring(lines[1]))
print("processes seen inside: " .. tostring(lines[2]) .. " (sleep, sh, ps, wc)")
print("the init's root holds: " .. tostring(lines[3]))
assert(r.code == 0 and lines[1] == "busybox", "hostname inside: " .. tostring(lines[1]))
assert(tonumber(lines[2]) <= 4, "the container sees " .. tostring(lines[2]) .. " processes")
assert(lines[3] == "/proc/1/root/bin/busybox", "the init's root has no /bin/busybox")
c:stop(0.2)
assert(not p:running(), "the container's init still runs")
print("ok: the container had its own namespaces, hostname and process list")
