-- c:exec into a container with a user namespace of its own (user = "auto" or
-- maps): the command enters that user namespace too (nsenter -U), through a
-- fresh process that joins before the Go runtime starts (engine/nsexec).
-- Checked from outside: readlink of /proc/PID/ns. test/rootless_test.go also
-- runs this file as an unprivileged user.
local container, proc = require "container", require "proc"

local rootfs = require("helpers").rootfs

local nslink = require("helpers").nslink

-- start a container whose init sleeps, and wait until it does
local function running(t, opts)
  local c = container.new(opts)
  t:cleanup(function() c:remove() end)
  local p = t:ok(c:start{ "sleep", "1000" })
  require("helpers").wait_exec(p.pid, "sleep")
  return c, p
end

local function lines(s)
  local out = {}
  for l in s:gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

function test_exec_enters_the_user_namespace_of_an_auto_container(t)
  local c, p = running(t, { rootfs = rootfs(t), hostname = "auto-c", user = "auto" })
  t:ok(nslink(p.pid, "user") ~= nslink("self", "user"), "the container has its own user namespace")
  local r = t:ok(c:exec{ "sh", "-c", "id -u; hostname; for k in user mnt uts; do readlink /proc/self/ns/$k; done" })
  t:eq(r.code, 0, r.stderr)
  local l = lines(r.stdout)
  t:eq({ l[1], l[2] }, { "0", "auto-c" })
  for i, k in ipairs{ "user", "mnt", "uts" } do
    t:eq(l[i + 2], nslink(p.pid, k), k)
  end
end

function test_exec_with_explicit_maps_and_ids(t)
  local c, p = running(t, { rootfs = rootfs(t), user = { uid_map = { { 0, 1, 100 } }, gid_map = { { 0, 1, 100 } } } })
  local r = t:ok(c:exec{ argv = { "sh", "-c", "id -u; id -g; cat /proc/self/uid_map; readlink /proc/self/ns/user" }, uid = 7, gid = 9 })
  t:eq(r.code, 0, r.stderr)
  local l = lines(r.stdout)
  t:eq({ l[1], l[2] }, { "7", "9" })
  t:ok(l[3]:match("^%s*0%s+%d+%s+100$"), l[3])
  t:eq(l[4], nslink(p.pid, "user"))
end

-- caps and no_new_privs hold for exec'd commands as for the init, also in a
-- container with a user namespace of its own (joining it resets the bounding
-- set to the full one): /proc/PID/status of the init, read by the host, and
-- of the exec'd command
function test_exec_keeps_caps_and_no_new_privs_in_a_user_namespace(t)
  local c, p = running(t, { rootfs = rootfs(t), user = "auto", caps = { "chown" }, no_new_privs = true })
  local function status(pid)
    local f = assert(io.open("/proc/" .. pid .. "/status"))
    local s = f:read("*a")
    f:close()
    return { s:match("CapBnd:%s*(%x+)"), s:match("NoNewPrivs:%s*(%d)") }
  end
  t:eq(status(p.pid), { "0000000000000001", "1" }, "the init")
  -- the exec'd command reads its own status: c:exec waits for it
  local r = t:ok(c:exec{ "sh", "-c", "grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status" })
  t:eq(r.code, 0, r.stderr)
  t:eq(r.stdout, "CapBnd:\t0000000000000001\nNoNewPrivs:\t1\n")
end
