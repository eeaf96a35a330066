-- pidns.lua: a child in a new pid namespace is pid 1 there and sees only itself
--
--   host pid namespace                 new pid namespace
--   nslua ── spawner thread ── sh  ==  pid 1 (its own /proc shows /proc/1 only)
--
-- The child reports what it sees; the host checks it from outside through
-- /proc/PID/status (NSpid: the host pid, then 1) and nsenter.
local proc = require "proc"
local recipes = require "recipes"

recipes.args("")

local p = assert(proc.spawn{
  "sh", "-c", "echo $$ /proc/[0-9]*; exec sleep 1000",
  ns = "pid,mnt",                               -- new pid namespace, private mounts
  mounts = { { type = "proc", target = "/proc" } }, -- a /proc that shows it
  stdout = "pipe",
})
local seen = p:lines()()
print(("child: host pid %d, it says: %s"):format(p.pid, seen))

-- outside observation 1: the kernel's view of the child's pids
local f = assert(io.open("/proc/" .. p.pid .. "/status"))
local nspid = f:read("*a"):match("NSpid:%s*([^\n]*)")
f:close()
print("host /proc/" .. p.pid .. "/status NSpid: " .. nspid)

-- outside observation 2: ps inside the namespace, entered with nsenter(1),
-- once sh has exec'd sleep (right after it reported; a busy machine may
-- take a moment)
local deadline = os.time() + 20
repeat
  local i = proc.info(p.pid)
until (i and i.name == "sleep") or os.time() > deadline
local ps = assert(proc.run{ "nsenter", "-t", p.pid, "-p", "-m", "ps", "-e", "-o", "pid=,comm=" })
print("ps in the namespace:\n" .. ps.stdout)

p:kill("KILL") -- pid 1 of a namespace ignores SIGTERM unless it handles it
p:wait()

local ok = seen == "1 /proc/1"
  and nspid == p.pid .. "\t1"
  and ps.stdout:match("^%s*1 sleep\n%s*%d+ ps\n$") ~= nil
if not ok then
  io.stderr:write("pidns.lua: FAILED: the child is not alone as pid 1 in its namespace\n")
  os.exit(1)
end
print("ok: pid 1 in its own namespace, and no host process in sight")
