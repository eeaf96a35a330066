-- ns: handles, unshare, enter, with, create, delete, names, list — each
-- checked against what /proc, ip, nsenter or findmnt say.
local ns = require "ns"
local proc = require "proc"

local sh = require("helpers").shell

-- the inode an outside tool reads for a /proc ns link
local function link_id(path)
  local s = sh("readlink " .. path)
  return tonumber(s:match("%[(%d+)%]")), s
end

local function uniq(prefix)
  return prefix .. proc.self() .. "-" .. math.random(1e6)
end

function test_types(t)
  t:eq(ns.TYPES, { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" })
end

function test_current_agrees_with_proc(t)
  for _, ty in ipairs({ "cgroup", "ipc", "mnt", "net", "user", "uts" }) do
    local h = t:ok(ns.current(ty))
    t:eq(h.id, link_id("/proc/" .. proc.self() .. "/ns/" .. ty), ty)
    t:eq(h.type, ty)
    t:eq(tostring(h), ty .. ":[" .. h.id .. "]")
    h:close()
  end
end

function test_open_forms_compare_equal(t)
  local cur = ns.current("net")
  local a = t:ok(ns.open("/proc/self/ns/net"))
  local b = t:ok(ns.open("net", proc.self()))
  local c = t:ok(ns.open("net", "self"))
  t:ok(a == cur and b == cur and c == cur, "handles of one namespace must compare equal")
  t:ok(ns.current("uts") ~= cur)
  t:eq(b.path, "/proc/" .. proc.self() .. "/ns/net")
  t:ok(a.dev > 0)
end

function test_open_checks_the_type(t)
  local h, msg, code = ns.open("uts", "/proc/self/ns/net")
  t:eq(h, nil)
  t:eq(code, "EINVAL")
  t:ok(msg:find("/proc/self/ns/net", 1, true) and msg:find("net namespace, not uts", 1, true), msg)
  local _, msg2, code2 = ns.open("/etc/hostname")
  t:eq(code2, "EINVAL")
  t:ok(msg2:find("not a namespace file", 1, true), msg2)
end

function test_closed_handle_raises(t)
  local h = ns.current("net")
  t:ok(h:close())
  t:ok(h.closed)
  t:ok(h:close(), "close is idempotent")
  t:fails(function() h:enter() end, "closed nslua.ns")
  t:fails(function() ns.with(h, function() end) end, "closed nslua.ns")
end

function test_create_name_is_ip_netns_add(t)
  local name = uniq("nsl-a")
  local h = t:ok(ns.create("net", { name = name }))
  t:cleanup(function() os.execute("ip netns del " .. name .. " 2>/dev/null") end)
  t:eq(h.path, "/run/netns/" .. name)
  t:ok(sh("ip netns list"):find(name, 1, true), "ip netns list must show it")
  local inside = sh("ip netns exec " .. name .. " readlink /proc/self/ns/net")
  t:eq(inside, tostring(h))
  local found = false
  for _, n in ipairs(ns.names()) do found = found or n == name end
  t:ok(found, "ns.names must list it")
  t:ok(ns.current("net") ~= h, "the script is not in it")
  t:ok(ns.delete(name))
  t:ok(not sh("ip netns list"):find(name, 1, true), "gone from ip netns list")
  local _, _, code = ns.delete(name)
  t:eq(code, "ENOENT")
end

function test_ip_netns_del_removes_ours_and_ns_delete_removes_theirs(t)
  local a, b = uniq("nsl-b"), uniq("nsl-c")
  t:ok(ns.create("net", { name = a }))
  t:cleanup(function() os.execute("ip netns del " .. a .. " 2>/dev/null; ip netns del " .. b .. " 2>/dev/null") end)
  t:eq(os.execute("ip netns del " .. a), 0)
  t:ok(not sh("ls /run/netns"):find(a, 1, true))
  t:eq(os.execute("ip netns add " .. b), 0)
  local h = t:ok(ns.open("net", b))
  t:ok(ns.delete(b))
  t:ok(not sh("ip netns list"):find(b, 1, true))
  h:close()
  local _, _, dup = ns.create("net", { name = a })
  t:eq(dup, nil)
  ns.delete(a)
end

-- A name whose pin was never bound (its maker was killed between the touch
-- and the bind) shows in `ip netns list`; ns.delete removes it, as `ip netns
-- del` does, but leaves a file with content alone, and refuses from a private
-- mount namespace, where the file may be someone else's mount point.
function test_delete_removes_a_half_made_pin_only(t)
  local half, full = uniq("nsl-h"), uniq("nsl-i")
  local hp, fp = "/run/netns/" .. half, "/run/netns/" .. full
  t:ok(ns.create("net", { name = half })) -- prepares /run/netns as iproute2
  t:ok(ns.delete(half))
  t:cleanup(function() os.remove(hp); os.remove(fp) end)
  assert(io.open(hp, "w")):close()
  local f = assert(io.open(fp, "w")); f:write("data"); f:close()
  t:ok(sh("ip netns list"):find(half, 1, true), "ip netns list shows the empty pin file")
  -- from a private copy of the mount namespace an empty file may be another
  -- namespace's pin: left alone
  ns.with(ns.current("mnt"), function()
    assert(ns.unshare("mnt"))
    local ok, _, code = ns.delete(half)
    t:eq(ok, nil)
    t:eq(code, "EINVAL")
  end)
  t:ok(io.open(hp, "r"), "still there after the refused delete")
  t:ok(ns.delete(half))
  t:ok(not sh("ip netns list"):find(half, 1, true), "gone from ip netns list")
  local ok, msg, code = ns.delete(full)
  t:eq(ok, nil)
  t:eq(code, "EINVAL", msg)
  local kept = assert(io.open(fp, "r"))
  t:eq(kept:read("*a"), "data")
  kept:close()
end

-- ns.create("net", {lo = true}) is `ip netns add X; ip -n X link set lo up`;
-- without lo the loopback stays down, as after `ip netns add`. A namespace
-- ns.prepare made ahead for other options is not handed out.
function test_create_net_with_loopback_up(t)
  local names = { uniq("nsl-l"), uniq("nsl-m"), uniq("nsl-n"), uniq("nsl-o") }
  t:cleanup(function() for _, n in ipairs(names) do ns.delete(n) end end)
  local function lo_up(name)
    return sh("ip -n " .. name .. " -o link show lo"):match("<([^>]*)>"):find("UP", 1, true) ~= nil
  end
  t:ok(ns.create("net", { name = names[1], lo = true }))
  t:eq(lo_up(names[1]), true)
  t:ok(ns.create("net", { name = names[2] }))
  t:eq(lo_up(names[2]), false)
  t:ok(ns.prepare("net", { lo = true }))
  t:ok(ns.create("net", { name = names[3] }))
  t:eq(lo_up(names[3]), false, "made ahead with lo up, asked without")
  t:ok(ns.prepare("net"))
  t:ok(ns.create("net", { name = names[4], lo = true }))
  t:eq(lo_up(names[4]), true, "made ahead with lo down, asked with")
end

-- ns.create("net", {sysctl = {...}}) is `ip netns add X; ip netns exec X
-- sysctl -w K=V`, done by the thread that makes it: what `ip netns exec X
-- sysctl -n` reads there, for names, unnamed handles and namespaces made
-- ahead; one made ahead with other settings is not handed out
function test_create_net_with_sysctls(t)
  local names = { uniq("nsl-s"), uniq("nsl-t"), uniq("nsl-u"), uniq("nsl-v") }
  t:cleanup(function() for _, n in ipairs(names) do ns.delete(n) end end)
  local function get(name, key) return (sh("ip netns exec " .. name .. " sysctl -n " .. key):gsub("%s+$", "")) end
  local want = { ["net.ipv4.ip_forward"] = 1, ["net.ipv6.conf.default.disable_ipv6"] = true,
    ["net/ipv4/conf/default/rp_filter"] = "2" }
  for i = 1, 2 do
    t:ok(ns.create("net", { name = names[i], lo = true, sysctl = want }))
    t:eq({ get(names[i], "net.ipv4.ip_forward"), get(names[i], "net.ipv6.conf.default.disable_ipv6"),
      get(names[i], "net.ipv4.conf.default.rp_filter") }, { "1", "1", "2" }, names[i])
  end
  -- the third was made ahead with the same settings; ask for others
  t:ok(ns.create("net", { name = names[3], sysctl = { ["net.ipv4.ip_forward"] = 0 } }))
  t:eq({ get(names[3], "net.ipv4.ip_forward"), get(names[3], "net.ipv6.conf.default.disable_ipv6") }, { "0", "0" })
  -- a key the kernel does not have: its triple, and no name left behind
  local before = sh("ip netns list")
  local h, msg, code = ns.create("net", { name = names[4], sysctl = { ["net.ipv4.no_such_key"] = 1 } })
  t:eq({ h, code }, { nil, "ENOENT" })
  t:ok(msg:find("net.ipv4.no_such_key", 1, true), msg)
  t:eq(sh("ip netns list"), before)
  t:fails(function() ns.create("net", { sysctl = { ["kernel.hostname"] = "x" } }) end, "expected a net.* key")
  t:fails(function() ns.create("net", { sysctl = { ["net.ipv4.ip_forward"] = "1\n0" } }) end, "newline")
  t:fails(function() ns.create("net", { sysctl = { "net.ipv4.ip_forward" } }) end, "a table {key = value} expected")
  t:fails(function() ns.create("uts", { sysctl = {} }) end, "applies to a net namespace")
  t:fails(function() ns.prepare("net", { sysctl = 1 }) end, "sysctl")
end

-- A key's dotted and slash forms name one file: two of them for the same
-- file raise (only one value could hold), and mixed forms are written in
-- the order of the files they name, so the same settings give the same
-- result however they are spelt. net.ipv6.conf.all.disable_ipv6 sets
-- default too: default, written after it, wins.
function test_create_net_sysctl_keys_by_file_not_spelling(t)
  local names = { uniq("nsl-w"), uniq("nsl-x") }
  t:cleanup(function() for _, n in ipairs(names) do ns.delete(n) end end)
  local function get(name, key) return (sh("ip netns exec " .. name .. " sysctl -n " .. key):gsub("%s+$", "")) end
  t:fails(function()
    ns.create("net", { sysctl = { ["net.ipv4.ip_forward"] = 1, ["net/ipv4/ip_forward"] = 0 } })
  end, 'option "sysctl": "net.ipv4.ip_forward" and "net/ipv4/ip_forward" name the same sysctl')
  t:fails(function()
    ns.prepare("net", { sysctl = { ["net.ipv4.ip_forward"] = 1, ["net/ipv4/ip_forward"] = 1 } })
  end, "name the same sysctl")
  local spellings = {
    { ["net/ipv6/conf/all/disable_ipv6"] = 1, ["net.ipv6.conf.default.disable_ipv6"] = 0 },
    { ["net.ipv6.conf.all.disable_ipv6"] = 1, ["net/ipv6/conf/default/disable_ipv6"] = 0 },
  }
  for i, s in ipairs(spellings) do
    t:ok(ns.create("net", { name = names[i], sysctl = s }))
    t:eq({ get(names[i], "net.ipv6.conf.all.disable_ipv6"), get(names[i], "net.ipv6.conf.default.disable_ipv6") },
      { "1", "0" }, names[i])
  end
end

-- A value is written as `sysctl -w` writes it, so the kernel judges it: an
-- empty one (which a bare write of nothing would skip, reporting success), a
-- fraction for an integer, a read-only key (net.core.rmem_max outside the
-- initial namespace) return the kernel's error naming the key, and leave no
-- name, pin or namespace behind — also when the namespace was being made
-- ahead with the same settings.
function test_create_net_sysctl_the_kernel_refuses(t)
  local name, pin = uniq("nsl-y"), "/run/" .. uniq("nsl-pin")
  t:cleanup(function() ns.delete(name); ns.delete(pin) end)
  local before = { sh("ip netns list"), sh("ls /run/netns"), sh("grep -c nsfs /proc/self/mountinfo") }
  local cases = {
    { key = "net.ipv4.ip_forward", value = "", code = "EINVAL" },
    { key = "net.ipv4.ip_forward", value = 1.5, code = "EINVAL" },
    { key = "net.core.rmem_max", value = 4096, code = "EACCES" },
  }
  for _, c in ipairs(cases) do
    local opts = { sysctl = { [c.key] = c.value } }
    for _, place in ipairs({ { name = name }, { pin = pin }, {} }) do
      for _, ahead in ipairs({ false, true }) do
        if ahead then t:ok(ns.prepare("net", opts)) end
        local o = { sysctl = opts.sysctl, name = place.name, pin = place.pin }
        local what = c.key .. "=" .. tostring(c.value) .. (place.name and " name" or place.pin and " pin" or "") ..
            (ahead and " made ahead" or "")
        local h, msg, code = ns.create("net", o)
        t:eq({ h, code }, { nil, c.code }, what)
        t:eq(msg:match("^(%u+: sysctl%([^)]*%))"), c.code .. ": sysctl(" .. c.key .. ")", what)
      end
    end
  end
  t:eq({ sh("ip netns list"), sh("ls /run/netns"), sh("grep -c nsfs /proc/self/mountinfo") }, before)
  t:eq(io.open(pin), nil)
end

-- A new network namespace takes a few settings from the one it is made
-- from: with net.ipv4.tcp_child_ehash_entries set in X, namespaces made from
-- X get a TCP hash of their own of that size (tcp_ehash_entries; a negative
-- value means the shared global one). Namespaces made ahead in the
-- background must come from X too.
function test_namespaces_made_ahead_come_from_the_callers_netns(t)
  local x = assert(ns.create("net"))
  t:cleanup(function() x:close() end)
  ns.with(x, function()
    local f = assert(io.open("/proc/sys/net/ipv4/tcp_child_ehash_entries", "w"))
    f:write("1024")
    f:close()
    for i = 1, 4 do
      local c = assert(ns.create("net"))
      local v = ns.with(c, function()
        local g = assert(io.open("/proc/sys/net/ipv4/tcp_ehash_entries"))
        local s = g:read("*l")
        g:close()
        return s
      end)
      c:close()
      t:eq(v, "1024", "namespace " .. i)
    end
  end)
end

function test_create_existing_name_fails(t)
  local name = uniq("nsl-d")
  t:ok(ns.create("net", { name = name }))
  t:cleanup(function() ns.delete(name) end)
  local h, msg, code = ns.create("net", { name = name })
  t:eq(h, nil)
  t:eq(code, "EEXIST")
  t:ok(msg:find("already exists", 1, true), msg)
end

function test_with_nested_three_deep(t)
  local net = t:ok(ns.create("net"))
  local uts = t:ok(ns.create("uts"))
  local mnt = t:ok(ns.create("mnt"))
  ns.with(uts, function() assert(ns.hostname("deep-uts")) end)
  local outer = { net = ns.current("net").id, uts = ns.current("uts").id, mnt = ns.current("mnt").id }
  local host = ns.hostname()
  local seen = ns.with(net, function()
    t:eq(ns.current("net"), net)
    return ns.with(uts, function()
      t:eq(ns.hostname(), "deep-uts")
      return ns.with(mnt, function(x)
        local n, u, m = ns.current("net"), ns.current("uts"), ns.current("mnt")
        -- an outside tool reads this worker thread's links
        local dir = n.path:match("^(.*)/net$")
        return { n.id, u.id, m.id, link_id(dir .. "/net"), link_id(dir .. "/uts"), link_id(dir .. "/mnt"),
          ns.hostname(), x }
      end, "arg")
    end)
  end)
  t:eq(seen, { net.id, uts.id, mnt.id, net.id, uts.id, mnt.id, "deep-uts", "arg" })
  t:eq({ net = ns.current("net").id, uts = ns.current("uts").id, mnt = ns.current("mnt").id }, outer)
  t:eq(ns.hostname(), host)
  t:eq(sh("hostname"), host)
end

function test_with_reraises_and_restores(t)
  local net = ns.create("net")
  local before = ns.current("net")
  t:fails(function() ns.with(net, function() error("boom") end) end, "boom")
  t:eq(ns.current("net"), before)
  local a, b = ns.with({ net, ns.current("uts") }, function() return 1, 2 end)
  t:eq({ a, b }, { 1, 2 })
  t:eq(ns.with(proc.self(), function() return ns.current("net") == before end), true)
end

function test_unshare_and_enter_inside_with(t)
  local before = {}
  for _, ty in ipairs({ "cgroup", "ipc", "mnt", "net", "uts" }) do before[ty] = ns.current(ty).id end
  local home = ns.current("uts")
  ns.with(home, function()
    t:ok(ns.unshare("net,uts,ipc,cgroup,mnt"))
    local n = ns.current("net")
    for ty, id in pairs(before) do
      t:ok(ns.current(ty).id ~= id, ty .. " must be new")
    end
    t:eq(link_id(n.path), n.id)
    -- the new mount namespace is private: no shared: tag on any mount
    local mi = sh("cat " .. n.path:gsub("/ns/net$", "/mountinfo"))
    t:ok(not mi:find("shared:"), "mounts must be private after unshare(mnt)")
    t:ok(ns.enter(home))
    t:eq(ns.current("uts"), home)
  end)
  for ty, id in pairs(before) do t:eq(ns.current(ty).id, id, ty .. " unchanged outside") end
end

function test_unshare_propagation_option(t)
  ns.with(ns.current("uts"), function()
    t:ok(ns.unshare("mnt", { propagation = "unchanged" }))
    local p = ns.current("mnt").path:gsub("/ns/mnt$", "/mountinfo")
    local host = sh("grep -c shared: /proc/" .. proc.self() .. "/mountinfo")
    t:eq(sh("grep -c shared: " .. p), host)
  end)
  t:fails(function() ns.unshare("mnt", { propagation = "rshared" }) end, "unknown value")
end

function test_unshare_pid_reaches_workers(t)
  local outer = ns.current("pid")
  ns.with(ns.current("uts"), function()
    t:ok(ns.unshare("pid"))
    local new = ns.current("pid")
    t:ok(new ~= outer, "children's pid namespace must be new")
    t:eq(link_id(new.path), new.id)
    -- a worker started from here follows pid_for_children
    t:eq(ns.with(ns.current("net"), function() return ns.current("pid").id end), new.id)
    -- only its init is inside: pid 1 there, a child of nslua here
    local init = proc.find({ ns = new })
    t:eq(#init, 1)
    local info = proc.info(init[1])
    t:eq(info.nspid, { init[1], 1 })
    t:eq(info.ppid, proc.self())
    local _, msg, code = ns.unshare("pid")
    t:eq(code, "EINVAL", "a second pid namespace cannot be unshared before the first is entered")
    t:ok(msg:find("already go to a pid namespace", 1, true), msg)
    -- a program forked on another thread (a worker that joined the script's
    -- namespaces) is born there: pid 2 or more inside, as NSpid shows
    local nspid = ns.with(ns.current("uts"), function()
      return sh("grep NSpid /proc/self/status")
    end)
    local outer_pid, inner_pid = nspid:match("NSpid:%s+(%d+)%s+(%d+)$")
    t:ok(outer_pid and tonumber(inner_pid) >= 2, nspid)
  end)
  t:eq(ns.current("pid"), outer)
end

function test_user_and_time_refused_with_hint(t)
  local _, msg, code = ns.unshare("user")
  t:eq(code, "EINVAL")
  t:ok(msg:find('proc.spawn{ns = {user = "new"}}', 1, true) and msg:find("--rootless", 1, true), msg)
  local _, msg2, code2 = ns.unshare("time")
  t:eq(code2, "EUSERS")
  local u = ns.create("user")
  local _, _, code3 = ns.enter(u)
  t:eq(code3, "EINVAL")
  local _, _, code4 = ns.with(u, function() end)
  t:eq(code4, "EINVAL")
end

function test_create_user_with_maps(t)
  local kids = #proc.children(proc.self())
  local u = t:ok(ns.create("user", { uid_map = { { 0, 100000, 1000 } }, gid_map = { { 0, 200000, 10 } } }))
  t:eq(u.type, "user")
  t:eq(u:parent(), ns.current("user"))
  local uid = sh("nsenter --user=" .. u.path .. " cat /proc/self/uid_map")
  t:ok(uid:match("^%s*0%s+100000%s+1000$"), uid)
  local gid = sh("nsenter --user=" .. u.path .. " cat /proc/self/gid_map")
  t:ok(gid:match("^%s*0%s+200000%s+10$"), gid)
  t:eq(#proc.children(proc.self()), kids, "the helper child is gone")
end

function test_create_time_with_offsets(t)
  local kids = #proc.children(proc.self())
  local tm = t:ok(ns.create("time", { offsets = { boottime = 86400, monotonic = 3600 } }))
  t:eq(tm.type, "time")
  local inside = tonumber(sh("nsenter --time=" .. tm.path .. " cat /proc/uptime"):match("^(%S+)"))
  local host = tonumber(sh("cat /proc/uptime"):match("^(%S+)"))
  t:ok(math.abs(inside - host - 86400) < 60, "uptime inside " .. inside .. " host " .. host)
  t:eq(#proc.children(proc.self()), kids, "the helper child is gone")
end

function test_create_mnt_pinned(t)
  local dir = os.tmpname()
  os.remove(dir)
  local pin = dir .. "-mntpin"
  local m = t:ok(ns.create("mnt", { pin = pin }))
  t:eq(m.path, pin)
  t:ok(sh("findmnt -n -o FSTYPE " .. pin):find("nsfs", 1, true), "findmnt must show the pin")
  t:eq(link_id("/proc/" .. proc.self() .. "/ns/mnt"), ns.current("mnt").id)
  local inside = sh("nsenter --mount=" .. pin .. " readlink /proc/self/ns/mnt")
  t:eq(inside, tostring(m))
  t:ok(ns.delete(pin))
  t:eq(sh("findmnt -n " .. pin), "")
  t:eq(io.open(pin), nil, "pin file removed")
end

function test_pin_own_mount_namespace_refused(t)
  local pin = os.tmpname()
  t:cleanup(function() os.remove(pin) end)
  local _, msg, code = ns.current("mnt"):pin(pin)
  t:eq(code, "EINVAL")
  t:ok(msg:find("never in itself", 1, true), msg)
end

function test_pin_and_list_show_fd_and_pin_holders(t)
  local pin = os.tmpname() .. "-netpin"
  local a = t:ok(ns.create("net"))
  local b = t:ok(ns.create("ipc"))
  t:ok(b:pin(pin))
  local by = {}
  for _, e in ipairs(ns.list()) do by[e.type .. e.id] = e end
  local ea, eb = by["net" .. a.id], by["ipc" .. b.id]
  t:ok(ea and eb, "fd-held and pinned namespaces listed")
  t:eq({ ea.nprocs, ea.pid, ea.uid }, { 0, nil, nil })
  t:eq(ea.path, a.path)
  t:eq(eb.pins, { pin })
  t:eq(eb.path, pin)
  t:ok(ns.delete(pin))
  local cur = by["net" .. ns.current("net").id]
  t:ok(cur.nprocs >= 1 and cur.pid <= proc.self())
  local only = ns.list({ type = "uts" })
  for _, e in ipairs(only) do t:eq(e.type, "uts") end
end

function test_owner_and_parent(t)
  local n = ns.current("net")
  t:eq(n:owner(), ns.current("user"))
  local p, msg, code = n:parent()
  t:eq(p, nil)
  t:eq(code, "EINVAL")
  local _, _, code2 = ns.current("user"):parent()
  t:eq(code2, "EPERM", "the initial user namespace has no parent visible")
end

function test_hostname_and_domainname_in_a_uts_namespace(t)
  local u = ns.create("uts")
  local host, dom = ns.hostname(), ns.domainname()
  ns.with(u, function()
    t:ok(ns.hostname("nslua-box"))
    t:ok(ns.domainname("nslua.test"))
    t:eq({ ns.hostname(), ns.domainname() }, { "nslua-box", "nslua.test" })
  end)
  t:eq({ ns.hostname(), ns.domainname() }, { host, dom })
  t:eq(sh("hostname"), host)
end
