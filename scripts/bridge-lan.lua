-- bridge-lan.lua: N hosts (network namespaces) on one bridge, every host pinging every other; args: [N]
--
--            [ switch: br0 ]
--           /     |      \
--       p1 /   p2 |   ... \ pN        (veth ends on the bridge)
--   eth0  /  eth0 |        \ eth0
--   [ h1 ]   [ h2 ]  ...   [ hN ]     10.0.0.1 .. 10.0.0.N /24
--
-- All pairs pinging need N*(N-1) entries in the kernel's neighbour (ARP)
-- table, and that table is one for the whole machine, every namespace
-- included: past net.ipv4.neigh.default.gc_thresh3 entries (1024 unless
-- raised) the kernel drops new ones and pings fail. N is capped where all
-- pairs fit, with room left for everyone else.
local ns = require "ns"
local net = require "net"
local recipes = require "recipes"

local MARGIN = 128 -- neighbour entries left to the rest of the machine

local thresh3, from = require("topo").neigh_limit() -- gc_thresh3, or the default where unreadable
local cap = 2
while cap < 250 and (cap + 1) * cap <= thresh3 - MARGIN do cap = cap + 1 end

local a = recipes.args("[N]", { max = 1, help = string.format([[
  N   hosts, 2 to %d (default 4). Every host pings every other, which takes
      N*(N-1) entries in the kernel's neighbour table, one table for every
      namespace of the machine: it holds %d here (%s),
      and %d are left to the rest of the machine. Raise gc_thresh3 (a sysctl
      of the initial network namespace) for more; 250 at most (10.0.0.0/24).]],
  cap, thresh3, from, MARGIN) })
local asked = recipes.int(arg[1])
if asked and asked > cap and cap < 250 then
  a:bad(string.format("N = %d hosts pinging each other need %d neighbour entries, but the kernel's table, "
    .. "shared by every namespace, holds %d (%s), less %d left to others: N may be at most %d",
    asked, asked * (asked - 1), thresh3, from, MARGIN, cap))
end
local N = a:int(1, "N", { default = 4, min = 2, max = cap })

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
