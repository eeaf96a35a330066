-- router.lua: two LANs joined by a router; hosts reach across it through their default routes
--
--   h1 --- s1 --- r1 --- s2 --- h2
--       10.0.0.0/24   10.0.1.0/24
local recipes = require "recipes"
local topo = require "topo"

recipes.args("")

local t = topo.new { name = "rtr" }
local s1, s2, r1 = t:switch("s1"), t:switch("s2"), t:router("r1")
local h1, h2 = t:host("h1"), t:host("h2")
t:link(h1, s1); t:link(r1, s1)
t:link(h2, s2); t:link(r1, s2)
t:start()

for _, h in ipairs({ h1, h2 }) do
  local ifs = h:ifaces()
  print(string.format("%s %s on %s, default via %s", h.name, ifs[1].ip, ifs[1].peer, h:routes()[1].via))
end
assert(t:ping_all({ print = true }).ok, "h1 and h2 do not reach each other")

-- the outside view: forwarding is on in r1, and iputils ping crosses it
local fwd = r1:run { "cat", "/proc/sys/net/ipv4/ip_forward" }
assert(fwd.stdout:match("^1"), "ip_forward is off in r1")
local p = h1:run { "ping", "-c", "1", "-W", "2", h2.ip }
assert(p.code == 0, "iputils ping h1 -> h2 failed:\n" .. p.stdout .. p.stderr)
t:stop()
