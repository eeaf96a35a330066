-- topo: the description model, addressing, naming, routing and export. None
-- of these tests builds anything: they check the plan topo would build.
local topo = require "topo"
local plan = require "topo.plan"

local function lan(name, n, opts)
  local t = topo.new(opts or { name = name })
  local s = t:switch("s1")
  local hosts = {}
  for i = 1, n do
    hosts[i] = t:host("h" .. i)
    t:link(hosts[i], s)
  end
  return t, hosts, s
end

-- in_subnet reports whether the dotted address ip lies in cidr.
local function in_subnet(ip, cidr)
  local net, prefix = plan.parse_addr(cidr)
  local a = plan.parse_ip(ip)
  local size = 2 ^ (32 - prefix)
  return a - a % size == net - net % size
end

-- forward simulates IPv4 forwarding through the plan: from node src, towards
-- address dst, using only connected subnets and the planned routes (longest
-- prefix first). Hosts do not forward. Returns the number of hops, or nil and
-- why the packet was lost.
local function forward(p, src, dst)
  local owner = {}
  for _, n in ipairs(p.nodes) do
    for _, i in ipairs(n.ifaces) do if i.ip then owner[i.ip] = n end end
  end
  local node, hops = src, 0
  while hops < 64 do
    if node == owner[dst] then return hops end
    if hops > 0 and node.kind ~= "router" then return nil, node.name .. " does not forward" end
    local nexthop
    for _, i in ipairs(node.ifaces) do
      if i.cidr and in_subnet(dst, i.cidr) then nexthop = dst end
    end
    if not nexthop then
      local best = -1
      for _, r in ipairs(node.routes) do
        local pr = r.dst == "default" and 0 or select(2, plan.parse_addr(r.dst))
        if (r.dst == "default" or in_subnet(dst, r.dst)) and pr > best then best, nexthop = pr, r.via end
      end
    end
    if not nexthop then return nil, "no route from " .. node.name .. " to " .. dst end
    local nxt = owner[nexthop]
    if not nxt then return nil, "nobody has " .. nexthop end
    -- the next hop must be on a segment the node is on
    local shared = false
    for _, i in ipairs(node.ifaces) do
      if i.cidr and in_subnet(nexthop, i.cidr) then shared = true end
    end
    if not shared then return nil, node.name .. " has no interface towards " .. nexthop end
    node, hops = nxt, hops + 1
  end
  return nil, "loop"
end

local function all_reachable(t, p)
  p = p or t:_compile()
  for _, a in ipairs(p.nodes) do
    if a.kind == "host" then
      for _, b in ipairs(p.nodes) do
        if b.kind == "host" and a ~= b then
          local hops, why = forward(p, a, b.ip)
          if not hops then return false, a.name .. " -> " .. b.name .. ": " .. why end
        end
      end
    end
  end
  return true
end

---------------------------------------------------------------- model

