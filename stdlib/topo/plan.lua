-- topo.plan: the pure part of topo. It validates a topology description,
-- names every interface, draws addresses from the pool and computes static
-- routes. Nothing here touches the kernel, so all of it runs (and is tested)
-- without root. topo.lua builds what plan.compile returns.
local M = {}

M.MAX_IFNAME = 15     -- IFNAMSIZ - 1
M.MAX_PORTS = 1023    -- a Linux bridge numbers its ports 1..1023
M.DEFAULT_SUBNET = "10.0.0.0/16"
M.KINDS = { host = true, switch = true, router = true }
M.ROUTING = { static = true, none = true }

local TOP_KEYS = { name = true, subnet = true, routing = true, ipv6 = true, nodes = true, links = true }
local NODE_KEYS = { name = true, kind = true, ip = true }
M.LINK_KEYS = { a = true, b = true, rate = true, delay = true, loss = true, mtu = true, a_ip = true, b_ip = true }

-- errors are raised at the caller's line: the first frame outside topo's
-- own files (topo.lua registers itself too), as Lua's own functions do it
local errors = require "nslua.errors"
errors.internal(debug.getinfo(1, "S").source)

-- message is "topo: ..." at the caller's line, marked as a mistake of the
-- caller; topo's API functions raise it themselves: error(msg, 0).
function M.message(fmt, ...)
  return errors.mistake(errors.position() .. "topo: " .. string.format(fmt, ...))
end

-- fail raises message(...). The functions here that use it have no side
-- effects: topo calls them through nslua.errors' try, which hands the
-- message back, and raises it from the function the script called, so that
-- no frame of this file shows in the traceback.
local function fail(fmt, ...)
  error(M.message(fmt, ...), 0)
end
M.fail = fail

-- bare is an error message without the position and "topo: " it may start
-- with, to be wrapped in another.
function M.bare(err)
  return (require("nslua.errors").strip(err):gsub("^topo: ", ""))
end

-- argmessage is gopher-lua's wording for a bad argument of a method, as a
-- message; argfail raises it.
function M.argmessage(method, n, fmt, ...)
  return M.message("bad argument #%d to '%s' (%s)", n, method, string.format(fmt, ...))
end

function M.argfail(method, n, fmt, ...)
  error(M.argmessage(method, n, fmt, ...), 0)
end

