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

-- Errors. Every function a script calls is made with public() or method():
-- whatever goes wrong inside raises "container: ..." with no position, and
-- the wrapper raises it again once, at the line of the script that called
-- it (as error(msg, 2) would, but right also through tail calls).
local function fail(fmt, ...)
  error("container: " .. string.format(fmt, ...), 0)
end

-- the position is the first frame outside this file (nslua.errors)
local errors = require "nslua.errors"
errors.internal(debug.getinfo(1, "S").source)
local caller_position = errors.position

local function finish(pos, ok, ...)
  if ok then return ... end
  local err = ...
  if type(err) ~= "string" then error(err, 0) end
  err = errors.strip(err)
  if err:sub(1, 11) ~= "container: " then err = "container: " .. err end
  error(pos .. err, 0)
end

-- public(fn): fn as the module offers it, raising at the caller's line
local function public(fn)
  return function(...)
    local pos = caller_position()
    return finish(pos, pcall(fn, ...))
  end
end

-- method(name, fn [, live]): public(fn) for c:name(...), which checks c
-- (and with live, that it was not removed)
local function method(name, fn, live)
  return function(self, ...)
    local pos = caller_position()
    if getmetatable(self) ~= Container then
      finish(pos, false, string.format("%s: a container expected as self (call it as c:%s(...)), got %s", name, name,
        type(self)))
    end
    if live and self._removed then finish(pos, false, name .. ": the container was removed") end
    return finish(pos, pcall(fn, self, ...))
  end
end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do table.insert(out, k) end
  table.sort(out)
  return table.concat(out, ", ")
end

local function check_keys(t, allowed, what)
  for k in pairs(t) do
    if type(k) ~= "number" and not allowed[k] then
      fail("%s: unknown option %q (expected %s)", what, tostring(k), sorted_keys(allowed))
    end
  end
end

local function is_dir(p) return fs.type(p) == "dir" end
local function exists(p) return fs.type(p) ~= nil end

local function has_nul(s) return s:find("\0", 1, true) ~= nil end

-- the name of a userdata's type: "nslua.ns", "nslua.process"
local function udtype(v)
  local mt = type(v) == "userdata" and getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__name") or nil
end

-- a uid_map or gid_map: proc.spawn's rules, checked before anything runs
local function check_idmap(m, what)
  if type(m) ~= "table" or #m == 0 then
    fail("%s: a list of {inside, outside, count} expected, got %s", what, type(m) == "table" and "an empty table" or type(m))
  end
  for i, e in ipairs(m) do
    local good = type(e) == "table" and #e == 3
    for j = 1, 3 do
      local n = good and e[j]
      good = good and type(n) == "number" and n == math.floor(n) and n >= 0 and n <= 4294967295
    end
    if not good then
      fail("%s[%d]: {inside, outside, count} of integers from 0 to 4294967295 expected", what, i)
    end
  end
end

-- env: {NAME = value}, a name without '=' and a string (or number) value
local function check_env(env, what)
  if type(env) ~= "table" then fail("%s: table expected ({NAME = value}), got %s", what, type(env)) end
  for k, v in pairs(env) do
    if type(k) ~= "string" or k == "" or k:find("=", 1, true) or has_nul(k) then
      fail("%s: names must be strings without '=' or NUL ({NAME = value}), got %s %s", what, type(k),
        string.format("%q", tostring(k)))
    end
    if (type(v) ~= "string" and type(v) ~= "number") or (type(v) == "string" and has_nul(v)) then
      fail("%s: %s: string value without NUL expected, got %s", what, k, type(v))
    end
  end
end

local NET_EXPECTED = '"none", "host", a container, a topology node or a network namespace reference ' ..
    "(net handle, pid, process, netns name or nsfs path)"

-- net: what container.new accepts; what it refers to is found at each run
local function check_net(net)
  if net == nil or net == "none" or net == "host" or getmetatable(net) == Container then return end
  local t, ud = type(net), udtype(net)
  if t == "string" then
    if net == "" or has_nul(net) then fail("new: net: netns name or path expected, got %q", net) end
  elseif t == "number" then
    if net ~= math.floor(net) or net < 1 or net > 2147483647 then
      fail("new: net: a pid (an integer > 0) expected, got %s", tostring(net))
    end
  elseif ud == "nslua.ns" then
    if net.type ~= "net" then fail("new: net: a net namespace expected, got the %s namespace %s", net.type, tostring(net)) end
  elseif ud == "nslua.process" then
    return
  elseif t == "table" and type(net.ns) == "function" then
    return -- a topology node
  else
    fail("new: net: %s expected, got %s", NET_EXPECTED, ud or t)
  end
