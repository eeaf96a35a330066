-- nsenter.lua: run CMD in every namespace of process PID, as nsenter -a; without PID, a demo; args: [PID [CMD...]]
--
--   nslua -r nsenter PID [CMD...]    CMD (default: hostname) in PID's namespaces
--   nslua -r nsenter                 (demo: hostname in a sleep's new net and uts namespaces)
--
-- ns.with(pid, fn) runs fn on a worker thread that joined every namespace of
-- PID but user and time (nsenter -a); a command proc.run starts from there is
-- born in them. Before it runs CMD, the recipe checks from outside: a probe
-- started the same way must find PID's namespaces (/proc/PID/ns) as its own
-- /proc/self/ns links. As nsenter(1), the recipe exits with CMD's exit code;
-- 127 when CMD is not found, 126 when it cannot be run.
local ns = require "ns"
local proc = require "proc"
local recipes = require "recipes"

local TYPES = { "cgroup", "ipc", "mnt", "net", "pid", "uts" }

local a = recipes.args("[PID [CMD...]]", { max = 1, rest = 2, help = [[
  PID      the process whose namespaces (all but user and time) CMD runs in
  CMD...   the command and its arguments, default hostname; run without a
           shell, with the recipe's stdin, stdout and stderr. Its exit code is
           the recipe's: 127 when it is not found, 126 when it cannot run
  without PID: a demo, hostname run in the new net and uts namespaces of a
  sleep the recipe starts]] })
local target = arg[1] and a:int(1, "PID", { min = 1 })

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

local cmd = { "hostname" }
if #arg > 1 then cmd = { unpack(arg, 2) } end
-- the demo reads what hostname prints; otherwise the command has the terminal
local io_of = demo and "pipe" or "inherit"
cmd.stdin, cmd.stdout, cmd.stderr = "inherit", io_of, "inherit"

-- the namespaces we are about to enter, as /proc shows them
local info, err = proc.info(target)
if not info then recipes.fail(err) end
local want = info.ns
local probe = {}
for _, t in ipairs(TYPES) do probe[#probe + 1] = "readlink /proc/self/ns/" .. t end

local res, werr = ns.with(target, function()
  local links = proc.run { "sh", "-c", table.concat(probe, "; ") }
  local links_ok = links and links.code == 0
  if links_ok then
    local i = 0
    for line in links.stdout:gmatch("[^\n]+") do
      i = i + 1
      local t = TYPES[i]
      local id = tonumber(line:match("%[(%d+)%]"))
      -- pid: a command started inside is in the target's pid namespace
      if want[t] and id ~= want[t] then
        return { wrong = string.format("%s: a command started there ran in %s, pid %d is in %s:[%d]",
          t, line, target, t, want[t]) }
      end
    end
    links_ok = i == #TYPES
  end
  local r, rerr, code = proc.run(cmd)
  return { r = r, err = rerr, code = code, unchecked = not links_ok }
end)
if not res then recipes.fail(werr) end -- PID's namespaces could not be entered (EACCES, ESRCH)
if res.wrong then recipes.fail(res.wrong) end
if res.unchecked then
  io.stderr:write("nsenter: sh could not read /proc/self/ns in PID's namespaces: not checked\n")
end
if not res.r then
  -- as nsenter(1): "failed to execute", 127 for a command not found
  io.stderr:write("nsenter: ", res.err, "\n")
  os.exit(res.code == "ENOENT" and 127 or 126)
end

if demo then
  io.write(res.r.stdout)
  proc.kill(target, "KILL")
  demo:close()
  if res.r.stdout ~= "nsenter-demo\n" or res.unchecked then
    recipes.fail("the demo command saw hostname " .. res.r.stdout)
  end
end
os.exit(res.r.code)
