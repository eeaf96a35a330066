-- proc.spawn/run joining existing user and time namespaces (nsenter -U -T),
-- through a fresh helper that joins before the Go runtime starts (engine/
-- nsexec). Every claim is checked from outside: readlink of /proc/PID/ns,
-- /proc/uptime against the host's, id.
local proc = require "proc"

local nslink = require("helpers").nslink

local sleeper = require("helpers").sleeper

local function uptime(text) return tonumber(text:match("^(%S+)")) end

function test_join_enters_user_and_time_namespaces(t)
  local p = sleeper(t, { ns = { user = "new", time = "new", net = "new", mnt = "new" },
                         time_offsets = { boottime = 100000 } })
  local r = t:ok(proc.run{ "sh", "-c",
    "readlink /proc/self/ns/user /proc/self/ns/time /proc/self/ns/net /proc/self/ns/mnt; id -u; cat /proc/uptime",
    join = p })
  t:eq(r.code, 0, r.stderr)
  local lines = {}
  for l in r.stdout:gmatch("[^\n]+") do lines[#lines + 1] = l end
  for i, k in ipairs{ "user", "time", "net", "mnt" } do
    t:eq(lines[i], nslink(p.pid, k), k)
  end
  t:eq(lines[5], "0", "root of the joined user namespace, as nsenter -U")
  local host = uptime(io.open("/proc/uptime"):read("*l"))
  local inside = uptime(lines[6])
  t:ok(inside - host > 99990 and inside - host < 100010, "boottime offset: " .. inside .. " vs " .. host)
end

function test_ns_table_joins_one_user_namespace_with_ids(t)
  local p = sleeper(t, { ns = { user = "new" } })
  -- rootless without subordinate ranges, the new namespace maps root alone
  local uid, gid = 5, 7
  if require("nslua").rootless then uid, gid = 0, 0 end
  local r = t:ok(proc.run{ "sh", "-c", "readlink /proc/self/ns/user; id -u; id -g",
                           ns = { user = p }, uid = uid, gid = gid })
  t:eq(r.stdout, nslink(p.pid, "user") .. "\n" .. uid .. "\n" .. gid .. "\n")
  -- the net namespace stayed the script's
  r = t:ok(proc.run{ "readlink", "/proc/self/ns/net", ns = { user = p } })
  t:eq(r.stdout, nslink("self", "net") .. "\n")
end

function test_join_time_only(t)
  local p = sleeper(t, { ns = { time = "new" }, time_offsets = { monotonic = 50, boottime = 70000 } })
  local r = t:ok(proc.run{ "cat", "/proc/uptime", ns = { time = p.pid } })
  local d = uptime(r.stdout) - uptime(io.open("/proc/uptime"):read("*l"))
  t:ok(d > 69990 and d < 70010, "boottime offset " .. d)
  t:eq(r.code, 0)
end

function test_joined_child_is_a_process_object(t)
  local p = sleeper(t, { ns = { user = "new" } })
  local c = t:ok(proc.spawn{ "sleep", "1000", join = p })
  t:eq(nslink(c.pid, "user"), nslink(p.pid, "user"))
  t:ok(c:running())
  c:kill("TERM")
  local res = c:wait()
  t:eq({ res.code, res.signal }, { 143, 15 })
end

function test_join_failures_are_triples(t)
  local p = sleeper(t, { ns = { user = "new" } })
  local r, msg, code = proc.run{ "/nonexistent/prog", join = p }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("execve%(/nonexistent/prog%)"), msg)
  r, msg, code = proc.run{ "true", join = p, cwd = "/nonexistent" }
  t:eq({ r, code }, { nil, "ENOENT" })
  t:ok(msg:find("chdir"), msg)
  r, msg, code = proc.run{ "true", ns = { user = p, mnt = "new" } }
  t:eq({ r, code }, { nil, "EINVAL" })
  t:ok(msg:find('ns.mnt = "new" cannot be combined with joining', 1, true), msg)
  r, msg, code = proc.run{ "true", ns = { user = p, pid = "new" } }
  t:eq({ r, code }, { nil, "EINVAL" })
end
