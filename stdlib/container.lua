-- container: containers from a root file system directory, written in Lua
-- over ns, mount and proc.spawn (docs/container.md).
--
--   local container = require "container"
--   local c = container.new{rootfs = container.rootfs_from_host("/tmp/rootfs")}
--   print(c:run{"/bin/sh", "-c", "hostname; ls /"}.stdout)
--
-- How one is built (every run or start builds a fresh one):
--   1. a worker thread (ns.with) unshares a private mount namespace, and a
--      network namespace with loopback up when net = "none";
--   2. there mount.apply makes the root: an overlay with a tmpfs upper
--      layer over the rootfs, a minimal /dev, a read-only /sys, the user's
--      mounts, then the root made read-only when asked;
--   3. proc.spawn unshares mnt, pid, uts, ipc, cgroup (and user) namespaces,
--      pivots into the root, mounts /proc for the new pid namespace with
--      runc's masked and read-only paths, and execs the payload.
-- The worker's namespaces end with it as soon as the payload runs: what the
-- container sees lives on in its own copy, and nothing is ever mounted on the
-- host, so nothing needs undoing even after a SIGKILL.
local ns = require "ns"
local mount = require "mount"
local proc = require "proc"
local fs = require "fs"

local M = {}

local Container = {}

local NEW_KEYS = { rootfs = true, overlay = true, hostname = true, user = true, net = true, mounts = true,
  env = true, cwd = true, readonly = true, caps = true, no_new_privs = true }

-- options of run/start/exec besides argv
local RUN_KEYS = { argv = true, env = true, cwd = true, stdin = true, stdout = true, stderr = true, tty = true,
  timeout = true, kill_grace = true, max_output = true, uid = true, gid = true }

local DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

-- runc's defaults (config.json of `runc spec`): hidden and read-only /proc paths
M.MASKED_PATHS = { "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware" }
M.READONLY_PATHS = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" }

-- capabilities(7), as caps= names them (CAP_ and case optional)
M.CAPS = {}
for _, c in ipairs { "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
  "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock",
  "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot",
  "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
  "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
  "checkpoint_restore" } do
  M.CAPS[c] = true
end

local function fail(level, fmt, ...)
  error("container: " .. string.format(fmt, ...), level + 1)
end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do table.insert(out, k) end
  table.sort(out)
  return table.concat(out, ", ")
end

local function check_keys(t, allowed, what, level)
  for k in pairs(t) do
    if type(k) ~= "number" and not allowed[k] then
      fail(level + 1, "%s: unknown option %q (expected %s)", what, tostring(k), sorted_keys(allowed))
    end
  end
end

local function is_dir(p) return fs.type(p) == "dir" end
local function exists(p) return fs.type(p) ~= nil end

-- checks of container.new's options, raising at the caller's line
local function check_new(o)
  if type(o) ~= "table" then fail(3, "new: table of options expected, got %s", type(o)) end
  check_keys(o, NEW_KEYS, "new", 3)
  if type(o.rootfs) ~= "string" or o.rootfs == "" then
    fail(3, "new: rootfs (a directory holding the root file system) expected, got %s", type(o.rootfs))
  end
  if not is_dir(o.rootfs) then fail(3, "new: rootfs %q is not a directory", o.rootfs) end
  for _, k in ipairs { "overlay", "readonly", "no_new_privs" } do
    if o[k] ~= nil and type(o[k]) ~= "boolean" then fail(3, "new: %s: boolean expected, got %s", k, type(o[k])) end
  end
  for _, k in ipairs { "hostname", "cwd" } do
    if o[k] ~= nil and type(o[k]) ~= "string" then fail(3, "new: %s: string expected, got %s", k, type(o[k])) end
  end
  local user = o.user or "host"
  if type(user) == "table" then
    check_keys(user, { uid_map = true, gid_map = true }, "new: user", 3)
    if not user.uid_map then fail(3, "new: user: maps need uid_map (and gid_map)") end
  elseif user ~= "host" and user ~= "auto" then
    fail(3, 'new: user: "host", "auto" or {uid_map=, gid_map=} expected, got %s', tostring(user))
  end
  if o.mounts ~= nil then
    if type(o.mounts) ~= "table" then fail(3, "new: mounts: list of mount specs expected, got %s", type(o.mounts)) end
    local ok, err = pcall(mount.apply, o.mounts, { check = true })
    if not ok then
      local msg = tostring(err):gsub("^.-bad argument #1 to 'apply' %((.*)%)$", "%1"):gsub("^specs%[", "mounts[")
      fail(3, "new: %s", msg)
    end
  end
  if o.env ~= nil and type(o.env) ~= "table" then fail(3, "new: env: table expected, got %s", type(o.env)) end
  if o.caps ~= nil then
    if type(o.caps) ~= "table" then fail(3, "new: caps: list of capability names expected, got %s", type(o.caps)) end
    for i, c in ipairs(o.caps) do
      if type(c) ~= "string" then fail(3, "new: caps[%d]: capability name expected, got %s", i, type(c)) end
      if not M.CAPS[c:lower():gsub("^cap_", "")] then
        fail(3, "new: caps[%d]: unknown capability %q (expected names like net_admin, chown, sys_admin)", i, c)
      end
    end
  end
