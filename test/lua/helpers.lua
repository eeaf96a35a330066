-- Helpers the Lua test files share: running an outside tool, looking at a
-- process from outside, and a busybox root file system. require "helpers" (run.lua puts this directory on
-- package.path).
local proc = require "proc"

local M = {}

--- shell(cmd) runs cmd with sh, stderr joined to stdout, and returns its
--- output without trailing white space.
function M.shell(cmd)
  local f = assert(io.popen(cmd .. " 2>&1"))
  local out = f:read("*a")
  f:close()
  return (out:gsub("%s+$", ""))
end

--- nslink(pid, type) is `readlink /proc/PID/ns/TYPE` as the host sees it:
--- "net:[4026532000]".
function M.nslink(pid, type)
  local r = assert(proc.run { "readlink", "/proc/" .. pid .. "/ns/" .. type })
  return (r.stdout:gsub("\n$", ""))
end

--- sleeper(t, opts) spawns `sleep 1000` with the proc.spawn options opts,
--- killed and reaped when the test ends, and returns once the child runs
--- sleep: its namespaces and id maps are in place by then.
function M.sleeper(t, opts)
  opts = opts or {}
  opts[1], opts[2] = "sleep", "1000"
  local p = assert(proc.spawn(opts))
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  M.wait_exec(p.pid, "sleep")
  return p
end

--- wait_for(cond, what [, seconds]) calls cond until it returns a true
--- value, and returns that, for up to seconds (default 20) of wall-clock
--- time; then it raises, saying what it waited for. A loop of so many
--- tries would end sooner on a busy machine than on an idle one.
function M.wait_for(cond, what, seconds)
  local deadline = os.time() + (seconds or 20) + 1 -- os.time counts whole seconds
  repeat
    local v = cond()
    if v then return v end
  until os.time() > deadline
  error("timed out waiting for " .. what, 2)
end

--- wait_exec(pid, name) waits until process pid runs the program name
--- (proc.info(pid).name): it has exec'd it.
function M.wait_exec(pid, name)
  M.wait_for(function()
    local info = proc.info(pid)
    return info and info.name == name
  end, "pid " .. pid .. " to run " .. name)
end

--- rootfs(t) builds a busybox root file system in a fresh directory
--- (container.rootfs_from_host), removed when the test ends; the test is
--- skipped where /bin/busybox is missing.
function M.rootfs(t)
  if not io.open("/bin/busybox") then t:skip("no /bin/busybox (apt install busybox-static)") end
  local p = os.tmpname()
  os.remove(p)
  t:cleanup(function() os.execute("rm -rf '" .. p .. "'") end)
  return require("container").rootfs_from_host(p .. "/rootfs")
end

return M
