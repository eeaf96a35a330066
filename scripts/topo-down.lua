-- topo-down.lua: tear down a kept (or orphaned) topology by name; without a name, list them
--
--   nslua -r topo-down          list topologies with a state file
--   nslua -r topo-down lab      stop "lab": its namespaces go, each checked by identity first
local topo = require "topo"

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

local t = topo.attach(name)
if t.reaped then
  print(name .. ": its owner had died; removed what it left behind")
else
  t:stop()
  print(name .. ": stopped")
end
-- outside view: none of its namespaces is left
local left = {}
for _, n in ipairs(assert(require("ns").names())) do left[n] = true end
for _, node in ipairs(t:nodes()) do
  local nsname = node.kind == "switch" and name or name .. "-" .. node.name
  assert(not left[nsname], "netns " .. nsname .. " is still there")
end
