-- topo: Mininet-style network topologies in a few lines of Lua.
--
--   local topo = require "topo"
--   local t = topo.new{name = "lab"}          --  h1 --- s1 --- h2
--   local h1, h2 = t:host("h1"), t:host("h2")
--   local s1 = t:switch("s1")
--   t:link(h1, s1); t:link(h2, s1)
--   t:start()
--   assert(h1:ping(h2).received == 1)
--
-- Hosts and routers are named netns "<topo>-<node>" (ip netns shows them);
-- switches are bridges inside a netns of the topology's own, named "<topo>".
-- Addresses and static routes are computed (topo/plan.lua) before anything is
-- built, so bad input raises with nothing to undo. A topology that is not
-- kept is torn down when the script ends, however it ends; its state file
-- under /run/nslua/topo lets the next run remove what a SIGKILLed one left.
local plan = require("topo.plan")

local M = {}
M.plan = plan

local fail, bare = plan.fail, plan.bare
-- Errors are reported at the caller's line (positions skip this file's
-- frames). A mistake of the caller is raised by the function the script
-- called, in its own frame (error(msg(...), 0)), so that the traceback
-- starts there: helpers return the message, plan's checks run through try.
-- fail (a raise from a helper) is left to what runs inside start's build,
-- which start catches and raises again itself.
local errors = require "nslua.errors"
errors.internal(debug.getinfo(1, "S").source)
local try, msg, argmsg = errors.try, plan.message, plan.argmessage

-- The bindings are required on first use: describing, validating and
-- exporting a topology needs none of them (nor root).
local mods = {}
local function need(name)
  if not mods[name] then mods[name] = require(name) end
  return mods[name]
end

M.STATE_DIR = "/run/nslua/topo"
M.NETNS_DIR = "/run/netns"

local Topo = {}
Topo.__index = Topo
local Node = {}
local Link = {}

local function is_topo(v) return getmetatable(v) == Topo end

-- usage is the message for a method called with "." instead of ":".
local function usage(method, args)
  return msg("%s: call it as t:%s(%s)", method, method, args or "")
end

local LINK_OPTS = {}
for k in pairs(plan.LINK_KEYS) do
  if k ~= "a" and k ~= "b" then LINK_OPTS[k] = true end
end

---------------------------------------------------------------- description

--- topo.new{name=, subnet=, routing=, ipv6=} starts an empty description.
--- Nothing exists in the kernel until t:start(). ipv6 = true keeps the
--- kernel's IPv6 (link-local addresses and their multicast chatter) on the
--- topology's links; by default it is off on them (each namespace's
--- net.ipv6.conf.default.disable_ipv6 = 1 before its veths and bridges are
--- made; lo keeps ::1), as topo addresses and routes IPv4 only (and a big
--- LAN builds faster without it). If a topology of that
--- name was left behind by a script killed with SIGKILL, its leftovers are
--- removed now.
function M.new(opts)
  if type(opts) ~= "table" then error(msg("new: expected a table {name=, subnet=, routing=, ipv6=}, got %s", type(opts)), 0) end
  local ok, d = try(plan.check_keys, opts, { name = true, subnet = true, routing = true, ipv6 = true }, "new")
  if ok then ok, d = try(plan.normalize, { name = opts.name, subnet = opts.subnet, routing = opts.routing, ipv6 = opts.ipv6 }) end
  if not ok then error(d, 0) end
  local err = M._reap_orphan(d.name)
  if err then error(err, 0) end
  return M._empty(d)
end

-- _empty is a topology object for a checked description's header.
function M._empty(d)
  local desc = { name = d.name, subnet = d.subnet, routing = d.routing, ipv6 = d.ipv6, nodes = {}, links = {} }
  return setmetatable({
    name = d.name, _desc = desc, _nodes = {}, _byname = {}, _links = {}, _state = "new", _procs = {}, _handles = {},
  }, Topo)
end

