---@meta topo
-- LuaLS definitions for nslua's topo module (stdlib/topo.lua; docs/topo.md;
-- API.md "topo"): Mininet-style topologies. It raises on failure, with the
-- low-level message inside, and undoes what it half-built first.
--
--   local topo = require "topo"
--   local t = topo.new{name = "lab"}          --  h1 --- s1 --- h2
--   local h1, h2, s1 = t:host("h1"), t:host("h2"), t:switch("s1")
--   t:link(h1, s1); t:link(h2, s1)
--   t:start()
--   assert(h1:ping(h2).received == 1)

---A node of the description (load's input, to_json's output).
---@class nslua.topo.nodedesc
---@field name string
---@field kind "host"|"switch"|"router"
---@field ip string?

---A link of the description.
---@class nslua.topo.linkdesc
---@field a string
---@field b string
---@field rate (string|number)?
---@field delay (string|number)?
---@field loss (string|number)?
---@field mtu integer?
---@field a_ip string?
---@field b_ip string?

---A declarative description: topo.load's input, t:describe() and
---t:to_json()'s output.
---@class nslua.topo.description
---@field name string
---@field subnet string? default "10.0.0.0/16"
---@field routing ("static"|"none")?
---@field ipv6 boolean?
---@field nodes nslua.topo.nodedesc[]
---@field links nslua.topo.linkdesc[]

---A topology: a description until t:start() builds it, and again after
---t:stop().
---@class nslua.topo
---@field name string
---@field reaped boolean? set by topo.attach when it removed an orphan's leftovers
local Topo = {}

---Add a host: a netns "<topo>-<name>" with one interface per link.
---@param name string
---@param opts? {ip: string?}
---@return nslua.topo.node
function Topo:host(name, opts) end

---Add a router: a host that forwards.
---@param name string
---@param opts? {ip: string?}
---@return nslua.topo.node
function Topo:router(name, opts) end

---Add a switch: a Linux bridge in the topology's own netns.
---@param name string
---@param opts? table no options yet
---@return nslua.topo.node
function Topo:switch(name, opts) end

