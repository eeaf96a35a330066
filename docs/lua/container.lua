---@meta container
-- LuaLS definitions for nslua's container module (stdlib/container.lua;
-- docs/container.md; API.md "container"). Unlike the native modules it
-- raises on failure, with the low-level message inside, at the line of the
-- script that called it.
--
--   local container = require "container"
--   local c = container.new{rootfs = container.rootfs_from_host("/tmp/rootfs")}
--   print(c:run{"/bin/sh", "-c", "hostname; ls /"}.stdout)

---container.new's options.
---@class nslua.containeropts
---@field rootfs string a directory holding the root file system
---@field overlay boolean? an overlay with a throw-away upper layer over rootfs (default true)
---@field hostname string? 1 to 64 bytes, no NUL (default "container")
---@field user ("host"|"auto"|{uid_map: integer[][], gid_map: integer[][]?})? "host" (default): root is the caller; "auto": a user namespace mapping 0..65535 to an unused range
---@field net ("none"|"host"|nslua.container|table|nslua.nsref)? "none" (default: a netns with only lo), "host", another container, a topology node, or a reference to a net namespace (a handle of type net, pid, process, netns name, nsfs path)
---@field mounts nslua.mountspec[]? extra mounts, targets inside the root
---@field env table<string, string|number>? added to the minimal environment (PATH, HOME, HOSTNAME, TERM)
---@field cwd string? (default "/")
---@field readonly boolean? a read-only root
---@field caps string[]? capabilities kept in the bounding set (default: all of root's)
---@field no_new_privs boolean?

---What c:run, c:start and c:exec take: an argv list or a table with argv and
---these options.
---@class nslua.containerrun
---@field [integer] string argv
---@field argv string[]?
---@field env table<string, string>?
---@field cwd string?
---@field stdin ("inherit"|"null"|"pipe"|string)?
---@field stdout ("inherit"|"null"|"pipe"|string)?
---@field stderr ("inherit"|"null"|"pipe"|string)?
---@field tty boolean?
---@field timeout number?
---@field kill_grace number?
---@field max_output integer?
---@field uid integer?
---@field gid integer?

---A container: a root file system and how to run things in it. Every run
---or start builds a fresh one (new mnt, pid, uts, ipc, cgroup namespaces, a
---private /proc, a minimal /dev, runc's masked /proc paths).
---@class nslua.container
---@field pid integer? the host pid of the running init (c:start), nil when none runs
---@field rootfs string
---@field hostname string
local Container = {}

---Build a container, run argv in it and wait: the result table.
---@param argv_or_opts string[]|nslua.containerrun
---@return nslua.result
function Container:run(argv_or_opts) end

---Build a container with argv as its init and return the process.
---@param argv_or_opts string[]|nslua.containerrun
---@return nslua.process
function Container:start(argv_or_opts) end

---Run another command in the running container (docker exec): it joins
---every namespace of the container's init.
---@param argv_or_opts string[]|nslua.containerrun
---@return nslua.result
function Container:exec(argv_or_opts) end

---SIGTERM to the init, SIGKILL after grace seconds (default 1): the result
---of the last start's init, once (also when it ended by itself); nil when
---none was started since the last stop. A grace that is not a finite number
---of seconds (0 or more) raises.
---@param grace? number
---@return nslua.result|nil
function Container:stop(grace) end

---Stop it and forget it; the container cannot be used again.
function Container:remove() end

---@class nslua.container.module
---@field MASKED_PATHS string[] runc's default masked paths
---@field READONLY_PATHS string[] runc's default read-only /proc paths
---@field CAPS table<string, true> capability names caps= accepts (CAP_ and case optional)
local container = {}

---A container description; nothing is built until run or start.
---@param opts nslua.containeropts
---@return nslua.container
function container.new(opts) end

---A minimal root file system in dir for tests and recipes: the usual
---directories, /etc/passwd and /etc/group, and the host's static busybox
---with one relative symlink per applet. Returns dir.
---@param dir string
---@param opts? {busybox: boolean?}
---@return string dir
function container.rootfs_from_host(dir, opts) end

return container
