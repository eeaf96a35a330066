-- Mount failures say why, not only the errno: a path that is not a mount
-- point is named as such, and a file system the kernel refuses comes with
-- the kernel's own words. Every case runs in a private mount namespace and
-- checks with findmnt that the failure left nothing mounted.
local mount = require "mount"
local proc = require "proc"
local sh = require("helpers").shell

-- a private mount namespace with a fresh tmpfs at a new directory, removed
-- when the test ends
local function scratch(t)
  local ok, ns = pcall(require, "ns")
  if not ok then t:skip("needs the ns module to leave the host's mount namespace") end
  assert(ns.unshare("mnt"))
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p '" .. d .. "'") == 0)
  t:cleanup(function() os.execute("rm -rf '" .. d .. "'") end)
  assert(mount.tmpfs(d))
  t:cleanup(function() mount.umount(d, { detach = true }) end)
  return d
end

local function mkdirs(d, ...)
  for _, name in ipairs({ ... }) do
    assert(os.execute("mkdir -p '" .. d .. "/" .. name .. "'") == 0)
  end
end

-- the mounts of the script's mount namespace as findmnt lists them
local function findmnt()
  return sh("findmnt -J -N " .. proc.self())
end

-- fails(t, want_errno, want_msg, fn): fn returns the failure triple with
-- exactly that errno and message, and leaves findmnt's list as it was
local function fails(t, errno, msg, fn)
  local before = findmnt()
  local ok, got, code = fn()
  t:eq({ ok, got, code }, { nil, msg, errno })
  t:eq(findmnt(), before, "the failure changed the mounts: " .. msg)
end

function test_umount_of_a_directory_says_not_a_mount_point(t)
  local d = scratch(t)
  mkdirs(d, "a")
  fails(t, "EINVAL", "EINVAL: umount(" .. d .. "/a): not a mount point", function()
    return mount.umount(d .. "/a")
  end)
  fails(t, "EINVAL", "EINVAL: umount(" .. d .. "/a): not a mount point", function()
    return mount.umount(d .. "/a", { detach = true })
  end)
  -- a missing path stays what it is
  fails(t, "ENOENT", "ENOENT: umount(" .. d .. "/missing): no such file or directory", function()
    return mount.umount(d .. "/missing")
  end)
end

function test_remount_of_a_directory_says_not_a_mount_point(t)
  local d = scratch(t)
  mkdirs(d, "a")
  fails(t, "EINVAL", "EINVAL: mount_setattr(" .. d .. "/a): not a mount point", function()
    return mount.remount(d .. "/a", "ro")
  end)
  fails(t, "EINVAL", "EINVAL: mount(" .. d .. "/a): not a mount point", function()
    return mount.mount(nil, d .. "/a", nil, "remount,bind,ro")
  end)
  t:eq(sh("findmnt -n -o OPTIONS " .. d):match("^r[wo]"), "rw", "the tmpfs above became read-only")
end

function test_propagation_of_a_directory_says_not_a_mount_point(t)
  local d = scratch(t)
  mkdirs(d, "a")
  fails(t, "EINVAL", "EINVAL: mount(" .. d .. "/a): not a mount point", function()
    return mount.propagation(d .. "/a", "shared")
  end)
  fails(t, "EINVAL", "EINVAL: mount(" .. d .. "/a): not a mount point", function()
    return mount.mount(nil, d .. "/a", nil, "rshared")
  end)
  t:eq(sh("findmnt -n -o PROPAGATION " .. d), "private")
end

function test_move_of_a_directory_says_not_a_mount_point(t)
  local d = scratch(t)
  mkdirs(d, "a", "b")
  fails(t, "EINVAL", "EINVAL: mount(" .. d .. "/a on " .. d .. "/b): " .. d .. "/a is not a mount point", function()
    return mount.mount(d .. "/a", d .. "/b", nil, "move")
  end)
end

-- a mount point that the kernel refuses to move for another reason (its
-- parent is shared) keeps the kernel's bare answer: nothing is guessed
function test_einval_of_a_mount_point_is_not_blamed_on_it(t)
  local d = scratch(t)
  mkdirs(d, "a", "b")
  assert(mount.propagation(d, "shared"))
  assert(mount.tmpfs(d .. "/a"))
  fails(t, "EINVAL", "EINVAL: mount(" .. d .. "/a on " .. d .. "/b): invalid argument", function()
    return mount.mount(d .. "/a", d .. "/b", nil, "move")
  end)
end

