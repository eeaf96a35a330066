-- The net module: links, addresses, routes, sysctl, shaping and ping, each
-- checked against what the kernel says through ip(8) and friends.
local net = require "net"
local ns = require "ns"
local json = require "json"

local seq = 0
local function uniq(prefix)
  seq = seq + 1
  return string.format("%s%d%d", prefix, os.time() % 10000, seq)
end

-- a named netns, deleted after the test
local function newns(t)
  local name = uniq("nslt")
  assert(ns.create("net", { name = name })):close()
  t:cleanup(function() ns.delete(name) end)
  return name
end

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  return out
end

-- two namespaces joined by a veth a(10.77.0.1) -- b(10.77.0.2), both up
local function pair(t)
  local A, B = newns(t), newns(t)
  local a, b = assert(net.veth("va", "vb", { ns = A, peer_ns = B }))
  assert(a:addr_add("10.77.0.1/24"))
  assert(b:addr_add("10.77.0.2/24"))
  assert(a:up())
  assert(b:up())
  return A, B, a, b
end

function test_link_lookup_and_fields(t)
  local lo = t:ok(net.link("lo"))
  t:eq(lo.name, "lo")
  t:eq(lo.index, 1)
  t:eq(lo.kind, "loopback")
  t:eq(lo.mtu, 65536)
  t:eq(tostring(lo.ns), tostring(lo.ns))
  t:ok(tostring(lo):find("^link lo %(ifindex 1, net:%[%d+%]%)$"), tostring(lo))
  t:eq(lo, net.link("lo"))
  local v, msg, code = net.link("nosuchlink0")
  t:eq(v, nil)
  t:eq(code, "ENODEV")
  t:eq(msg, "ENODEV: link(nosuchlink0): no such link")
end

function test_veth_across_namespaces(t)
  local A, B, a, b = pair(t)
  t:eq(a.kind, "veth")
  t:eq(b.kind, "veth")
  t:eq(a.state, "up")
  t:ok(sh("ip -n " .. A .. " -o link show va"):find("va@if%d+"))
  t:ok(sh("ip -n " .. B .. " -o link show vb"):find("vb@if%d+"))
  -- the links are in the namespaces, not here
  t:eq(select(3, net.link("va")), "ENODEV")
  t:eq(a.ns, net.link("lo", { ns = A }).ns)
  t:ok(a.ns ~= b.ns)
end

function test_veth_name_exists_is_eexist(t)
  local A = newns(t)
  t:ok(net.veth("d0", "d1", { ns = A }))
  local before = sh("ip -n " .. A .. " -o link show")
  local v, msg, code = net.veth("d0", "d2", { ns = A })
  t:eq(v, nil)
  t:eq(code, "EEXIST")
  t:eq(msg, "EEXIST: veth(d0): file exists")
  -- nothing left behind: no d2
  t:eq(sh("ip -n " .. A .. " -o link show"), before)
  -- the peer's name is the one taken, here or in the peer's namespace (with
  -- a bridge to join and up: the same one request): the message names it
  t:eq({ net.veth("d3", "d1", { ns = A }) }, { nil, "EEXIST: veth(d1): file exists", "EEXIST" })
  local B = newns(t)
  t:ok(net.veth("eth0", "eth1", { ns = B }))
  local br = t:ok(net.bridge("br0", { ns = A, up = true }))
  local before_b = sh("ip -n " .. B .. " -o link show")
  before = sh("ip -n " .. A .. " -o link show")
  t:eq({ net.veth("d3", "eth0", { ns = A, peer_ns = B, master = br, up = true }) },
    { nil, "EEXIST: veth(eth0): file exists", "EEXIST" })
  t:eq({ sh("ip -n " .. A .. " -o link show"), sh("ip -n " .. B .. " -o link show") }, { before, before_b })
end