end

-- checks of container.new's options, all made before anything is built
local function check_new(o)
  if type(o) ~= "table" then fail("new: table of options expected, got %s", type(o)) end
  check_keys(o, NEW_KEYS, "new")
  if type(o.rootfs) ~= "string" or o.rootfs == "" then
    fail("new: rootfs (a directory holding the root file system) expected, got %s", type(o.rootfs))
  end
  if has_nul(o.rootfs) then fail("new: rootfs: path without NUL bytes expected, got %q", o.rootfs) end
  if not is_dir(o.rootfs) then fail("new: rootfs %q is not a directory", o.rootfs) end
  for _, k in ipairs { "overlay", "readonly", "no_new_privs" } do
    if o[k] ~= nil and type(o[k]) ~= "boolean" then fail("new: %s: boolean expected, got %s", k, type(o[k])) end
  end
  for _, k in ipairs { "hostname", "cwd" } do
    if o[k] ~= nil and type(o[k]) ~= "string" then fail("new: %s: string expected, got %s", k, type(o[k])) end
  end
  if o.hostname and (o.hostname == "" or #o.hostname > 64 or has_nul(o.hostname)) then
    fail("new: hostname: 1 to 64 bytes without NUL expected, got %d bytes%s", #o.hostname,
      has_nul(o.hostname) and " with a NUL" or "")
  end
  if o.cwd and (o.cwd == "" or has_nul(o.cwd)) then fail("new: cwd: path without NUL bytes expected, got %q", o.cwd) end
  local user = o.user or "host"
  if type(user) == "table" then
    check_keys(user, { uid_map = true, gid_map = true }, "new: user")
    if not user.uid_map then fail("new: user: maps need uid_map (and gid_map)") end
    check_idmap(user.uid_map, "new: user: uid_map")
    if user.gid_map ~= nil then check_idmap(user.gid_map, "new: user: gid_map") end
  elseif user ~= "host" and user ~= "auto" then
    fail('new: user: "host", "auto" or {uid_map=, gid_map=} expected, got %s', tostring(user))
  elseif user == "auto" then
    -- rootless, the 65536 ids come from the caller's subordinate range
    local host = require "nslua"
    if host.rootless and host.subids < 65536 then
      local me = os.getenv("USER") or "USER"
      fail('new: user = "auto" needs 65536 subordinate ids, and rootless nslua has %d: give %s a range in '
        .. '/etc/subuid and /etc/subgid (as root: usermod --add-subuids 100000-165535 --add-subgids '
        .. '100000-165535 %s) and install newuidmap/newgidmap (apt install uidmap), or use user = "host"',
        host.subids, me, me)
    end
  end
  check_net(o.net)
  if o.mounts ~= nil then
    if type(o.mounts) ~= "table" then fail("new: mounts: list of mount specs expected, got %s", type(o.mounts)) end
    local ok, err = pcall(mount.apply, o.mounts, { check = true })
    if not ok then
      local msg = tostring(err):gsub("^.-bad argument #1 to 'apply' %((.*)%)$", "%1"):gsub("^specs%[", "mounts[")
      fail("new: %s", msg)
    end
  end
  if o.env ~= nil then check_env(o.env, "new: env") end
  if o.caps ~= nil then
    if type(o.caps) ~= "table" then fail("new: caps: list of capability names expected, got %s", type(o.caps)) end
    for i, c in ipairs(o.caps) do
      if type(c) ~= "string" then fail("new: caps[%d]: capability name expected, got %s", i, type(c)) end
      if not M.CAPS[c:lower():gsub("^cap_", "")] then
        fail("new: caps[%d]: unknown capability %q (expected names like net_admin, chown, sys_admin)", i, c)
      end
    end
  end
end

--- container.new{rootfs=, overlay=true, hostname=, user=, net=, mounts=, env=,
--- cwd=, readonly=, caps=, no_new_privs=} -> container
M.new = public(function(o)
  check_new(o)
  local c = setmetatable({}, Container)
  for k, v in pairs(o) do c["_" .. k] = v end
  -- copies of what was checked, so that a later change to the caller's
  -- tables cannot slip past the checks
  if o.env then
    c._env = {}
    for k, v in pairs(o.env) do c._env[k] = v end
  end
  if type(o.user) == "table" then c._user = { uid_map = o.user.uid_map, gid_map = o.user.gid_map } end
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
end)

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

-- network resolves net= for one run: nil for "none" (build makes a netns)
-- and "host"; else a handle of a network namespace, and whether it is ours
-- to close. A name, path, pid or process is opened anew each run (a netns
-- may come and go between runs), a path checked to be a network namespace.
local function network(c)
  local net = c._net
  if net == "host" or net == "none" then return nil end
  if getmetatable(net) == Container then
    if not (net._proc and net._proc:running()) then fail("net: that container is not running") end
    net = net._proc
  elseif type(net) == "table" then
    net = net:ns() -- a topology node: its handle, closed when the topology stops
    if udtype(net) ~= "nslua.ns" or net.type ~= "net" then fail("net: the node's ns() gave no network namespace") end
    return net, false
  end
  if udtype(net) == "nslua.ns" then return net, false end
  local h, msg
  if udtype(net) == "nslua.process" then
    h, msg = net:ns("net")
  elseif type(net) == "string" and net:find("/", 1, true) then
    h, msg = ns.open(net)
    if h and h.type ~= "net" then
      local kind = h.type
      h:close()
      fail("net: %s is a %s namespace, not a net one", net, kind)
    end
  else
    h, msg = ns.open("net", net) -- a netns name or a pid
  end
  if not h then fail("net: %s", tostring(msg)) end
  return h, true
end

-- the script's own mount namespace, a target for ns.with that it is in
-- already: the worker starts where the script is and unshares from there
local self_mnt

local function run_options(c, spec, what)
  if type(spec) ~= "table" then fail("%s: argv list or options table expected, got %s", what, type(spec)) end
  check_keys(spec, RUN_KEYS, what)
  local argv = spec.argv or {}
  if not spec.argv then for i = 1, #spec do argv[i] = spec[i] end end
  if type(argv) ~= "table" or #argv == 0 then fail('%s: argv expected: a list like {"/bin/sh", "-c", "..."}', what) end
  if spec.env ~= nil then check_env(spec.env, what .. ": env") end
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
  if p == nil then fail("%s", tostring(msg)) end
  return p
end

-- build makes a fresh container and runs fn (proc.spawn or proc.run) in it
local function build(c, spec, fn, what)
  local opts = run_options(c, spec, what)
  local nsopt = { mnt = "new", pid = "new", uts = "new", ipc = "new", cgroup = "new" }
  if c._user == "auto" then
    nsopt.user = "new"
  elseif type(c._user) == "table" then
    nsopt.user = "new"
    opts.uid_map, opts.gid_map = c._user.uid_map, c._user.gid_map or c._user.uid_map
  end
  opts.ns, opts.hostname, opts.root = nsopt, c._hostname, c._rootfs
  opts.mounts = proc_specs()
  self_mnt = self_mnt or assert(ns.current("mnt"))
  local netns, own = network(c)
  -- a new netns with lo up: the kernel makes it on the other core while
  -- the root is built here (new started the first one)
  if c._net == "none" then ns.prepare("net", { lo = true }) end
  local fresh -- a handle on the new netns: the payload's process holds it once it runs
  local ok, res, msg = pcall(ns.with, netns or self_mnt, function()
    -- a worker thread: the namespaces it unshares and enters are its own and
    -- end with it, so the root built here is never seen by the script or the
    -- host
    assert(ns.unshare("mnt"))
    local root, rest = root_specs(c)
    local made, err = mount.apply(root, { root = c._rootfs })
    if made and c._net == "none" then
      fresh = assert(ns.create("net", { lo = true }))
      assert(ns.enter(fresh))
    end
    if made then made, err = mount.apply(rest, { root = c._rootfs }) end
    if not made then fail("building the root file system: %s", err) end
    local p = call_spawn(fn, opts)
    return p
  end)
  if fresh then fresh:close() end
  if own then netns:close() end
  if not ok then
    if type(res) == "string" and res:find("attempt to use a closed nslua.ns", 1, true) then
      fail("net: the namespace handle was closed")
    end
    error(res, 0)
  end
  -- ns.with's own failure (entering the namespace): its nil, message
  if res == nil then fail("%s%s", netns and "net: " or "", tostring(msg)) end
  return res
end

--- c:run(argv_or_opts) -> result: build a container, run argv in it, wait.
Container.run = method("run", function(self, spec)
  return build(self, spec, proc.run, "run")
end, true)

--- c:start(argv_or_opts) -> process: build a container with argv as its init.
Container.start = method("start", function(self, spec)
  if self._proc and self._proc:running() then fail("start: already running (pid %d)", self._proc.pid) end
  self._proc = build(self, spec, proc.spawn, "start")
  return self._proc
end, true)

--- c:exec(argv_or_opts) -> result: run another command in the running
--- container (docker exec): it joins every namespace of the container's init.
Container.exec = method("exec", function(self, spec)
  if not (self._proc and self._proc:running()) then fail("exec: the container is not running (use c:start)") end
  local opts = run_options(self, spec, "exec")
  opts.join = self._proc
  return call_spawn(proc.run, opts)
end, true)

-- stop ends the init: SIGTERM, SIGKILL after grace seconds
local function stop(self, grace)
  if grace ~= nil and (type(grace) ~= "number" or grace ~= grace or grace < 0 or grace == math.huge) then
    fail("stop: bad argument #1 (grace: seconds, a finite number >= 0, expected, got %s %s)", type(grace),
      tostring(grace))
  end
  local p = self._proc
  if not p then return nil end
  if p:running() then
    p:kill("TERM")
    local res, msg, code = p:wait(grace or 1)
    if res then return res end
    if code ~= "ETIMEDOUT" then fail("stop: %s", tostring(msg)) end
    p:kill("KILL")
  end
  local res, msg = p:wait()
  if not res then fail("stop: %s", tostring(msg)) end
  self._proc = nil -- reported: a second stop has nothing to say
  return res
end

--- c:stop([grace]) -> result or nil: SIGTERM to the init, SIGKILL after grace
--- seconds (default 1); the result of the init of the last c:start (also
--- when it ended by itself), once: nil when none was started since the
--- last stop.
Container.stop = method("stop", stop)

--- c:remove(): stop it and forget it; the container cannot be used again.
Container.remove = method("remove", function(self)
  stop(self, 0.5)
  self._proc = nil
  self._removed = true
end)

Container.__fields = { "pid", "rootfs", "hostname" } -- for the REPL's completion
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
  local r, msg = proc.run { busybox, "--list-full", env = {} }
  if not r then fail("rootfs_from_host: %s", tostring(msg)) end
  if r.code ~= 0 then fail("rootfs_from_host: %s --list-full failed: %s", busybox, r.stderr) end
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
M.rootfs_from_host = public(function(dir, o)
  if type(dir) ~= "string" or dir == "" then fail("rootfs_from_host: directory path expected, got %s", type(dir)) end
  if has_nul(dir) then fail("rootfs_from_host: directory path without NUL bytes expected, got %q", dir) end
  o = o or {}
  if type(o) ~= "table" then fail("rootfs_from_host: options table expected, got %s", type(o)) end
  check_keys(o, { busybox = true }, "rootfs_from_host")
  if o.busybox ~= nil and type(o.busybox) ~= "boolean" then
    fail("rootfs_from_host: busybox: boolean expected, got %s", type(o.busybox))
  end
  local function apply(specs, root)
    local ok, msg = mount.apply(specs, { root = root })
    if not ok then fail("rootfs_from_host: %s", tostring(msg)) end
  end
  apply({ { type = "dir", target = dir } }, dir:sub(1, 1) == "/" and "/" or ".")
  local specs = {}
  for _, d in ipairs { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys", "run", "var", "home" } do
    table.insert(specs, { type = "dir", target = "/" .. d })
  end
  table.insert(specs, { type = "dir", target = "/tmp", mode = "1777" })
  table.insert(specs, { type = "dir", target = "/root", mode = "700" })
  if o.busybox ~= false then
    local busybox = "/bin/busybox"
    if not exists(busybox) then fail("rootfs_from_host: %s is missing (apt install busybox-static)", busybox) end
    table.insert(specs, { type = "copy", source = busybox, target = "/bin/busybox" })
    for _, path in ipairs(applets(busybox)) do
      if path ~= "bin/busybox" then
        local depth = select(2, path:gsub("/", ""))
        local link = depth == 1 and path:match("^bin/") and "busybox" or (string.rep("../", depth) .. "bin/busybox")
        table.insert(specs, { type = "symlink", source = link, target = "/" .. path })
      end
    end
  end
  apply(specs, dir)
  local function write(name, text)
    local f, msg = io.open(dir .. "/etc/" .. name, "w")
    if not f then fail("rootfs_from_host: %s", tostring(msg)) end
    f:write(text)
    f:close()
  end
  write("passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
  write("group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n")
  write("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n")
  return dir
end)

return M
