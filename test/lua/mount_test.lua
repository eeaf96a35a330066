-- The mount module: argument checking everywhere, and mounts made in a
-- private mount namespace (ns.unshare "mnt") that the host never sees.
local mount = require "mount"

local function private_ns(t)
  local ok, ns = pcall(require, "ns")
  if not ok then t:skip("needs the ns module to leave the host's mount namespace") end
  assert(ns.unshare("mnt"))
  return ns
end

local function tmpdir(t)
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p " .. p) == 0)
  t:cleanup(function()
    -- what a test mounted there and below first, deepest first, or rm
    -- fails with EBUSY and leaves the directory behind
    local below = {}
    for _, m in ipairs(mount.list() or {}) do
      if m.target == p or m.target:sub(1, #p + 1) == p .. "/" then below[#below + 1] = m.target end
    end
    table.sort(below, function(a, b) return #a > #b end)
    for _, target in ipairs(below) do mount.umount(target, { detach = true }) end
    os.execute("rm -rf " .. p)
  end)
  return p
end

function test_argument_errors_name_the_argument(t)
  t:fails(function() mount.mount("a") end, "bad argument #2 to 'mount' (string expected, got ")
  t:fails(function() mount.mount("a", "/x", "tmpfs", "ro,bogus") end, 'unknown mount flag "bogus"')
  t:fails(function() mount.mount("a", "/x", "tmpfs", "size=1m") end, "go in the data argument")
  t:fails(function() mount.mount("a", "/x\0y", "tmpfs") end, "NUL byte")
  t:fails(function() mount.mount("a", "/x", "tmpfs", nil, nil, 6) end, "no more than 5 argument")
  t:fails(function() mount.bind("/a", "/b", { ro = true, recursive = true }) end, 'unknown option "recursive"')
  t:fails(function() mount.bind("/a", "/b", { ro = "yes" }) end, 'option "ro": boolean expected')
  t:fails(function() mount.bind("/a") end, "bad argument #2 to 'bind'")
  t:fails(function() mount.tmpfs("/x", { size = "lots" }) end, 'size like 65536')
  t:fails(function() mount.tmpfs("/x", { mode = "999" }) end, 'octal mode')
  t:fails(function() mount.tmpfs("/x", { mode = -1 }) end, 'mode between')
  t:fails(function() mount.tmpfs("") end, "empty path")
  t:fails(function() mount.tmpfs(string.rep("x", 5000)) end, "longer than PATH_MAX")
  t:fails(function() mount.proc(1) end, "string expected, got number")
  t:fails(function() mount.sysfs("/x", { ro = true }) end, 'unknown option "ro"')
  t:fails(function() mount.overlay("/x") end, "table expected, got string")
  t:fails(function() mount.overlay { target = "/x" } end, "missing lower")
  t:fails(function() mount.overlay { lower = "/l" } end, "missing target")
  t:fails(function() mount.overlay { lower = { "/l", 3 }, target = "/x" } end, "lower[2]: path expected")
  t:fails(function() mount.overlay { lower = "/l", upper = "/u", target = "/x" } end, "upper and work go together")
  t:fails(function() mount.overlay { lower = "/l", upper = "/u", work = "/w", tmpfs = true, target = "/x" } end,
    "give neither")
  t:fails(function() mount.overlay { lower = "/l", target = "/x", type = "tmpfs" } end, 'unknown option "type"')
  t:fails(function() mount.overlay { lower = "/l", upper = "/u", work = "/w", size = "1m", target = "/x" } end,
    "size: only with tmpfs = true")
  t:fails(function() mount.umount("/x", { lazy = true }) end, 'unknown option "lazy"')
  t:fails(function() mount.propagation("/x", "privat") end, 'unknown propagation type "privat"')
  t:fails(function() mount.propagation("/x", "private", { recursive = true }) end, 'unknown option "recursive"')
  t:fails(function() mount.remount("/x") end, "bad argument #2 to 'remount' (string expected")
  t:fails(function() mount.remount("/x", "ro,nosiud") end, 'unknown mount flag "nosiud"')
  t:fails(function() mount.pivot_root() end, "bad argument #1 to 'pivot_root'")
  t:fails(function() mount.chroot({}) end, "string expected, got table")
  t:fails(function() mount.list("1") end, "pid or process expected, got string")
  t:fails(function() mount.list(-1) end, "pid must be positive")
  t:fails(function() mount.list(1.5) end, "integer expected")
  t:fails(function() mount.is_mountpoint(nil) end, "string expected, got nil")
end

function test_apply_checks_every_spec_before_mounting(t)
  t:fails(function() mount.apply({ { type = "tmpfs" } }) end, "specs[1]: missing target")
  t:fails(function() mount.apply({ { type = "tmpfs", target = "/a", sorce = "x" } }) end,
    'specs[1]: unknown option "sorce"')
  t:fails(function() mount.apply({ { type = "tmpfs", target = "/a" }, { target = "/b" } }) end,
    "specs[2]: missing type")
  t:fails(function() mount.apply({ { type = "bind", target = "/b" } }) end, "specs[1]: missing source")
  t:fails(function() mount.apply({ { type = "symlink", target = "/b" } }) end, "specs[1]: missing source")
  t:fails(function() mount.apply({ { type = "mask", target = "/b", ro = true } }) end, 'unknown option "ro"')
  t:fails(function() mount.apply({ { type = "bind", source = "/a", target = "/b", flags = "ro,size=1" } }) end,
    'specs[1]: unknown mount flag "size=1"')
  t:fails(function() mount.apply({ "tmpfs" }) end, "specs[1]: mount spec table expected, got string")
  t:fails(function() mount.apply({ x = {} }) end, "a list of mount specs expected")
  t:fails(function() mount.apply({}, { rooot = "/" }) end, 'unknown option "rooot"')
  t:fails(function() mount.apply({ { type = "tmpfs", target = "/t", options = "bind,size=1m" } }) end,
    'specs[1]: options: mount flag "bind" is not a flag of a new mount')
  t:fails(function() mount.apply({ { source = "/a", target = "/t", flags = "ro,sync" } }) end,
    'specs[1]: flags: mount flag "sync" cannot change on a bind mount')
end

-- flags = that no new mount can have raise before anything is mounted,
-- naming the word: before, "move" made tmpfs move a mount, "rbind" made
-- proc a bind of the path "proc", and "sync" on a bind failed with EINVAL
-- after binding and unbinding
function test_new_mounts_refuse_operation_flags(t)
  private_ns(t)
  local d = tmpdir(t)
  assert(os.execute("mkdir '" .. d .. "/a' '" .. d .. "/b'") == 0)
  local before = #mount.list()
  t:fails(function() mount.tmpfs(d .. "/a", { flags = "ro,move" }) end,
    'option "flags": mount flag "move" is not a flag of a new mount')
  t:fails(function() mount.proc(d .. "/a", { flags = "rbind" }) end, 'mount flag "rbind" is not')
  t:fails(function() mount.sysfs(d .. "/a", { flags = "rprivate" }) end, 'mount flag "rprivate" is not')
  t:fails(function() mount.overlay { lower = d .. "/a", tmpfs = true, target = d .. "/b", flags = "remount" } end,
    'flags: mount flag "remount" is not')
  t:fails(function() mount.bind(d .. "/a", d .. "/b", { flags = "nosuid,sync" }) end,
    'mount flag "sync" cannot change on a bind mount')
  t:eq(#mount.list(), before, "something was mounted")
  t:ok(mount.bind(d .. "/a", d .. "/b", { flags = "nosuid,nodev,noatime" }))
end

function test_mounts_stay_in_the_private_namespace(t)
  private_ns(t)
  local d = tmpdir(t)
  t:ok(mount.tmpfs(d, { size = "1m" }))
  t:cleanup(function() mount.umount(d, { detach = true }) end)
  t:eq(mount.is_mountpoint(d), true)
  local found
  for _, m in ipairs(mount.list()) do
    if m.target == d then found = m end
  end
  t:ok(found, "tmpfs not in mount.list")
  t:eq(found.fstype, "tmpfs")
  t:eq(found.propagation, "private")
  t:ok(found.super_options:find("size=1024k", 1, true), found.super_options)
  -- pid 1's namespace (the host's, or the sandbox's) does not have it
  for _, m in ipairs(mount.list(1) or {}) do
    t:ok(m.target ~= d, "the mount leaked into pid 1's namespace")
  end
  t:ok(mount.remount(d, "ro"))
  local f, err = io.open(d .. "/x", "w")
  t:eq(f, nil)
  t:ok(err:lower():find("read-only file system", 1, true), err)
  t:ok(mount.umount(d))
  t:eq(mount.is_mountpoint(d), false)
end

function test_failures_are_triples(t)
  local ok, msg, code = mount.list(99999999) -- as proc.mounts says it
  t:eq({ ok, msg, code }, { nil, "ESRCH: proc(99999999): no such process", "ESRCH" })
  private_ns(t)
  local ok, msg, code = mount.tmpfs("/nonexistent/dir/for/nslua")
  t:eq(ok, nil)
  t:eq(code, "ENOENT")
  t:eq(msg, "ENOENT: mount(/nonexistent/dir/for/nslua): no such file or directory")
  ok, msg, code = mount.umount("/nonexistent/dir/for/nslua")
  t:eq(code, "ENOENT")
end

function test_chroot_inside_with_stays_inside(t)
  local ok, ns = pcall(require, "ns")
  if not ok then t:skip("needs the ns module") end
  local d = tmpdir(t)
  local marker = "/nslua-chroot-marker-" .. tostring(os.time())
  local f = assert(io.open(d .. marker, "w"))
  f:write("inside\n")
  f:close()
  local h = assert(ns.create("uts"))
  t:cleanup(function() h:close() end)
  local seen = ns.with(h, function()
    assert(mount.chroot(d))
    return io.open(marker):read("*l")
  end)
  t:eq(seen, "inside")
  -- neither the script nor the next worker is in the chroot
  t:eq(io.open(marker), nil)
  for _ = 1, 3 do
    t:eq(ns.with(h, function() return io.open(marker) end), nil, "a later ns.with ran chrooted")
  end
end

-- pivot_root(2) moves every thread and process of the mount namespace whose
-- root is the old root: nslua refuses it where that would move the script's
-- own thread (or the processes nslua started among), and allows it in a
-- mount namespace the calling thread has alone
function test_pivot_root_only_where_it_moves_nothing_else(t)
  local ns = private_ns(t) -- the script's thread now has a mount namespace P
  local d = tmpdir(t)
  assert(mount.tmpfs(d))
  local f = assert(io.open(d .. "/marker", "w")); f:write("new root\n"); f:close()
  -- a worker in P, the script's thread waiting in P too: refused
  local ok, msg, code = ns.with(ns.current("mnt"), function() return mount.pivot_root(d) end)
  t:eq({ ok, code }, { nil, "EBUSY" })
  t:ok(msg:find("the script's thread", 1, true), msg)
  t:ok(io.open("/etc/hostname") or io.open("/proc/self/status"), "the script's root is unchanged")
  t:eq(io.open(d .. "/marker"):read("*l"), "new root")
  -- a worker that unshares a mount namespace of its own may pivot there
  local seen = ns.with(ns.current("uts"), function()
    assert(ns.unshare("mnt"))
    assert(mount.pivot_root(d))
    return io.open("/marker"):read("*l")
  end)
  t:eq(seen, "new root")
  t:eq(io.open(d .. "/marker"):read("*l"), "new root", "the script still sees the old root")
  -- a directory that is not a mount point: said so, not a bare EINVAL
  ok, msg, code = ns.with(ns.current("uts"), function()
    assert(ns.unshare("mnt"))
    return mount.pivot_root("/tmp")
  end)
  t:eq({ ok, code }, { nil, "EINVAL" })
  t:ok(msg:find("not a mount point: bind it on itself first", 1, true), msg)
end

-- pivot_root(".", ".") runs with the new root as working directory; when the
-- kernel refuses (here: the new root's parent mount is shared) the thread is
-- back where it was, and the message says what the bare EINVAL means
function test_refused_pivot_root_leaves_the_working_directory(t)
  local ns = private_ns(t)
  local fs = require "fs"
  local d = tmpdir(t)
  assert(mount.tmpfs(d))
  assert(mount.propagation(d, "shared"))
  assert(fs.mkdir(d .. "/new"))
  assert(mount.tmpfs(d .. "/new"))
  assert(io.open(d .. "/new/only-in-new-root", "w")):close()
  local ok, msg, code, before, after, seen = ns.with(ns.current("uts"), function()
    assert(ns.unshare("mnt", { propagation = "unchanged" }))
    local before = fs.abspath(".")
    local ok, msg, code = mount.pivot_root(d .. "/new")
    return ok, msg, code, before, fs.abspath("."), io.open("only-in-new-root")
  end)
  t:eq({ ok, code }, { nil, "EINVAL" })
  t:ok(msg:find("must not be shared", 1, true), msg)
  t:eq(after, before)
  t:eq(seen, nil, "a relative path still leads into the refused new root")
end

-- a mode of 0 is a mode, not "none given", and copy keeps (or sets) the
-- setuid, setgid and sticky bits: stat(1) agrees with what the specs ask
function test_apply_modes_as_stat_sees_them(t)
  private_ns(t)
  local d = tmpdir(t)
  assert(os.execute("mkdir '" .. d .. "/root' && echo x > '" .. d .. "/suid' && chmod 4750 '" .. d .. "/suid'") == 0)
  assert(mount.apply({
    { type = "dir", target = "/d0", mode = 0 },
    { type = "tmpfs", target = "/t0", mode = "0" },
    { type = "copy", source = d .. "/suid", target = "/kept" },
    { type = "copy", source = d .. "/suid", target = "/c2711", mode = "2711" },
    { type = "copy", source = d .. "/suid", target = "/c0", mode = 0 },
    { type = "dir", target = "/t1" },
  }, { root = d .. "/root" }))
  assert(mount.tmpfs(d .. "/root/t1", { mode = 0 }))
  local want = { d0 = "0", t0 = "0", t1 = "0", kept = "4750", c2711 = "2711", c0 = "0" }
  for name, mode in pairs(want) do
    local f = assert(io.popen("stat -c %a '" .. d .. "/root/" .. name .. "'"))
    t:eq(f:read("*l"), mode, name)
    f:close()
  end
end
