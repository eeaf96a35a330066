-- container.new checks every option before anything is built, so a mistake
-- raises at the line that made the container, naming the option; net= takes
-- only network namespaces; c:stop and rootfs_from_host check their arguments.
-- Where a container runs, what it joined is read from /proc (readlink).
local container = require "container"
local ns = require "ns"
local proc = require "proc"
local nslink = require("helpers").nslink

local rootfs = require("helpers").rootfs

-- new(opts) must raise pattern, and as a container error, not from inside
-- a binding the module calls
local function refused(t, opts, pattern)
  local err = t:fails(function() container.new(opts) end, pattern)
  t:ok(err:find("container: new: ", 1, true), "not container.new's own error: " .. err)
  t:ok(not err:find("bad argument", 1, true), "an internal function's error: " .. err)
  t:ok(not err:find("stdlib/", 1, true), "points inside the stdlib: " .. err)
end

function test_net_must_be_a_network_namespace_reference(t)
  refused(t, { rootfs = "/", net = true }, "net: ")
  refused(t, { rootfs = "/", net = -1 }, "net: a pid (an integer > 0) expected, got -1")
  refused(t, { rootfs = "/", net = 1.5 }, "net: a pid")
  refused(t, { rootfs = "/", net = {} }, "got table")
  refused(t, { rootfs = "/", net = "" }, "net: netns name or path expected")
  refused(t, { rootfs = "/", net = "a\0b" }, "net: netns name or path expected")
end

-- a handle of another type would have run the container in the script's
-- own network namespace
function test_net_handle_of_another_type_is_refused(t)
  local uts = ns.current("uts")
  t:cleanup(function() uts:close() end)
  refused(t, { rootfs = "/", net = uts }, "net: a net namespace expected, got the uts namespace " .. tostring(uts))
end

function test_hostname_user_env_rootfs_are_checked_in_new(t)
  refused(t, { rootfs = "/", hostname = string.rep("h", 65) }, "hostname: 1 to 64 bytes without NUL expected")
  refused(t, { rootfs = "/", hostname = "a\0b" }, "hostname: 1 to 64 bytes without NUL expected")
  refused(t, { rootfs = "/", hostname = "" }, "hostname: 1 to 64 bytes")
  container.new { rootfs = "/", hostname = string.rep("h", 64) }
  refused(t, { rootfs = "/", user = { uid_map = "x" } }, "user: uid_map: a list of {inside, outside, count} expected")
  refused(t, { rootfs = "/", user = { uid_map = {} } }, "user: uid_map: a list of {inside, outside, count} expected")
  refused(t, { rootfs = "/", user = { uid_map = { { 0, 1 } } } }, "user: uid_map[1]: {inside, outside, count}")
  refused(t, { rootfs = "/", user = { uid_map = { { 0, 1, -5 } } } }, "uid_map[1]: {inside, outside, count}")
  refused(t, { rootfs = "/", user = { uid_map = { { 0, 100000, 10 } }, gid_map = { "0 1 1" } } },
    "user: gid_map[1]: {inside, outside, count}")
  container.new { rootfs = "/", user = { uid_map = { { 0, 100000, 10 } } } }
  refused(t, { rootfs = "/", env = { A = {} } }, "env: A: string value without NUL expected, got table")
  refused(t, { rootfs = "/", env = { A = "x\0y" } }, "env: A: string value without NUL")
  refused(t, { rootfs = "/", env = { ["A=B"] = "x" } }, "env: names must be strings without '='")
  refused(t, { rootfs = "/", env = { "A=B" } }, "env: names must be strings")
  refused(t, { rootfs = "/tmp\0x" }, 'rootfs: path without NUL bytes expected, got "/tmp\\x00x"')
  refused(t, { rootfs = "/", cwd = "/a\0b" }, "cwd: path without NUL bytes expected")
end

function test_run_checks_env_as_new_does(t)
  local c = container.new { rootfs = "/" }
  local err = t:fails(function() c:run { "/bin/true", env = { A = {} } } end, "container: run: env: A: string value")
  t:ok(not err:find("bad argument", 1, true), err)