function test_bad_link_names_raise(t)
  t:fails(function() net.veth("a-name-longer-than-15", "x") end, "at most 15 allowed")
  t:fails(function() net.veth("a/b", "x") end, 'contains \'/\'')
  t:fails(function() net.veth("a b", "x") end, "white space")
  t:fails(function() net.veth("a\0b", "x") end, "NUL")
  t:fails(function() net.bridge("") end, "empty link name")
  local err = t:fails(function() net.link(string.rep("x", 100000)) end, "is 100000 bytes long; at most 15 allowed")
  t:ok(#err < 300, "a huge name is not repeated whole: " .. #err .. " bytes")
  t:fails(function() net.link(42) end, "bad argument #1 to 'link' (string expected, got number)")
  t:fails(function() net.veth("x", "y", { nss = "a" }) end, 'unknown option "nss"')
  t:fails(function() net.links({}, 1) end, "no more than 1 argument")
end

-- a huge argument is cut short in every message, raised or returned
function test_huge_arguments_are_shortened(t)
  local huge = string.rep("y", 100000)
  local cases = {
    function() return net.links { ns = huge } end,
    function() return net.links { ns = "/" .. huge } end,
    function() return net.sysctl("net." .. huge) end,
    function() return net.addrs { ns = "a\0" .. huge } end,
    function() return net.routes { family = huge } end,
    function() return net.route_add { dst = huge, dev = "lo" } end,
    function() return net.ping(huge) end,
    function() return net.veth("y0", "y1", { mac = huge }) end,
    function() return net.bridge("y0", { [huge] = 1 }) end,
  }
  for i, f in ipairs(cases) do
    local ok, r1, r2, r3 = pcall(f)
    local msg = ok and r2 or r1
    t:ok(type(msg) == "string", "case " .. i .. ": no message")
    t:ok(msg:find("yyyyyyyyyy", 1, true), "case " .. i .. ": the argument is named: " .. msg)
    t:ok(#msg < 300, "case " .. i .. ": " .. #msg .. " bytes: " .. msg:sub(1, 200))
  end
end

function test_gone_nsref_is_a_triple(t)
  local v, msg, code = net.links({ ns = "nslua-no-such-netns" })
  t:eq(v, nil)
  t:eq(code, "ENOENT")
  t:eq(msg, "ENOENT: open(/run/netns/nslua-no-such-netns): no such file or directory")
  t:fails(function() net.links({ ns = true }) end, 'option "ns"')
  -- a value the resolver refuses names the option that held it
  t:fails(function() net.links { ns = -1 } end, [[bad argument #1 to 'links' (option "ns": invalid pid -1)]])
  t:fails(function() net.links { ns = 1.5 } end, [[bad argument #1 to 'links' (option "ns": invalid pid 1.5)]])
  t:fails(function() net.links { ns = "" } end, [[bad argument #1 to 'links' (option "ns": invalid namespace reference "")]])
  t:fails(function() net.link("lo", { ns = "a\0b" }) end, [[bad argument #2 to 'link' (option "ns": invalid namespace reference "a\x00b")]])
  t:fails(function() net.veth("va", "vb", { peer_ns = -1 }) end, [[bad argument #3 to 'veth' (option "peer_ns": invalid pid -1)]])
  t:fails(function() net.sysctl("net.ipv4.ip_forward", nil, { ns = 0 }) end, [[bad argument #3 to 'sysctl' (option "ns": invalid pid 0)]])
  t:fails(function() net.links({ ns = {} }) end, 'option "ns"')
  v, msg, code = net.veth("gx0", "gx1", { peer_ns = "nslua-no-such-netns" })
  t:eq(code, "ENOENT")
  t:eq(select(3, net.link("gx0")), "ENODEV") -- nothing left behind
end

function test_bridge_master_and_set(t)
  local A = newns(t)
  local br = t:ok(net.bridge("br0", { ns = A }))
  t:eq(br.kind, "bridge")
  local a, b = t:ok(net.veth("p0", "p1", { ns = A }))
  t:ok(a:set { master = br })
  t:eq(a.master, "br0")
  t:ok(sh("ip -n " .. A .. " -o link show p0"):find("master br0", 1, true))
  t:ok(a:set { master = false })
  t:eq(a.master, nil)
  t:ok(a:set { master = "br0", mtu = 1400, mac = "02:00:00:00:00:07" })
  t:eq(a.mtu, 1400)
  t:eq(a.mac, "02:00:00:00:00:07")
  t:ok(a:set { name = "p9" })
  t:eq(a.name, "p9")
  t:ok(net.link("p9", { ns = A }))
  -- mtu beyond what the device takes: the kernel's words
  local ok, msg, code = a:set { mtu = 70000 }
  t:eq(code, "EINVAL")
  t:eq(msg, "EINVAL: set(p9): invalid argument: mtu greater than device maximum")
  t:fails(function() a:set { mtu = 0 } end, "mtu 0 out of range")
  t:fails(function() a:set { mtu = 1.5 } end, "integer expected")
  t:fails(function() a:set { mac = "zz" } end, 'invalid MAC address "zz"')
  t:fails(function() a:set { colour = 1 } end, 'unknown option "colour"')
  t:eq(select(3, a:set { master = "nosuchbr" }), "ENODEV")
  t:ok(b:delete())
  t:eq(a.state, nil) -- the veth went with its peer
  t:eq(select(3, a:up()), "ENODEV")
end

-- master= and up= make a bridge port in the request that creates the veth:
-- what ip(8) shows is what three more requests would have made
function test_veth_joins_its_bridge_and_comes_up_in_one_request(t)
  local A, B = newns(t), newns(t)
  local br = t:ok(net.bridge("br0", { ns = A, up = true }))
  t:ok(sh("ip -n " .. A .. " -o link show br0"):find("<[^>]*,UP[,>]"), "bridge up")
  local a, b = t:ok(net.veth("p0", "eth0", { ns = A, peer_ns = B, master = br, up = true, mtu = 1400 }))
  t:eq({ a.master, a.mtu, b.mtu }, { "br0", 1400, 1400 })
  local pa = json.decode(sh("ip -n " .. A .. " -j link show p0"))[1]
  local pb = json.decode(sh("ip -n " .. B .. " -j link show eth0"))[1]
  t:eq(pa.master, "br0")
  local function up(flags)
    for _, f in ipairs(flags) do if f == "UP" then return true end end
    return false
  end
  t:ok(up(pa.flags), "first end up: " .. table.concat(pa.flags, ","))
  t:ok(up(pb.flags), "peer end up: " .. table.concat(pb.flags, ","))
  -- without up=, both ends stay down, as ip link add leaves them
  local c, d = t:ok(net.veth("p1", "eth1", { ns = A, peer_ns = B, master = "br0" }))
  t:eq({ c.master, c.state, d.state }, { "br0", "down", "down" })
  -- a master that cannot be one: the kernel refuses and nothing is made
  local before = { sh("ip -n " .. A .. " -o link show"), sh("ip -n " .. B .. " -o link show") }
  local v, msg, code = net.veth("p2", "eth2", { ns = A, peer_ns = B, master = "lo", up = true })
  t:eq(v, nil)
  t:ok(code, msg)
  t:eq({ sh("ip -n " .. A .. " -o link show"), sh("ip -n " .. B .. " -o link show") }, before)
  t:eq(select(3, net.veth("p3", "eth3", { ns = A, master = "nosuchbr" })), "ENODEV")
  t:fails(function() net.veth("p3", "eth3", { ns = A, master = 7 }) end, "link name or nslua.link expected")
  t:fails(function() net.veth("p3", "eth3", { ns = A, master = net.link("lo") }) end, "in another network namespace")
  t:fails(function() net.veth("p3", "eth3", { up = "yes" }) end, "up")
end

-- ip -j link of a namespace as "name:group ..." sorted
local function link_groups(ns_name)
  local out = {}
  for _, l in ipairs(json.decode(sh("ip -n " .. ns_name .. " -j link show"))) do
    out[#out + 1] = l.ifname .. ":" .. tostring(l.group)
  end
  table.sort(out)
  return table.concat(out, " ")
end

-- net.delete_links deletes a list of links, namespace by namespace, each
-- namespace's in one kernel batch (ip link delete group): exactly those,
-- whatever group other links carry, skipping what is gone already
function test_delete_links_deletes_exactly_the_list(t)
  local A, B = newns(t), newns(t)
  local br = t:ok(net.bridge("br0", { ns = A, up = true }))
  local list = {}
  for i = 1, 5 do
    local port = t:ok(net.veth("p" .. i, "e" .. i, { ns = A, peer_ns = B, master = br, up = true }))
    list[#list + 1] = port
  end
  -- links that stay: one in the default group, one in a group of the user's
  t:ok(net.veth("keep0", "keep1", { ns = A, peer_ns = B }))
  t:eq(sh("ip -n " .. A .. " link set keep0 group 7"), "")
  local gone = t:ok(net.veth("q0", "q1", { ns = B }))
  t:ok(gone:delete())
  list[#list + 1] = gone    -- already deleted: skipped
  list[#list + 1] = list[1] -- twice: once
  list[#list + 1] = br      -- a bridge too, in the same batch
  t:eq(net.delete_links(list), 6)
  t:eq(link_groups(A), "keep0:7 lo:default")
  t:eq(link_groups(B), "keep1:default lo:default")
  t:eq(net.delete_links({}), 0)
  t:fails(function() net.delete_links({ net.link("lo"), "eth0" }) end, "links[2]: nslua.link expected, got string")
  t:fails(function() net.delete_links("lo") end, "table expected")
end

-- a veth and its peer in another namespace, both listed: the count is the
-- listed links the call deleted, 2, as for a pair in one namespace
function test_delete_links_counts_a_peer_listed_in_another_namespace(t)
  local A, B = newns(t), newns(t)
  local a, b = t:ok(net.veth("x0", "y0", { ns = A, peer_ns = B }))
  local c, d = t:ok(net.veth("x1", "y1", { ns = A }))
  t:eq(net.delete_links({ a, b }), 2)
  t:eq(net.delete_links({ d, c }), 2)
  t:eq({ link_groups(A), link_groups(B) }, { "lo:default", "lo:default" })
  -- only one end listed: its peer goes along, as with l:delete(), uncounted
  local e = t:ok(net.veth("x2", "y2", { ns = A, peer_ns = B }))
  t:eq(net.delete_links({ e }), 1)
  t:eq({ link_groups(A), link_groups(B) }, { "lo:default", "lo:default" })
end

-- a link the kernel cannot delete (lo) fails the whole call before anything
-- changes: no link of the list is deleted, none is left in another group
function test_delete_links_changes_nothing_when_one_cannot_be_deleted(t)
  local A, B = newns(t), newns(t)
  local x1 = t:ok(net.veth("x1", "y1", { ns = A }))
  local x2 = t:ok(net.veth("x2", "y2", { ns = A }))
  local z = t:ok(net.veth("z0", "z1", { ns = B }))
  local before = { link_groups(A), link_groups(B) }
  local v, msg, code = net.delete_links({ z, x1, t:ok(net.link("lo", { ns = A })), x2 })
  t:eq({ v, msg, code }, { nil, "ENOTSUP: delete(lo): operation not supported", "ENOTSUP" })
  t:eq({ link_groups(A), link_groups(B) }, before)
  t:eq(before[1], "lo:default x1:default x2:default y1:default y2:default")
end

-- links of a namespace the script let go of read as gone (l.state is nil,
-- l:delete() says released): skipped, and the live ones around them, in
-- namespaces before and after, are deleted all the same
function test_delete_links_skips_links_of_a_released_namespace(t)
  local A, B = newns(t), newns(t)
  local h = assert(ns.create("net"))
  local r = t:ok(net.veth("r0", "r1", { ns = h }))
  local a = t:ok(net.veth("a0", "a1", { ns = A }))
  local b = t:ok(net.veth("b0", "b1", { ns = B }))
  h:close()
  t:eq(r.state, nil)
  t:eq(net.delete_links({ a, r, b }), 2)
  t:eq({ link_groups(A), link_groups(B) }, { "lo:default", "lo:default" })
end

-- a link is recognised by its ifindex and the name its object knows: a
-- rename through the object itself is followed; a new link that took the
-- index of a deleted one is never deleted in its place
function test_delete_links_deletes_only_the_listed_links(t)
  local A = newns(t)
  local a = t:ok(net.veth("a0", "a1", { ns = A }))
  t:ok(a:set { name = "a9" })
  t:eq(net.delete_links({ a }), 1)
  local gone = t:ok(net.veth("g0", "g1", { ns = A }))
  local index = gone.index
  t:ok(gone:delete())
  t:eq(sh("ip -n " .. A .. " link add n0 index " .. index .. " type veth peer name n1"), "")
  t:eq(json.decode(sh("ip -n " .. A .. " -j link show n0"))[1].ifindex, index)
  t:eq(net.delete_links({ gone }), 0)
  t:eq(link_groups(A), "lo:default n0:default n1:default")
end

-- the list must be a list: other keys would hold links it never sees
function test_delete_links_wants_a_list(t)
  local A = newns(t)
  local a = t:ok(net.veth("a0", "a1", { ns = A }))
  t:fails(function() net.delete_links({ x = a }) end, 'a list of nslua.link expected, got key "x"')
  t:fails(function() net.delete_links({ a, [2.5] = a }) end, "got key 2.5")
  t:fails(function() net.delete_links({ a, nil, a }) end, "links[2]: nslua.link expected, got nil")
  t:eq(link_groups(A), "a0:default a1:default lo:default")
end

-- a link that no longer exists: every method says ENODEV, none reports
-- success or an empty result
function test_every_method_on_a_deleted_link_is_enodev(t)
  local A = newns(t)
  local a, b = t:ok(net.veth("va", "vb", { ns = A }))
  t:ok(a:delete())
  t:ok(not sh("ip -n " .. A .. " -o link show"):find("va", 1, true), "ip still shows va")
  local calls = {
    up = function() return a:up() end,
    down = function() return a:down() end,
    set = function() return a:set { mtu = 1400 } end,
    set_nothing = function() return a:set {} end,
    set_same_ns = function() return a:set { ns = A } end,
    addr_add = function() return a:addr_add("10.9.0.1/24") end,
    addr_del = function() return a:addr_del("10.9.0.1/24") end,
    addrs = function() return a:addrs() end,
    shape = function() return a:shape { rate = "1mbit" } end,
    unshape = function() return a:unshape() end,
    stats = function() return a:stats() end,
    delete = function() return a:delete() end,
    peer_up = function() return b:up() end,
    peer_addrs = function() return b:addrs() end,
    peer_unshape = function() return b:unshape() end,
  }
  for name, f in pairs(calls) do
    local v, msg, code = f()
    t:eq(v, nil, name)
    t:eq(code, "ENODEV", name)
    local op = name:gsub("^peer_", ""):gsub("_nothing$", ""):gsub("_same_ns$", "")
    local dev = name:find("^peer_") and "vb" or "va"
    t:ok(msg:find("^ENODEV: " .. op .. "%(" .. dev .. "%): no such device"), name .. ": " .. tostring(msg))
  end
  -- waiting for it to be gone is what happened: that one succeeds
  t:ok(a:wait_gone(1))
end

function test_set_ns_moves_the_link(t)
  local A, B = newns(t), newns(t)
  local a = t:ok(net.veth("m0", "m1", { ns = A }))
  t:ok(a:set { ns = B })
  t:eq(a.ns, net.link("lo", { ns = B }).ns)
  t:ok(net.link("m0", { ns = B }))
  t:eq(select(3, net.link("m0", { ns = A })), "ENODEV")
  t:ok(a:up())
end

function test_vxlan(t)
  local A = newns(t)
  local v, peer = t:ok(net.veth("u0", "u1", { ns = A }))
  t:ok(v:addr_add("192.0.2.1/24"))
  local x = t:ok(net.vxlan("vx0", { id = 42, remote = "192.0.2.2", local_ip = "192.0.2.1", dev = "u0", port = 4789, ns = A }))
  t:eq(x.kind, "vxlan")
  local out = sh("ip -n " .. A .. " -d -o link show vx0")
  t:ok(out:find("vxlan id 42 remote 192.0.2.2", 1, true), out)
  t:ok(out:find("dstport 4789", 1, true), out)
  t:fails(function() net.vxlan("vx1", { ns = A }) end, 'option "id"')
  t:fails(function() net.vxlan("vx1", { id = 2 ^ 24, ns = A }) end, "out of range")
  t:fails(function() net.vxlan("vx1", { id = 1, remote = "1.2.3", ns = A }) end, 'invalid IP address "1.2.3"')
end

function test_addresses_v4_v6(t)
  local A, B, a, b = pair(t)
  t:ok(a:addr_add("fd77::1/64", { nodad = true }))
  local got = {}
  for _, e in ipairs(a:addrs()) do got[e.cidr] = e end
  t:eq(got["10.77.0.1/24"].family, "inet")
  t:eq(got["10.77.0.1/24"].broadcast, "10.77.0.255")
  t:eq(got["fd77::1/64"].family, "inet6")
  t:eq(got["fd77::1/64"].dev, "va")
  t:ok(a:addr_del("fd77::1/64"))
  local v, msg, code = a:addr_del("fd77::1/64")
  t:eq(code, "EADDRNOTAVAIL")
  t:fails(function() a:addr_add("10.0.0.300/24") end, 'invalid CIDR "10.0.0.300/24"')
  t:fails(function() a:addr_add("10.0.0.1/33") end, 'invalid CIDR "10.0.0.1/33"')
  t:fails(function() a:addr_add("fe80::1%eth0/64") end, 'invalid CIDR')
  t:fails(function() a:addr_add("bogus") end, 'invalid address "bogus"')
  t:fails(function() a:addr_add() end, "bad argument #2 to 'addr_add' (string expected")
  t:eq(select(3, a:addr_add("10.77.0.1/24")), "EEXIST")
end

function test_routes(t)
  local A, B, a, b = pair(t)
  t:ok(net.route_add { dst = "default", via = "10.77.0.2", ns = A })
  t:ok(net.route_add { dst = "198.51.100.0/24", dev = a, metric = 5, ns = A })
  local got = {}
  for _, r in ipairs(net.routes { ns = A, family = "inet" }) do got[r.dst] = r end
  t:eq(got.default.via, "10.77.0.2")
  t:eq(got.default.dev, "va")
  t:eq(got["198.51.100.0/24"].metric, 5)
  t:eq(got["198.51.100.0/24"].scope, "link")
  t:eq(got["10.77.0.0/24"].protocol, "kernel")
  t:ok(sh("ip -n " .. A .. " route show default"):find("default via 10.77.0.2 dev va", 1, true))
  t:ok(net.route_del { dst = "198.51.100.0/24", ns = A })
  t:ok(not sh("ip -n " .. A .. " route show"):find("198.51.100.0/24", 1, true))
  -- a route that is not there: the kernel's errno, words that say so
  local v, msg, code = net.route_del { dst = "198.51.100.0/24", ns = A }
  t:eq({ v, msg, code }, { nil, "ESRCH: route_del(198.51.100.0/24): no such route", "ESRCH" })
  v, msg, code = net.route_del { dst = "fd99::/64", dev = "va", ns = A }
  t:eq({ v, msg, code }, { nil, "ESRCH: route_del(fd99::/64): no such route", "ESRCH" })
  -- contradicting families raise, and add nothing
  local before4, before6 = sh("ip -n " .. A .. " route show"), sh("ip -n " .. A .. " -6 route show")
  t:fails(function() net.route_add { dst = "10.0.0.0/8", dev = "va", family = "inet6", ns = A } end,
    [[bad argument #1 to 'route_add' (option "dst": destination 10.0.0.0/8 is not of family inet6)]])
  t:fails(function() net.route_add { dst = "fd00::/8", dev = "va", family = "inet", ns = A } end,
    'option "dst": destination fd00::/8 is not of family inet')
  t:fails(function() net.route_add { dst = "10.0.0.0/8", dev = "va", src = "fd00::1", ns = A } end,
    'option "src": source fd00::1 and destination 10.0.0.0/8 are of different families')
  t:fails(function() net.route_del { dst = "10.0.0.0/8", family = "inet6", ns = A } end, "is not of family inet6")
  t:eq(sh("ip -n " .. A .. " route show"), before4)
  t:eq(sh("ip -n " .. A .. " -6 route show"), before6)
  t:fails(function() net.route_add { dst = "10.1.2.3/8", dev = "va", ns = A } end, 'host bits set (did you mean "10.0.0.0/8"?)')
  t:fails(function() net.route_add { dst = "nonsense", dev = "va", ns = A } end, '"nonsense"')
  t:fails(function() net.route_add { dst = "10.0.0.0/8", via = "10.0.0.x", ns = A } end, 'invalid IP address "10.0.0.x"')
  t:fails(function() net.route_add { dst = "10.0.0.0/8", ns = A } end, "needs via= or dev=")
  t:fails(function() net.route_add { via = "10.77.0.2" } end, 'option "dst"')
  t:fails(function() net.route_add { dst = "default", via = "fd00::1", family = "inet" } end, "is not of family inet")
  t:fails(function() net.route_add { dst = "10.0.0.0/8", via = "fd00::1" } end, "different families")
  -- an unknown dev is the kernel's ENODEV, as ip says "Cannot find device"
  t:eq(select(3, net.route_add { dst = "10.0.0.0/8", dev = "nosuch", ns = A }), "ENODEV")
end

function test_sysctl_per_namespace(t)
  local A = newns(t)
  local here = net.sysctl("net.ipv4.ip_forward")
  t:eq(net.sysctl("net.ipv4.ip_forward", nil, { ns = A }), "0")
  t:ok(net.sysctl("net.ipv4.ip_forward", 1, { ns = A }))
  t:eq(net.sysctl("net/ipv4/ip_forward", nil, { ns = A }), "1")
  t:eq(sh("ip netns exec " .. A .. " cat /proc/sys/net/ipv4/ip_forward"), "1\n")
  t:eq(net.sysctl("net.ipv4.ip_forward"), here) -- ours untouched
  local v, msg, code = net.sysctl("net.ipv4.no_such_key", nil, { ns = A })
  t:eq(code, "ENOENT")
  t:fails(function() net.sysctl("kernel.hostname") end, "net.* key")
  t:fails(function() net.sysctl("net.ipv4/../../x") end, "invalid sysctl key")
  t:fails(function() net.sysctl("net.ipv4.ip_forward", {}) end, "bad argument #2")
end

-- the kernel reads a sysctl write up to a newline or NUL and drops the rest,
-- and NaN or infinity is no value: all raise, and nothing is written
function test_sysctl_values_that_cannot_be_meant_raise(t)
  local A = newns(t)
  local function now() return sh("ip netns exec " .. A .. " cat /proc/sys/net/ipv4/ip_forward") end
  t:eq(now(), "0\n")
  t:fails(function() net.sysctl("net.ipv4.ip_forward", "1\n0", { ns = A }) end,
    [[bad argument #2 to 'sysctl' (sysctl value "1\n0" contains a newline or NUL byte)]])
  t:fails(function() net.sysctl("net.ipv4.ip_forward", "1\n", { ns = A }) end, "contains a newline")
  t:fails(function() net.sysctl("net.ipv4.ip_forward", "1\0", { ns = A }) end, [["1\x00" contains a newline or NUL byte]])
  t:fails(function() net.sysctl("net.ipv4.ip_forward", 0 / 0, { ns = A }) end,
    "bad argument #2 to 'sysctl' (sysctl value must be a finite number, got NaN)")
  t:fails(function() net.sysctl("net.ipv4.ip_forward", 1 / 0, { ns = A }) end, "finite number, got +Inf")
  t:fails(function() net.sysctl("net.ipv4.ip_forward", -1 / 0, { ns = A }) end, "finite number, got -Inf")
  t:eq(now(), "0\n")
  -- values with spaces are fine: ping_group_range takes two numbers
  t:ok(net.sysctl("net.ipv4.ping_group_range", "0 0", { ns = A }))
  t:eq(sh("ip netns exec " .. A .. " cat /proc/sys/net/ipv4/ping_group_range"), "0\t0\n")
end

function test_ping_v4_v6(t)
  local A, B, a, b = pair(t)
  t:ok(a:addr_add("fd77::1/64", { nodad = true }))
  t:ok(b:addr_add("fd77::2/64", { nodad = true }))
  local r = t:ok(net.ping("10.77.0.2", { ns = A, count = 3 }))
  t:eq(r.sent, 3)
  t:eq(r.received, 3)
  t:ok(r.rtt_ms > 0 and r.rtt_ms < 1000, r.rtt_ms)
  r = t:ok(net.ping("10.77.0.1", { ns = B, count = 2 }))
  t:eq(r.received, 2)
  r = t:ok(net.ping("fd77::1", { ns = B, count = 2 }))
  t:eq(r.received, 2)
  -- an address nobody has: sent, nothing back
  r = t:ok(net.ping("10.77.0.9", { ns = A, count = 1, timeout = 0.2 }))
  t:eq(r.sent, 1)
  t:eq(r.received, 0)
  t:eq(r.rtt_ms, nil)
  -- no route at all: the kernel's error
  t:eq(select(3, net.ping("203.0.113.1", { ns = A })), "ENETUNREACH")
  t:fails(function() net.ping("10.77.0.256") end, 'invalid IP address "10.77.0.256"')
  t:fails(function() net.ping("10.77.0.2", { count = 0 }) end, "out of range")
  t:fails(function() net.ping("10.77.0.2", { timeout = 0 / 0 }) end, "out of range")
end

function test_shape_rate_tbf_and_htb(t)
  local A, B, a, b = pair(t)
  t:ok(a:shape { rate = "4mbit" })
  local out = sh("tc -n " .. A .. " qdisc show dev va")
  t:ok(out:find("qdisc tbf 1: root", 1, true), out)
  t:ok(out:find("rate 4Mbit", 1, true), out)
  t:ok(a:shape { rate = 2e6, qdisc = "htb" })
  out = sh("tc -n " .. A .. " class show dev va")
  t:ok(out:find("class htb 1:1 root", 1, true) and out:find("rate 2Mbit", 1, true), out)
  t:ok(a:unshape())
  t:ok(not sh("tc -n " .. A .. " qdisc show dev va"):find("1:", 1, true))
  t:ok(a:unshape()) -- twice is fine
  t:fails(function() a:shape {} end, "nothing to shape")
  t:fails(function() a:shape { rate = "fast" } end, 'invalid rate "fast"')
  t:fails(function() a:shape { rate = 0 / 0 } end, 'invalid rate')
  t:fails(function() a:shape { delay = 0 / 0 } end, 'invalid duration')
  t:fails(function() a:shape { rate = "1mbit", loss = 101 } end, 'invalid loss')
  t:fails(function() a:shape { jitter = 5 } end, "jitter needs a delay")
  t:fails(function() a:shape { rate = "1mbit", qdisc = "cake" } end, 'unknown rate qdisc "cake"')
end

function test_shape_netem_detected(t)
  local A, B, a, b = pair(t)
  local probe = sh("tc -n " .. A .. " qdisc add dev lo root handle 5: netem delay 1ms; echo rc=$?")
  local have = probe:find("rc=0", 1, true) ~= nil
  if have then sh("tc -n " .. A .. " qdisc del dev lo root") end
  local before = sh("tc -n " .. A .. " qdisc show dev va")
  t:ok(a:shape { rate = "4mbit" })
  local shaped = sh("tc -n " .. A .. " qdisc show dev va")
  local ok, msg, code = a:shape { rate = "8mbit", delay = 20, jitter = "5ms", loss = "1%" }
  if have then
    t:ok(ok, msg)
    local r = t:ok(net.ping("10.77.0.2", { ns = A, count = 2 }))
    t:ok(r.rtt_ms >= 14, r.rtt_ms)
  else
    t:eq(ok, nil)
    t:eq(code, "ENOTSUP")
    t:eq(msg, "ENOTSUP: shape(va): the kernel has no netem qdisc (sch_netem), needed for delay, jitter and loss")
    t:eq(sh("tc -n " .. A .. " qdisc show dev va"), shaped) -- nothing changed
  end
  t:ok(a:unshape())
  t:eq(sh("tc -n " .. A .. " qdisc show dev va"), before)
end

function test_stats_count_traffic(t)
  local A, B, a, b = pair(t)
  local s0 = a:stats()
  t:ok(net.ping("10.77.0.2", { ns = A, count = 3 }))
  local s1 = a:stats()
  t:ok(s1.tx_packets >= s0.tx_packets + 3, s1.tx_packets)
  t:ok(s1.tx_bytes > s0.tx_bytes)
end

function test_links_lists_objects(t)
  local A, B, a, b = pair(t)
  local names = {}
  for _, l in ipairs(net.links { ns = A }) do names[#names + 1] = l.name end
  t:eq(names, { "lo", "va" })
end

function test_ns_delete_releases_the_namespace(t)
  local name = uniq("nslt")
  local h = assert(ns.create("net", { name = name }))
  h:close()
  local a, b = t:ok(net.veth(uniq("rv"), "eth0", { peer_ns = name }))
  t:cleanup(function() if a.state then a:delete() end end)
  t:ok(b:addr_add("10.66.0.1/24")) -- net now holds a netlink socket in the namespace
  t:ok(b:up())
  t:ok(ns.delete(name))
  -- nothing holds the namespace any more: the kernel tears it down, and the
  -- veth's other end here goes with it, while this script still runs
  t:ok(a:wait_gone(10))
  t:ok(not sh("ip -o link show"):find(a.name .. "@", 1, true))
  local ok, msg, code = b:up()
  t:eq(code, "ENODEV")
  t:ok(msg:find("released", 1, true), msg)
end

function test_closing_the_last_handle_releases_the_namespace(t)
  -- an unnamed netns lives as long as a handle on it: once the script closes
  -- its last one, net's cached socket must not keep the namespace alive
  local h = assert(ns.create("net"))
  local a, b = t:ok(net.veth(uniq("rh"), "eth0", { peer_ns = h }))
  t:cleanup(function() if a.state then a:delete() end end)
  t:ok(b:up()) -- net now holds a netlink socket in the namespace
  local other = ns.open(h.path) -- a second handle on the same namespace
  h:close()
  t:ok(b:down(), "one handle is still open: the namespace stays usable")
  other:close()
  t:ok(a:wait_gone(10))
  local ok, msg, code = b:up()
  t:eq(code, "ENODEV")
  t:ok(msg:find("closing the script's last handle on it", 1, true), msg)
end

function test_a_new_namespace_dies_with_its_last_handle(t)
  -- with net loaded, ns.create opens net's netlink socket inside every new
  -- netns while it makes it (so that configuring it needs no thread
  -- switch); that socket must not keep the namespace alive once the script
  -- closes its handle. The first namespace is made on the spot, the next
  -- ones ahead in the background: both ways.
  local proc = require "proc"
  for i = 1, 3 do
    local h = assert(ns.create("net"))
    local peer = uniq("rk")
    -- a veth made by ip(8), not net, with its other end out here
    local r = proc.run { "ip", "link", "add", "eth0", "type", "veth", "peer", "name", peer,
      "netns", tostring(proc.self()), ns = { net = h }, stderr = "pipe" }
    t:eq(r.code, 0, r.stderr)
    local a = t:ok(net.link(peer))
    t:cleanup(function() if a.state then a:delete() end end)
    h:close()
    t:ok(a:wait_gone(10), "namespace " .. i .. " outlived its handle")
  end
end

-- l.ns shows the link's namespace without holding it: once the script
-- closes its own handle, the namespace dies although l.ns was read, and
-- l.ns is closed with it
function test_link_ns_does_not_keep_the_namespace(t)
  local h = assert(ns.create("net"))
  local a, b = t:ok(net.veth(uniq("rv"), "eth0", { peer_ns = h }))
  t:cleanup(function() if a.state then a:delete() end end)
  local view = b.ns
  t:eq(view, h)
  t:eq(b.ns, view, "one handle per namespace")
  h:close()
  t:ok(a:wait_gone(10), "the namespace outlived the script's handle because l.ns was read")
  t:fails(function() view:enter() end, "closed")
end

function test_released_message_names_every_cause(t)
  local h = assert(ns.create("net"))
  local l = t:ok(net.link("lo", { ns = h }))
  h:close()
  local v, msg, code = l:up()
  t:eq({ v, msg, code }, { nil, "ENODEV: up(lo): its network namespace was released " ..
    "(by ns.delete, a topology's stop, or closing the script's last handle on it)", "ENODEV" })
end

function test_default_is_the_scripts_current_netns(t)
  local h = assert(ns.create("net"))
  t:cleanup(function() h:close() end)
  t:ok(net.veth("w0", "w1", { ns = h }))
  -- inside ns.with the script's netns is h: no ns= needed
  local names = ns.with(h, function()
    local out = {}
    for _, l in ipairs(net.links()) do out[#out + 1] = l.name end
    return table.concat(out, ",")
  end)
  t:eq(names, "lo,w1,w0")
  t:eq(select(3, net.link("w0")), "ENODEV") -- and back outside, it is not ours
  t:eq(net.sysctl("net.ipv4.ip_forward", 1, { ns = h }), true)
  t:eq(ns.with(h, function() return net.sysctl("net.ipv4.ip_forward") end), "1")
  -- a handle, a name and a path all reach the same namespace
  local name = uniq("nslt")
  local named = assert(ns.create("net", { name = name }))
  t:cleanup(function() named:close(); ns.delete(name) end)
  local lo1 = net.link("lo", { ns = named })
  t:eq(lo1, net.link("lo", { ns = name }))
  t:eq(lo1, net.link("lo", { ns = "/run/netns/" .. name }))
  t:ok(lo1 ~= net.link("lo"))
  t:fails(function() net.links { ns = ns.current("uts") } end, "net namespace expected")
end

-- every function and method, fed wrong types, NUL bytes, huge strings and
-- unknown options: an argument error or a failure triple, never a crash
function test_bad_input_never_crashes(t)
  local function names_here()
    local out = {}
    for _, k in ipairs(net.links()) do out[#out + 1] = k.name end
    return out
  end
  local before = names_here()
  local A = newns(t)
  local l = assert(net.veth("z0", "z1", { ns = A }))
  -- wait_gone on a link that is gone: any valid timeout (1e300 is one: as
  -- long as it takes) returns at once
  local gone = assert(net.veth("g0", "g1", { ns = A }))
  assert(gone:delete())
  -- no number here may be a live pid: a pid is a valid nsref
  local bad = { 1.5, true, {}, "", "a\0b", string.rep("x", 65536), -1, 1e300, 0 / 0, "nan", { bogus = 1 }, print }
  local calls = {
    links = function(v) return net.links(v) end,
    link = function(v) return net.link(v) end,
    link_opts = function(v) return net.link("lo", v) end,
    veth = function(v) return net.veth(v, "y", { ns = A }) end,
    veth_opts = function(v) return net.veth("y0", "y1", { mtu = v, ns = A }) end,
    peer_ns = function(v) return net.veth("y0", "y1", { peer_ns = v, ns = A }) end,
    bridge = function(v) return net.bridge(v, { ns = A }) end,
    delete_links = function(v) return net.delete_links(v) end,
    delete_links_of = function(v) return net.delete_links({ gone, v }) end,
    vxlan = function(v) return net.vxlan("y0", { id = v, ns = A }) end,
    vxlan_dev = function(v) return net.vxlan("y0", { id = 1, dev = v, ns = A }) end,
    addrs = function(v) return net.addrs(v) end,
    routes = function(v) return net.routes { family = v } end,
    route_add = function(v) return net.route_add { dst = v, dev = "lo", ns = A } end,
    route_via = function(v) return net.route_add { dst = "default", via = v, ns = A } end,
    route_del = function(v) return net.route_del(v) end,
    sysctl = function(v) return net.sysctl(v) end,
    sysctl_value = function(v) return net.sysctl("net.ipv4.ip_forward", v, { ns = A }) end,
    ping = function(v) return net.ping(v) end,
    ping_opts = function(v) return net.ping("127.0.0.1", { timeout = v }) end,
    set = function(v) return l:set { name = v } end,
    set_mac = function(v) return l:set { mac = v } end,
    set_master = function(v) return l:set { master = v } end,
    addr_add = function(v) return l:addr_add(v) end,
    addr_del = function(v) return l:addr_del(v) end,
    shape = function(v) return l:shape { rate = v } end,
    shape_delay = function(v) return l:shape { delay = v } end,
    wait_gone = function(v) return gone:wait_gone(v) end,
    method_on_other = function(v) return l.up(v) end,
  }
  for name, f in pairs(calls) do
    for _, v in ipairs(bad) do
      local ok, r1, r2, r3 = pcall(f, v)
      if ok then
        t:ok(r1 ~= nil or (type(r2) == "string" and type(r3) == "string" and r2:find("^" .. r3 .. ": ")),
          name .. ": neither a result nor a triple")
      else
        t:ok(not tostring(r1):find("internal error", 1, true), name .. ": " .. tostring(r1))
      end
    end
  end
  -- whatever was created went into A, not here
  t:eq(names_here(), before)
end

function test_process_and_pid_are_nsrefs(t)
  local proc = require "proc"
  local p = assert(proc.spawn { "sleep", "30", ns = { net = "new" }, stdout = "null", stderr = "null" })
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  local a = t:ok(net.veth("q0", "q1", { ns = p }))
  t:eq(a.ns, p:ns("net"))
  t:ok(net.link("q1", { ns = p.pid }))
  t:ok(sh("ip -o link show"):find("q0@", 1, true) == nil)
  local out = sh("nsenter -t " .. p.pid .. " -n ip -o link show q0")
  t:ok(out:find("q0@", 1, true), out)
end

-- net.parse_* read values as l:shape does: topo checks links with them
function test_parsers_read_as_shape_does(t)
  t:eq(net.parse_rate("10mbit"), 1e7)
  t:eq(net.parse_rate("1kbps"), 8000)
  t:eq(net.parse_rate(1e6), 1e6)
  t:eq(net.parse_delay("250us"), 0.25)
  t:eq(net.parse_delay(5), 5)
  t:eq(net.parse_loss("0.5%"), 0.5)
  local v, why = net.parse_rate(0)
  t:eq(v, nil)
  t:ok(why:find("^invalid rate 0 %("), why) -- a number is shown as the number
  v, why = net.parse_delay("2h")
  t:eq(v, nil)
  t:ok(why:find('^invalid duration "2h" %(expected a duration from 0 to 1 hour'), why)
  t:fails(function() net.parse_rate({}) end, "bad argument #1 to 'parse_rate' (string or number expected, got table)")
  t:fails(function() net.parse_loss("1%", 2) end, "parse_loss")
end
