-- nsenter.lua: run a command inside all the namespaces of a process, as `nsenter -a -t PID CMD`
--
--   nslua -r nsenter PID [CMD...]
--   nslua -r nsenter                 (demo: a sleep in new net and uts namespaces)
--
-- ns.with(pid, fn) runs fn on a worker thread that joined every namespace of
-- PID but user and time (nsenter -a); a command started from there (here with
-- io.popen, or proc.run when the spawn half of proc is present) is born in
-- them. The recipe then checks from outside: the command's own
-- /proc/self/ns links must equal PID's.
local ns = require "ns"
local proc = require "proc"
local recipes = require "recipes"

local TYPES = { "cgroup", "ipc", "mnt", "net", "pid", "uts" }

-- run a shell command from the thread running Lua (inside ns.with: the
-- worker) and return its output: proc.run where the spawn half of proc is
-- present, io.popen otherwise; both start the child from that thread's
-- namespaces
local function popen_lines(cmd)
  if proc.run then
    local r = assert(proc.run({ "sh", "-c", cmd }))
    return r.stdout
  end
  local f = assert(io.popen(cmd))
  local out = f:read("*a")
  f:close()
  return out
end

local target = arg[1] and recipes.int(arg[1], { min = 1 })
if arg[1] and not target then recipes.usage("[PID [CMD...]]") end
local demo
if not target then
  -- demo target: a sleep started inside new net and uts namespaces
  local net, uts = assert(ns.create("net")), assert(ns.create("uts"))
  ns.with({ net, uts }, function()
    assert(ns.hostname("nsenter-demo"))
    demo = io.popen("exec sleep 60")
  end)
  -- the shell execs sleep at once, but a busy machine may take a while:
  -- wait for it by the clock, not for so many tries
  local deadline = os.time() + 20
  repeat
    for _, k in ipairs(proc.children(proc.self())) do
      local i = proc.info(k)
      if i and i.name == "sleep" then target = k end
    end
  until target or os.time() > deadline
  assert(target, "the demo process did not start")
end

local cmd = "hostname"
if #arg > 1 then
  local parts = {}
  for i = 2, #arg do parts[#parts + 1] = "'" .. arg[i]:gsub("'", "'\\''") .. "'" end
  cmd = table.concat(parts, " ")
end

-- the namespaces we are about to enter, as /proc shows them
local info, err = proc.info(target)
if not info then recipes.fail(err) end
local want = info.ns
local probe = {}
for _, t in ipairs(TYPES) do probe[#probe + 1] = "readlink /proc/self/ns/" .. t end

local out, links = ns.with(target, function()
  return popen_lines(cmd), popen_lines(table.concat(probe, "; "))
end)
io.write(out)

local ok, i = true, 0
for line in links:gmatch("[^\n]+") do
  i = i + 1
  local t = TYPES[i]
  local id = tonumber(line:match("%[(%d+)%]"))
  -- pid: a command started inside is in the target's pid namespace
  if want[t] and id ~= want[t] then
    io.stderr:write(string.format("nsenter: %s: the command ran in %s, pid %d is in %s:[%d]\n",
      t, line, target, t, want[t]))
    ok = false
  end
end
if i ~= #TYPES then
  io.stderr:write("nsenter: could not read the command's namespaces\n")
  ok = false
end
if demo then
  proc.kill(target, "KILL")
  demo:close()
  if out ~= "nsenter-demo\n" then
    io.stderr:write("nsenter: the demo command saw hostname ", out)
    ok = false
  end
end
os.exit(ok and 0 or 1)
