-- bridge-lan.lua: N network namespaces on one bridge (a LAN), every host reaching every other: nslua -r bridge-lan [N]
--
--            [ switch: br0 ]
--           /     |      \
--       p1 /   p2 |   ... \ pN        (veth ends on the bridge)
--   eth0  /  eth0 |        \ eth0
--   [ h1 ]   [ h2 ]  ...   [ hN ]     10.0.0.1 .. 10.0.0.N /24
local ns = require "ns"
local net = require "net"
local recipes = require "recipes"

local N = #arg <= 1 and recipes.int(arg[1], { default = 4, min = 2, max = 250 })
if not N then recipes.usage("[N: 2..250 hosts, default 4]") end

-- the bridge lives in a namespace of its own, not in the caller's
local sw = assert(ns.create("net"))
local br = assert(net.bridge("br0", { ns = sw }))
assert(br:up())

local hosts = {}
for i = 1, N do
  local h = assert(ns.create("net"))
  local port, eth = assert(net.veth("p" .. i, "eth0", { ns = sw, peer_ns = h }))
  assert(port:set { master = br })
  assert(port:up())
  assert(eth:addr_add("10.0.0." .. i .. "/24"))
  assert(eth:up())
  hosts[i] = h
end

-- the bridge has N ports
local ports = 0
for _, l in ipairs(net.links { ns = sw }) do
  if l.master == "br0" then ports = ports + 1 end
end
assert(ports == N, "bridge has " .. ports .. " ports, expected " .. N)

-- every host pings every other one
local pairs_ok = 0
for i = 1, N do
  for j = 1, N do
    if i ~= j then
      local r = assert(net.ping("10.0.0." .. j, { ns = hosts[i], count = 1, timeout = 2 }))
      assert(r.received == 1, "h" .. i .. " cannot reach h" .. j)
      pairs_ok = pairs_ok + 1
    end
  end
end
print(string.format("ok: %d hosts on br0, %d/%d pairs reachable", N, pairs_ok, N * (N - 1)))
