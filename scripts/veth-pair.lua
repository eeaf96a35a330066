-- veth-pair.lua: two network namespaces joined by a veth pair, addressed, pinging each other both ways
--
--   [ left ] va 10.0.0.1/24, fd00::1/64 ==== vb 10.0.0.2/24, fd00::2/64 [ right ]
--
-- Both namespaces are anonymous (held by handles): they vanish, with the
-- veth, when the script ends.
local ns = require "ns"
local net = require "net"
local recipes = require "recipes"

recipes.args("")

local left = assert(ns.create("net"))
local right = assert(ns.create("net"))

-- one request creates both ends, each directly in its namespace; the IPv6
-- addresses skip duplicate address detection (nodad): usable at once
local a, b = assert(net.veth("va", "vb", { ns = left, peer_ns = right }))
assert(a:addr_add("10.0.0.1/24"))
assert(b:addr_add("10.0.0.2/24"))
assert(a:addr_add("fd00::1/64", { nodad = true }))
assert(b:addr_add("fd00::2/64", { nodad = true }))
assert(net.link("lo", { ns = left }):up())
assert(net.link("lo", { ns = right }):up())
assert(a:up())
assert(b:up())
print(a, "<->", b)

-- An end's IPv6 starts only once the kernel has seen its carrier come up,
-- which its link watcher may put off for up to a second; until then the end
-- has no multicast route and drops the neighbour solicitation for its
-- address, and the first ping waits a second for the next one. IPv6 is up
-- on an end when the kernel gave it its link-local route, fe80::/64.
local function ipv6_up(n)
  for _, r in ipairs(assert(net.routes { ns = n, family = "inet6" })) do
    if r.dst == "fe80::/64" then return true end
  end
  return false
end
local deadline = os.clock() + 5
while not (ipv6_up(left) and ipv6_up(right)) do
  assert(os.clock() < deadline, "IPv6 did not come up on va and vb within 5 s")
end

print(string.format("%-5s -> %-8s %-7s %s", "from", "to", "replies", "mean rtt"))
local function ping(from, fromname, to)
  local r = assert(net.ping(to, { ns = from, count = 3 }))
  print(string.format("%-5s -> %-8s %-7s %.3f ms", fromname, to, r.received .. "/" .. r.sent, r.rtt_ms or -1))
  assert(r.received == r.sent, fromname .. " cannot reach " .. to)
end
ping(left, "left", "10.0.0.2")
ping(right, "right", "10.0.0.1")
ping(left, "left", "fd00::2")
ping(right, "right", "fd00::1")

-- the kernel counted the traffic on the far end too
local rx = b:stats().rx_packets
assert(rx >= 6, "vb received only " .. tostring(rx) .. " packets")
print("ok: both directions, IPv4 and IPv6; vb received " .. rx .. " packets")
