-- ring.lua: K routers in a ring, a host behind each, static routes; every host pings every other; args: [K]
--
--        h1                 each router: r_i --- s_i --- h_i
--        |                  and r_i --- r_(i+1) around the ring
--   r4 - r1 - r2            (K = 4, the default)
--   |         |
--   h4   r3   h2            nslua -r ring 6
--        |
--        h3
local recipes = require "recipes"
local topo = require "topo"

local a = recipes.args("[K]", { max = 1, help = [[
  K   routers, at least 3 (default 4), each with a host behind it; every host
      pings every other, the farthest K/2 routers away]] })
local k = a:int(1, "K", { default = 4, min = 3 })

local t = topo.new { name = "ring", routing = "static" }
local routers = {}
for i = 1, k do routers[i] = t:router("r" .. i) end
for i = 1, k do
  t:link(routers[i], routers[i % k + 1])
  local s = t:switch("s" .. i)
  t:link(routers[i], s)
  t:link(t:host("h" .. i), s)
end
t:start()

local res = t:ping_all { print = true }
assert(res.ok, "some hosts are unreachable")

-- iputils ping agrees, over the longest way round
local far = t:node("h" .. (math.floor(k / 2) + 1))
local p = t:node("h1"):run { "ping", "-c", "1", "-W", "2", far.ip }
assert(p.code == 0, "iputils ping h1 -> " .. far.name .. " failed:\n" .. p.stdout .. p.stderr)
print(string.format("%d routers, %d hosts: all %d pairs reachable", k, k, #res.pairs))
t:stop()