function Topo:__tostring()
  return string.format("topo %s (%d nodes, %d links, %s)", self.name, #self._desc.nodes, #self._desc.links, self._state)
end

-- _editable is nil when the description may change (before t:start() and
-- after t:stop()), else the message saying why not.
function Topo:_editable(what)
  if self._state ~= "new" and self._state ~= "stopped" then
    return msg("%s: topology %s is %s; describe it before t:start() (or after t:stop())", what, self.name, self._state)
  end
end

-- check_node_entry is plan's check of a node with its options'.
local function check_node_entry(kind, name, opts, byname)
  plan.check_keys(opts, kind == "switch" and {} or { ip = true }, kind .. " " .. tostring(name))
  return plan.check_node(kind, name, opts, byname)
end

-- add_node adds a node and returns it, or nil and the message of what is
-- wrong (the API functions raise it).
local function add_node(self, kind, name, opts)
  if not is_topo(self) then return nil, msg("%s: call it as t:%s(name [, opts])", kind, kind) end
  local err = self:_editable(kind)
  if err then return nil, err end
  if opts ~= nil and type(opts) ~= "table" then
    return nil, msg("%s %s: options must be a table, got %s", kind, tostring(name), type(opts))
  end
  local ok, entry = try(check_node_entry, kind, name, opts or {}, self._byname)
  if not ok then return nil, entry end
  table.insert(self._desc.nodes, entry)
  self._byname[name] = entry
  self._plan = nil
  local node = setmetatable({ name = name, kind = kind, _t = self }, Node)
  self._nodes[name] = node
  return node
end

--- t:host(name [, {ip=}]) adds a host: a netns with one interface per link.
function Topo:host(name, opts)
  local node, err = add_node(self, "host", name, opts)
  if not node then error(err, 0) end
  return node
end

--- t:router(name [, {ip=}]) adds a router: a host that forwards.
function Topo:router(name, opts)
  local node, err = add_node(self, "router", name, opts)
  if not node then error(err, 0) end
  return node
end

--- t:switch(name) adds a switch: a Linux bridge.
function Topo:switch(name, opts)
  local node, err = add_node(self, "switch", name, opts)
  if not node then error(err, 0) end
  return node
end

-- node_name is the name of a node given as an object or a name, or nil and
-- why not.
local function node_name(self, v, what)
  if getmetatable(v) == Node then
    if v._t ~= self then return nil, msg("%s: node %s belongs to another topology", what, v.name) end
    return v.name
  end
  return v
end

-- check_link_entry is plan's check of a link with its options'.
local function check_link_entry(a, b, opts, byname)
  plan.check_keys(opts, LINK_OPTS, "link")
  return plan.check_link(a, b, opts, byname)
end

--- t:link(a, b [, {rate=, delay=, loss=, mtu=, a_ip=, b_ip=}]) links two nodes
--- (objects or names) with a veth pair. Every option is checked here (rate,
--- delay and loss by the rules of net's l:shape, plan.parse_*), so that a bad
--- one raises now, not in t:start().
function Topo:link(a, b, opts)
  if not is_topo(self) then error(usage("link", "a, b [, opts]"), 0) end
  local err = self:_editable("link")
  if err then error(err, 0) end
  if opts ~= nil and type(opts) ~= "table" then error(msg("link: options must be a table, got %s", type(opts)), 0) end
  local ea, eb
  a, ea = node_name(self, a, "link")
  b, eb = node_name(self, b, "link")
  if ea or eb then error(ea or eb, 0) end
  local ok, entry = try(check_link_entry, a, b, opts or {}, self._byname)
  if not ok then error(entry, 0) end
  table.insert(self._desc.links, entry)
  self._plan = nil
  local l = setmetatable({ a = a, b = b, index = #self._desc.links, _t = self }, Link)
  self._links[l.index] = l
  return l
end

-- _plan_of returns the plan of the description as it stands (cached), or
-- nil and the message of why it cannot be built.
function Topo:_plan_of()
  if not self._plan then
    local ok, p = try(plan.compile, self._desc)
    if not ok then return nil, p end
    self._plan = p
  end
  return self._plan
end

-- _compile is _plan_of that raises (for tests and internal callers).
function Topo:_compile()
  local p, err = self:_plan_of()
  if not p then error(err, 0) end
  return p
end

--- t:nodes() lists the nodes in the order they were added.
function Topo:nodes()
  if not is_topo(self) then error(usage("nodes"), 0) end
  local out = {}
  for i, n in ipairs(self._desc.nodes) do out[i] = self._nodes[n.name] end
  return out
end

--- t:node(name) is the node of that name, or nil.
function Topo:node(name)
  if not is_topo(self) then error(usage("node", "name"), 0) end
  return self._nodes[name]
end

--- t:links() lists the links: {a, b, a_iface, b_iface, a_ip, b_ip, subnet,
--- rate, delay, loss, mtu}.
function Topo:links()
  if not is_topo(self) then error(usage("links"), 0) end
  local out = {}
  for i = 1, #self._desc.links do out[i] = self._links[i] end
  return out
end

--- t:describe() is the description table load reads (every address filled in).
function Topo:describe()
  if not is_topo(self) then error(usage("describe"), 0) end
  local p, err = self:_plan_of()
  if not p then error(err, 0) end
  return plan.describe(p)
end

--- t:to_json() is the description as JSON: topo.load(it) rebuilds the same
--- topology.
function Topo:to_json()
  if not is_topo(self) then error(usage("to_json"), 0) end
  local p, err = self:_plan_of()
  if not p then error(err, 0) end
  local d = plan.describe(p)
  local json = need("json")
  if json.array then
    d.nodes, d.links = json.array(d.nodes), json.array(d.links)
  end
  return json.encode(d, { indent = 2 })
end

--- t:dot() is a Graphviz graph of the topology (dot -Tsvg).
function Topo:dot()
  if not is_topo(self) then error(usage("dot"), 0) end
  local p, err = self:_plan_of()
  if not p then error(err, 0) end
  return plan.dot(p)
end

-- build_from makes the topology object of a normalized description and
-- compiles its plan; it raises what is wrong (to be called through try).
local function build_from(d)
  local t = M._empty(d)
  for _, n in ipairs(d.nodes) do
    local node, err = add_node(t, n.kind, n.name, n.kind ~= "switch" and { ip = n.ip } or nil)
    if not node then error(err, 0) end
  end
  for _, l in ipairs(d.links) do
    local opts = {}
    for k, v in pairs(l) do if k ~= "a" and k ~= "b" then opts[k] = v end end
    t:link(l.a, l.b, opts)
  end
  t:_compile()
  return t
end

-- load_description normalizes a description and builds its topology.
local function load_description(d)
  return build_from(plan.normalize(d))
end

--- topo.load(path_or_table [, {name=}]) reads a description (a table, or a
--- JSON file) and returns the topology, not yet started. Every check runs
--- here, so a bad file raises before anything is built; a file that cannot
--- be read gives nil, msg, ENAME.
function M.load(src, opts)
  local d = src
  if type(src) == "string" then
    local text, err, errno = need("fs").read(src)
    if not text then return nil, err, errno end
    local ok, v = pcall(need("json").decode, text)
    if not ok or v == nil then
      error(msg("load %s: %s", src, tostring(v):match("%((invalid JSON.*)%)$") or tostring(v)), 0)
    end
    d = v
  elseif type(src) ~= "table" then
    error(msg("load: expected a path or a description table, got %s", type(src)), 0)
  end
  if opts ~= nil then
    if type(opts) ~= "table" then error(argmsg("load", 2, "options table {name=} expected, got %s", type(opts)), 0) end
    local ok, err = try(plan.check_keys, opts, { name = true }, "load")
    if not ok then error(err, 0) end
    if type(d) == "table" then
      local copy = {}
      for k, v in pairs(d) do copy[k] = v end
      copy.name = opts.name or copy.name
      d = copy
    end
  end
  local ok, t = try(load_description, d)
  if not ok then error(t, 0) end
  local err = M._reap_orphan(t.name)
  if err then error(err, 0) end
  return t
end

---------------------------------------------------------------- nodes

-- node.ip (first address), node.netns (the netns name `ip netns` shows:
-- "<topo>-<node>", or the topology's own for a switch) and a switch's
-- node.bridge (its bridge's name there, shortened as interface names are)
-- come from the plan.
Node.__fields = { "ip", "netns", "bridge" } -- for the REPL's completion
Node.__index = function(self, k)
  if k == "ip" or k == "netns" or k == "bridge" then
    local p, err = rawget(self, "_t"):_plan_of()
    if not p then error(err, 0) end
    local pn = p.byname[rawget(self, "name")]
    if k == "netns" then return pn.netns or p.switch_ns end
    if k == "bridge" then return pn.bridge end
    return pn.ip
  end
  return Node[k]
end

function Node:__tostring()
  return string.format("%s %s", self.kind, self.name)
end

-- _plan is the node's part of the plan, or nil and why there is none.
function Node:_plan()
  local p, err = self._t:_plan_of()
  if not p then return nil, err end
  return p.byname[self.name]
end

function Node:_netns() return self.netns end

-- node_usage is the message for a node method called with "." instead of
-- ":", or nil when self is a node.
local function node_usage(self, method, args)
  if getmetatable(self) ~= Node then return msg("%s: call it as node:%s(%s)", method, method, args or "") end
end

local function pack(...) return { n = select("#", ...), ... } end

-- call runs a binding's function for a node's method and returns the packed
-- results. What it raises (bad arguments: the binding checked them) comes
-- back as nil and a message naming the node, positioned at the caller's
-- line, for the method to raise instead of this file's call of the binding.
local function call(self, fn, ...)
  local r = pack(pcall(fn, ...))
  if not r[1] then
    if type(r[2]) ~= "string" then error(r[2], 0) end
    return nil, msg("%s %s: %s", self.kind, self.name, bare(r[2]))
  end
  return r
end

-- ping_opts_error checks the {count=, timeout=} of a ping as net.ping would
-- (argument n of method): nil when they are good, else the message.
local function ping_opts_error(opts, method, n)
  local count, timeout = opts.count, opts.timeout
  if count ~= nil and (type(count) ~= "number" or count ~= math.floor(count) or count < 1 or count > 1e6) then
    return argmsg(method, n, "option \"count\": a whole number from 1 to 1000000 expected, got %s", tostring(count))
  end
  if timeout ~= nil and (type(timeout) ~= "number" or not (timeout > 0 and timeout <= 3600)) then
    return argmsg(method, n, "option \"timeout\": seconds above 0 and at most 3600 expected, got %s", tostring(timeout))
  end
end

-- _not_running is nil while the topology runs, else the message for what.
function Node:_not_running(what)
  local st = self._t._state
  if st ~= "running" then return msg("%s %s: %s needs a running topology (it is %s)", self.kind, self.name, what, st) end
end

--- node:ifaces() lists the node's interfaces: {name, peer, peer_iface, ip
--- (with prefix, nil on switches), subnet, link (index)}.
function Node:ifaces()
  local err = node_usage(self, "ifaces")
  if err then error(err, 0) end
  local pn
  pn, err = self:_plan()
  if not pn then error(err, 0) end
  local out = {}
  for i, iface in ipairs(pn.ifaces) do
    out[i] = { name = iface.name, peer = iface.peer, peer_iface = iface.peer_iface, ip = iface.cidr,
      subnet = iface.segment.subnet, link = iface.link.index }
  end
  return out
end

--- node:routes() lists the static routes the node gets: {dst, via, dev}.
function Node:routes()
  local err = node_usage(self, "routes")
  if err then error(err, 0) end
  local pn
  pn, err = self:_plan()
  if not pn then error(err, 0) end
  local out = {}
  for i, r in ipairs(pn.routes) do out[i] = { dst = r.dst, via = r.via, dev = r.dev } end
  return out
end

--- node:ns() opens a handle of the node's netns (the switches' netns for a
--- switch). It is valid while the topology runs: t:stop() closes it, so
--- that no handle keeps a stopped topology's namespace alive.
function Node:ns()
  local err = node_usage(self, "ns") or self:_not_running("ns")
  if err then error(err, 0) end
  local h, oerr = need("ns").open("net", self:_netns())
  if not h then error(msg("%s %s: ns: %s", self.kind, self.name, oerr), 0) end
  table.insert(self._t._handles, h)
  return h
end

-- with_netns is the proc options of a command run in the node, or nil and
-- what is wrong with them.
local function with_netns(self, what, opts)
  local o = {}
  if type(opts) == "string" then
    o = { "/bin/sh", "-c", opts }
  elseif type(opts) == "table" then
    for k, v in pairs(opts) do o[k] = v end
  else
    return nil, msg("%s %s: %s: expected an argv list or an options table, got %s", self.kind, self.name, what, type(opts))
  end
  if o.ns ~= nil or o.join ~= nil then
    return nil, msg("%s %s: %s: the node chooses the network namespace (drop ns= / join=)", self.kind, self.name, what)
  end
  o.ns = { net = self:_netns() }
  return o
end

--- node:run(argv_or_opts) runs a command inside the node (proc.run) and
--- returns its result {code, signal, stdout, stderr, timed_out}. A string
--- runs through /bin/sh -c.
function Node:run(opts)
  local err = node_usage(self, "run", "argv_or_opts") or self:_not_running("run")
  if err then error(err, 0) end
  local o, r
  o, err = with_netns(self, "run", opts)
  if o then r, err = call(self, need("proc").run, o) end
  if not r then error(err, 0) end
  return unpack(r, 2, r.n)
end

--- node:spawn(opts) starts a long-running process inside the node; it is
--- stopped when the topology stops (and dies with nslua in any case).
function Node:spawn(opts)
  local err = node_usage(self, "spawn", "opts") or self:_not_running("spawn")
  if err then error(err, 0) end
  local o, r
  o, err = with_netns(self, "spawn", opts)
  if o then r, err = call(self, need("proc").spawn, o) end
  if not r then error(err, 0) end
  local p = r[2]
  if not p then return unpack(r, 2, r.n) end
  table.insert(self._t._procs, p)
  return p
end

-- ping_target is the address a node's ping goes to, or nil and why none.
local function ping_target(self, target)
  local ip = target
  if getmetatable(target) == Node then
    ip = target.ip
  elseif type(target) == "string" and not plan.parse_ip(target) then
    local other = self._t._nodes[target]
    if not other then return nil, msg("%s %s: ping: %q is neither an address nor a node", self.kind, self.name, target) end
    ip = other.ip
  end
  if type(ip) ~= "string" then
    return nil, msg("%s %s: ping: nothing to ping (%s has no address)", self.kind, self.name, tostring(target))
  end
  return ip
end

-- check_ping_keys is plan's check of a ping's option keys.
local function check_ping_keys(opts, what)
  plan.check_keys(opts, { count = true, timeout = true }, what)
end

--- node:ping(other_or_ip [, {count=, timeout=}]) pings a node (object or
--- name) or an address from inside this node: {sent, received, rtt_ms}.
function Node:ping(target, opts)
  local err = node_usage(self, "ping", "other_or_ip [, opts]")
  if err then error(err, 0) end
  if opts ~= nil then
    if type(opts) ~= "table" then error(argmsg("ping", 2, "options table {count=, timeout=} expected, got %s", type(opts)), 0) end
    local ok, kerr = try(check_ping_keys, opts, self.kind .. " " .. self.name .. ": ping")
    err = not ok and kerr or ping_opts_error(opts, "ping", 2)
  end
  err = err or self:_not_running("ping")
  local ip, r
  if not err then ip, err = ping_target(self, target) end
  if ip then
    local o = { ns = self:_netns(), count = 1, timeout = 1 }
    for k, v in pairs(opts or {}) do o[k] = v end
    r, err = call(self, need("net").ping, ip, o)
  end
  if not r then error(err, 0) end
  return unpack(r, 2, r.n)
end

---------------------------------------------------------------- links

Link.__fields = { "a_iface", "b_iface", "a_ip", "b_ip", "subnet", "rate", "delay", "loss", "mtu" }
Link.__index = function(self, k)
  if Link[k] then return Link[k] end
  local p, err = rawget(self, "_t"):_plan_of()
  if not p then error(err, 0) end
  local l = p.links[rawget(self, "index")]
  local map = {
    a_iface = l.a_iface.name, b_iface = l.b_iface.name, a_ip = l.a_iface.cidr, b_ip = l.b_iface.cidr,
    subnet = l.segment.subnet, rate = l.rate, delay = l.delay, loss = l.loss, mtu = l.mtu,
  }
  return map[k]
end

function Link:__tostring()
  return string.format("link %s:%s -- %s:%s", self.a, self.a_iface, self.b, self.b_iface)
end

---------------------------------------------------------------- ping_all

-- The kernel keeps one neighbour (ARP) table for all network namespaces,
-- and refuses new entries past net.ipv4.neigh.default.gc_thresh3 (1024 by
-- default, a host-wide setting that only the initial namespace shows and
-- that topo leaves alone). An entry can be reclaimed only once it is 5
-- seconds old, and pinging every pair of N hosts makes N*(N-1) of them in
-- a few seconds: 2450 for 50 hosts on one LAN. ping_all therefore empties
-- the neighbour caches of the topology's hosts and routers whenever the
-- table would pass half its limit, and when pings fail while the kernel
-- counted a full table all the same, it says so.
local NEIGH_LIMIT_SYSCTL = "net.ipv4.neigh.default.gc_thresh3"
local NEIGH_LIMIT_DEFAULT = 1024

-- arp_stat is {entries, table_fulls} of the kernel's ARP table (table_fulls
-- summed over the CPUs), or nil. The file exists in the initial network
-- namespace only; a script in another one (test/sandbox.sh runs there)
-- reads it through pid 1's, when it may.
function M._arp_stat()
  for _, path in ipairs({ "/proc/net/stat/arp_cache", "/proc/1/net/stat/arp_cache" }) do
    local f = io.open(path, "r")
    if f then
      local head, col = f:read("*l"), {}
      local i = 0
      for name in (head or ""):gmatch("%S+") do
        i = i + 1
        col[name] = i
      end
      local st = { entries = 0, table_fulls = 0 }
      for line in f:lines() do
        local v = {}
        for x in line:gmatch("%x+") do v[#v + 1] = tonumber(x, 16) end
        -- entries is the table's, repeated on every CPU's line
        st.entries = v[col.entries or 0] or st.entries
        st.table_fulls = st.table_fulls + (v[col.table_fulls or 0] or 0)
      end
      f:close()
      if col.entries and col.table_fulls then return st end
    end
  end
  return nil
end

-- neigh_limit is gc_thresh3 where the script can read it, else nil.
local function neigh_limit()
  local f = io.open("/proc/sys/net/ipv4/neigh/default/gc_thresh3", "r")
  if not f then return nil end
  local v = tonumber(f:read("*l") or "")
  f:close()
  return v
end

--- topo.neigh_limit() is the size of the kernel's neighbour (ARP) table,
--- one for every namespace of the machine, and where that number comes
--- from: net.ipv4.neigh.default.gc_thresh3 when the script can read it
--- (from the initial network namespace), else the kernel's default, 1024.
function M.neigh_limit()
  local v = neigh_limit()
  if v then return v, NEIGH_LIMIT_SYSCTL end
  return NEIGH_LIMIT_DEFAULT, "the kernel's default"
end

-- neigh_flusher returns a function that empties the neighbour caches of
-- every interface of the topology's hosts and routers. Setting a link's
-- MAC address, even to the one it has, makes the kernel drop the link's
-- neighbour entries (NETDEV_CHANGEADDR), as `ip neigh flush dev` does; the
-- address, and so every other node's entry for this one, stays as it was
-- (only the link's addr_assign_type turns from random to set).
local function neigh_flusher(t)
  local links
  return function()
    if not links then
      links = {}
      local net = need("net")
      for _, node in ipairs(t:nodes()) do
        if node.kind ~= "switch" then
          for _, iface in ipairs(node:ifaces()) do
            local l = net.link(iface.name, { ns = node.netns })
            local mac = l and l.mac
            if mac then links[#links + 1] = { l, mac } end
          end
        end
      end
    end
    for _, e in ipairs(links) do e[1]:set { mac = e[2] } end
  end
end

-- default_timeout is ping_all's wait for each reply: a quarter second, more
-- than a round trip through a lab takes on a busy machine, plus twice the
-- delays of all the links (a bound on any path's).
local function default_timeout(p)
  local ms = 0
  for _, l in ipairs(p.links) do
    if l.delay ~= nil then ms = ms + (plan.parse_delay(l.delay) or 0) end
  end
  return math.min(0.25 + 2 * ms / 1000, 3600)
end

local function check_ping_all_keys(opts)
  plan.check_keys(opts, { print = true, count = true, timeout = true, nodes = true }, "ping_all")
end

-- ping_all_nodes checks ping_all's options and returns the nodes to ping,
-- or nil and the message of what is wrong.
local function ping_all_nodes(self, opts)
  local ok, err = try(check_ping_all_keys, opts)
  if not ok then return nil, err end
  err = ping_opts_error(opts, "ping_all", 1)
  if err then return nil, err end
  if opts.print ~= nil and type(opts.print) ~= "boolean" and io.type(opts.print) ~= "file" then
    return nil, argmsg("ping_all", 1, "option \"print\": true or an open file expected, got %s", type(opts.print))
  end
  if opts.nodes ~= nil and type(opts.nodes) ~= "table" then
    return nil, argmsg("ping_all", 1, "option \"nodes\": list of nodes or node names expected, got %s", type(opts.nodes))
  end
  if self._state ~= "running" then return nil, msg("ping_all: topology %s is %s", self.name, self._state) end
  local nodes = {}
  if opts.nodes then
    for i, n in ipairs(opts.nodes) do
      local name, nerr = node_name(self, n, "ping_all")
      if not name then return nil, nerr end
      nodes[i] = self._nodes[name]
      if not nodes[i] then return nil, msg("ping_all: unknown node %q", tostring(n)) end
      if not nodes[i].ip then return nil, msg("ping_all: %s has no address to ping", tostring(nodes[i])) end
    end
  else
    for _, n in ipairs(self:nodes()) do
      if n.kind == "host" then nodes[#nodes + 1] = n end
    end
  end
  return nodes
end

--- t:ping_all([{print=, count=, timeout=, nodes=}]) pings between every pair
--- of hosts (or of the given nodes) and returns {ok, sent, received,
--- pairs = {{from, to, ok, rtt_ms}}, timeout, table_fulls, warning};
--- print=true writes a Mininet-style matrix to stdout, print=FILE
--- (io.stderr) to that file. Each reply is awaited timeout seconds (by
--- default 0.25 plus twice the sum of the links' delays). The neighbour caches of the topology's
--- hosts and routers are emptied whenever the kernel's one neighbour table
--- would pass half its limit; table_fulls is how often the kernel found
--- that table full meanwhile (nil where /proc does not tell), and warning
--- says so when pings failed and it was (also on stderr without print).
function Topo:ping_all(opts)
  if not is_topo(self) then error(usage("ping_all", "[opts]"), 0) end
  if opts ~= nil and type(opts) ~= "table" then
    error(argmsg("ping_all", 1, "options table {print=, count=, timeout=, nodes=} expected, got %s", type(opts)), 0)
  end
  opts = opts or {}
  local nodes, err = ping_all_nodes(self, opts)
  if not nodes then error(err, 0) end
  local count, timeout = opts.count or 1, opts.timeout or default_timeout(self._plan)
  local res = { ok = true, sent = 0, received = 0, pairs = {}, timeout = timeout }
  local out = opts.print == true and io.stdout or opts.print or nil
  if out then out:write("*** Ping: testing ping reachability\n") end
  local stat0 = M._arp_stat()
  local known_limit = neigh_limit()
  local limit = known_limit or NEIGH_LIMIT_DEFAULT
  local flush = neigh_flusher(self)
  local made = 0 -- entries this call may have made since the last flush
  for _, a in ipairs(nodes) do
    -- a's round makes up to two entries per target: a learns it, it learns a
    local want = 2 * (#nodes - 1)
    local st = M._arp_stat()
    if made > 0 and (st and st.entries or made) + want > limit / 2 then
      flush()
      made = 0
    end
    local line = {}
    for _, b in ipairs(nodes) do
      if a ~= b then
        local r, perr = a:ping(b, { count = count, timeout = timeout })
        local sent = r and r.sent or count
        local got = r and r.received or 0
        local ok = got > 0
        res.sent, res.received = res.sent + sent, res.received + got
        res.ok = res.ok and ok
        table.insert(res.pairs, { from = a.name, to = b.name, ok = ok, rtt_ms = r and r.rtt_ms, error = perr })
        line[#line + 1] = ok and b.name or "X"
      end
    end
    made = made + want
    if out then out:write(a.name, " -> ", table.concat(line, " "), "\n") end
  end
  local stat1 = stat0 and M._arp_stat()
  if stat1 then res.table_fulls = math.max(stat1.table_fulls - stat0.table_fulls, 0) end
  if not res.ok and (res.table_fulls or 0) > 0 then
    res.warning = string.format("the kernel's neighbour (ARP) table, one for all network namespaces, was full %d times " ..
      "during ping_all: %s = %s entries; pings that needed a new entry then were lost without a fault of the " ..
      "topology. Raise that sysctl (and gc_thresh2) on the host, or ping fewer pairs (nodes=)", res.table_fulls,
      NEIGH_LIMIT_SYSCTL, known_limit and tostring(known_limit) or (NEIGH_LIMIT_DEFAULT .. " by default"))
  end
  if out then
    local dropped = res.sent > 0 and math.floor(100 * (res.sent - res.received) / res.sent + 0.5) or 0
    out:write(string.format("*** Results: %d%% dropped (%d/%d received)\n", dropped, res.received, res.sent))
    if res.warning then out:write("*** Warning: ", res.warning, "\n") end
  elseif res.warning then
    io.stderr:write("topo ", self.name, ": ", res.warning, "\n")
  end
  return res
end

---------------------------------------------------------------- lifetime

-- rootless: nslua runs inside a user namespace of its own (--rootless), where
-- everything ends with the process and nothing can be kept. Its state files
-- and netns pins then live on a private tmpfs (nslua.runtime_dir,
-- nslua.netns_dir) that the host never sees.
local function rootless() return need("nslua").rootless end

function M.state_dir()
  if rootless() then return need("nslua").runtime_dir .. "/topo" end
  return M.STATE_DIR
end

local function state_path(name) return M.state_dir() .. "/" .. name .. ".json" end
-- the build log: one line per namespace, appended before it is pinned
local function log_path(name) return M.state_dir() .. "/" .. name .. ".log" end

local function remove_state(name)
  os.remove(state_path(name))
  os.remove(log_path(name))
end

-- read_state reads a topology's state file, with the namespaces its build
-- log holds beyond it (all of them, when the build was killed): the state
-- and its path, nothing when there is no file, or nil, path and a message
-- when it is damaged.
local function read_state(name)
  local path = state_path(name)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  local json = need("json")
  local ok, st = pcall(json.decode, text)
  if not ok or type(st) ~= "table" or type(st.netns) ~= "table" then
    return nil, path, msg("state file %s is damaged (%s); remove it once you have checked `ip netns` by hand", path,
      ok and "not a topology state" or tostring(st))
  end
  local log = io.open(log_path(name), "r")
  if log then
    local seen, known = {}, {}
    for _, e in ipairs(st.netns) do
      seen[tostring(e.path) .. "@" .. tostring(e.ino)] = true
      known[tostring(e.path)] = true
    end
    local pending = {}
    for line in log:lines() do
      local lok, e = pcall(json.decode, line)
      -- a line cut short by a kill was never followed by its pin
      if lok and type(e) == "table" and type(e.path) == "string" then
        if e.pending then
          pending[#pending + 1] = e
        elseif not seen[e.path .. "@" .. tostring(e.ino)] then
          st.netns[#st.netns + 1] = e
          known[e.path] = true
        end
      end
    end
    log:close()
    for _, e in ipairs(pending) do
      if not known[e.path] then st.netns[#st.netns + 1] = e end
    end
  end
  return st, path
end

-- write_state replaces the state file atomically and returns true, or nil
-- and a message. The description part is encoded once per start: it does
-- not change while the topology runs.
local function write_state(t)
  local json = need("json")
  local dir = M.state_dir()
  local ok, err = need("fs").mkdir(dir, { parents = true, mode = 448 }) -- 0700
  if not ok then return nil, msg("%s: %s", t.name, err) end
  if not t._desc_json then
    local d = t:describe()
    d.nodes, d.links = json.array(d.nodes), json.array(d.links)
    t._desc_json = json.encode(d)
  end
  local netns = {}
  for i, e in ipairs(t._objects.netns) do
    netns[i] = { node = e.node, name = e.name, path = e.path, dev = e.dev, ino = e.ino, pending = e.pending }
  end
  local links = {}
  for i, e in ipairs(t._objects.links) do links[i] = { ns = e.ns, name = e.name, index = e.index } end
  local head = json.encode({ version = 1, name = t.name, owner = t._owner, kept = t._kept or false, status = t._state })
  local text = head:sub(1, -2) .. ',"description":' .. t._desc_json .. ',"netns":' .. json.encode(json.array(netns)) ..
      ',"links":' .. json.encode(json.array(links)) .. "}\n"
  local path = state_path(t.name)
  local tmp = path .. ".tmp"
  local f, ferr = io.open(tmp, "w")
  if not f then return nil, msg("%s: cannot write its state file: %s", t.name, ferr) end
  f:write(text)
  f:close()
  local rok, rerr = os.rename(tmp, path)
  if not rok then return nil, msg("%s: cannot write its state file: %s", t.name, rerr) end
  return true
end

local function owner_self()
  local proc = need("proc")
  local pid = proc.self()
  local info = proc.info(pid)
  return { pid = pid, start_time = info and info.start_time }
end

-- owner_alive: the pid still runs the process that wrote the state file (a
-- reused pid has another start time).
local function owner_alive(owner)
  if type(owner) ~= "table" or type(owner.pid) ~= "number" or type(owner.start_time) ~= "number" then return false end
  local info = need("proc").info(owner.pid)
  return info ~= nil and type(info.start_time) == "number" and math.abs(info.start_time - owner.start_time) < 0.01
end

-- remove_netns unpins one recorded netns after checking it is still the one
-- recorded (device and inode). A pending entry is a named create that did
-- not return: in the process that asked for it (trust_pending), its name was
-- free just before, so a pin there is ours; found later in a state file, a
-- namespace pinned there is reported and left alone. A recorded path that
-- holds no namespace but an empty file — any entry, pending or not — is a pin
-- its maker was killed in the middle of; ns.delete removes that (only where
-- /run/netns is shared, so the file is empty in every namespace that could
-- have pinned it). Returns a problem to report, or nil, and whether it is
-- only a namespace left alone on purpose (another's, or one of unknown
-- identity) rather than a failure.
local function remove_netns(e, trust_pending)
  local ns = need("ns")
  local h = ns.open(e.path)
  if not h then
    -- already gone, never pinned, or pinned half way: a kill between the
    -- pin's two steps (touch, then bind) leaves an empty file that `ip netns
    -- list` shows; ns.delete removes such a file and nothing else
    local f = io.open(e.path, "r")
    if not f then return nil end
    f:close()
    local ok, err = ns.delete(e.path)
    if not ok then return string.format("%s: left alone (%s)", e.path, err) end
    return nil
  end
  if e.pending and not trust_pending then
    h:close()
    return string.format("%s: left alone (nslua was killed while creating it, before its identity was recorded)", e.path),
      true
  end
  local same = e.pending or (h.dev == e.dev and h.id == e.ino)
  h:close()
  if not same then
    return string.format("%s: left alone (it is not the namespace the topology made: net:[%s] instead of net:[%s])",
      e.path, tostring(h.id), tostring(e.ino)), true
  end
  local ok, err = ns.delete(e.path)
  if not ok then return string.format("%s: %s", e.path, err) end
  return nil
end

-- teardown removes the recorded namespaces, newest first, and returns the
-- failures and (second) the namespaces it left alone on purpose
local function teardown(netns, trust_pending)
  local problems, notices = {}, {}
  for i = #netns, 1, -1 do
    local why, left_alone = remove_netns(netns[i], trust_pending)
    if why then table.insert(left_alone and notices or problems, why) end
  end
  return problems, notices
end

-- netns_dir_ready reports whether /run/netns is a shared mount point, as
-- iproute2 (and ns.create{name=}) leave it: only then do pins made there
-- show in every mount namespace, and survive a later `ip netns add`.
local function netns_dir_ready()
  local f = io.open("/proc/thread-self/mountinfo", "r")
  if not f then return false end
  local ready = false
  for line in f:lines() do
    local mp, rest = line:match("^%S+ %S+ %S+ %S+ (%S+) %S+(.-) %- ")
    if mp == need("nslua").netns_dir then ready = rest:find("shared:%d") ~= nil end
  end
  f:close()
  return ready
end

-- _reap_orphan removes what a topology of this name left behind when its
-- owner died without cleaning up (SIGKILL). It returns nil, or the message
-- of why the name cannot be used (for the API function to raise).
function M._reap_orphan(name)
  local st, _, err = read_state(name)
  if not st then return err end
  if owner_alive(st.owner) then
    return msg("topology %s is running (owner pid %d); stop it first: topo.attach(%q):stop()", name, st.owner.pid, name)
  end
  if st.kept and st.status == "running" then
    return msg("topology %s was kept and is still up; stop it first: topo.attach(%q):stop() or nslua -r topo-down %s",
      name, name, name)
  end
  local problems, notices = teardown(st.netns, false)
  remove_state(name)
  for _, p in ipairs(problems) do io.stderr:write("topo ", name, ": ", p, "\n") end
  for _, p in ipairs(notices) do io.stderr:write("topo ", name, ": ", p, "\n") end
  return nil
end

local live = {}      -- topologies started here and not stopped
local hooked = false

local function hook_exit()
  if hooked then return end
  hooked = true
  need("nslua").on_exit(function()
    for i = #live, 1, -1 do
      local t = live[i]
      if t and not t._kept then
        local ok, err = pcall(t.stop, t)
        if not ok then io.stderr:write(tostring(err), "\n") end
      end
    end
  end)
end

-- progress shows how far a big build is (more than 50 nodes) on stderr, when
-- stderr is a terminal: tick() after each node, tick(true) at the end.
local function progress(t, total)
  if total <= 50 or not need("fs").isatty("stderr") then return function() end end
  local done, last = 0, -1
  return function(finished)
    if not finished then done = done + 1 end
    local pct = math.floor(100 * done / total)
    if pct ~= last or finished then
      last = pct
      io.stderr:write(string.format("\rtopo %s: %d/%d nodes%s", t.name, done, total, finished and ", up\n" or ""))
    end
  end
end

-- wait_up returns once every link is operationally up. The kernel turns a
-- veth's carrier on at once but activates its queue (and a bridge enables the
-- port) a moment later, from its link-watch work: a packet sent in between
-- is dropped, so a ping right after start would fail now and then.
local function wait_up(links)
  local deadline = os.time() + 10
  while #links > 0 do
    local pending = {}
    for _, l in ipairs(links) do
      if l.state ~= "up" then pending[#pending + 1] = l end
    end
    links = pending
    if #links > 0 and os.time() > deadline then
      fail("link %s is still %s after 10 s", tostring(links[1].name), tostring(links[1].state))
    end
  end
end

local function must(what, ok, err, ...)
  if not ok then fail("%s: %s", what, bare(err)) end
  return ok, err, ...
end

-- A builder holds what one t:start() has made so far: namespace handles by
-- node name ("" for the switches'), bridges, veth ends, the build log.
local Builder = {}
Builder.__index = Builder

local function new_builder(t, p)
  local log = io.open(log_path(t.name), "w")
  if not log then fail("cannot write %s", log_path(t.name)) end
  t._log = log
  return setmetatable({ t = t, p = p, objs = t._objects, log = log, handles = {}, bridges = {}, veths = {},
    dir_ready = netns_dir_ready() }, Builder)
end

function Builder:note(e)
  self.log:write(need("json").encode(e), "\n")
  self.log:flush()
end

-- make_ns creates a namespace, records its identity (in memory and in the
-- build log, which survives SIGKILL) and only then names it: whatever point
-- a kill or an interrupt comes at, every pin is on record. Until /run/netns
-- is prepared as iproute2 does it, the first one is created named
-- (ns.create prepares the directory) and recorded as pending first. The
-- thread that makes it applies the settings every node of a kind needs
-- (ns.create's lo and sysctl), so no thread enters it again for them:
-- IPv6 off unless the topology asks for it (set as the default before any
-- interface exists; lo keeps ::1) and, but in the switches', lo up. A
-- failure names the node ("switches" for theirs), as the other steps do.
function Builder:make_ns(name, node, kind)
  local ns = need("ns")
  local what = node or "switches"
  local e = { node = node, name = name, path = need("nslua").netns_dir .. "/" .. name }
  local objs = self.objs
  local opts = { lo = kind ~= "switch" }
  if not self.p.ipv6 then opts.sysctl = { ["net.ipv6.conf.default.disable_ipv6"] = 1 } end
  local h
  if self.dir_ready then
    h = must(what, ns.create("net", opts))
    e.dev, e.ino = h.dev, h.id
    objs.netns[#objs.netns + 1] = e
    self:note(e)
    must(what, h:pin(e.path, { keep = true }))
  else
    e.pending = true
    objs.netns[#objs.netns + 1] = e
    self:note(e)
    opts.name = name
    h = must(what, ns.create("net", opts))
    e.dev, e.ino, e.pending = h.dev, h.id, nil
    self:note(e)
    self.dir_ready = netns_dir_ready()
  end
  self.handles[node or ""] = h
  table.insert(self.t._handles, h) -- closed by t:stop() if the build fails
  return h
end

-- forwarding turns a router's forwarding on. It is not one of make_ns's
-- settings: namespaces are made one ahead with the last call's settings, and
-- a router's among hosts' would have each made again.
function Builder:forwarding(h, what)
  local ok, err = need("net").sysctl("net.ipv4.ip_forward", "1", { ns = h })
  if not ok then fail("%s: %s", what, err) end
end

-- record keeps a link's identity; its name is known (reading l.name would
-- ask the kernel).
function Builder:record(l, nsname, name)
  self.objs.links[#self.objs.links + 1] = { ns = nsname, name = name, index = l.index }
  return l
end

function Builder:nodes(tick)
  local net, p = need("net"), self.p
  if p.switch_ns then
    local h = self:make_ns(p.switch_ns, nil, "switch")
    for _, node in ipairs(p.nodes) do
      if node.kind == "switch" then
        local what = "switch " .. node.name
        local br = self:record(must(what, net.bridge(node.bridge, { ns = h })), p.switch_ns, node.bridge)
        self.bridges[node.name] = br
        must(what, br:up())
        tick()
      end
    end
  end
  for _, node in ipairs(p.nodes) do
    if node.kind ~= "switch" then
      local h = self:make_ns(node.netns, node.name, node.kind)
      if node.kind == "router" then self:forwarding(h, node.name) end
      tick()
    end
  end
end

-- links creates every link first and brings them all up after: a bridge
-- port that is up makes each later port addition dearer.
function Builder:links()
  local net, p = need("net"), self.p
  for _, l in ipairs(p.links) do
    local what = "link " .. l.a .. "-" .. l.b
    local ha = self.handles[p.byname[l.a].kind == "switch" and "" or l.a]
    local hb = self.handles[p.byname[l.b].kind == "switch" and "" or l.b]
    local la, lb = must(what, net.veth(l.a_iface.name, l.b_iface.name, { ns = ha, peer_ns = hb, mtu = l.mtu }))
    self:record(la, l.a_ns, l.a_iface.name)
    self:record(lb, l.b_ns, l.b_iface.name)
    self.veths[#self.veths + 1], self.veths[#self.veths + 2] = la, lb
    for _, side in ipairs({ { la, l.a_iface }, { lb, l.b_iface } }) do
      local link, iface = side[1], side[2]
      if iface.node.kind == "switch" then
        must(what, link:set({ master = self.bridges[iface.node.name] }))
      elseif iface.cidr then
        must(what, link:addr_add(iface.cidr))
      end
      local shape = plan.shaping(l)
      if shape then must(what .. ": shape", link:shape(shape)) end
    end
  end
  for _, link in ipairs(self.veths) do
    local ok, err = link:up()
    if not ok then fail("link %s: %s", tostring(link.name), tostring(err)) end
  end
end

-- routes installs the static routes; their gateways are on connected, up
-- networks by now.
function Builder:routes()
  local net = need("net")
  for _, node in ipairs(self.p.nodes) do
    for _, r in ipairs(node.routes or {}) do
      must(node.name .. ": route " .. r.dst,
        net.route_add({ dst = r.dst, via = r.via, dev = r.dev, ns = self.handles[node.name] }))
    end
  end
end

-- build creates everything the plan describes.
local function build(t, p)
  local b = new_builder(t, p)
  local tick = progress(t, #p.nodes)
  b:nodes(tick)
  b:links()
  b:routes()
  wait_up(b.veths)
  tick(true)
  for _, h in pairs(b.handles) do h:close() end
  t._handles = {}
end

-- record_and_build writes the state file (status building) and builds.
local function record_and_build(t, p)
  local ok, err = write_state(t)
  if not ok then error(err, 0) end
  build(t, p)
end

--- t:start() builds the topology: namespaces, bridges, veths, addresses,
--- routes, and writes its state file. On failure it removes what it built
--- and raises. A stopped topology starts again: the same description (edits
--- made since t:stop() included) is built anew, with the same names and
--- addresses, and its node objects stay valid. Returns t.
function Topo:start()
  if not is_topo(self) then error(usage("start"), 0) end
  if self._state ~= "new" and self._state ~= "stopped" then
    error(msg("start: topology %s is %s already; t:stop() it first to build it again", self.name, self._state), 0)
  end
  local p, err = self:_plan_of()
  if not p then error(err, 0) end
  err = M._reap_orphan(self.name)
  if err then error(err, 0) end
  local names = assert(need("ns").names())
  local taken = {}
  for _, n in ipairs(names) do taken[n] = true end
  local wanted = {}
  if p.switch_ns then wanted[#wanted + 1] = p.switch_ns end
  for _, node in ipairs(p.nodes) do if node.netns then wanted[#wanted + 1] = node.netns end end
  for _, n in ipairs(wanted) do
    if taken[n] then
      error(msg("start %s: netns %q exists already (ip netns shows it); it is not this topology's", self.name, n), 0)
    end
  end
  self._objects = { netns = {}, links = {} }
  self._owner, self._attached, self._desc_json = owner_self(), nil, nil
  self._state = "building"
  live[#live + 1] = self
  hook_exit()
  local ok
  ok, err = pcall(record_and_build, self, p)
  if not ok then
    local sok, serr = pcall(self.stop, self)
    error(msg("start %s: %s%s", self.name, bare(err), sok and "" or " (cleanup: " .. bare(serr) .. ")"), 0)
  end
  self._state = "running"
  ok, err = write_state(self)
  if not ok then error(err, 0) end
  if self._log then self._log:close(); self._log = nil end
  os.remove(log_path(self.name))
  return self
end

--- t:keep() lets the topology outlive the script: it is not torn down at
--- exit; topo.attach(name):stop() or `nslua -r topo-down NAME` removes it.
function Topo:keep()
  if not is_topo(self) then error(usage("keep"), 0) end
  if rootless() then
    error(msg("keep: a rootless topology lives in nslua's own namespaces and ends with it; run as root to keep one"), 0)
  end
  self._kept = true
  if self._state == "running" then
    local ok, err = write_state(self)
    if not ok then error(err, 0) end
  end
  return self
end

local function stop_procs(t)
  for i = #t._procs, 1, -1 do
    local p = t._procs[i]
    if p:running() then p:kill("TERM") end
  end
  for i = #t._procs, 1, -1 do
    local p = t._procs[i]
    if not p:wait(1) then
      p:kill("KILL")
      p:wait()
    end
  end
  t._procs = {}
end

--- t:stop() tears the topology down: its processes, then every namespace it
--- made, each checked by identity first (their bridges and veths go with
--- them). Idempotent. The description stays: it can be changed and started
--- again.
function Topo:stop()
  if not is_topo(self) then error(usage("stop"), 0) end
  if self._state == "new" or self._state == "stopped" then return true end
  stop_procs(self)
  for _, h in ipairs(self._handles) do pcall(h.close, h) end
  self._handles = {}
  if self._log then self._log:close(); self._log = nil end
  local problems, notices = teardown(self._objects.netns, not self._attached)
  remove_state(self.name)
  -- a namespace that took one of the names since is someone else's: said,
  -- not an error of the stop
  for _, p in ipairs(notices) do io.stderr:write("topo ", self.name, ": ", p, "\n") end
  self._state = "stopped"
  for i = #live, 1, -1 do
    if live[i] == self then table.remove(live, i) end
  end
  if #problems > 0 then error(msg("stop %s: %s", self.name, table.concat(problems, "; ")), 0) end
  return true
end

--- t:namespaces() lists the namespaces the topology made (or, attached,
--- recorded): {node, name, path, dev, ino}; node is nil for the switches'.
function Topo:namespaces()
  if not is_topo(self) then error(usage("namespaces"), 0) end
  local out = {}
  for i, e in ipairs((self._objects or {}).netns or {}) do
    out[i] = { node = e.node, name = e.name, path = e.path, dev = e.dev, ino = e.ino }
  end
  return out
end

--- topo.attach(name) returns a topology another run started and kept (or
--- that still runs), to inspect or :stop(). A topology whose owner died
--- without cleaning up is removed now, and returned stopped (t.reaped = true).
--- No topology of that name: nil, msg, "ENOENT".
function M.attach(name)
  local ok, err = try(plan.check_name, name, "topology name")
  if not ok then error(err, 0) end
  local st, _, serr = read_state(name)
  if serr then error(serr, 0) end
  if not st then
    return nil, string.format("ENOENT: topo.attach(%s): no topology of that name (no state file %s)", name,
      state_path(name)), "ENOENT"
  end
  local t
  ok, t = try(load_description, st.description)
  if not ok then error(msg("state file %s: %s", state_path(name), bare(t)), 0) end
  t._objects = { netns = st.netns, links = st.links }
  t._owner, t._kept, t._attached = st.owner, st.kept, true
  if owner_alive(st.owner) or (st.kept and st.status == "running") then
    t._state = "running"
  else
    err = M._reap_orphan(name)
    if err then error(err, 0) end
    t._state, t.reaped = "stopped", true
  end
  return t
end

--- topo.list() lists the topologies with a state file: {name, owner (pid),
--- alive (the owner runs), kept, status, nodes}.
function M.list()
  local names = need("fs").list(M.state_dir())
  local out = {}
  for _, f in ipairs(names or {}) do
    local name = f:match("^(.+)%.json$")
    if name then
      local ok, st = pcall(read_state, name)
      if ok and st then -- a damaged state file is left out
        out[#out + 1] = {
          name = name, owner = type(st.owner) == "table" and st.owner.pid or nil, alive = owner_alive(st.owner),
          kept = st.kept and true or false, status = st.status,
          nodes = type(st.description) == "table" and type(st.description.nodes) == "table" and #st.description.nodes or 0,
        }
      end
    end
  end
  return out
end

return M
