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

-- /proc/PID/status of a joined child, read by the host once it runs sleep
-- (the helper execs it a moment after the spawn returns)
local function joined_status(t, opts)
  opts[1], opts[2] = "sleep", "1000"
  local c = t:ok(proc.spawn(opts))
  t:cleanup(function() c:kill("KILL"); c:wait() end)
  local text
  for _ = 1, 100000 do
    local f = io.open("/proc/" .. c.pid .. "/status")
    text = f and f:read("*a") or ""
    if f then f:close() end
    if text:match("Name:%s*sleep") then break end
  end
  return text, c
end

-- joining a user namespace resets the bounding set to the full one: caps and
-- no_new_privs must be applied after the join, by the helper, also for a
-- child that drops to another uid (which loses CAP_SETPCAP)
function test_join_keeps_caps_and_no_new_privs(t)
  local p = sleeper(t, { ns = { user = "new" } })
  local s, c = joined_status(t, { join = p, caps = { "chown" }, no_new_privs = true })
  t:eq(nslink(c.pid, "user"), nslink(p.pid, "user"))
  t:eq(s:match("CapBnd:%s*(%x+)"), "0000000000000001")
  t:eq(s:match("CapEff:%s*(%x+)"), "0000000000000001")
  t:eq(s:match("CapInh:%s*(%x+)"), "0000000000000000")
  t:eq(s:match("CapAmb:%s*(%x+)"), "0000000000000000")
  t:eq(s:match("NoNewPrivs:%s*(%d)"), "1")
  if not require("nslua").rootless then
    s = joined_status(t, { ns = { user = p }, uid = 5, gid = 7, caps = { "net_admin", "sys_admin" }, no_new_privs = true })
    t:eq(s:match("CapBnd:%s*(%x+)"), "0000000000201000")
    t:eq(s:match("CapEff:%s*(%x+)"), "0000000000000000", "uid 5 holds no capability")
    t:eq(s:match("NoNewPrivs:%s*(%d)"), "1")
    t:ok(s:match("Uid:%s+(%d+)") ~= "0", "runs as the mapped uid 5")
  end
  -- joining a time namespace alone takes the helper too
  local tp = sleeper(t, { ns = { time = "new" }, time_offsets = { boottime = 10 } })
  s = joined_status(t, { ns = { time = tp }, caps = { "kill" }, no_new_privs = true })
  t:eq(s:match("CapBnd:%s*(%x+)"), "0000000000000020")
  t:eq(s:match("NoNewPrivs:%s*(%d)"), "1")
  -- without the options the joined child keeps the full set of its namespace
  s = joined_status(t, { join = p })
  t:eq(s:match("NoNewPrivs:%s*(%d)"), "0")
  t:ok(s:match("CapBnd:%s*(%x+)") ~= "0000000000000001")
end
