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
  for _ = 1, 100000 do
    local info = proc.info(p.pid)
    if info and info.name == "sleep" then break end
  end
  return p
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