end

--- container.new{rootfs=, overlay=true, hostname=, user=, net=, mounts=, env=,
--- cwd=, readonly=, caps=, no_new_privs=} -> container
function M.new(o)
  check_new(o)
  local c = setmetatable({}, Container)
  for k, v in pairs(o) do c["_" .. k] = v end
  -- paths are resolved now: the threads that mount them later have their
  -- working directory reset by entering a mount namespace
  c._rootfs = assert(fs.abspath(o.rootfs))
  if o.mounts then
    c._mounts = {}
    for i, spec in ipairs(o.mounts) do
      local copy = {}
      for k, v in pairs(spec) do copy[k] = v end
      if copy.type == "bind" and type(copy.source) == "string" and copy.source:sub(1, 1) ~= "/" then
        copy.source = assert(fs.abspath(copy.source))
      end
      c._mounts[i] = copy
    end
  end
  if c._overlay == nil then c._overlay = true end
  c._hostname = c._hostname or "container"
  c._user = c._user or "host"
  c._net = c._net or "none"
  c._cwd = c._cwd or "/"
  -- the kernel makes the first run's network namespace on the other core
  -- while the script goes on
  if c._net == "none" then ns.prepare("net", { lo = true }) end
  return c
end

-- the container's environment: runc's minimal one, then the user's
local function environment(c, extra, tty)
  local env = { PATH = DEFAULT_PATH, HOME = "/root", HOSTNAME = c._hostname }
  if tty then env.TERM = os.getenv("TERM") or "xterm" end
  for k, v in pairs(c._env or {}) do env[k] = v end
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end

-- the mounts made before the payload exists, with targets in the root: the
-- root itself, then (second list) those that must see the container's
-- network namespace — sysfs shows the devices of the namespace that mounts
-- it — and the user's, which may cover anything
local function root_specs(c)
  local root, specs = {}, {}
  if c._overlay then
    table.insert(root, { type = "overlay", lower = c._rootfs, tmpfs = true, target = "/" })
  else
    table.insert(root, { type = "bind", source = c._rootfs, target = "/", rec = true })
  end
  table.insert(root, { type = "dir", target = "/proc", mode = "555" })
  table.insert(root, { type = "dev", target = "/dev" })
  local function add(s) table.insert(specs, s) end
  if c._net ~= "host" or c._user == "host" then
    add { type = "sysfs", target = "/sys", ro = true }
  else
    -- a new user namespace does not own the host's netns: sysfs refuses
    add { type = "bind", source = "/sys", target = "/sys", ro = true, rec = true }
  end
  add { type = "mask", target = "/sys/firmware" }
  for _, m in ipairs(c._mounts or {}) do add(m) end
  if c._readonly then add { type = "readonly", target = "/", rec = false } end
  return root, specs
end

-- the mounts proc.spawn makes once the payload's pid namespace exists: its
-- /proc, then runc's masked and read-only paths (those this kernel has)
local proc_cache
local function proc_specs()
  if proc_cache then return proc_cache end
  local specs = { { type = "proc", target = "/proc" } }
  proc_cache = specs
  for _, p in ipairs(M.MASKED_PATHS) do
    local kind = p:sub(1, 6) == "/proc/" and fs.type(p)
    if kind then
      if kind == "dir" then
        table.insert(specs, { type = "tmpfs", target = p, ro = true, options = "mode=555" })
      else
        table.insert(specs, { type = "bind", source = "/dev/null", target = p })
      end
    end
  end
  for _, p in ipairs(M.READONLY_PATHS) do
    if exists(p) then table.insert(specs, { type = "bind", source = p, target = p, ro = true }) end
  end
  return specs
