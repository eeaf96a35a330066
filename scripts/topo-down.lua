-- topo-down.lua: tear down a kept or orphaned topology; without NAME, list those there are; args: [NAME]
--
--   nslua -r topo-down          list topologies with a state file
--   nslua -r topo-down lab      stop "lab": its namespaces go, each checked by identity first
local recipes = require "recipes"
local topo = require "topo"

recipes.args("[NAME]", { max = 1, help = [[
  NAME   the topology to stop (topo.new{name = NAME} with keep, or one whose
         owner died); without it, the topologies that have a state file]] })
local name = arg[1]
if not name then
  local list = topo.list()
  if #list == 0 then print("no topologies") end
  for _, e in ipairs(list) do
    print(string.format("%-16s %4d nodes  %-9s owner %s%s", e.name, e.nodes, e.status or "?",
      tostring(e.owner), e.alive and " (running)" or (e.kept and " (kept)" or " (dead)")))
  end
  return
end

-- no such topology is a failure, not a bug: one line, exit 1
local ok, t, err = pcall(topo.attach, name)
if not ok then recipes.fail(tostring(t)) end
if not t then recipes.fail(err) end
if t.reaped then
  print(name .. ": its owner had died; removed what it left behind")
else
  t:stop()
  print(name .. ": stopped")
end
-- outside view: none of the namespaces it recorded is left (a namespace that
-- took one of their names since is someone else's and stays)
local ns = require "ns"
for _, e in ipairs(t:namespaces()) do
  local h = ns.open(e.path)
  if h then
    local same = h.dev == e.dev and h.id == e.ino
    h:close()
    assert(not same, e.path .. " is still there")
  end
end
