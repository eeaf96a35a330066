-- lan.lua: N hosts on one switch (a topo lab): all pairs ping up to N = 8, then h1 pings each; args: [N]
--
--   h1   h2  ...  hN
--    \   |        /
--        s1            (a bridge in the topology's own netns "lan")
--
--   nslua -r lan 20
local recipes = require "recipes"
local topo = require "topo"

-- pings fill the kernel's neighbour (ARP) table, one for the whole machine:
-- h1 pinging N-1 hosts takes 2*(N-1) entries (one each way). Its size is
-- net.ipv4.neigh.default.gc_thresh3, a sysctl of the initial network
-- namespace only (topo.neigh_limit: the kernel's default from any other).
local MARGIN = 128 -- neighbour entries left to the rest of the machine
local cap = math.max(8, math.min(1024, math.floor((topo.neigh_limit() - MARGIN) / 2) + 1))

local a = recipes.args("[N]", { max = 1, help = string.format([[
  N   hosts, 2 to %d (default 4). Up to 8 hosts every pair pings; beyond that
      h1 pings every other host. That takes 2*(N-1) entries in the kernel's
      neighbour table, one table for every namespace of the machine, with %d
      entries left to the rest of it (a bridge would take up to 1024 ports).]], cap, MARGIN) })
local n = a:int(1, "N", { default = 4, min = 2, max = cap })

local t = topo.new { name = "lan" }
local s1 = t:switch("s1")
for i = 1, n do t:link(t:host("h" .. i), s1) end
t:start()

-- every pair when small; otherwise the first host to every other one
local res
if n <= 8 then
  res = t:ping_all { print = true }
else
  local first = t:node("h1")
  res = { ok = true, sent = 0, received = 0 }
  for i = 2, n do
    local r = first:ping(t:node("h" .. i))
    res.sent, res.received = res.sent + r.sent, res.received + r.received
    res.ok = res.ok and r.received > 0
  end
  print(string.format("h1 -> h2..h%d: %d/%d received", n, res.received, res.sent))
end
assert(res.ok, "some hosts are unreachable")

-- outside view: the bridge holds one port per host
local br = t:node("h1"):run { "ip", "-n", "lan", "-o", "link", "show", "master", "s1" }
local ports = select(2, br.stdout:gsub("\n", ""))
print(string.format("bridge s1 has %d ports", ports))
assert(ports == n, "expected " .. n .. " bridge ports, found " .. ports)
t:stop()