end

-- net: "none" -> a new netns with lo up (made in build); "host" -> nil; a
-- container -> its init's; a topology node -> node:ns(); otherwise an
-- nsref. Returns a reference ns.with and proc.spawn take as a network
-- namespace, and whether it is ours to close.
local function network(c)
  local net = c._net
  if net == "host" or net == "none" then return nil end
  if getmetatable(net) == Container then
    if not (net._proc and net._proc:running()) then fail(4, "net: that container is not running") end
    net = net._proc
  elseif type(net) == "table" and type(net.ns) == "function" then
    net = net:ns() -- a topology node
  end
  if type(net) == "number" then return assert(ns.open("net", net)), true end
  if type(net) == "userdata" and net.type == nil and net.pid then
    return assert(net:ns("net")), true -- a process: its network namespace only
  end
  return net
end

-- the script's own mount namespace, a target for ns.with that it is in
-- already: the worker starts where the script is and unshares from there
local self_mnt

local function run_options(c, spec, level)
  if type(spec) ~= "table" then fail(level + 1, "argv list or options table expected, got %s", type(spec)) end
  check_keys(spec, RUN_KEYS, "run", level + 1)
  local argv = spec.argv or {}
  if not spec.argv then for i = 1, #spec do argv[i] = spec[i] end end
  if #argv == 0 then fail(level + 1, 'argv expected: a list like {"/bin/sh", "-c", "..."}') end
  local o = { argv = argv }
  for _, k in ipairs { "stdin", "stdout", "stderr", "tty", "timeout", "kill_grace", "max_output", "uid", "gid" } do
    o[k] = spec[k]
  end
  o.env = environment(c, spec.env, spec.tty)
  o.cwd = spec.cwd or c._cwd
  if c._caps then o.caps = c._caps end
  if c._no_new_privs then o.no_new_privs = true end
  return o
end

-- spawn, raising the failure triple's message
local function call_spawn(fn, opts)
  local p, msg = fn(opts)
  if p == nil then fail(4, "%s", tostring(msg)) end
  return p
end

-- build makes a fresh container and runs fn (proc.spawn or proc.run) in it
local function build(c, spec, fn)
  local opts = run_options(c, spec, 3)
  local nsopt = { mnt = "new", pid = "new", uts = "new", ipc = "new", cgroup = "new" }
  if c._user == "auto" then
    nsopt.user = "new"
  elseif type(c._user) == "table" then
    nsopt.user = "new"
    opts.uid_map, opts.gid_map = c._user.uid_map, c._user.gid_map or c._user.uid_map
  end
  opts.ns, opts.hostname, opts.root = nsopt, c._hostname, c._rootfs
  opts.mounts = proc_specs()
  local ok, netns, own = pcall(network, c)
  if not ok then error(netns, 0) end
  self_mnt = self_mnt or assert(ns.current("mnt"))
  -- a new netns with lo up: the kernel makes it on the other core while
  -- the root is built here (new started the first one)
  if c._net == "none" then ns.prepare("net", { lo = true }) end
  local fresh -- a handle on the new netns: the payload's process holds it once it runs
  local ok2, res = pcall(ns.with, netns or self_mnt, function()
    -- a worker thread: the namespaces it unshares and enters are its own and
    -- end with it, so the root built here is never seen by the script or the
    -- host
    assert(ns.unshare("mnt"))
    local root, rest = root_specs(c)
    local made, msg = mount.apply(root, { root = c._rootfs })
    if made and c._net == "none" then
      fresh = assert(ns.create("net", { lo = true }))
      assert(ns.enter(fresh))
    end
    if made then made, msg = mount.apply(rest, { root = c._rootfs }) end
    if not made then fail(5, "building the root file system: %s", msg) end
    return call_spawn(fn, opts)
  end)
  if fresh then fresh:close() end
  if own then netns:close() end
  if not ok2 then error(res, 0) end
  return res
end

-- rethrow raises err again at the caller of a method, without the position
-- inside this file that a nested error picked up
local function rethrow(err, level)
  if type(err) == "string" then err = err:gsub("^stdlib/container%.lua:%d+: ", "") end
  error(err, level + 1)
end

--- c:run(argv_or_opts) -> result: build a container, run argv in it, wait.
function Container:run(spec)
  self:_alive()
  local ok, res = pcall(build, self, spec, proc.run)
  if not ok then rethrow(res, 2) end
  return res
