-- The container module: option checking, and containers run from a busybox
-- root file system (skipped where proc.spawn or busybox is missing).
local container = require "container"
local ns = require "ns"

local function tmpdir(t)
  local p = os.tmpname()
  os.remove(p)
  t:cleanup(function() os.execute("rm -rf " .. p) end)
  return p
end

local function rootfs(t)
  if not require("proc").spawn then t:skip("this build has no proc.spawn") end
  if not io.open("/bin/busybox") then t:skip("no /bin/busybox (apt install busybox-static)") end
  return container.rootfs_from_host(tmpdir(t) .. "/rootfs")
end

function test_new_checks_its_options(t)
  t:fails(function() container.new() end, "new: table of options expected, got nil")
  t:fails(function() container.new {} end, "rootfs (a directory holding the root file system) expected")
  t:fails(function() container.new { rootfs = "/nonexistent" } end, 'rootfs "/nonexistent" is not a directory')
  t:fails(function() container.new { rootfs = "/", hostnme = "x" } end, 'unknown option "hostnme"')
  t:fails(function() container.new { rootfs = "/", overlay = "yes" } end, "overlay: boolean expected, got string")
  t:fails(function() container.new { rootfs = "/", hostname = 5 } end, "hostname: string expected, got number")
  t:fails(function() container.new { rootfs = "/", user = "root" } end, 'user: "host", "auto" or {uid_map=, gid_map=}')
  t:fails(function() container.new { rootfs = "/", user = { gid_map = {} } } end, "maps need uid_map")
  t:fails(function() container.new { rootfs = "/", user = { uid_map = {}, umap = 1 } } end, 'unknown option "umap"')
  t:fails(function() container.new { rootfs = "/", mounts = "/data" } end, "mounts: list of mount specs expected")
  t:fails(function() container.new { rootfs = "/", mounts = { { source = "/a" } } } end, "mounts[1]: missing target")
  t:fails(function() container.new { rootfs = "/", mounts = { { target = "/a", type = "bind" } } } end,
    "mounts[1]: missing source")
  t:fails(function() container.new { rootfs = "/", mounts = { { target = "/a", source = "/b", readonly = true } } } end,
    'mounts[1]: unknown option "readonly"')
  t:fails(function() container.new { rootfs = "/", caps = "net_admin" } end, "caps: list of capability names expected")
  t:fails(function() container.new { rootfs = "/", caps = { 1 } } end, "caps[1]: capability name expected")
  t:fails(function() container.new { rootfs = "/", env = "PATH=/bin" } end, "env: table expected")
end

function test_run_checks_its_arguments(t)
  local c = container.new { rootfs = "/" }
  t:fails(function() c:run() end, "argv list or options table expected, got nil")
  t:fails(function() c:run {} end, "argv expected")
  t:fails(function() c:run { "/bin/true", stdot = "pipe" } end, 'unknown option "stdot"')
  t:fails(function() c:exec { "/bin/true" } end, "exec: the container is not running")
  t:eq(c.pid, nil)
  t:eq(c:stop(), nil)
  c:remove()
  t:fails(function() c:run { "/bin/true" } end, "the container was removed")
end

function test_container_has_its_own_hostname_and_processes(t)
  local dir = rootfs(t)
  local before = ns.hostname()
  local c = container.new { rootfs = dir, hostname = "inside" }
  local r = c:run { "/bin/sh", "-c", "hostname; echo $$; echo $HOSTNAME $HOME" }
  t:eq(r.code, 0, r.stderr)
  t:eq(r.stdout, "inside\n1\ninside /root\n")
  t:eq(ns.hostname(), before)
end

function test_env_and_cwd(t)
  local dir = rootfs(t)
  local c = container.new { rootfs = dir, env = { GREETING = "hi" }, cwd = "/tmp" }
  local r = c:run { "/bin/sh", "-c", "pwd; echo $GREETING; echo $EXTRA; env | wc -l", env = { EXTRA = "x" } }
  -- PATH, HOME, HOSTNAME, GREETING, EXTRA, and PWD and SHLVL from the shell
  t:eq(r.stdout, "/tmp\nhi\nx\n7\n", r.stderr)
