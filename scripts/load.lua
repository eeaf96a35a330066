-- load.lua: build a lab from a JSON description (lab.json, or a file given on the command line)
--
--   nslua -r load              the embedded lab.json: web, db on "dmz", client on "office", gw between
--   nslua -r load mylab.json   any description topo.load reads (t:to_json() writes one)
local topo = require "topo"

local t
local recipes = require "recipes"
if #arg > 1 then recipes.usage("[FILE.json]") end
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

for _, n in ipairs(t:nodes()) do
  for _, i in ipairs(n:ifaces()) do
    print(string.format("%-8s %-7s %-10s %-18s -> %s", n.name, n.kind, i.name, i.ip or "", i.peer))
  end
end
local res = t:ping_all { print = true }
assert(res.ok, "the lab is not fully reachable")

-- the description written back describes the same lab
local again = topo.load(require("json").decode(t:to_json()), { name = t.name .. "2" })
assert(#again:nodes() == #t:nodes() and #again:links() == #t:links(), "to_json lost nodes or links")
t:stop()