function test_nodes_and_links_in_order(t)
  local tp = topo.new { name = "m" }
  local h1, r1, s1 = tp:host("h1"), tp:router("r1"), tp:switch("s1")
  t:eq(h1.kind, "host"); t:eq(r1.kind, "router"); t:eq(s1.kind, "switch")
  tp:link(h1, s1); tp:link("r1", "s1")
  local names = {}
  for _, n in ipairs(tp:nodes()) do names[#names + 1] = n.name end
  t:eq(names, { "h1", "r1", "s1" })
  t:eq(tp:node("r1"), r1)
  t:eq(tp:node("nope"), nil)
  local ls = tp:links()
  t:eq(#ls, 2)
  t:eq({ ls[2].a, ls[2].b }, { "r1", "s1" })
  t:eq(ls[2].a_iface, "r1-eth0")
  t:eq(ls[2].b_iface, "s1-eth1")
end

function test_defaults(t)
  local d = topo.new({ name = "d" }):describe()
  t:eq(d.subnet, "10.0.0.0/16")
  t:eq(d.routing, "static")
end

---------------------------------------------------------------- addressing

function test_lan_gets_a_slash24_routers_first(t)
  local tp = topo.new { name = "a" }
  local s = tp:switch("s1")
  local h1, h2 = tp:host("h1"), tp:host("h2")
  local r = tp:router("r1")
  tp:link(h1, s); tp:link(h2, s); tp:link(r, s)
  t:eq(r.ip, "10.0.0.1")
  t:eq(h1.ip, "10.0.0.2")
  t:eq(h2.ip, "10.0.0.3")
  t:eq(h1:ifaces()[1].ip, "10.0.0.2/24")
  t:eq(h1:ifaces()[1].subnet, "10.0.0.0/24")
end

function test_point_to_point_gets_a_slash30(t)
  local tp = topo.new { name = "p" }
  local a, b, c = tp:router("a"), tp:router("b"), tp:host("c")
  tp:link(a, b); tp:link(b, c)
  t:eq(a:ifaces()[1].ip, "10.0.0.1/30")
  t:eq(b:ifaces()[1].ip, "10.0.0.2/30")
  t:eq(b:ifaces()[2].ip, "10.0.0.5/30")
  t:eq(c:ifaces()[1].ip, "10.0.0.6/30")
end

function test_node_ip_is_its_first_address(t)
  local tp = topo.new { name = "f" }
  local r, s1, s2 = tp:router("r"), tp:switch("s1"), tp:switch("s2")
  tp:link(r, s2); tp:link(r, s1)
  local ifs = r:ifaces()
  t:eq(r.ip, (ifs[1].ip:gsub("/%d+$", "")))
  t:ok(ifs[1].ip ~= ifs[2].ip)
  t:eq(tp:switch("s3").ip, nil)
end

function test_lans_before_links_without_overlap(t)
  local tp = topo.new { name = "o", subnet = "192.168.0.0/16" }
  local r1, r2 = tp:router("r1"), tp:router("r2")
  tp:link(r1, r2)
  for i = 1, 3 do
    local s = tp:switch("s" .. i)
    tp:link(r1, s)
    tp:link(tp:host("h" .. i), s)
  end
  local p = tp:_compile()
  local seen = {}
  for _, seg in ipairs(p.segments) do
    t:ok(in_subnet(plan.ip_str(seg.net), "192.168.0.0/16"), seg.subnet .. " outside the pool")
    for _, other in ipairs(seen) do
      t:ok(not in_subnet(plan.ip_str(seg.net), other.subnet) and not in_subnet(plan.ip_str(other.net), seg.subnet),
        seg.subnet .. " overlaps " .. other.subnet)
    end
    seen[#seen + 1] = seg
  end
  t:eq(r1:ifaces()[1].ip, "192.168.3.1/30")
end

function test_big_lan_grows_past_a_slash24(t)
  local tp, hosts = lan("big", 300)
  t:eq(hosts[1]:ifaces()[1].ip, "10.0.0.1/23")
  t:eq(hosts[300].ip, "10.0.1.44")
end

function test_given_addresses_are_kept_and_avoided(t)
  local tp = topo.new { name = "g" }
  local s1, s2 = tp:switch("s1"), tp:switch("s2")
  local h1 = tp:host("h1", { ip = "10.0.0.9" })
  local h2 = tp:host("h2")
  local h3 = tp:host("h3")
  tp:link(h1, s1); tp:link(h2, s1); tp:link(h3, s2)
  local r1, r2 = tp:router("r1"), tp:router("r2")
  tp:link(r1, r2, { a_ip = "10.0.7.1/30", b_ip = "10.0.7.2" })
  t:eq(h1.ip, "10.0.0.9")
  t:eq(h2.ip, "10.0.0.1")
  t:eq(h3:ifaces()[1].subnet, "10.0.1.0/24")
  t:eq(r2:ifaces()[1].ip, "10.0.7.2/30")
end

function test_given_prefix_sets_the_lan_size(t)
  local tp = topo.new { name = "gp" }
  local s = tp:switch("s")
  local h1 = tp:host("h1", { ip = "10.0.4.10/22" })
  local h2 = tp:host("h2")
  tp:link(h1, s); tp:link(h2, s)
  t:eq(h2:ifaces()[1].ip, "10.0.4.1/22")
  t:eq(h1:ifaces()[1].subnet, "10.0.4.0/22")
end

---------------------------------------------------------------- names

function test_long_names_are_cut_with_a_hash(t)
  local tp = topo.new { name = "n" }
  local long1 = tp:host("a-very-long-host-name-1")
  local long2 = tp:host("a-very-long-host-name-2")
  local sw = tp:switch("switch-with-a-long-name")
  tp:link(long1, sw); tp:link(long2, sw)
  local names = {}
  for _, n in ipairs({ long1, long2, sw }) do
    for _, i in ipairs(n:ifaces()) do
      t:ok(#i.name <= 15, i.name .. " is longer than 15 bytes")
      t:ok(not names[i.name], "duplicate " .. i.name)
      names[i.name] = true
    end
  end
  local i1 = long1:ifaces()[1].name
  t:ok(i1:match("^a%-very") and i1:match("%-eth0$"), i1)
  t:ok(i1 ~= long2:ifaces()[1].name)
  t:eq(sw:ifaces()[1].peer_iface, i1)
  t:ok(#sw.bridge <= 15 and sw.bridge:match("^switch"), sw.bridge)
  t:eq(long1.bridge, nil)
  -- deterministic: the same description gives the same names
  local again = topo.new { name = "n2" }
  again:host("a-very-long-host-name-1"); again:switch("s")
  again:link("a-very-long-host-name-1", "s")
  t:eq(again:node("a-very-long-host-name-1"):ifaces()[1].name, i1)
  t:eq(again:node("s").bridge, "s")
end

function test_ifaces_mapping(t)
  local tp = topo.new { name = "i" }
  local h, r = tp:host("h"), tp:router("r")
  tp:link(h, r)
  local ifs = h:ifaces()
  t:eq(#ifs, 1)
  t:eq(ifs[1].name, "h-eth0")
  t:eq(ifs[1].peer, "r")
  t:eq(ifs[1].peer_iface, "r-eth0")
  t:eq(ifs[1].link, 1)
end

---------------------------------------------------------------- routing

function test_router_joins_two_lans(t)
  local tp = topo.new { name = "r" }
  local s1, s2, r = tp:switch("s1"), tp:switch("s2"), tp:router("r")
  local h1, h2 = tp:host("h1"), tp:host("h2")
  tp:link(h1, s1); tp:link(h2, s2); tp:link(r, s1); tp:link(r, s2)
  t:eq(h1:routes(), { { dst = "default", via = r:ifaces()[1].ip:gsub("/%d+", ""), dev = "h1-eth0" } })
  t:eq(r:routes(), {})
  t:ok(all_reachable(tp))
end

local function ring(k, opts)
  local tp = topo.new(opts or { name = "ring" })
  local rs = {}
  for i = 1, k do rs[i] = tp:router("r" .. i) end
  for i = 1, k do
    tp:link(rs[i], rs[i % k + 1])
    local s = tp:switch("s" .. i)
    tp:link(rs[i], s)
    tp:link(tp:host("h" .. i), s)
  end
  return tp, rs
end

function test_ring_is_fully_reachable_by_shortest_paths(t)
  local tp = ring(6)
  local p = tp:_compile()
  t:ok(all_reachable(tp, p))
  -- h1 -> r1 -> r2 -> r3 -> r4 -> h4 in a ring of 6; h1 -> r1 -> r2 -> h2
  t:eq(forward(p, p.byname.h1, p.byname.h4.ip), 5)
  t:eq(forward(p, p.byname.h1, p.byname.h2.ip), 3)
  t:eq(forward(p, p.byname.h1, p.byname.h6.ip), 3)
  -- every router has a route to every subnet it is not on
  local nseg = #p.segments
  for i = 1, 6 do
    t:eq(#p.byname["r" .. i].routes, nseg - 3)
  end
end

function test_routing_none_installs_nothing(t)
  local tp = ring(4, { name = "ring", routing = "none" })
  local p = tp:_compile()
  for _, n in ipairs(p.nodes) do t:eq(#n.routes, 0, n.name) end
  local ok, why = all_reachable(tp, p)
  t:ok(not ok, "expected unreachable pairs without routing")
  t:ok(why:find("no route"), why)
end

function test_host_with_two_gateways_gets_subnet_routes(t)
  local tp = topo.new { name = "mh" }
  local h = tp:host("h")
  local r1, r2, far = tp:router("r1"), tp:router("r2"), tp:host("far")
  local s = tp:switch("s")
  tp:link(h, r1); tp:link(h, r2); tp:link(r2, s); tp:link(far, s); tp:link(r1, r2)
  -- no default route: the LAN behind r2 through r2, the r1-r2 link through r1
  local routes = h:routes()
  t:eq(#routes, 2)
  t:eq(routes[1], { dst = r1:ifaces()[2].subnet, via = r1.ip, dev = "h-eth0" })
  t:eq(routes[2], { dst = s:ifaces()[1].subnet, via = r2.ip, dev = "h-eth1" })
  t:ok(all_reachable(tp))
end

-- a seeded random connected graph of k routers, one host behind each
local function random_graph(seed, k)
  return dofile("test/lua/topo_graphs.lua").random_graph(topo, "rnd", seed, k)
end

function test_random_router_graphs_are_fully_reachable(t)
  for _, seed in ipairs({ 1, 7, 42, 1234, 99991 }) do
    local tp = random_graph(seed, 8 + seed % 5)
    local ok, why = all_reachable(tp)
    t:ok(ok, "seed " .. seed .. ": " .. tostring(why))
  end
end

---------------------------------------------------------------- export

-- parse_dot reads the nodes and edges of the graph plan.dot writes.
local function parse_dot(s)
  local nodes, edges = {}, {}
  for line in s:gmatch("[^\n]+") do
    local a, b, attrs = line:match('^%s*"([^"]+)" %-%- "([^"]+)" %[(.*)%];$')
    if a then
      edges[#edges + 1] = { a = a, b = b, tail = attrs:match('taillabel="([^"]*)"'), head = attrs:match('headlabel="([^"]*)"') }
    else
      local n, nattrs = line:match('^%s*"([^"]+)" %[(.*)%];$')
      if n then nodes[n] = { kind = nattrs:match('kind="(%w+)"'), label = nattrs:match('label="([^"]*)"') } end
    end
  end
  return nodes, edges
end

function test_dot_has_kinds_names_and_addresses(t)
  local tp = topo.new { name = "dot" }
  local s, r, h = tp:switch("s"), tp:router("r"), tp:host("h")
  local h2 = tp:host("h2")
  tp:link(h, s); tp:link(r, s); tp:link(r, h2, { rate = "10mbit" })
  local text = tp:dot()
  t:ok(text:match('^graph "dot" {'), text)
  local nodes, edges = parse_dot(text)
  t:eq(nodes.s.kind, "switch"); t:eq(nodes.r.kind, "router"); t:eq(nodes.h.kind, "host")
  t:ok(nodes.h.label:find(h.ip, 1, true), nodes.h.label)
  t:eq(#edges, 3)
  for i, l in ipairs(tp:links()) do
    t:eq({ edges[i].a, edges[i].b }, { l.a, l.b })
    t:ok(edges[i].tail:find(l.a_iface, 1, true), edges[i].tail)
    t:ok(edges[i].head:find(l.b_iface, 1, true), edges[i].head)
    if l.a_ip then t:ok(edges[i].tail:find(l.a_ip, 1, true), edges[i].tail) end
    if l.b_ip then t:ok(edges[i].head:find(l.b_ip, 1, true), edges[i].head) end
  end
  t:ok(text:find('label="rate 10mbit"', 1, true))
end

local function same_plan(t, p, q)
  t:eq(#p.nodes, #q.nodes)
  for i, n in ipairs(p.nodes) do
    local m = q.nodes[i]
    t:eq({ m.name, m.kind, m.ip }, { n.name, n.kind, n.ip })
    t:eq(#m.ifaces, #n.ifaces)
    for j, iface in ipairs(n.ifaces) do
      t:eq({ m.ifaces[j].name, m.ifaces[j].cidr, m.ifaces[j].peer }, { iface.name, iface.cidr, iface.peer })
    end
    t:eq(m.routes, n.routes)
  end
end

function test_describe_and_load_round_trip(t)
  local tp = ring(5)
  tp:link("h1", "h2", { mtu = 1400, rate = "1mbit" })
  local d = tp:describe()
  local again = topo.load(d)
  t:eq(again:describe(), d)
  same_plan(t, tp:_compile(), again:_compile())
end

function test_json_round_trip(t)
  if not pcall(require, "json") then t:skip("json module not present") end
  local tp = ring(3)
  local text = tp:to_json()
  local d = require("json").decode(text)
  t:eq(d.name, "ring")
  t:eq(#d.nodes, 9)
  local path = os.tmpname()
  t:cleanup(function() os.remove(path) end)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  local again = topo.load(path)
  t:eq(again:describe(), tp:describe())
  same_plan(t, tp:_compile(), again:_compile())
end

function test_load_can_rename(t)
  local d = ring(3):describe()
  local again = topo.load(d, { name = "ring2" })
  t:eq(again.name, "ring2")
  t:eq(again:_compile().byname.h1.netns, "ring2-h1")
end

---------------------------------------------------------------- bad input

local function fails_to_compile(t, build, pattern)
  local tp = topo.new { name = "bad" }
  t:fails(function()
    build(tp)
    tp:_compile()
  end, pattern)
end

function test_bad_input(t)
  t:fails(function() topo.new() end, "expected a table")
  t:fails(function() topo.new { name = "x", subnett = "1" } end, 'unknown key "subnett"')
  t:fails(function() topo.new { name = "a/b" } end, "may hold only")
  t:fails(function() topo.new { name = "" } end, "must not be empty")
  t:fails(function() topo.new { name = ("x"):rep(200) } end, "too long")
  t:fails(function() topo.new { name = "x", subnet = "10.0.0.1/16" } end, "host bits")
  t:fails(function() topo.new { name = "x", subnet = "10.0.0.0" } end, "prefix length")
  t:fails(function() topo.new { name = "x", subnet = "10.0.0.0/31" } end, "too small")
  t:fails(function() topo.new { name = "x", subnet = "300.0.0.0/8" } end, "not an IPv4")
  t:fails(function() topo.new { name = "x", routing = "ospf" } end, "routing")
  t:fails(function() topo.new { name = "x\0y" } end, "may hold only")

  local tp = topo.new { name = "bad" }
  tp:host("h1")
  t:fails(function() tp:host("h1") end, 'duplicate node name "h1"')
  t:fails(function() tp:switch("h1") end, "duplicate")
  t:fails(function() tp:host(42) end, "must be a string")
  t:fails(function() tp.host("h3") end, "call it as t:host")
  t:fails(function() tp.link("h1", "h2") end, "call it as t:link")
  t:fails(function() tp:host("a\0b") end, "may hold only")
  t:fails(function() tp:host(("h"):rep(1e6)) end, "too long")
  t:fails(function() tp:host("-h") end, "must not start")
  t:fails(function() tp:ping_all() end, "topology bad is new")
  t:fails(function() tp:host("h2", { ipp = "1" }) end, 'unknown key "ipp"')
  t:fails(function() tp:host("h2", "10.0.0.1") end, "options must be a table")
  t:fails(function() tp:switch("s", { ip = "10.0.0.1" }) end, "unknown key")
  t:fails(function() tp:host("h2", { ip = "10.0.0" }) end, "not an IPv4")
  t:fails(function() tp:link("h1", "nope") end, 'unknown node "nope"')
  t:fails(function() tp:link("h1", "h1") end, "itself")
  t:fails(function() tp:link("h1", nil) end, "link end b")
  t:fails(function() tp:link("h1", "h1", { speed = 1 }) end, 'unknown key "speed"')
  tp:host("h2")
  t:fails(function() tp:link("h1", "h2", { mtu = 10 }) end, "mtu")
  t:fails(function() tp:link("h1", "h2", { rate = {} }) end, "rate must be")
  t:fails(function() tp:link("h1", "h2", { a_ip = "x" }) end, "not an IPv4")
  local other = topo.new { name = "other" }
  t:fails(function() tp:link("h1", other:host("o")) end, "another topology")
  t:fails(function() topo.load { name = "x", nodes = { { name = "a", kind = "hub" } } } end, 'kind "hub"')
  t:fails(function() topo.load { name = "x", nodes = { { name = "a", kind = "host", colour = 1 } } } end, 'unknown key "colour"')
  t:fails(function() topo.load { name = "x", links = { { a = "p", b = "q" } } } end, 'unknown node "p"')
  t:fails(function() topo.load(42) end, "expected a path")
  local none, msg, errno = topo.load("/nonexistent/lab.json")
  t:eq(none, nil, "a file that is not there: no raise")
  t:eq(msg, "ENOENT: open(/nonexistent/lab.json): no such file or directory")
  t:eq(errno, "ENOENT")
  none, msg, errno = topo.attach("nslua-test-nosuch")
  t:eq(none, nil, "no topology of that name: no raise")
  t:ok(msg:find("^ENOENT: topo.attach%(nslua%-test%-nosuch%): no topology of that name"), msg)
  t:eq(errno, "ENOENT")

  fails_to_compile(t, function(b)
    b:host("h", { ip = "192.168.0.1" }); b:switch("s"); b:link("h", "s")
  end, "outside the pool 10.0.0.0/16")
  fails_to_compile(t, function(b)
    b:host("a", { ip = "10.0.0.5" }); b:host("c", { ip = "10.0.0.5" }); b:switch("s")
    b:link("a", "s"); b:link("c", "s")
  end, "clashes with a")
  fails_to_compile(t, function(b)
    b:host("a", { ip = "10.0.0.0" }); b:switch("s"); b:link("a", "s")
  end, "network address")
  fails_to_compile(t, function(b)
    b:host("a", { ip = "10.0.0.5" }); b:host("c", { ip = "10.0.1.5" }); b:switch("s")
    b:link("a", "s"); b:link("c", "s")
  end, "not in one /24")
  fails_to_compile(t, function(b)
    b:host("a", { ip = "10.0.0.5/24" }); b:host("c", { ip = "10.0.0.6/25" }); b:switch("s")
    b:link("a", "s"); b:link("c", "s")
  end, "different prefix lengths")
  fails_to_compile(t, function(b)
    b:host("a", { ip = "10.0.0.5" })
  end, "no links")
  fails_to_compile(t, function(b)
    b:switch("s1"); b:switch("s2"); b:switch("s3")
    b:link("s1", "s2"); b:link("s2", "s3"); b:link("s3", "s1")
  end, "loop")
  fails_to_compile(t, function(b)
    b:host("h"); b:switch("s1"); b:switch("s2")
    b:link("s1", "s2"); b:link("h", "s1"); b:link("h", "s2")
  end, "linked twice")
  fails_to_compile(t, function(b)
    b:host("a", { ip = "10.0.0.1" }); b:router("r"); b:link("a", "r", { a_ip = "10.0.0.2/30" })
  end, "disagrees")
  fails_to_compile(t, function(b)
    b:router("r1", { ip = "10.0.0.1/30" }); b:router("r2"); b:router("r3")
    b:link("r1", "r2"); b:link("r3", "r2", { a_ip = "10.0.0.2/30" })
  end, "overlap")
  fails_to_compile(t, function(b)
    b:switch("ab-eth0"); b:switch("ab"); b:host("h"); b:link("h", "ab")
  end, "clashes")
end

function test_subnet_too_small(t)
  local tp = topo.new { name = "small", subnet = "10.0.0.0/24" }
  for i = 1, 2 do
    local s = tp:switch("s" .. i)
    tp:link(tp:host("h" .. i), s)
  end
  t:fails(function() tp:_compile() end, "subnet 10.0.0.0/24 is too small for this topology: it needs 2 x /24")
  local tiny = topo.new { name = "tiny", subnet = "10.0.0.0/30" }
  tiny:host("a"); tiny:host("b"); tiny:host("c")
  tiny:link("a", "b"); tiny:link("b", "c")
  t:fails(function() tiny:_compile() end, "too small")
  -- a /23 pool holds one LAN of 300 only when it is alone
  local big = topo.new { name = "big", subnet = "10.0.0.0/23" }
  local s = big:switch("s")
  for i = 1, 300 do big:link(big:host("h" .. i), s) end
  big:_compile()
  big = topo.new { name = "big", subnet = "10.0.0.0/24" }
  s = big:switch("s")
  for i = 1, 300 do big:link(big:host("h" .. i), s) end
  t:fails(function() big:_compile() end, "too small")
end

function test_switch_port_limit(t)
  local tp = lan("ports", 1023, { name = "ports", subnet = "10.0.0.0/8" })
  tp:_compile()
  local too = lan("ports", 1024, { name = "ports", subnet = "10.0.0.0/8" })
  t:fails(function() too:_compile() end, "switch s1 has 1024 ports; a Linux bridge holds at most 1023")
end

function test_no_edits_after_start(t)
  local tp = topo.new { name = "e" }
  tp._state = "running" -- as t:start() leaves it
  t:fails(function() tp:host("h") end, "describe it before t:start()")
end

-- the chunk name of this file, as error positions show it
local HERE = debug.getinfo(1, "S").source

-- fails_here: fn (written on one line) must raise a message matching
-- pattern, positioned at fn's line in this file (the caller's line), not
-- inside topo.
local function fails_here(t, fn, pattern)
  local err = t:fails(fn, pattern)
  t:eq(err:match("^(.-):%d+: "), HERE, err)
  t:eq(tonumber(err:match("^.-:(%d+): ")), debug.getinfo(fn, "S").linedefined, err)
  return err
end

function test_bad_arguments_raise_at_the_callers_line(t)
  local tp = topo.new { name = "args" }
  local h1, h2 = tp:host("h1"), tp:host("h2")
  tp:link(h1, h2)
  fails_here(t, function() tp:ping_all(5) end, "bad argument #1 to 'ping_all' %(options table")
  fails_here(t, function() tp:ping_all { count = 0 } end, "bad argument #1 to 'ping_all' %(option \"count\"")
  fails_here(t, function() tp:ping_all { count = 1.5 } end, "option \"count\"")
  fails_here(t, function() tp:ping_all { timeout = -1 } end, "option \"timeout\"")
  fails_here(t, function() tp:ping_all { nodes = 5 } end, "option \"nodes\"")
  fails_here(t, function() tp:ping_all { print = "yes" } end, "option \"print\"")
  fails_here(t, function() tp:ping_all { colour = 1 } end, 'ping_all: unknown key "colour"')
  fails_here(t, function() tp:ping_all() end, "topology args is new")
  fails_here(t, function() h1:ping(h2, 5) end, "bad argument #2 to 'ping' %(options table")
  fails_here(t, function() h1:ping(h2, { ns = "x" }) end, 'host h1: ping: unknown key "ns"')
  fails_here(t, function() h1:ping(h2, { count = 0 }) end, "bad argument #2 to 'ping' %(option \"count\"")
  fails_here(t, function() h1:ping(h2) end, "needs a running topology")
  fails_here(t, function() topo.load({ name = "x" }, 5) end, "bad argument #2 to 'load'")
  fails_here(t, function() topo.load({ name = "x" }, { nom = "y" }) end, 'load: unknown key "nom"')
  fails_here(t, function() topo.new() end, "expected a table")
  fails_here(t, function() tp:host(42) end, "must be a string")
  fails_here(t, function() tp:link("h1", "nope") end, 'unknown node "nope"')
  -- a method called with "." instead of ":"
  for _, m in ipairs({ "nodes", "node", "links", "describe", "to_json", "dot", "keep", "namespaces", "ping_all",
    "start", "stop", "host", "link" }) do
    fails_here(t, function() tp[m]() end, "call it as t:" .. m .. "(")
  end
  for _, m in ipairs({ "ifaces", "routes", "ns", "run", "spawn", "ping" }) do
    fails_here(t, function() h1[m]() end, "call it as node:" .. m .. "(")
  end
  -- errors found when the plan is compiled, and through pcall or a function
  -- of the caller's
  local loop = topo.new { name = "loop" }
  for i = 1, 3 do loop:switch("s" .. i) end
  loop:link("s1", "s2"); loop:link("s2", "s3"); loop:link("s3", "s1")
  fails_here(t, function() loop:describe() end, "loop of switches")
  local ok, err = pcall(tp.ping_all, tp, 5)
  t:eq(ok, false)
  t:eq(err:match("^(.-):%d+: "), HERE, err)
end

function test_link_shaping_is_checked_when_described(t)
  local tp = topo.new { name = "shape" }
  tp:host("h1"); tp:host("h2")
  local bad = {
    { { rate = "bogus" }, 'link h1-h2: rate: invalid rate "bogus"' },
    { { rate = "10 mbit" }, 'invalid rate "10 mbit"' },
    { { rate = "1pbit" }, "invalid rate" },
    { { rate = 0 }, "invalid rate 0" },
    { { rate = "1001tbit" }, "from 8bit to 1000tbit" },
    { { delay = -5 }, "link h1-h2: delay: invalid duration -5" },
    { { delay = "2h" }, 'invalid duration "2h"' },
    { { delay = "3601s" }, "from 0 to 1 hour" },
    { { loss = 200 }, "link h1-h2: loss: invalid loss 200" },
    { { loss = "1 %" }, 'invalid loss "1 %"' },
    { { loss = "-1%" }, "from 0 to 100" },
    { { rate = true }, "rate must be a string or a number" },
    { { mtu = 65536 }, "mtu must be a whole number from 68 to 65535" },
    { { mtu = 1500.5 }, "mtu must be" },
    { { a_ip = "10.0.0.1/33" }, "bad prefix length" },
  }
  for _, c in ipairs(bad) do
    fails_here(t, function() tp:link("h1", "h2", c[1]) end, c[2])
    local d = { name = "shape", nodes = { { name = "h1", kind = "host" }, { name = "h2", kind = "host" } },
      links = { { a = "h1", b = "h2" } } }
    for k, v in pairs(c[1]) do d.links[1][k] = v end
    fails_here(t, function() topo.load(d) end, c[2])
  end
  t:eq(#tp:links(), 0) -- nothing refused was added
  local good = {
    { rate = "10mbit" }, { rate = "1.5e3kbit" }, { rate = "500KBPS" }, { rate = 1e6 }, { rate = " 1gbit " },
    { delay = "10ms" }, { delay = "1s" }, { delay = "250us" }, { delay = 5 }, { delay = 0 }, { delay = "1_000ms" },
    { loss = "1%" }, { loss = "0.5" }, { loss = 0 }, { loss = 100 }, { mtu = 68 }, { mtu = 9000 },
  }
  for _, o in ipairs(good) do tp:link("h1", "h2", o) end
  t:eq(#tp:links(), #good)
  t:eq(plan.parse_rate("10mbit"), 1e7)
  t:eq(plan.parse_rate("1kibit"), 1024)
  t:eq(plan.parse_rate("1kbps"), 8000)
  t:eq(plan.parse_delay("250us"), 0.25)
  t:eq(plan.parse_delay("1s"), 1000)
  t:eq(plan.parse_loss("0.5%"), 0.5)
  -- what t:start() gives net's l:shape: nothing for a zero delay or loss
  t:eq(plan.shaping { delay = 0, loss = "0%" }, nil)
  t:eq(plan.shaping { rate = "10mbit", delay = "0ms" }, { rate = "10mbit" })
  t:eq(plan.shaping { delay = "10ms", loss = 0 }, { delay = "10ms" })
end