function test_file_system_options_carry_the_kernels_words(t)
  local d = scratch(t)
  mkdirs(d, "a")
  local a = d .. "/a"
  fails(t, "EINVAL", "EINVAL: mount(tmpfs on " .. a .. "): tmpfs: Unknown parameter 'bogus'", function()
    return mount.mount("none", a, "tmpfs", nil, "bogus=1")
  end)
  fails(t, "EINVAL", "EINVAL: mount(tmpfs on " .. a .. "): tmpfs: Bad value for 'size'", function()
    return mount.mount("tmpfs", a, "tmpfs", "nosuid", "mode=755,size=lots")
  end)
  fails(t, "EINVAL", "EINVAL: mount(proc on " .. a .. "): proc: unknown value of hidepid - 9", function()
    return mount.mount("proc", a, "proc", nil, "hidepid=9")
  end)
  fails(t, "EINVAL", "EINVAL: mount(sysfs on " .. a .. "): sysfs: Unknown parameter 'bogus'", function()
    return mount.mount("sysfs", a, "sysfs", "ro", "bogus")
  end)
  -- mount.apply makes its file systems the same way, and names the target
  -- inside the root
  fails(t, "EINVAL", "EINVAL: mount(tmpfs on /t): tmpfs: Unknown parameter 'bogus'", function()
    return mount.apply({ { type = "tmpfs", target = "/t", size = "1m", data = "bogus=1" } }, { root = d })
  end)
  fails(t, "EINVAL", "EINVAL: mount(mqueue on /q): mqueue: Unknown parameter 'bogus'", function()
    return mount.apply({ { type = "mqueue", target = "/q", data = "bogus" } }, { root = d })
  end)
end

function test_missing_device_and_file_system_type_are_named(t)
  local d = scratch(t)
  mkdirs(d, "a")
  local a = d .. "/a"
  fails(t, "ENOENT", "ENOENT: mount(ext4 on " .. a .. "): /dev/nslua-no-such-disk: Can't lookup blockdev", function()
    return mount.mount("/dev/nslua-no-such-disk", a, "ext4")
  end)
  fails(t, "ENOTBLK", "ENOTBLK: mount(ext4 on " .. a .. "): " .. d .. ": Can't lookup blockdev", function()
    return mount.mount(d, a, "ext4", "ro")
  end)
  fails(t, "ENODEV", "ENODEV: mount(nslua-nofs on " .. a .. "): unknown file system type \"nslua-nofs\"", function()
    return mount.mount("none", a, "nslua-nofs")
  end)
  fails(t, "ENODEV", "ENODEV: mount(" .. a .. "): no file system type given", function()
    return mount.mount("none", a)
  end)
end

-- overlayfs writes why it refuses an upper and a work directory only to the
-- kernel log; the layout is checked and the broken rule named
function test_overlay_layout_errors_are_named(t)
  local d = scratch(t)
  mkdirs(d, "a", "l", "u/w", "w", "other")
  assert(mount.tmpfs(d .. "/other"))
  mkdirs(d, "other/w")
  local a, l, u = d .. "/a", d .. "/l", d .. "/u"
  local function data(work) return "lowerdir=" .. l .. ",upperdir=" .. u .. ",workdir=" .. work end
  local subtrees = "overlay: workdir and upperdir must be separate subtrees"
  local same = "overlay: workdir and upperdir must reside under the same mount"
  local function msg(target, why, work)
    return "EINVAL: mount(overlay on " .. target .. "): " .. why .. " (upperdir " .. u .. ", workdir " .. work .. ")"
  end
  for _, c in ipairs({ { u, subtrees }, { u .. "/w", subtrees }, { d .. "/other/w", same } }) do
    local work, why = c[1], c[2]
    fails(t, "EINVAL", msg(a, why, work), function()
      return mount.mount("overlay", a, "overlay", nil, data(work))
    end)
    fails(t, "EINVAL", msg(a, why, work), function()
      return mount.overlay { lower = l, upper = u, work = work, target = a }
    end)
    fails(t, "EINVAL", msg("/a", why, work), function()
      return mount.apply({ { type = "overlay", lower = l, upper = u, work = work, target = "/a" } }, { root = d })
    end)
  end
  -- a layer that does not exist is named with the option that gave it
  fails(t, "ENOENT", "ENOENT: mount(overlay on " .. a .. "): lowerdir=" .. d .. "/nolower: no such file or directory",
    function() return mount.mount("overlay", a, "overlay", nil, "lowerdir=" .. d .. "/nolower") end)
  -- and a good layout still mounts
  t:ok(mount.mount("overlay", a, "overlay", nil, data(d .. "/w")))
  t:eq(sh("findmnt -n -o FSTYPE " .. a), "overlay")
  t:ok(mount.umount(a))
end

-- a failure the file system's configuration does not reproduce is not
-- explained by it: the target's own error stays
function test_target_errors_keep_the_kernels_answer(t)
  local d = scratch(t)
  assert(io.open(d .. "/file", "w")):close()
  fails(t, "ENOTDIR", "ENOTDIR: mount(" .. d .. "/file): not a directory", function()
    return mount.mount("none", d .. "/file", "tmpfs", nil, "size=1m")
  end)
  fails(t, "ENOENT", "ENOENT: mount(" .. d .. "/missing): no such file or directory", function()
    return mount.mount("none", d .. "/missing", "tmpfs", nil, "bogus=1")
  end)
end
