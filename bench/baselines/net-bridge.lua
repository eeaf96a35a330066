-- net-bridge.lua N PREFIX: what net-bridge.sh does, with nslua's ns and net
-- modules: N named netns, each joined to one bridge by a veth, with an
-- address and links up, then torn down, waiting for the kernel to remove the
-- veths. The ports and the bridge go first, in one kernel batch
-- (net.delete_links, as the scripts' `ip link delete group`), so the
-- namespaces' own teardown has no veths left to unregister. Measured by
-- bench/net.go.
local ns, net = require "ns", require "net"
local N, P = tonumber(arg[1]), arg[2] or "nb"

local br = assert(net.bridge(P .. "br"))
assert(br:up())
local handles, ports = {}, {}
for i = 1, N do
  local h = assert(ns.create("net", { name = P .. i }))
  local port, eth = assert(net.veth(P .. "v" .. i, "eth0", { peer_ns = h }))
  assert(port:set { master = br })
  assert(port:up())
  assert(eth:addr_add(string.format("10.%d.%d.1/8", math.floor(i / 200), i % 200 + 1)))
  assert(eth:up())
  handles[i], ports[i] = h, port
end
local batch = { br }
for i = 1, N do batch[i + 1] = ports[i] end
assert(net.delete_links(batch) == N + 1)
for i = 1, N do
  assert(ns.delete(P .. i))
  handles[i]:close()
end
for i = 1, N do
  assert(ports[i]:wait_gone(30))
end
