---@meta proc
-- LuaLS definitions for nslua's proc module: inspection (docs/ns.md "proc")
-- and starting processes (docs/spawn.md; API.md "proc").

---A mount spec of proc.spawn's `mounts` list (docs/spawn.md "Mount specs").
---@class nslua.mountspec
---@field type string? "bind" (default when source is given), "tmpfs", "proc", "overlay", ...
---@field source string? a host path for a bind; the source name otherwise
---@field target string where, as the child sees it (inside root)
---@field options string? "ro,nosuid,size=64m,..." flags and filesystem options
---@field ro boolean? read-only
---@field rec boolean? bind the mounts below source too (default true)

---proc.spawn / proc.run options. argv is the array part (or opts.argv).
---@class nslua.spawnopts
---@field [integer] string argv
---@field argv string[]? argv, instead of the array part
---@field ns (string|table<nslua.nstype, "new"|nslua.nsref>)? "net,uts,pid" (all new) or {net = "new" | nsref, ...}
---@field join nslua.nsref? join all its namespaces but user and time (nsenter -a)
---@field uid_map integer[][]? {{inside, outside, count}, ...} with user = "new"
---@field gid_map integer[][]? {{inside, outside, count}, ...} with user = "new"
---@field time_offsets {monotonic: number?, boottime: number?}? seconds, with time = "new"
---@field hostname string? in a new uts namespace (implied)
---@field root string? the child's / (pivot_root; implies a new mnt namespace)
---@field mounts nslua.mountspec[]? applied in the new mount namespace before exec
---@field cwd string? working directory, inside the root
---@field env (table<string, string|number>|string[])? the whole environment (default: nslua's)
---@field uid integer?
---@field gid integer?
---@field stdin ("inherit"|"null"|"pipe"|string)? "pipe" with spawn only (run raises)
---@field stdout ("inherit"|"null"|"pipe"|string)? run's default: "pipe"
---@field stderr ("inherit"|"null"|"pipe"|string)? run's default: "pipe"
---@field max_output integer? bytes kept per pipe in the result, and of a piped stdout buffered unread (default 64 MiB)
---@field timeout number? seconds: then SIGTERM to the child's process group, SIGKILL kill_grace later
---@field kill_grace number? seconds between SIGTERM and SIGKILL (default 1)
---@field tty boolean? a new pseudo-terminal as stdin/stdout/stderr
---@field caps string[]? capabilities kept in the bounding set ("net_admin", "CAP_CHOWN")
---@field no_new_privs boolean?

---What proc.run and p:wait() return. A non-zero exit is a result, not an error.
---@class nslua.result
---@field code integer the exit status, or 128 + n when killed by signal n
---@field signal integer? n when a signal killed it
---@field stdout string? what was captured from a "pipe" stdout
---@field stderr string? what was captured from a "pipe" stderr
---@field timed_out boolean true when opts.timeout killed it

---A started process (proc.spawn). It is an nsref: ns.with(p, fn),
---net.links{ns = p}. tostring(p) is "process 4711 (sleep, running)".
---@class nslua.process
---@field pid integer the host pid
local process = {}

---Wait for the child to end and its piped stdout/stderr to reach their end
---(a background grandchild holding the pipe keeps it waiting, as $(...)
---does): the result table, or nil, msg, "ETIMEDOUT" after timeout seconds
---(the child runs on; what was collected stays for read and a later wait).
---@param timeout? number
---@return nslua.result|nil result
---@return string? errmsg
---@return string? errno
function process:wait(timeout) end

---Send a signal ("TERM" by default, "SIGKILL", "hup", 9 ...) to the child
---alone, not its process group, as kill(1).
---@param sig? string|integer
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function process:kill(sig) end

---false once the child has been reaped.
---@return boolean
function process:running() end

---A handle of the child's namespace of that type (through its pidfd).
---@param type nslua.nstype
---@return nslua.ns|nil handle
---@return string? errmsg
---@return string? errno
function process:ns(type) end

---Write to the child's stdin (spawned with stdin = "pipe"). Piped output is
---collected meanwhile, so a child echoing it back never blocks the write.
---nil, msg, "EPIPE" once the child has exited (nslua then closes the pipe).
---@param data string
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function process:write(data) end

---Close the child's stdin pipe (the child reads end of file).
---@return true
function process:close_stdin() end

---Up to n bytes of a "pipe" stdout (without n: all that has arrived),
---blocking until some arrive; nil at the end.
---@param n? integer
---@return string|nil data
---@return string? errmsg
---@return string? errno
function process:read(n) end

---An iterator over the lines of a "pipe" stdout: for line in p:lines() do ... end
---@return fun(): string|nil
function process:lines() end

---One entry of proc.mounts() (and mount.list()): a line of mountinfo.
---@class nslua.mountinfo
---@field id integer
---@field parent integer
---@field source string
---@field target string
---@field fstype string
---@field options string per-mount options ("rw,nosuid")
---@field super_options string filesystem options
---@field root string the root of the mount within its filesystem
---@field propagation string "private", "shared:N", "master:N" ...

---What proc.info returns; a field the caller may not read is nil.
---@class nslua.procinfo
---@field pid integer
---@field ppid integer
---@field name string the comm (ps -o comm)
---@field state string "R", "S", ... as /proc shows
---@field cmdline string[]?
---@field exe string?
---@field cwd string?
---@field root string?
---@field uid integer? real uid
---@field euid integer? effective uid
---@field gid integer?
---@field egid integer?
---@field threads integer?
---@field nspid integer[]? the pid in every nested pid namespace, outermost first
---@field ns table<nslua.nstype, integer>? namespace inodes by type
---@field cgroup string? the cgroup v2 path
---@field start_time number seconds since boot

---A node of proc.tree().
---@class nslua.proctree
---@field pid integer
---@field name string
---@field children nslua.proctree[]

---@class nslua.proc.module
local proc = {}

---The pid of nslua ($$).
---@return integer
function proc.self() end

---Every pid, sorted (ps -e -o pid).
---@return integer[]|nil pids
---@return string? errmsg
---@return string? errno
function proc.list() end

---A process's identity, credentials and namespaces (ps, /proc/PID/status).
---@param pid integer|nslua.process
---@return nslua.procinfo|nil info
---@return string? errmsg
---@return string? errno
function proc.info(pid) end

---The pids whose parent is pid, sorted (pgrep -P PID).
---@param pid integer|nslua.process
---@return integer[]|nil pids
---@return string? errmsg
---@return string? errno
function proc.children(pid) end

---The process tree below pid (default 1), as pstree -p.
---@param pid? integer|nslua.process
---@return nslua.proctree|nil tree
---@return string? errmsg
---@return string? errno
function proc.tree(pid) end

---Pids whose comm is name and/or that are in the namespaces of ns, as
---`pgrep -x NAME --ns PID`.
---@param name_or_opts string|{name: string?, ns: nslua.nsref?}
---@return integer[]|nil pids
---@return string? errmsg
---@return string? errno
function proc.find(name_or_opts) end

---The mount table of pid's mount namespace (findmnt -N PID).
---@param pid integer|nslua.process
---@return nslua.mountinfo[]|nil mounts
---@return string? errmsg
---@return string? errno
function proc.mounts(pid) end

---Send a signal ("TERM" by default, "SIGKILL", 9 ...), as kill(1).
---@param pid integer|nslua.process
---@param sig? string|integer
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function proc.kill(pid, sig) end

---Start a process (unshare(1), nsenter(1), bwrap(1) in one) and return a
---process object. Children die with nslua.
---@param opts nslua.spawnopts
---@return nslua.process|nil process
---@return string? errmsg
---@return string? errno
function proc.spawn(opts) end

---Spawn, wait and capture (stdout and stderr default to "pipe"). stdin =
---"pipe" raises: run gives no process to write to (use proc.spawn).
---@param opts nslua.spawnopts
---@return nslua.result|nil result
---@return string? errmsg
---@return string? errno
function proc.run(opts) end

return proc