end

function test_stop_checks_its_grace_argument(t)
  local c = container.new { rootfs = "/" }
  for _, bad in ipairs { -1, "x", 0 / 0, math.huge, {} } do
    local err = t:fails(function() c:stop(bad) end, "container: stop: bad argument #1 (grace")
    t:ok(not err:find("'wait'", 1, true), err)
  end
  t:eq(c:stop(), nil) -- none running: nothing to say
  c = container.new { rootfs = rootfs(t) }
  local p = c:start { "/bin/sleep", "100" }
  t:cleanup(function() if p:running() then p:kill("KILL"); p:wait() end end)
  for _, bad in ipairs { -1, "x" } do
    local err = t:fails(function() c:stop(bad) end, "container: stop: bad argument #1 (grace")
    t:ok(not err:find("stdlib/", 1, true), err)
  end
  t:ok(p:running(), "a refused c:stop stopped the container")
  local r = c:stop(0)
  t:eq(r.code, 137)
  c:remove()
  c:remove() -- idempotent
  t:eq(c:stop(), nil)
end

function test_rootfs_from_host_busybox_is_a_boolean(t)
  local dir = os.tmpname()
  os.remove(dir)
  t:cleanup(function() os.execute("rm -rf " .. dir) end)
  t:fails(function() container.rootfs_from_host(dir, { busybox = "yes" }) end,
    "container: rootfs_from_host: busybox: boolean expected, got string")
  t:eq(require("fs").type(dir), nil, "rootfs_from_host made the directory before refusing its options")
  t:fails(function() container.rootfs_from_host(dir .. "\0x") end, "directory path without NUL bytes expected")
  t:eq(container.rootfs_from_host(dir, { busybox = false }), dir)
  t:eq(io.open(dir .. "/bin/busybox"), nil)
end

-- the container runs in the network namespace net= names, whatever form
-- the reference takes: checked with readlink from inside and outside
function test_net_handle_path_and_pid_join_that_netns(t)
  local dir = rootfs(t)
  local p = require("helpers").sleeper(t, { ns = { net = "new" } })
  local want = nslink(p.pid, "net")
  t:ok(want ~= nslink("self", "net"), "the sleeper has a netns of its own")
  local h = assert(ns.open("net", p.pid))
  t:cleanup(function() h:close() end)
  for _, net in ipairs { h, p.pid, p, "/proc/" .. p.pid .. "/ns/net" } do
    local r = container.new { rootfs = dir, net = net }:run { "readlink", "/proc/self/ns/net" }
    t:eq(r.code, 0, r.stderr)
    t:eq(r.stdout, want .. "\n", "net = " .. tostring(net))
  end
end

-- a path is opened at each run: one to a namespace of another type is
-- refused there, rather than run in the script's own netns
function test_net_path_to_another_namespace_type_is_refused(t)
  local dir = rootfs(t)
  local c = container.new { rootfs = dir, net = "/proc/" .. proc.self() .. "/ns/uts" }
  t:fails(function() c:run { "true" } end, "container: net: /proc/" .. proc.self() .. "/ns/uts is a uts namespace, not a net one")
  local h = assert(ns.open("net", proc.self()))
  c = container.new { rootfs = dir, net = h }
  h:close()
  t:fails(function() c:run { "true" } end, "container: net: the namespace handle was closed")
end

-- c:stop reports the init's result once: a second stop, with nothing left
-- running, returns nil (container.md), until the next start
function test_stop_twice_returns_nil_the_second_time(t)
  local c = container.new { rootfs = rootfs(t) }
  local p = c:start { "/bin/sleep", "100" }
  t:cleanup(function() c:remove() end)
  local r = c:stop(0)
  t:eq({ r.code, r.signal }, { 137, 9 })
  t:ok(not p:running())
  t:eq(c:stop(), nil, "the init was stopped already")
  t:eq(c:stop(0), nil)
  -- an init that ended by itself is reported by the first stop
  p = c:start { "/bin/sh", "-c", "exit 3" }
  p:wait()
  t:eq(c:stop().code, 3)
  t:eq(c:stop(), nil)
end