---Link two nodes (objects or names) with a veth pair. rate: "10mbit",
---"500kbps"... or bits per second (8 to 1e15); delay: "10ms", "1s", "250us"
---or milliseconds (0 to 1 hour); loss: "1%" or a number (0 to 100); mtu: 68 to
---65535. A malformed value raises here (as net's l:shape would at start).
---@param a nslua.topo.node|string
---@param b nslua.topo.node|string
---@param opts? {rate: string|number|nil, delay: string|number|nil, loss: string|number|nil, mtu: integer?, a_ip: string?, b_ip: string?}
---@return nslua.topo.link
function Topo:link(a, b, opts) end

---The nodes in the order they were added.
---@return nslua.topo.node[]
function Topo:nodes() end

---The node of that name, or nil.
---@param name string
---@return nslua.topo.node|nil
function Topo:node(name) end

---The links, in the order they were added.
---@return nslua.topo.link[]
function Topo:links() end

---The description table topo.load reads, with every address filled in.
---@return nslua.topo.description
function Topo:describe() end

---The description as JSON: topo.load(it) rebuilds the same topology.
---@return string
function Topo:to_json() end

---A Graphviz graph of the topology (dot -Tsvg).
---@return string
function Topo:dot() end

---Ping between every pair of hosts (or of opts.nodes); print = true writes a
---Mininet-style matrix to stdout, print = a file (io.stderr) to that file.
---count: 1 to 1000000; timeout: seconds to wait for each reply, above 0 and
---at most 3600 (default 0.25 plus twice the sum of the links' delays). It
---empties the hosts' and routers' neighbour caches whenever the kernel's
---one neighbour table would pass half its limit (gc_thresh3). table_fulls:
---how often the kernel found that table full meanwhile (nil where /proc
---does not tell); warning: says so, naming the sysctl, when pings failed
---and it was (printed too, or written to stderr without print).
---@param opts? {print: boolean|file*|nil, count: integer?, timeout: number?, nodes: (nslua.topo.node|string)[]?}
---@return {ok: boolean, sent: integer, received: integer, timeout: number, table_fulls: integer?, warning: string?, pairs: {from: string, to: string, ok: boolean, rtt_ms: number?, error: string?}[]}
function Topo:ping_all(opts) end

---Build it: namespaces, bridges, veths, addresses, routes, and the state
---file. On failure it removes what it built and raises. A stopped
---topology starts again (with the edits made since t:stop()); its node
---objects stay valid. Returns t.
---@return nslua.topo
function Topo:start() end

---Let the topology outlive the script (refused rootless). Returns t.
---@return nslua.topo
function Topo:keep() end

---Tear it down: its processes, then every namespace it made, each checked
---by identity first. Idempotent. The description stays: nodes and links
---can be added and t:start() builds it again.
---@return true
function Topo:stop() end

---The namespaces the topology made (or, attached, recorded); node is nil
---for the switches'.
---@return {node: string?, name: string, path: string, dev: integer, ino: integer}[]
function Topo:namespaces() end

---A host, router or switch.
---@class nslua.topo.node
---@field name string
---@field kind "host"|"switch"|"router"
---@field ip string? its first address (nil on a switch)
---@field netns string the netns name `ip netns` shows ("<topo>-<node>"; the topology's own for a switch)
---@field bridge string? a switch's bridge name in the switches' netns (shortened with a hash past 15 bytes); nil for hosts and routers
local Node = {}

---The node's interfaces: ip with prefix (nil on switches), link the index of
---the link in t:links().
---@return {name: string, peer: string, peer_iface: string, ip: string?, subnet: string, link: integer}[]
function Node:ifaces() end

---The static routes the node gets.
---@return {dst: string, via: string, dev: string}[]
function Node:routes() end

---A handle of the node's netns (the switches' netns for a switch), valid
---while the topology runs: t:stop() closes it.
---@return nslua.ns
function Node:ns() end

---Run a command inside the node (proc.run); a string runs through /bin/sh -c.
---@param argv_or_opts string|nslua.spawnopts
---@return nslua.result|nil result
---@return string? errmsg
---@return string? errno
function Node:run(argv_or_opts) end

---Start a long-running process inside the node; it is stopped when the
---topology stops.
---@param opts nslua.spawnopts
---@return nslua.process|nil process
---@return string? errmsg
---@return string? errno
function Node:spawn(opts) end

---Ping a node (object or name) or an address from inside this node
---(count 1 and timeout 1 s by default).
---@param target nslua.topo.node|string
---@param opts? {count: integer?, timeout: number?}
---@return nslua.pingresult|nil result
---@return string? errmsg
---@return string? errno
function Node:ping(target, opts) end

---A link between two nodes.
---@class nslua.topo.link
---@field a string node name
---@field b string node name
---@field index integer its place in t:links()
---@field a_iface string interface name on a
---@field b_iface string interface name on b
---@field a_ip string? with prefix
---@field b_ip string?
---@field subnet string?
---@field rate (string|number)?
---@field delay (string|number)?
---@field loss (string|number)?
---@field mtu integer?

---@class nslua.topo.module
---@field plan table the address and route planner (stdlib/topo/plan.lua; internal)
---@field STATE_DIR string "/run/nslua/topo"
---@field NETNS_DIR string "/run/netns"
local topo = {}

---An empty description; nothing exists in the kernel until t:start().
---ipv6 = false (the default) turns IPv6 off on the topology's links (lo keeps
---::1); true keeps the kernel's default. If a
---topology of that name was left behind by a SIGKILLed script, its
---leftovers are removed now.
---@param opts {name: string, subnet: string?, routing: ("static"|"none")?, ipv6: boolean?}
---@return nslua.topo
function topo.new(opts) end

---Build a topology (not started) from a description table or a JSON file;
---every check runs here (a bad description raises); a file that cannot be
---read gives nil, msg, ENAME.
---@param path_or_table string|nslua.topo.description
---@param opts? {name: string?}
---@return nslua.topo|nil
---@return string? errmsg
---@return string? errno
function topo.load(path_or_table, opts) end

---A topology another run started and kept (or that still runs), to inspect
---or :stop(); one whose owner died is removed now and returned stopped.
---No topology of that name: nil, msg, "ENOENT".
---@param name string
---@return nslua.topo|nil
---@return string? errmsg
---@return string? errno
function topo.attach(name) end

---The topologies with a state file.
---@return {name: string, owner: integer?, alive: boolean, kept: boolean, status: string, nodes: integer}[]
function topo.list() end

---The size of the kernel's neighbour (ARP) table, one for every namespace of
---the machine, and where the number comes from: net.ipv4.neigh.default.gc_thresh3
---when readable (from the initial network namespace), else the kernel's
---default, 1024. ping_all keeps within it; recipes cap their N by it.
---@return integer limit
---@return string source
function topo.neigh_limit() end

---Where state files live: /run/nslua/topo, or nslua.runtime_dir .. "/topo"
---when rootless.
---@return string
function topo.state_dir() end

return topo
