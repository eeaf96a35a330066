-- load.lua: a lab built from a JSON description (lab.json, or FILE.json), every host pinging; args: [FILE.json]
--
--   nslua -r load              the embedded lab.json: web, db on "dmz", client on "office", gw between
--   nslua -r load mylab.json   any description topo.load reads (t:to_json() writes one)
local topo = require "topo"

local t
local recipes = require "recipes"
recipes.args("[FILE.json]", { max = 1, help = [[
  FILE.json   a lab description as topo.load reads it (t:to_json() writes one);
              without it, the embedded lab.json: web and db on switch "dmz",
              client on "office", router gw between them]] })
if arg[1] then
  -- a file that is not there or does not describe a lab: one line, exit 1
  local ok, loaded, err = pcall(topo.load, arg[1])
  if not ok then recipes.fail(tostring(loaded)) end
  if not loaded then recipes.fail(err) end
  t = loaded
else
  local json = require "json"
  t = topo.load(json.decode(assert(require("recipes").read("lab.json"))))
end
t:start()

-- the lab's interfaces, in columns as wide as their widest cell
local rows = { { "NODE", "KIND", "IFACE", "ADDRESS", "PEER" } }
for _, n in ipairs(t:nodes()) do
  for _, i in ipairs(n:ifaces()) do
    rows[#rows + 1] = { n.name, n.kind, i.name, i.ip or "-", tostring(i.peer) }
  end
end
local width = {}
for _, r in ipairs(rows) do
  for c, cell in ipairs(r) do width[c] = math.max(width[c] or 0, #cell) end
end
for _, r in ipairs(rows) do
  local cells = {}
  for c = 1, #r - 1 do cells[c] = r[c] .. string.rep(" ", width[c] - #r[c]) end
  cells[#r] = r[#r]
  print(table.concat(cells, "  "))
end
local res = t:ping_all { print = true }
assert(res.ok, "the lab is not fully reachable")

-- the description written back describes the same lab
local again = topo.load(require("json").decode(t:to_json()), { name = t.name .. "2" })
assert(#again:nodes() == #t:nodes() and #again:links() == #t:links(), "to_json lost nodes or links")
t:stop()
