-- volume.lua: a host directory mounted into a container, read-write and read-only
local container = require "container"
local mount = require "mount"
local ns = require "ns"
local recipes = require "recipes"

recipes.args("")

assert(ns.unshare("mnt"))
assert(mount.tmpfs("/mnt", { size = "64m" }))
local rootfs = container.rootfs_from_host("/mnt/rootfs")
assert(mount.apply({ { type = "dir", target = "/mnt/data" } }))
local f = assert(io.open("/mnt/data/input.txt", "w"))
f:write("written by the host\n")
f:close()

local c = container.new { rootfs = rootfs, mounts = {
  { source = "/mnt/data", target = "/data" },                  -- read-write
  { source = "/mnt/data", target = "/readonly", ro = true },   -- the same, read-only
} }
local r = c:run { "/bin/sh", "-c", [[
cat /data/input.txt
wc -c < /data/input.txt > /data/output.txt
echo nope > /readonly/refused.txt
]] }
io.write(r.stdout, r.stderr)

-- outside: the host sees the container's write, and not the refused one
local out = assert(io.open("/mnt/data/output.txt")):read("*a")
assert(tonumber(out) == #"written by the host\n", "the container's write did not reach the host: " .. out)
assert(io.open("/mnt/data/refused.txt") == nil, "the read-only volume was written")
assert(r.stderr:find("Read-only file system", 1, true), "no EROFS for the read-only volume")
print("ok: the container wrote to the read-write volume and could not write the read-only one")
