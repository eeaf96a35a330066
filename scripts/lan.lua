-- lan.lua: N hosts on one switch (N from the command line, default 4), all reaching each other
--
--   h1   h2  ...  hN
--    \   |        /
--        s1            (a bridge in the topology's own netns "lan")
--
--   nslua -r lan 20
local recipes = require "recipes"
local topo = require "topo"

-- a bridge takes at most 1024 ports
local n = #arg <= 1 and recipes.int(arg[1], { default = 4, min = 2, max = 1024 })
if not n then recipes.usage("[N: 2..1024 hosts, default 4]") end

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
