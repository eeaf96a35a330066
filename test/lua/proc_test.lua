-- proc inspection: self, list, info, children, tree, find, mounts, kill,
-- each checked against /proc, ps or findmnt.
local proc = require "proc"
local ns = require "ns"

local sh = require("helpers").shell

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function test_self_is_our_pid(t)
  -- /proc/self, read by this very process, names it
  t:eq(sh("readlink /proc/" .. proc.self() .. "/exe") ~= "", true)
  t:eq(proc.info(proc.self()).pid, proc.self())
  t:eq(tostring(proc.self()), read("/proc/self/stat"):match("^(%d+)"))
end

function test_list_is_sorted_and_matches_ps(t)
  local ps = sh("ps -e -o pid=")
  local pids = proc.list()
  for i = 2, #pids do t:ok(pids[i - 1] < pids[i], "sorted") end
  local seen = {}
  for _, p in ipairs(pids) do seen[p] = true end
  t:ok(seen[1] and seen[proc.self()])
  -- every pid ps saw is listed, unless it exited in between
  for p in ps:gmatch("%d+") do
    t:ok(seen[tonumber(p)] or not io.open("/proc/" .. p .. "/stat"), "ps shows " .. p)
  end
end

function test_info_fields(t)
  local i = proc.info(proc.self())
  t:eq(i.name, (read("/proc/self/comm"):gsub("%s+$", "")))
  t:eq(i.state, "R")
  t:eq(i.cmdline[1], arg[-1] or i.cmdline[1])
  t:eq(i.exe, sh("readlink /proc/" .. proc.self() .. "/exe"))
  t:eq(i.cwd, sh("readlink /proc/" .. proc.self() .. "/cwd"))
  t:eq(i.root, "/")
  t:eq(i.uid, tonumber(sh("id -ru")))
  t:eq(i.euid, tonumber(sh("id -u")))
  t:eq(i.gid, tonumber(sh("id -rg")))
  t:ok(i.threads >= 2, "a Go process has threads")
  t:eq(i.nspid, { proc.self() })
  t:eq(i.ns.net, ns.current("net").id)
  t:eq(i.ns.uts, ns.current("uts").id)
  local cg = read("/proc/self/cgroup"):match("0::([^\n]*)")
  t:eq(i.cgroup, cg)
  local uptime = tonumber(read("/proc/uptime"):match("^(%S+)"))
  t:ok(i.start_time > 0 and i.start_time <= uptime, "start_time in seconds since boot")
end

function test_unreadable_fields_are_nil(t)
  -- pid 1's links may be refused even to root here; whatever is refused is nil
  local i = t:ok(proc.info(1))
  t:eq(i.pid, 1)
  t:eq(i.ppid, 0)
  if io.open("/proc/1/ns/net") == nil then t:eq(i.ns, nil) end
end

function test_children_tree_find_kill(t)
  local f = io.popen("exec sleep 30")
  -- io.popen's shell exec's sleep: a child of ours; poll until it did
  local pid = require("helpers").wait_for(function()
    for _, k in ipairs(proc.children(proc.self())) do
      local i = proc.info(k)
      if i and i.name == "sleep" then return k end
    end
  end, "the sleep among our children")
  t:cleanup(function() proc.kill(pid, "KILL") end)
  t:eq(proc.info(pid).ppid, proc.self())
  local tree = proc.tree(proc.self())
  t:eq(tree.pid, proc.self())
  local names = {}
  for _, c in ipairs(tree.children) do names[c.pid] = c.name end
  t:eq(names[pid], "sleep")
  local pids = proc.find("sleep")
  local has = false
  for _, p in ipairs(pids) do has = has or p == pid end
  t:ok(has, "find sleep")
  local mine = proc.find({ name = "sleep", ns = proc.self() })
  t:ok(#mine >= 1)
  t:ok(proc.kill(pid, "SIGTERM"))
  f:close()
  t:eq(proc.kill(pid, 0), nil, "gone after TERM")
end

function test_find_by_namespace(t)
  local mine = proc.find({ ns = ns.current("net") })
  local has = false
  for _, p in ipairs(mine) do has = has or p == proc.self() end
  t:ok(has)
  local other = ns.create("net")
  t:eq(proc.find({ ns = other }), {})
end

function test_mounts_agree_with_findmnt(t)
  local ms = proc.mounts(proc.self())
  local n = tonumber(sh("findmnt -N " .. proc.self() .. " -r -n | wc -l"))
  t:eq(#ms, n)
  local root
  for _, m in ipairs(ms) do if m.target == "/" then root = m end end
  t:ok(root and root.fstype ~= "" and root.propagation ~= nil)
  t:eq(root.fstype, sh("findmnt -N " .. proc.self() .. " -n -o FSTYPE /"):match("[^\n]+$"))
end
