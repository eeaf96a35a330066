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

local fail = plan.fail

-- The bindings are required on first use: describing, validating and
-- exporting a topology needs none of them (nor root).
local mods = {}
local function need(name)
  if not mods[name] then mods[name] = require(name) end
  return mods[name]
end

M.STATE_DIR = "/run/nslua/topo"

local Topo = {}
Topo.__index = Topo
local Node = {}
local Link = {}

local function is_topo(v) return getmetatable(v) == Topo end

---------------------------------------------------------------- description

-- _reap_orphan is replaced by the lifetime section below.
function M._reap_orphan() end

--- topo.new{name=, subnet=, routing=} starts an empty description. Nothing
--- exists in the kernel until t:start(). If a topology of that name was left
--- behind by a script killed with SIGKILL, its leftovers are removed now.
function M.new(opts)
  if type(opts) ~= "table" then fail("new: expected a table {name=, subnet=, routing=}, got %s", type(opts)) end
  plan.check_keys(opts, { name = true, subnet = true, routing = true }, "new")
  local d = plan.normalize({ name = opts.name, subnet = opts.subnet, routing = opts.routing })
  local t = setmetatable({ name = d.name, _desc = d, _nodes = {}, _byname = {}, _links = {}, _state = "new", _procs = {} }, Topo)
  M._reap_orphan(d.name)
  return t
end

