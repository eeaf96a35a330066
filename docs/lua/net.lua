---@meta net
-- LuaLS definitions for nslua's net module (docs/net.md; API.md "net").
-- Every function takes ns = (an nsref; default the script's netns) in its
-- option table.

---An address of net.addrs() / l:addrs().
---@class nslua.addr
---@field dev string link name
---@field index integer link ifindex
---@field family "inet"|"inet6"
---@field addr string "10.0.0.1"
---@field prefixlen integer
---@field cidr string "10.0.0.1/24"
---@field scope string "global", "link", "host"
---@field broadcast string?

---A route of net.routes() (main table).
---@class nslua.route
---@field family "inet"|"inet6"
---@field dst string "default" or a CIDR
---@field via string?
---@field dev string?
---@field src string?
---@field metric integer
---@field protocol string
---@field scope string
---@field type string
---@field table integer

---Counters of l:stats(): numbers up to 2^53, decimal strings beyond.
---@class nslua.linkstats
---@field rx_packets integer|string
---@field tx_packets integer|string
---@field rx_bytes integer|string
---@field tx_bytes integer|string
---@field rx_errors integer|string
---@field tx_errors integer|string
---@field rx_dropped integer|string
---@field tx_dropped integer|string
---@field multicast integer|string
---@field collisions integer|string

---What net.ping returns.
---@class nslua.pingresult
---@field sent integer
---@field received integer
---@field rtt_ms number? the mean round trip; nil when nothing came back

---A network interface. Fields are read from the kernel each time. Two link
---objects are == when they are the same ifindex in the same namespace. Once
---the link is gone, every method but wait_gone returns nil, msg, "ENODEV".
---@class nslua.link
---@field name string
---@field index integer ifindex
---@field kind string "veth", "bridge", "vxlan", "loopback", "device"
---@field mtu integer
---@field mac string
---@field state string operational state in lower case ("up", "down", "unknown", ...)
---@field master string? the bridge it is a port of
---@field flags string[] interface flags ("up", "lower_up", "broadcast", ...)
---@field ns nslua.ns a handle of the link's namespace
local link = {}

---ip link set NAME up
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:up() end

---ip link set NAME down
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:down() end

---ip link set NAME mtu M address A name N master BR netns NS
---(master = false detaches).
---@param opts {mtu: integer?, mac: string?, name: string?, master: string|nslua.link|false|nil, ns: nslua.nsref?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:set(opts) end

---ip addr add CIDR dev NAME [nodad]
---@param cidr string "10.0.0.1/24"
---@param opts? {nodad: boolean?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:addr_add(cidr, opts) end

---ip addr del CIDR dev NAME
---@param cidr string
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:addr_del(cidr) end

---ip addr show dev NAME
---@return nslua.addr[]|nil addrs
---@return string? errmsg
---@return string? errno
function link:addrs() end

---tc qdisc replace dev NAME root tbf|htb (rate) / netem (delay, jitter,
---loss). Where the kernel lacks a qdisc nothing changes and the result is
---nil, a message naming it, "ENOTSUP". rate: "10mbit" or bits/s; delay and
---jitter: "20ms" or milliseconds; loss: "1%" or percent.
---@param opts {rate: string|number|nil, delay: string|number|nil, jitter: string|number|nil, loss: string|number|nil, qdisc: "tbf"|"htb"|nil}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:shape(opts) end

---tc qdisc del dev NAME root
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:unshape() end

---ip -s link show NAME
---@return nslua.linkstats|nil stats
---@return string? errmsg
---@return string? errno
function link:stats() end

---ip link del NAME (a veth takes its peer along).
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function link:delete() end

---Wait until the link no longer exists (the kernel tears a deleted
---namespace's links down asynchronously). timeout in seconds, default 5.
---@param timeout? number
---@return true|nil ok
---@return string? errmsg
---@return string? errno "ETIMEDOUT"
function link:wait_gone(timeout) end

---@class nslua.net.module
local net = {}

---ip link show
---@param opts? {ns: nslua.nsref?}
---@return nslua.link[]|nil links
---@return string? errmsg
---@return string? errno
function net.links(opts) end

---ip link show NAME; nil, msg, "ENODEV" when absent.
---@param name string
---@param opts? {ns: nslua.nsref?}
---@return nslua.link|nil link
---@return string? errmsg
---@return string? errno
function net.link(name, opts) end

---ip link add NAME [netns NS] numtxqueues Q numrxqueues Q [master BR] [up]
---type veth peer name PEER [netns PEER_NS]: returns both ends. Q =
---opts.queues, 1 by default (iproute2 leaves it to the kernel: one per CPU, of
---which one is used). master: a bridge (link or name, in ns) the first end
---joins; up: both ends up. One request: if any part fails, nothing is made.
---@param name string
---@param peer string
---@param opts? {ns: nslua.nsref?, peer_ns: nslua.nsref?, mtu: integer?, mac: string?, peer_mac: string?, queues: integer?, master: string|nslua.link|nil, up: boolean?}
---@return nslua.link|nil link
---@return nslua.link|string|nil peer_or_errmsg
---@return string? errno
function net.veth(name, peer, opts) end

---Deletes links of any namespaces, one kernel batch per namespace: each link
---still there (same ifindex, same name) is tagged with a fresh group, then
---`ip link delete group G`. Returns how many links of the list were deleted
---(a veth's peer in the list counts too). Links already gone, or of a
---namespace the script let go of, are skipped. A link the kernel cannot
---delete (lo) fails the call with "ENOTSUP" before anything changes. links
---must be a list (other keys raise).
---@param links nslua.link[]
---@return integer|nil deleted
---@return string? errmsg
---@return string? errno
function net.delete_links(links) end

---ip link add NAME [up] type bridge
---@param name string
---@param opts? {ns: nslua.nsref?, mtu: integer?, mac: string?, up: boolean?}
---@return nslua.link|nil link
---@return string? errmsg
---@return string? errno
function net.bridge(name, opts) end

---ip link add NAME type vxlan id ID remote R local L dev D dstport P
---@param name string
---@param opts {id: integer, remote: string?, local_ip: string?, dev: string|nslua.link|nil, port: integer?, mtu: integer?, ns: nslua.nsref?}
---@return nslua.link|nil link
---@return string? errmsg
---@return string? errno
function net.vxlan(name, opts) end

---ip addr show
---@param opts? {ns: nslua.nsref?}
---@return nslua.addr[]|nil addrs
---@return string? errmsg
---@return string? errno
function net.addrs(opts) end

---ip route show (main table, IPv4 and IPv6, or one family).
---@param opts? {ns: nslua.nsref?, family: "inet"|"inet6"|nil}
---@return nslua.route[]|nil routes
---@return string? errmsg
---@return string? errno
function net.routes(opts) end

---ip route add. dst, via and src must be of one family (family = when given).
---@param opts {dst: string, via: string?, dev: string|nslua.link|nil, metric: integer?, src: string?, table: integer?, family: "inet"|"inet6"|nil, ns: nslua.nsref?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function net.route_add(opts) end

---ip route del; a route that is not there: nil, "ESRCH: route_del(DST): no
---such route", "ESRCH".
---@param opts {dst: string, via: string?, dev: string|nslua.link|nil, metric: integer?, src: string?, table: integer?, family: "inet"|"inet6"|nil, ns: nslua.nsref?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function net.route_del(opts) end

---sysctl -n KEY, or sysctl -w KEY=VALUE with a value, inside the namespace
---("net.ipv4.ip_forward"). Values read back as strings. A value with a
---newline or NUL byte, or a NaN or infinite number, raises.
---@param key string
---@param value? string|number|boolean
---@param opts? {ns: nslua.nsref?}
---@return string|true|nil value_or_ok
---@return string? errmsg
---@return string? errno
function net.sysctl(key, value, opts) end

---ping -c COUNT -W TIMEOUT ADDR from inside the namespace, without starting
---a process. count defaults to 1, timeout (seconds per reply) to 2.
---@param addr string
---@param opts? {ns: nslua.nsref?, count: integer?, timeout: number?}
---@return nslua.pingresult|nil result
---@return string? errmsg
---@return string? errno
function net.ping(addr, opts) end

---How l:shape reads a rate: a tc rate string ("10mbit", "1gbit", "500kbps")
---or a number of bits per second, 8 to 1e15. Returns bits per second, or nil
---and why not.
---@param v string|number
---@return number|nil bits_per_second
---@return string? why
function net.parse_rate(v) end

---How l:shape reads a delay or jitter: "10ms", "1s", "250us", or a number of
---milliseconds, 0 to one hour. Returns milliseconds, or nil and why not.
---@param v string|number
---@return number|nil ms
---@return string? why
function net.parse_delay(v) end

---How l:shape reads a loss: "1%", "0.5", or a number, 0 to 100. Returns
---percent, or nil and why not.
---@param v string|number
---@return number|nil percent
---@return string? why
function net.parse_loss(v) end

return net