end

-- The minimal /dev: working nodes with the host's numbers, and nodes of the
-- container's own (another inode than the host's /dev/null), so a chmod
-- inside never reaches the host's.
function test_dev_nodes_work_and_are_the_containers_own(t)
  local dir = rootfs(t)
  local r = container.new { rootfs = dir }:run { "/bin/sh", "-c",
    "for d in null zero full random urandom tty; do stat -c '%n %t:%T %a' /dev/$d; done; " ..
    "echo x > /dev/null && head -c 3 /dev/zero | wc -c && head -c 5 /dev/urandom | wc -c; stat -c '%d:%i' /dev/null" }
  t:eq(r.code, 0, r.stderr)
  local want = "/dev/null 1:3 666\n/dev/zero 1:5 666\n/dev/full 1:7 666\n/dev/random 1:8 666\n" ..
    "/dev/urandom 1:9 666\n/dev/tty 5:0 666\n3\n5\n"
  t:eq(r.stdout:sub(1, #want), want, r.stdout)
  local inside = r.stdout:sub(#want + 1):match("^(%d+:%d+)\n$")
  t:ok(inside, r.stdout)
  local f = assert(io.popen("stat -c '%d:%i' /dev/null"))
  local host = f:read("*l")
  f:close()
  t:ok(host and host:match("^%d+:%d+$"), host)
  t:ok(inside ~= host, "/dev/null inside is the host's own node " .. tostring(host))
end

function test_net_none_has_only_loopback_up(t)
  local dir = rootfs(t)
  local r = container.new { rootfs = dir }:run { "/bin/sh", "-c", "ls /sys/class/net; ping -c1 -W1 127.0.0.1 >/dev/null && echo up" }
  t:eq(r.stdout, "lo\nup\n", r.stderr)
end

function test_net_shared_with_a_running_container(t)
  local dir = rootfs(t)
  local proc = require "proc"
  local first = container.new { rootfs = dir, hostname = "first" }
  local p = first:start { "/bin/sleep", "100" }
  t:cleanup(function() first:stop(0.1) end)
  local second = container.new { rootfs = dir, hostname = "second", net = first }
  local r = second:run { "/bin/sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts" }
  t:eq(r.code, 0, r.stderr)
  local info = proc.info(p.pid)
  t:eq(r.stdout:match("net:%[(%d+)%]"), tostring(info.ns.net), "not in the first container's netns")
  t:ok(r.stdout:match("uts:%[(%d+)%]") ~= tostring(info.ns.uts), "uts namespace shared too")
  t:ok(info.ns.net ~= proc.info(proc.self()).ns.net, "the first container is in the host's netns")
end

function test_caps_names_are_checked(t)
  t:fails(function() container.new { rootfs = "/", caps = { "net_admn" } } end, 'caps[1]: unknown capability "net_admn"')
  container.new { rootfs = "/", caps = { "CAP_NET_ADMIN", "chown", "SYS_ADMIN" } }
end

function test_relative_rootfs_and_volume_paths(t)
  -- paths relative to the script's working directory are resolved when the
  -- container is made: the threads that mount them later start elsewhere
  local fs = require "fs"
  local rel = string.format("nslua-reltest-%d-%d", os.time(), math.random(1e6))
  t:ok(fs.mkdir(rel .. "/vol", { parents = true }))
  t:cleanup(function() os.execute("rm -rf '" .. rel .. "'") end)
  container.rootfs_from_host(rel .. "/root")
  local f = assert(io.open(rel .. "/vol/note", "w")); f:write("relative\n"); f:close()
  local here = fs.abspath(".")
  t:eq(fs.abspath("x/../y"), (here == "/" and "" or here) .. "/y")
  local c = container.new { rootfs = rel .. "/root",
    mounts = { { type = "bind", source = rel .. "/vol", target = "/vol" } } }
  local r = c:run { "/bin/cat", "/vol/note" }
  t:eq(r.code, 0, r.stderr)
  t:eq(r.stdout, "relative\n")
end
