-- demo.lua: a lab of two offices and two routers: addresses and routes computed, every host pinging; args: [dot]
--
--   h1 --+                      +-- h3
--        s1 -- r1 ====== r2 -- s2
--   h2 --+                      +-- h4
--
-- nslua -r demo dot writes the report to stderr and only the lab's Graphviz
-- graph to stdout: nslua -r demo dot | dot -Tsvg > demo.svg
local recipes = require "recipes"
local topo = require "topo"

local a = recipes.args("[dot]", { max = 1, help = [[
  dot   write the lab as a Graphviz graph on stdout, and the report on stderr:
        nslua -r demo dot | dot -Tsvg > demo.svg]] })
if arg[1] and arg[1] ~= "dot" then a:bad("unknown argument " .. string.format("%q", arg[1]) .. ", expected dot") end
local dot = arg[1] == "dot"
local out = dot and io.stderr or io.stdout
local function say(fmt, ...) out:write(string.format(fmt, ...), "\n") end

local t = topo.new { name = "demo" }
local r1, r2 = t:router("r1"), t:router("r2")
local s1, s2 = t:switch("s1"), t:switch("s2")
t:link(r1, r2, { rate = "100mbit" })
t:link(r1, s1); t:link(r2, s2)
for i = 1, 4 do t:link(t:host("h" .. i), i <= 2 and s1 or s2) end
t:start()

say("lab %q is up: %d nodes, %d links; each host and router is a netns (ip netns)", t.name, #t:nodes(), #t:links())
for _, n in ipairs(t:nodes()) do
  for _, i in ipairs(n:ifaces()) do
    if i.ip then say("  %-3s %-6s %-8s %-14s -> %s", n.name, n.kind, i.name, i.ip, i.peer) end
  end
end
say("routes of r1 (computed, shortest paths):")
for _, r in ipairs(r1:routes()) do say("  %s via %s dev %s", r.dst, r.via, r.dev) end

local res = t:ping_all { print = out }
assert(res.ok, "the demo lab is not fully reachable")

-- iputils ping agrees, and the TTL of h4's reply shows the two routers it crossed
local p = t:node("h1"):run { "ping", "-c", "1", "-W", "2", t:node("h4").ip }
assert(p.code == 0, "iputils ping h1 -> h4 failed:\n" .. p.stdout .. p.stderr)
local line = p.stdout:match("[^\n]*ttl=%d+[^\n]*")
assert(line:match("ttl=62"), "expected ttl=62 (64 minus two routers): " .. line)
say("iputils ping h1 -> h4: %s (64 minus the two routers crossed), %s", line:match("ttl=%d+"),
  line:match("time=[%d.]+ ms"))
if dot then
  io.stdout:write(t:dot())
else
  say("(nslua -r demo dot prints the lab as a Graphviz graph on stdout, the report on stderr)")
end
t:stop()