local function sorted_keys(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return table.concat(out, ", ")
end

-- check_keys raises on a key of t that is not in allowed (typos hide there).
function M.check_keys(t, allowed, what)
  for k in pairs(t) do
    if not allowed[k] then
      fail("%s: unknown key %q (expected %s)", what, tostring(k), sorted_keys(allowed))
    end
  end
end

---------------------------------------------------------------- IPv4

local TWO32 = 4294967296

-- parse_ip turns "a.b.c.d" into a number, or nil.
function M.parse_ip(s)
  if type(s) ~= "string" then return nil end
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  local n = 0
  for _, part in ipairs({ a, b, c, d }) do
    if #part > 3 then return nil end
    local v = tonumber(part)
    if v > 255 then return nil end
    n = n * 256 + v
  end
  return n
end

function M.ip_str(n)
  local d = n % 256; n = (n - d) / 256
  local c = n % 256; n = (n - c) / 256
  local b = n % 256; n = (n - b) / 256
  return string.format("%d.%d.%d.%d", n, b, c, d)
end

local function block_size(prefix) return 2 ^ (32 - prefix) end

local function network(addr, prefix)
  local size = block_size(prefix)
  return addr - addr % size
end

-- parse_addr reads "a.b.c.d" or "a.b.c.d/p"; the prefix is nil when absent.
-- Returns nil and a reason on bad input.
function M.parse_addr(s)
  if type(s) ~= "string" then return nil, "expected a string, got " .. type(s) end
  local ip, p = s:match("^([^/]+)/(%d+)$")
  if not ip then ip = s end
  local addr = M.parse_ip(ip)
  if not addr then return nil, string.format("%q is not an IPv4 address", s) end
  local prefix
  if p then
    prefix = tonumber(p)
    if prefix > 32 or #p > 2 then return nil, string.format("%q has a bad prefix length", s) end
  end
  return addr, prefix
end

-- parse_subnet reads the pool "a.b.c.d/p" (host bits must be zero).
function M.parse_subnet(s)
  local addr, prefix = M.parse_addr(s)
  if not addr then return nil, prefix end
  if not prefix then return nil, string.format("%q needs a prefix length (like 10.0.0.0/16)", s) end
  if prefix > 30 then return nil, string.format("%q is too small to hold a link (at most /30)", s) end
  if network(addr, prefix) ~= addr then
    return nil, string.format("%q has host bits set (did you mean %s/%d?)", s, M.ip_str(network(addr, prefix)), prefix)
  end
  return addr, prefix
end

function M.cidr(addr, prefix) return M.ip_str(addr) .. "/" .. prefix end

---------------------------------------------------------------- link shaping

-- A link's rate, delay and loss are read by net's own parsers, the ones
-- l:shape applies when t:start() shapes the link: a value accepted here is
-- one l:shape accepts, so a malformed one raises in t:link or topo.load,
-- before anything is built. Each returns bits per second, milliseconds or
-- percent (a number is taken in those units, as l:shape takes it), or nil
-- and why not.
local net = require "net"
M.parse_rate, M.parse_delay, M.parse_loss = net.parse_rate, net.parse_delay, net.parse_loss

M.SHAPE = { rate = M.parse_rate, delay = M.parse_delay, loss = M.parse_loss }

--- shaping is what net's l:shape gets for a link of the plan, or nil when
--- the link is not shaped (no rate, and no delay or loss above zero: l:shape
--- refuses to shape nothing, and a zero delay needs no netem).
function M.shaping(l)
  local delay = l.delay ~= nil and M.parse_delay(l.delay) or 0
  local loss = l.loss ~= nil and M.parse_loss(l.loss) or 0
  if l.rate == nil and delay == 0 and loss == 0 then return nil end
  return { rate = l.rate, delay = delay > 0 and l.delay or nil, loss = loss > 0 and l.loss or nil }
end

---------------------------------------------------------------- names

-- hash16 is a small deterministic string hash, as 4 hex digits.
local function hash16(s)
  local h = 5381
  for i = 1, #s do
    h = (h * 33 + s:byte(i)) % 4294967291
  end
  return string.format("%04x", h % 65536)
end
M.hash16 = hash16

-- ifname joins base and suffix into an interface name. When that would pass
-- 15 bytes, base is cut and a hash of the whole base keeps it unique, so all
-- interfaces of one node share one recognisable prefix.
function M.ifname(base, suffix)
  suffix = suffix or ""
  if #base + #suffix <= M.MAX_IFNAME then return base .. suffix end
  local keep = M.MAX_IFNAME - #suffix - 4
  if keep < 1 then fail("interface suffix %q is too long", suffix) end
  return base:sub(1, keep) .. hash16(base) .. suffix
end

-- check_name validates a topology or node name: it becomes part of netns
-- names (files under /run/netns) and of interface names.
function M.check_name(name, what)
  if type(name) ~= "string" then fail("%s must be a string, got %s", what, type(name)) end
  if name == "" then fail("%s must not be empty", what) end
  if #name > 100 then fail("%s is too long (%d bytes, at most 100)", what, #name) end
  if not name:match("^[%w_][%w_.-]*$") then
    fail("%s %q may hold only letters, digits, '_', '.' and '-' (and must not start with '.' or '-')", what, name)
  end
end

---------------------------------------------------------------- description

-- normalize checks a description table (load's input) and returns a fresh
-- copy with defaults filled in. Node and link entries keep their order.
function M.normalize(d)
  if type(d) ~= "table" then fail("description must be a table, got %s", type(d)) end
  M.check_keys(d, TOP_KEYS, "description")
  local out = { name = d.name, subnet = d.subnet or M.DEFAULT_SUBNET, routing = d.routing or "static", ipv6 = d.ipv6 or false,
    nodes = {}, links = {} }
  if type(out.ipv6) ~= "boolean" then fail("ipv6 must be a boolean, got %s", type(out.ipv6)) end
  M.check_name(out.name, "topology name")
  if type(out.subnet) ~= "string" or not M.parse_subnet(out.subnet) then
    local _, why = M.parse_subnet(out.subnet)
    fail("subnet: %s", why)
  end
  if not M.ROUTING[out.routing] then
    fail("routing: unknown value %q (expected none, static)", tostring(out.routing))
  end
  if d.nodes ~= nil and type(d.nodes) ~= "table" then fail("nodes must be a list, got %s", type(d.nodes)) end
  if d.links ~= nil and type(d.links) ~= "table" then fail("links must be a list, got %s", type(d.links)) end
  local byname = {}
  for i, n in ipairs(d.nodes or {}) do
    if type(n) ~= "table" then fail("nodes[%d] must be a table, got %s", i, type(n)) end
    M.check_keys(n, NODE_KEYS, "nodes[" .. i .. "]")
    out.nodes[i] = M.check_node(n.kind, n.name, { ip = n.ip }, byname)
    byname[n.name] = out.nodes[i]
  end
  for i, l in ipairs(d.links or {}) do
    if type(l) ~= "table" then fail("links[%d] must be a table, got %s", i, type(l)) end
    M.check_keys(l, M.LINK_KEYS, "links[" .. i .. "]")
    local opts = {}
    for k, v in pairs(l) do if k ~= "a" and k ~= "b" then opts[k] = v end end
    out.links[i] = M.check_link(l.a, l.b, opts, byname)
  end
  return out
end

-- check_node validates one node against those already present (byname: name
-- -> entry) and returns its description entry.
function M.check_node(kind, name, opts, byname)
  if not M.KINDS[kind] then fail("node kind %q is unknown (expected host, router, switch)", tostring(kind)) end
  M.check_name(name, kind .. " name")
  if byname[name] then fail("duplicate node name %q (already a %s)", name, byname[name].kind) end
  opts = opts or {}
  if opts.ip ~= nil then
    if kind == "switch" then fail("switch %s: a switch has no address (ip=)", name) end
    local addr, why = M.parse_addr(opts.ip)
    if not addr then fail("%s %s: ip: %s", kind, name, why) end
  end
  return { name = name, kind = kind, ip = opts.ip }
end

-- check_link validates a link between the nodes named a and b.
function M.check_link(a, b, opts, byname)
  opts = opts or {}
  for _, end_ in ipairs({ { "a", a }, { "b", b } }) do
    if type(end_[2]) ~= "string" then fail("link end %s must be a node or a node name, got %s", end_[1], type(end_[2])) end
    if not byname[end_[2]] then fail("link %s-%s: unknown node %q", tostring(a), tostring(b), end_[2]) end
  end
  if a == b then fail("link %s-%s: a node cannot be linked to itself", a, b) end
  local l = { a = a, b = b }
  for _, k in ipairs({ "rate", "delay", "loss" }) do
    local v = opts[k]
    if v ~= nil then
      if type(v) ~= "string" and type(v) ~= "number" then
        fail("link %s-%s: %s must be a string or a number, got %s", a, b, k, type(v))
      end
      local ok, why = M.SHAPE[k](v)
      if not ok then fail("link %s-%s: %s: %s", a, b, k, why) end
    end
    l[k] = v
  end
  if opts.mtu ~= nil then
    if type(opts.mtu) ~= "number" or opts.mtu ~= math.floor(opts.mtu) or opts.mtu < 68 or opts.mtu > 65535 then
      fail("link %s-%s: mtu must be a whole number from 68 to 65535, got %s", a, b, tostring(opts.mtu))
    end
    l.mtu = opts.mtu
  end
  for _, k in ipairs({ "a_ip", "b_ip" }) do
    local v = opts[k]
    if v ~= nil then
      local node = byname[k == "a_ip" and a or b]
      if node.kind == "switch" then fail("link %s-%s: %s: %s is a switch and has no address", a, b, k, node.name) end
      local addr, why = M.parse_addr(v)
      if not addr then fail("link %s-%s: %s: %s", a, b, k, why) end
      l[k] = v
    end
  end
  return l
end

---------------------------------------------------------------- compile

local function segment_label(seg)
  if seg.kind == "lan" then return "LAN " .. table.concat(seg.switches, "+") end
  return "link " .. seg.members[1].node.name .. "-" .. seg.members[2].node.name
end
M.segment_label = segment_label

-- union-find over switch indices
local function find(parent, i)
  while parent[i] ~= i do
    parent[i] = parent[parent[i]]
    i = parent[i]
  end
  return i
end

-- group_switches makes one LAN segment per connected group of switches
-- (union-find over the switch-to-switch links) and refuses loops.
local function group_switches(d, p)
  local parent = {}
  for _, node in ipairs(p.nodes) do
    if node.kind == "switch" then parent[node.index] = node.index end
  end
  for _, l in ipairs(d.links) do
    local a, b = p.byname[l.a], p.byname[l.b]
    if a.kind == "switch" and b.kind == "switch" then
      local ra, rb = find(parent, a.index), find(parent, b.index)
      if ra == rb then
        fail("link %s-%s closes a loop of switches; Linux bridges here run no spanning tree, so a loop would flood the LAN",
          l.a, l.b)
      end
      parent[ra] = rb
    end
  end
  local lan_of = {}
  for _, node in ipairs(p.nodes) do
    if node.kind == "switch" then
      local r = find(parent, node.index)
      if not lan_of[r] then
        lan_of[r] = { kind = "lan", switches = {}, members = {}, by_node = {}, index = #p.segments + 1 }
        p.segments[#p.segments + 1] = lan_of[r]
      end
      node.segment = lan_of[r]
      table.insert(lan_of[r].switches, node.name)
    end
  end
end

local function add_iface(node, link, side, peer)
  local i = #node.ifaces
  local iface = { node = node, link = link, side = side, peer = peer.name, n = i }
  iface.name = M.ifname(node.name, "-eth" .. i)
  node.ifaces[i + 1] = iface
  return iface
end

-- join_lan makes the non-switch ends of a link to a switch members of that
-- switch's LAN, once per node.
local function join_lan(seg, link)
  for _, iface in ipairs({ link.a_iface, link.b_iface }) do
    if iface.node.kind == "switch" then
      iface.segment = iface.node.segment
    else
      local m = seg.by_node[iface.node]
      if m then
        fail("%s is linked twice to %s (through %s and %s); give it one interface per LAN", iface.node.name,
          segment_label(seg), m.peer, iface.peer)
      end
      seg.by_node[iface.node] = iface
      table.insert(seg.members, iface)
      iface.segment = seg
    end
  end
end

-- add_links names both ends of every link (in link order, per node) and
-- puts each link in its segment: a LAN, or a point-to-point one of its own.
local function add_links(d, p)
  for li, l in ipairs(d.links) do
    local a, b = p.byname[l.a], p.byname[l.b]
    local link = { index = li, a = a.name, b = b.name, rate = l.rate, delay = l.delay, loss = l.loss, mtu = l.mtu,
      given = { a = l.a_ip, b = l.b_ip } }
    link.a_iface = add_iface(a, link, "a", b)
    link.b_iface = add_iface(b, link, "b", a)
    link.a_iface.peer_iface, link.b_iface.peer_iface = link.b_iface.name, link.a_iface.name
    link.a_ns = a.kind == "switch" and p.switch_ns or a.netns
    link.b_ns = b.kind == "switch" and p.switch_ns or b.netns
    p.links[li] = link
    if a.kind == "switch" or b.kind == "switch" then
      link.segment = (a.kind == "switch" and a or b).segment
      join_lan(link.segment, link)
    else
      link.segment = { kind = "p2p", switches = {}, members = { link.a_iface, link.b_iface }, index = #p.segments + 1 }
      p.segments[#p.segments + 1] = link.segment
      link.a_iface.segment, link.b_iface.segment = link.segment, link.segment
    end
  end
end

-- check_switches refuses more ports than a bridge holds, and interface
-- names that clash inside the switches' namespace.
local function check_switches(p)
  local seen = { lo = "the loopback device" }
  local function claim(name, what)
    if seen[name] then fail("interface name %q of %s clashes with %s; rename a switch", name, what, seen[name]) end
    seen[name] = what
  end
  for _, node in ipairs(p.nodes) do
    if node.kind == "switch" then
      if #node.ifaces > M.MAX_PORTS then
        fail("switch %s has %d ports; a Linux bridge holds at most %d (split the hosts over several switches)",
          node.name, #node.ifaces, M.MAX_PORTS)
      end
      claim(node.bridge, "switch " .. node.name)
      for _, iface in ipairs(node.ifaces) do claim(iface.name, "a port of switch " .. node.name) end
    end
  end
end

-- build_graph makes the plan's nodes, names their interfaces and groups the
-- links into segments: one per connected group of switches (a LAN), one per
-- link between two other nodes.
local function build_graph(d, p)
  for i, n in ipairs(d.nodes) do
    local node = { name = n.name, kind = n.kind, index = i, ifaces = {}, given_ip = n.ip }
    if n.kind ~= "switch" then node.netns = d.name .. "-" .. n.name end
    if n.kind == "switch" then node.bridge = M.ifname(n.name, "") end
    p.nodes[i] = node
    p.byname[n.name] = node
  end
  group_switches(d, p)
  add_links(d, p)
  check_switches(p)
end

-- explicit addresses: from links' a_ip/b_ip and from a node's ip (its first
-- interface).
local function given_addresses(p)
  for _, node in ipairs(p.nodes) do
    if node.given_ip then
      local first = node.ifaces[1]
      if not first then fail("%s %s has ip=%s but no links", node.kind, node.name, node.given_ip) end
      local lg = first.link.given[first.side]
      if lg then
        local a1, p1 = M.parse_addr(lg)
        local a2, p2 = M.parse_addr(node.given_ip)
        if a1 ~= a2 or (p1 and p2 and p1 ~= p2) then
          fail("%s %s: ip=%s disagrees with %s_ip=%s of its first link", node.kind, node.name, node.given_ip, first.side, lg)
        end
      end
      first.given = first.given or node.given_ip
    end
  end
  for _, link in ipairs(p.links) do
    for _, side in ipairs({ "a", "b" }) do
      local v = link.given[side]
      if v then link[side .. "_iface"].given = v end
    end
  end
end

local function need_prefix(seg)
  if seg.kind == "p2p" then return 30 end
  local need, prefix = #seg.members + 2, 24
  while block_size(prefix) < need do prefix = prefix - 1 end
  return prefix
end

local function overlaps(a, b)
  return a.net < b.net + block_size(b.prefix) and b.net < a.net + block_size(a.prefix)
end

local function ceil_log2(n)
  local k = 0
  while 2 ^ k < n do k = k + 1 end
  return k
end

-- given_prefix is the prefix length the given addresses of a segment state
-- (all alike), or the segment's default size.
local function given_prefix(seg)
  local prefix, first
  for _, iface in ipairs(seg.members) do
    if iface.given then
      local _, gp = M.parse_addr(iface.given)
      local who = iface.node.name .. " (" .. iface.given .. ")"
      if gp and prefix and gp ~= prefix then
        fail("%s and %s are on %s but give different prefix lengths", first, who, segment_label(seg))
      end
      if gp then prefix, first = gp, who end
    end
  end
  return prefix or need_prefix(seg)
end

-- claim_given checks the given addresses of a segment (one block, inside the
-- pool, neither its network nor its broadcast address, used once) and
-- returns their block's network address, or nil when none is given.
local function claim_given(p, pool, seg, prefix, owner)
  local net, first
  for _, iface in ipairs(seg.members) do
    if iface.given then
      local addr = M.parse_addr(iface.given)
      local who = iface.node.name .. " (" .. iface.given .. ")"
      if prefix > 30 then fail("%s: prefix /%d leaves no room for two addresses", who, prefix) end
      local blk = { net = network(addr, prefix), prefix = prefix }
      if net and blk.net ~= net then
        fail("%s and %s are on %s but not in one /%d", first, who, segment_label(seg), prefix)
      end
      if blk.net < pool.net or blk.net + block_size(prefix) > pool.net + block_size(pool.prefix) then
        fail("address %s of %s is outside the pool %s", M.ip_str(addr), iface.node.name, p.subnet)
      end
      if addr == blk.net or addr == blk.net + block_size(prefix) - 1 then
        fail("address %s of %s is the %s address of %s", M.ip_str(addr), iface.node.name,
          addr == blk.net and "network" or "broadcast", M.cidr(blk.net, prefix))
      end
      if owner[addr] then
        fail("address %s of %s clashes with %s", M.ip_str(addr), iface.node.name, owner[addr].node.name)
      end
      owner[addr] = iface
      iface.addr = addr
      net, first = blk.net, first or who
    end
  end
  if net and block_size(prefix) - 2 < #seg.members then
    fail("%s has %d members but %s holds only %d addresses", segment_label(seg), #seg.members,
      M.cidr(net, prefix), block_size(prefix) - 2)
  end
  return net
end

-- too_small raises the pool's verdict: how many blocks of which sizes the
-- topology needs.
local function too_small(p, total)
  local counts, order = {}, {}
  for _, seg in ipairs(p.segments) do
    if seg.prefix and #seg.members > 0 then
      if not counts[seg.prefix] then counts[seg.prefix] = 0; order[#order + 1] = seg.prefix end
      counts[seg.prefix] = counts[seg.prefix] + 1
    end
  end
  table.sort(order)
  local parts = {}
  for _, pr in ipairs(order) do parts[#parts + 1] = counts[pr] .. " x /" .. pr end
  fail("subnet %s is too small for this topology: it needs %s (at least a /%d)", p.subnet,
    table.concat(parts, " + "), 32 - ceil_log2(total))
end

-- first_after is the index of the first block of used (sorted) that ends
-- after addr (a binary search).
local function first_after(used, addr)
  local lo, hi = 1, #used + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if used[mid].net + block_size(used[mid].prefix) > addr then hi = mid else lo = mid + 1 end
  end
  return lo
end

-- place gives each automatic segment the lowest free aligned block of its
-- size, largest blocks first (in order of appearance among equals) so that
-- none is wasted on alignment. used is sorted and stays so.
local function place(p, pool, auto, used, total)
  table.sort(auto, function(x, y)
    if x.prefix ~= y.prefix then return x.prefix < y.prefix end
    return x.index < y.index
  end)
  local cursor = {} -- prefix -> next candidate: blocks of one size go up
  local pool_end = pool.net + block_size(pool.prefix)
  for _, seg in ipairs(auto) do
    if seg.prefix < pool.prefix then too_small(p, total) end
    local size = block_size(seg.prefix)
    local at = cursor[seg.prefix] or pool.net
    while true do
      if at + size > pool_end then too_small(p, total) end
      local u = used[first_after(used, at)]
      if not (u and u.net < at + size) then break end
      local e = u.net + block_size(u.prefix)
      at = e + (size - e % size) % size
    end
    seg.net = at
    cursor[seg.prefix] = at + size
    table.insert(used, first_after(used, at), seg)
  end
end

-- assign fills a segment's block: given addresses stay, then routers take
-- the lowest free ones (the gateway is .1), then hosts, in link order.
local function assign(seg)
  seg.subnet = M.cidr(seg.net, seg.prefix)
  local taken = {}
  for _, iface in ipairs(seg.members) do
    if iface.addr then taken[iface.addr] = true end
  end
  local nextfree = seg.net + 1
  for _, kind in ipairs({ "router", "host" }) do
    for _, iface in ipairs(seg.members) do
      if not iface.addr and iface.node.kind == kind then
        while taken[nextfree] do nextfree = nextfree + 1 end
        iface.addr, taken[nextfree] = nextfree, true
      end
    end
  end
  for _, iface in ipairs(seg.members) do
    iface.prefix = seg.prefix
    iface.ip = M.ip_str(iface.addr)
    iface.cidr = M.cidr(iface.addr, seg.prefix)
  end
end

-- allocate gives every segment with members a block of the pool (the block
-- of its given addresses, or a free one) and every interface an address.
local function allocate(p)
  local pool_net, pool_prefix = M.parse_subnet(p.subnet)
  local pool = { net = pool_net, prefix = pool_prefix }
  local owner, used, auto, total = {}, {}, {}, 0
  for _, seg in ipairs(p.segments) do
    if #seg.members > 0 then
      seg.prefix = given_prefix(seg)
      seg.net = claim_given(p, pool, seg, seg.prefix, owner)
      if seg.net then used[#used + 1] = seg else auto[#auto + 1] = seg end
      total = total + block_size(seg.prefix)
    end
  end
  table.sort(used, function(x, y) return x.net < y.net end)
  for i = 2, #used do
    if overlaps(used[i - 1], used[i]) then
      fail("%s (%s) and %s (%s) overlap", segment_label(used[i - 1]), M.cidr(used[i - 1].net, used[i - 1].prefix),
        segment_label(used[i]), M.cidr(used[i].net, used[i].prefix))
    end
  end
  -- the pool must be large enough even before fragmentation
  if total > block_size(pool.prefix) then too_small(p, total) end
  place(p, pool, auto, used, total)
  for _, seg in ipairs(p.segments) do
    if seg.net then assign(seg) end
  end
  for _, node in ipairs(p.nodes) do
    if node.kind ~= "switch" and node.ifaces[1] then node.ip = node.ifaces[1].ip end
  end
end

---------------------------------------------------------------- routing

-- routers_on lists the router interfaces of a segment.
local function routers_on(seg)
  if not seg.routers then
    seg.routers = {}
    for _, m in ipairs(seg.members) do
      if m.node.kind == "router" then seg.routers[#seg.routers + 1] = m end
    end
  end
  return seg.routers
end

-- routes_from finds, breadth first through routers only (hosts do not
-- forward), the first hop towards every segment src is not on.
local function routes_from(p, src)
  local seen_seg, seen_node = {}, { [src] = true }
  for _, iface in ipairs(src.ifaces) do
    if iface.segment.net then seen_seg[iface.segment] = true end
  end
  local queue, head = {}, 1
  for _, iface in ipairs(src.ifaces) do
    if iface.segment.net then
      for _, r in ipairs(routers_on(iface.segment)) do
        if not seen_node[r.node] then
          seen_node[r.node] = true
          queue[#queue + 1] = { node = r.node, hop = { via = r.ip, dev = iface.name } }
        end
      end
    end
  end
  local routes = {}
  while head <= #queue do
    local item = queue[head]
    head = head + 1
    for _, iface in ipairs(item.node.ifaces) do
      local seg = iface.segment
      if seg.net and not seen_seg[seg] then
        seen_seg[seg] = true
        routes[#routes + 1] = { dst = seg.subnet, via = item.hop.via, dev = item.hop.dev }
        for _, r in ipairs(routers_on(seg)) do
          if not seen_node[r.node] then
            seen_node[r.node] = true
            queue[#queue + 1] = { node = r.node, hop = item.hop }
          end
        end
      end
    end
  end
  return routes
end

-- gateways lists the distinct routers a host can reach on its own LANs and
-- links, with the address and interface to reach each.
local function gateways(node)
  local out, seen = {}, {}
  for _, iface in ipairs(node.ifaces) do
    if iface.segment.net then
      for _, r in ipairs(routers_on(iface.segment)) do
        if not seen[r.node] then
          seen[r.node] = true
          out[#out + 1] = { router = r.node.name, via = r.ip, dev = iface.name }
        end
      end
    end
  end
  return out
end

local function route_all(p)
  for _, node in ipairs(p.nodes) do
    node.routes = {}
    if p.routing == "static" and node.kind ~= "switch" then
      if node.kind == "host" then
        local gws = gateways(node)
        if #gws == 1 then
          node.routes = { { dst = "default", via = gws[1].via, dev = gws[1].dev } }
        elseif #gws > 1 then
          node.routes = routes_from(p, node)
        end
      else
        node.routes = routes_from(p, node)
      end
    end
  end
end

-- compile turns a normalized description into the plan topo builds: nodes
-- with interfaces, addresses and routes, links with both ends' names and
-- namespaces, segments with their subnets. It raises on any inconsistency,
-- before anything exists.
function M.compile(d)
  local p = {
    name = d.name, subnet = d.subnet, routing = d.routing, ipv6 = d.ipv6,
    nodes = {}, byname = {}, links = {}, segments = {},
  }
  for _, n in ipairs(d.nodes) do
    if n.kind == "switch" then p.switch_ns = d.name; break end
  end
  build_graph(d, p)
  given_addresses(p)
  allocate(p)
  route_all(p)
  return p
end

---------------------------------------------------------------- export

-- describe is the full description of a compiled plan: the form load reads,
-- with every address written out, so that loading it gives the same plan.
function M.describe(p)
  local d = { name = p.name, subnet = p.subnet, routing = p.routing, ipv6 = p.ipv6, nodes = {}, links = {} }
  for i, node in ipairs(p.nodes) do
    d.nodes[i] = { name = node.name, kind = node.kind, ip = node.ip }
  end
  for i, link in ipairs(p.links) do
    d.links[i] = {
      a = link.a, b = link.b, rate = link.rate, delay = link.delay, loss = link.loss, mtu = link.mtu,
      a_ip = link.a_iface.cidr, b_ip = link.b_iface.cidr,
    }
  end
  return d
end

local function dot_id(s)
  -- names hold no backslash (check_name); labels use DOT's \n escapes
  return '"' .. tostring(s):gsub('"', '\\"') .. '"'
end

local SHAPES = { host = "box", router = "ellipse", switch = "diamond" }

-- dot renders the plan as an undirected Graphviz graph: a node per node with
-- its kind and first address, an edge per link with both interface names and
-- addresses as head and tail labels.
function M.dot(p)
  local out = { "graph " .. dot_id(p.name) .. " {" }
  out[#out + 1] = '  node [fontname="monospace"];'
  for _, node in ipairs(p.nodes) do
    local label = node.name .. "\\n" .. node.kind
    if node.ip then label = label .. "\\n" .. node.ip end
    out[#out + 1] = string.format("  %s [kind=%s, shape=%s, label=%s];", dot_id(node.name), dot_id(node.kind),
      SHAPES[node.kind], dot_id(label))
  end
  for _, link in ipairs(p.links) do
    local function lbl(iface)
      return iface.cidr and (iface.name .. "\\n" .. iface.cidr) or iface.name
    end
    local attrs = { "taillabel=" .. dot_id(lbl(link.a_iface)), "headlabel=" .. dot_id(lbl(link.b_iface)) }
    local shape = {}
    for _, k in ipairs({ "rate", "delay", "loss" }) do
      if link[k] then shape[#shape + 1] = k .. " " .. tostring(link[k]) end
    end
    if #shape > 0 then attrs[#attrs + 1] = "label=" .. dot_id(table.concat(shape, ", ")) end
    out[#out + 1] = string.format("  %s -- %s [%s];", dot_id(link.a), dot_id(link.b), table.concat(attrs, ", "))
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

return M
