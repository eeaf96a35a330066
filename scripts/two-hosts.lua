-- two-hosts.lua: two hosts joined by a veth pair, each in a netns of its own, ping each other
--
--   h1 (10.0.0.1) ---- h2 (10.0.0.2)
--
-- While it runs, `ip netns` shows two-h1 and two-h2; when it ends they are gone.
local recipes = require "recipes"
local topo = require "topo"

recipes.args("")

local t = topo.new { name = "two" }
local h1, h2 = t:host("h1"), t:host("h2")
t:link(h1, h2)
t:start()

local r = h1:ping(h2)
print(string.format("h1 -> h2 (%s): %d/%d received, %.3f ms", h2.ip, r.received, r.sent, r.rtt_ms or 0))
assert(r.received == 1, "h1 cannot reach h2")

-- the same through iputils ping, run inside h2
local out = h2:run { "ping", "-c", "1", "-W", "2", h1.ip }
io.write(out.stdout)
assert(out.code == 0, "ping from h2 to h1 failed: " .. out.stderr)
t:stop()
