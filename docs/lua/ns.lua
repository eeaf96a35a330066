---@meta ns
-- LuaLS definitions for nslua's ns module (docs/ns.md; API.md "ns").
-- Functions that touch the system return `true` (or a value) on success and
-- `nil, "ENAME: op(arg): text", "ENAME"` on failure: wrap them in assert().

---A namespace reference: a handle, a pid, a process object, a netns name (as
---in `ip netns`) or a path to an nsfs file (any string with a "/").
---@alias nslua.nsref nslua.ns|integer|string|nslua.process

---A namespace type name.
---@alias nslua.nstype "cgroup"|"ipc"|"mnt"|"net"|"pid"|"time"|"user"|"uts"

---An open namespace (an O_CLOEXEC fd on an nsfs file). `tostring(h)` is
---"net:[4026531840]"; handles compare with `==` by device and inode.
---@class nslua.ns
---@field type nslua.nstype the namespace type
---@field id integer the inode number (what lsns calls NS)
---@field dev integer the nsfs device number
---@field path string where it was opened from
---@field closed boolean true after h:close()
local handle = {}

---Move the script into this namespace (setns), like a shell running nsenter.
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function handle:enter() end

---Run fn(...) on a worker thread inside this namespace and return its results;
---the script's own namespaces are untouched, also when fn raises.
---@param fn fun(...): ...
---@param ... any
---@return any ...
function handle:with(fn, ...) end

---Bind-mount the namespace onto path (created when missing), as
---`mount --bind /proc/PID/ns/TYPE PATH`. Removed at exit unless opts.keep.
---@param path string
---@param opts? {keep: boolean?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function handle:pin(path, opts) end

---The parent namespace of a pid or user namespace (ioctl NS_GET_PARENT).
---@return nslua.ns|nil parent
---@return string? errmsg
---@return string? errno
function handle:parent() end

---The user namespace that owns this one (ioctl NS_GET_USERNS).
---@return nslua.ns|nil owner
---@return string? errmsg
---@return string? errno
function handle:owner() end

---Close the fd now (it is closed at exit anyway). Idempotent.
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function handle:close() end

---One entry of ns.list().
---@class nslua.ns.entry
---@field id integer inode
---@field type nslua.nstype
---@field nprocs integer processes with a task inside
---@field pids integer[] sorted
---@field pid integer? the lowest pid inside (nil when no process is inside)
---@field uid integer? owner of that process
---@field names string[] netns names
---@field pins string[] every nsfs mount point holding it
---@field path string a path that opens it

---@class nslua.ns.module
---@field TYPES nslua.nstype[] {"cgroup","ipc","mnt","net","pid","time","user","uts"}
local ns = {}

---A handle for an nsfs file: ns.open("/run/netns/blue"), or
---ns.open(type, target) with target a pid, process, netns name, path or "self".
---@param path_or_type string
---@param target? integer|string|nslua.process
---@return nslua.ns|nil handle
---@return string? errmsg
---@return string? errno
function ns.open(path_or_type, target) end

---The script's own namespace of that type (for pid: the one its children
---are born in).
---@param type nslua.nstype
---@return nslua.ns|nil handle
---@return string? errmsg
---@return string? errno
function ns.current(type) end

---Move the script into new namespaces, like unshare(1): types "net,uts" or
---{"net","uts"} (cgroup, ipc, mnt, net, pid, uts). mnt is made private unless
---opts.propagation says otherwise; pid applies to children spawned later.
---@param types string|nslua.nstype[]
---@param opts? {propagation: "private"|"slave"|"shared"|"unchanged"|nil}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function ns.unshare(types, opts) end

---setns the script into a namespace, or into all of a process's (but user
---and time), like nsenter -a.
---@param ref nslua.nsref
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function ns.enter(ref) end

---Run fn(...) on a worker thread inside the namespaces (one nsref, a list of
---them, or a process) and return its results; errors in fn are re-raised.
---@param refs nslua.nsref|nslua.nsref[]
---@param fn fun(...): ...
---@param ... any
---@return any ...
function ns.with(refs, fn, ...) end

---A new namespace the script is not in (like `ip netns add` with opts.name).
---opts.pin pins any type at a path (removed at exit unless opts.keep);
---user and time come from a short-lived child (uid_map/gid_map, offsets);
---a net namespace gets opts.sysctl ({key = value}, net.* keys as net.sysctl
---takes them, written in the order of their names) and then, with opts.lo, its
---loopback up (`ip -n X link set lo up`), both by the thread that makes it,
---before anything else can see it. A value the kernel refuses returns its
---error; two keys naming the same file raise.
---@param type nslua.nstype
---@param opts? {name: string?, pin: string?, keep: boolean?, uid_map: integer[][]?, gid_map: integer[][]?, offsets: {monotonic: number?, boottime: number?}?, propagation: string?, lo: boolean?, sysctl: table<string, string|number|boolean>?}
---@return nslua.ns|nil handle
---@return string? errmsg
---@return string? errno
function ns.create(type, opts) end

---Start making a network namespace in the background now; the next
---ns.create("net") with the same opts.lo and opts.sysctl takes it. A hint for
---a script that will need one and has other work first (a container builds
---its root meanwhile). From the second ns.create("net") on, nslua does this
---by itself.
---@param type "net"
---@param opts? {lo: boolean?, sysctl: table<string, string|number|boolean>?}
---@return true
function ns.prepare(type, opts) end

---Unpin a namespace (umount + unlink), as `ip netns del NAME`. Like it, also
---removes a pin file under /run/netns whose bind never happened (an empty file
---left by a maker killed half way), when /run/netns is a shared mount point
---where the script is; any other file that holds no namespace fails with EINVAL.
---@param name_or_path string
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function ns.delete(name_or_path) end

---The netns names under /run/netns, as `ip netns list`.
---@return string[]|nil names
---@return string? errmsg
---@return string? errno
function ns.names() end

---Every namespace reachable through /proc or a pin, like lsns. The second
---result (only when there are some) lists pids whose namespaces could not be
---read (EACCES), which lsns skips silently.
---@param opts? {type: nslua.nstype?}
---@return nslua.ns.entry[]|nil entries
---@return (integer[]|string)? unreadable_or_errmsg
---@return string? errno
function ns.list(opts) end

---Get (no argument) or set the hostname of the script's uts namespace, as
---hostname(1).
---@param name? string
---@return string|true|nil name_or_ok
---@return string? errmsg
---@return string? errno
function ns.hostname(name) end

---Get or set the NIS domain name of the script's uts namespace, as
---domainname(1).
---@param name? string
---@return string|true|nil name_or_ok
---@return string? errmsg
---@return string? errno
function ns.domainname(name) end

return ns
