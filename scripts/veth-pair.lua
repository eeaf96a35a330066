-- veth-pair.lua: two network namespaces joined by a veth pair, addressed, pinging each other both ways
--
--   [ left ] va 10.0.0.1/24, fd00::1/64 ==== vb 10.0.0.2/24, fd00::2/64 [ right ]
--
-- Both namespaces are anonymous (held by handles): they vanish, with the
-- veth, when the script ends.
local ns = require "ns"
local net = require "net"

local left = assert(ns.create("net"))
local right = assert(ns.create("net"))

-- one request creates both ends, each directly in its namespace
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

local function ping(from, fromname, to)
  local r = assert(net.ping(to, { ns = from, count = 3 }))
  print(string.format("%-5s -> %-8s %d/%d replies, %.3f ms", fromname, to, r.received, r.sent, r.rtt_ms or -1))
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