end

--- c:start(argv_or_opts) -> process: build a container with argv as its init.
function Container:start(spec)
  self:_alive()
  if self._proc and self._proc:running() then fail(2, "start: already running (pid %d)", self._proc.pid) end
  local ok, res = pcall(build, self, spec, proc.spawn)
  if not ok then rethrow(res, 2) end
  self._proc = res
  return res
end

--- c:exec(argv_or_opts) -> result: run another command in the running
--- container (docker exec): it joins every namespace of the container's init.
function Container:exec(spec)
  self:_alive()
  if not (self._proc and self._proc:running()) then fail(2, "exec: the container is not running (use c:start)") end
  local opts = run_options(self, spec, 2)
  opts.join = self._proc
  local ok, res = pcall(call_spawn, proc.run, opts)
  if not ok then rethrow(res, 2) end
  return res
end

--- c:stop([grace]) -> result or nil: SIGTERM to the init, SIGKILL after grace
--- seconds (default 1); the result of the init, nil when none was running.
function Container:stop(grace)
  local p = self._proc
  if not p then return nil end
  if p:running() then
    p:kill("TERM")
    local res = p:wait(grace or 1)
    if res then return res end
    p:kill("KILL")
  end
  return (p:wait())
end

--- c:remove(): stop it and forget it; the container cannot be used again.
function Container:remove()
  self:stop(0.5)
  self._proc = nil
  self._removed = true
end

function Container:_alive()
  if self._removed then fail(3, "the container was removed") end
end

Container.__index = function(c, k)
  if k == "pid" then return c._proc and c._proc:running() and c._proc.pid or nil end
  if k == "rootfs" then return c._rootfs end
  if k == "hostname" then return c._hostname end
  return Container[k]
end

Container.__tostring = function(c)
  return string.format("container %s (%s)", c._rootfs, c.pid and ("pid " .. c.pid) or "not running")
end

-- the busybox applet list, read once from busybox itself
local function applets(busybox)
  local r = assert(proc.run { busybox, "--list-full", env = {} })
  if r.code ~= 0 then fail(4, "rootfs_from_host: %s --list-full failed: %s", busybox, r.stderr) end
  local out = {}
  for line in r.stdout:gmatch("[^\n]+") do table.insert(out, line) end
  return out
end

--- container.rootfs_from_host(dir [, {busybox=true}]) -> dir: a minimal root
--- file system for tests and recipes: the usual directories, /etc/passwd and
--- /etc/group, and the host's static busybox (apt install busybox-static)
--- with one symlink per applet. The links are relative ("../../bin/busybox"):
--- absolute ones would point outside the root until pivot_root and break
--- after it in other tools.
function M.rootfs_from_host(dir, o)
  if type(dir) ~= "string" or dir == "" then fail(2, "rootfs_from_host: directory path expected, got %s", type(dir)) end
  o = o or {}
  if type(o) ~= "table" then fail(2, "rootfs_from_host: options table expected, got %s", type(o)) end
  check_keys(o, { busybox = true }, "rootfs_from_host", 2)
  local root = dir:sub(1, 1) == "/" and "/" or "."
  assert(mount.apply({ { type = "dir", target = dir } }, { root = root }))
  local specs = {}
  for _, d in ipairs { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "run", "var", "home" } do
    table.insert(specs, { type = "dir", target = "/" .. d })
  end
  table.insert(specs, { type = "dir", target = "/tmp", mode = "1777" })
  table.insert(specs, { type = "dir", target = "/root", mode = "700" })
  if o.busybox ~= false then
    local busybox = "/bin/busybox"
    if not exists(busybox) then fail(2, "rootfs_from_host: %s is missing (apt install busybox-static)", busybox) end
    table.insert(specs, { type = "copy", source = busybox, target = "/bin/busybox" })
    for _, path in ipairs(applets(busybox)) do
      if path ~= "bin/busybox" then
        local depth = select(2, path:gsub("/", ""))
        local link = depth == 1 and path:match("^bin/") and "busybox" or (string.rep("../", depth) .. "bin/busybox")
        table.insert(specs, { type = "symlink", source = link, target = "/" .. path })
      end
    end
  end
  assert(mount.apply(specs, { root = dir }))
  local function write(name, text)
    local f = assert(io.open(dir .. "/etc/" .. name, "w"))
    f:write(text)
    f:close()
  end
  write("passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
  write("group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n")
  write("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n")
  return dir
end

return M