function Topo:__tostring()
  return string.format("topo %s (%d nodes, %d links, %s)", self.name, #self._desc.nodes, #self._desc.links, self._state)
end

function Topo:_editable(what)
  if self._state ~= "new" then
    fail("%s: topology %s is %s; describe it before t:start()", what, self.name, self._state)
  end
end

local function add_node(self, kind, name, opts)
  if not is_topo(self) then fail("%s: call it as t:%s(name [, opts])", kind, kind) end
  self:_editable(kind)
  if opts ~= nil and type(opts) ~= "table" then fail("%s %s: options must be a table, got %s", kind, tostring(name), type(opts)) end
  opts = opts or {}
  plan.check_keys(opts, kind == "switch" and {} or { ip = true }, kind .. " " .. tostring(name))
  local entry = plan.check_node(kind, name, opts, self._byname)
  table.insert(self._desc.nodes, entry)
  self._byname[name] = entry
  self._plan = nil
  local node = setmetatable({ name = name, kind = kind, _t = self }, Node)
  self._nodes[name] = node
  return node
end

--- t:host(name [, {ip=}]) adds a host: a netns with one interface per link.
function Topo:host(name, opts) return add_node(self, "host", name, opts) end
--- t:router(name [, {ip=}]) adds a router: a host that forwards.
function Topo:router(name, opts) return add_node(self, "router", name, opts) end
--- t:switch(name) adds a switch: a Linux bridge.
function Topo:switch(name, opts) return add_node(self, "switch", name, opts) end

local function node_name(self, v, what)
  if getmetatable(v) == Node then
    if v._t ~= self then fail("%s: node %s belongs to another topology", what, v.name) end
    return v.name
  end
  return v
end

--- t:link(a, b [, {rate=, delay=, loss=, mtu=, a_ip=, b_ip=}]) links two nodes
--- (objects or names) with a veth pair.
function Topo:link(a, b, opts)
  if not is_topo(self) then fail("link: call it as t:link(a, b [, opts])") end
  self:_editable("link")
  if opts ~= nil and type(opts) ~= "table" then fail("link: options must be a table, got %s", type(opts)) end
  opts = opts or {}
  local keys = {}
  for k in pairs(plan.LINK_KEYS) do if k ~= "a" and k ~= "b" then keys[k] = true end end
  plan.check_keys(opts, keys, "link")
  a, b = node_name(self, a, "link"), node_name(self, b, "link")
  local entry = plan.check_link(a, b, opts, self._byname)
  table.insert(self._desc.links, entry)
  self._plan = nil
  local l = setmetatable({ a = a, b = b, index = #self._desc.links, _t = self }, Link)
  self._links[l.index] = l
  return l
end

-- _compile returns the plan of the description as it stands (cached).
function Topo:_compile()
  if not self._plan then self._plan = plan.compile(self._desc) end
  return self._plan
end

--- t:nodes() lists the nodes in the order they were added.
function Topo:nodes()
  local out = {}
  for i, n in ipairs(self._desc.nodes) do out[i] = self._nodes[n.name] end
  return out
end

--- t:node(name) is the node of that name, or nil.
function Topo:node(name) return self._nodes[name] end

--- t:links() lists the links: {a, b, a_iface, b_iface, a_ip, b_ip, subnet,
--- rate, delay, loss, mtu}.
function Topo:links()
  local out = {}
  for i = 1, #self._desc.links do out[i] = self._links[i] end
  return out
end

--- t:describe() is the description table load reads (every address filled in).
function Topo:describe() return plan.describe(self:_compile()) end

--- t:to_json() is the description as JSON: topo.load(it) rebuilds the same
--- topology.
function Topo:to_json()
  local d = self:describe()
  local json = need("json")
  if json.array then
    d.nodes, d.links = json.array(d.nodes), json.array(d.links)
  end
  return json.encode(d, { indent = 2 })
end

--- t:dot() is a Graphviz graph of the topology (dot -Tsvg).
function Topo:dot() return plan.dot(self:_compile()) end

local function build_from(d)
  local t = M.new({ name = d.name, subnet = d.subnet, routing = d.routing })
  for _, n in ipairs(d.nodes) do add_node(t, n.kind, n.name, n.kind ~= "switch" and { ip = n.ip } or nil) end
  for _, l in ipairs(d.links) do
    local opts = {}
    for k, v in pairs(l) do if k ~= "a" and k ~= "b" then opts[k] = v end end
    t:link(l.a, l.b, opts)
  end
  return t
end

--- topo.load(path_or_table [, {name=}]) reads a description (a table, or a
--- JSON file) and returns the topology, not yet started. Every check runs
--- here, so a bad file raises before anything is built.
function M.load(src, opts)
  local d = src
  if type(src) == "string" then
    local f, err = io.open(src, "r")
    if not f then fail("load: %s", err) end
    local text = f:read("*a")
    f:close()
    local ok, v = pcall(need("json").decode, text)
    if not ok or v == nil then fail("load %s: %s", src, tostring(v)) end
    d = v
  elseif type(src) ~= "table" then
    fail("load: expected a path or a description table, got %s", type(src))
  end
  if opts ~= nil then
    plan.check_keys(opts, { name = true }, "load")
    local copy = {}
    for k, v in pairs(d) do copy[k] = v end
    copy.name = opts.name or copy.name
    d = copy
  end
  d = plan.normalize(d)
  local t = build_from(d)
  t:_compile()
  return t
end

---------------------------------------------------------------- nodes

Node.__index = function(self, k)
  if k == "ip" then
    local p = rawget(self, "_t"):_compile()
    return p.byname[rawget(self, "name")].ip
  end
  return Node[k]
end

function Node:__tostring()
  return string.format("%s %s", self.kind, self.name)
end

function Node:_plan() return self._t:_compile().byname[self.name] end

-- the netns a node lives in: its own, or the switches' one
function Node:_netns()
  local pn = self:_plan()
  return pn.netns or self._t:_compile().switch_ns
end

function Node:_running(what)
  local st = self._t._state
  if st ~= "running" then fail("%s %s: %s needs a running topology (it is %s)", self.kind, self.name, what, st) end
end

--- node:ifaces() lists the node's interfaces: {name, peer, peer_iface, ip
--- (with prefix, nil on switches), subnet, link (index)}.
function Node:ifaces()
  local out = {}
  for i, iface in ipairs(self:_plan().ifaces) do
    out[i] = { name = iface.name, peer = iface.peer, peer_iface = iface.peer_iface, ip = iface.cidr,
      subnet = iface.segment.subnet, link = iface.link.index }
  end
  return out
end

--- node:routes() lists the static routes the node gets: {dst, via, dev}.
function Node:routes()
  local out = {}
  for i, r in ipairs(self:_plan().routes) do out[i] = { dst = r.dst, via = r.via, dev = r.dev } end
  return out
end

--- node:ns() opens a handle of the node's netns (the switches' netns for a
--- switch); close it when done.
function Node:ns()
  self:_running("ns")
  return assert(need("ns").open("net", self:_netns()))
end

local function with_netns(self, what, opts)
  local o = {}
  if type(opts) == "string" then
    o = { "/bin/sh", "-c", opts }
  elseif type(opts) == "table" then
    for k, v in pairs(opts) do o[k] = v end
  else
    fail("%s %s: %s: expected an argv list or an options table, got %s", self.kind, self.name, what, type(opts))
  end
  if o.ns ~= nil or o.join ~= nil then
    fail("%s %s: %s: the node chooses the network namespace (drop ns= / join=)", self.kind, self.name, what)
  end
  o.ns = { net = self:_netns() }
  return o
end

--- node:run(argv_or_opts) runs a command inside the node (proc.run) and
--- returns its result {code, signal, stdout, stderr, timed_out}. A string
--- runs through /bin/sh -c.
function Node:run(opts)
  self:_running("run")
  return need("proc").run(with_netns(self, "run", opts))
end

--- node:spawn(opts) starts a long-running process inside the node; it is
--- stopped when the topology stops (and dies with nslua in any case).
function Node:spawn(opts)
  self:_running("spawn")
  local p, err, code = need("proc").spawn(with_netns(self, "spawn", opts))
  if not p then return nil, err, code end
  table.insert(self._t._procs, p)
  return p
end

--- node:ping(other_or_ip [, {count=, timeout=}]) pings a node (object or
--- name) or an address from inside this node: {sent, received, rtt_ms}.
function Node:ping(target, opts)
  self:_running("ping")
  local ip = target
  if getmetatable(target) == Node then
    ip = target.ip
  elseif type(target) == "string" and not plan.parse_ip(target) then
    local other = self._t._nodes[target]
    if not other then fail("%s %s: ping: %q is neither an address nor a node", self.kind, self.name, target) end
    ip = other.ip
  end
  if type(ip) ~= "string" then fail("%s %s: ping: nothing to ping (%s has no address)", self.kind, self.name, tostring(target)) end
  local o = { ns = self:_netns(), count = 1, timeout = 1 }
  for k, v in pairs(opts or {}) do o[k] = v end
  return need("net").ping(ip, o)
end

---------------------------------------------------------------- links

Link.__index = function(self, k)
  if Link[k] then return Link[k] end
  local p = rawget(self, "_t"):_compile()
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

--- t:ping_all([{print=, count=, timeout=, nodes=}]) pings between every pair
--- of hosts (or of the given nodes) and returns {ok, sent, received,
--- pairs = {{from, to, ok, rtt_ms}}}; print=true writes a Mininet-style
--- matrix to stdout.
function Topo:ping_all(opts)
  opts = opts or {}
  plan.check_keys(opts, { print = true, count = true, timeout = true, nodes = true }, "ping_all")
  if self._state ~= "running" then fail("ping_all: topology %s is %s", self.name, self._state) end
  local nodes = {}
  if opts.nodes then
    for i, n in ipairs(opts.nodes) do
      nodes[i] = self._nodes[node_name(self, n, "ping_all")] or fail("ping_all: unknown node %q", tostring(n))
    end
  else
    for _, n in ipairs(self:nodes()) do
      if n.kind == "host" then nodes[#nodes + 1] = n end
    end
  end
  local res = { ok = true, sent = 0, received = 0, pairs = {} }
  local out = opts.print and io.stdout
  if out then out:write("*** Ping: testing ping reachability\n") end
  for _, a in ipairs(nodes) do
    local line = {}
    for _, b in ipairs(nodes) do
      if a ~= b then
        local r, err = a:ping(b, { count = opts.count or 1, timeout = opts.timeout or 1 })
        local sent = r and r.sent or (opts.count or 1)
        local got = r and r.received or 0
        local ok = got > 0
        res.sent, res.received = res.sent + sent, res.received + got
        res.ok = res.ok and ok
        table.insert(res.pairs, { from = a.name, to = b.name, ok = ok, rtt_ms = r and r.rtt_ms, error = err })
        line[#line + 1] = ok and b.name or "X"
      end
    end
    if out then out:write(a.name, " -> ", table.concat(line, " "), "\n") end
  end
  if out then
    local dropped = res.sent > 0 and math.floor(100 * (res.sent - res.received) / res.sent + 0.5) or 0
    out:write(string.format("*** Results: %d%% dropped (%d/%d received)\n", dropped, res.received, res.sent))
  end
  return res
end

return M
