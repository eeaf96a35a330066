-- What a rootless nslua can do (docs/rootless.md), run by test/rootless_test.go
-- as an unprivileged user. Claims are checked from outside the child where a
-- tool can see it (readlink of /proc/PID/ns, ip -n, ping, /proc/PID/uid_map).
local ns, proc, net, nslua = require "ns", require "proc", require "net", require "nslua"

local function sh(cmd)
  local r = assert(proc.run{ "sh", "-c", cmd })
  return r.stdout, r.code
end

local function nslink(pid, type)
  return (sh("readlink /proc/" .. pid .. "/ns/" .. type):gsub("\n$", ""))
end

function test_rootless_mode_is_on(t)
  t:eq(nslua.rootless, true)
  t:eq(sh("id -u"), "0\n")
  -- root of a user namespace of its own, which maps the caller's subuid range
  local uid_map = io.open("/proc/self/uid_map"):read("*a")
  t:ok(uid_map:match("^%s*0%s+%d+%s+1\n%s*1%s+%d+%s+65536"), uid_map)
end

function test_named_netns_veth_and_ping(t)
  local a = t:ok(ns.create("net", { name = "rl-a" }))
  local b = t:ok(ns.create("net", { name = "rl-b" }))
  t:cleanup(function() ns.delete("rl-a"); ns.delete("rl-b") end)
  local va = t:ok(net.veth("va", "vb", { ns = a, peer_ns = b }))
  local vb = t:ok(net.link("vb", { ns = b }))
  t:ok(va:addr_add("10.77.0.1/24"))
  t:ok(vb:addr_add("10.77.0.2/24"))
  t:ok(va:up())
  t:ok(vb:up())
  t:ok(net.link("lo", { ns = a }):up())
  -- iproute2 and ping, inside the pins, agree
  local out = sh("nsenter --net=" .. a.path .. " ip -o -4 addr show va")
  t:ok(out:find("10.77.0.1/24", 1, true), out)
  local _, code = sh("nsenter --net=" .. a.path .. " ping -c 1 -W 5 10.77.0.2")
  t:eq(code, 0)
  t:eq(t:ok(net.ping("10.77.0.2", { ns = a, count = 1, timeout = 5 })).received, 1)
end

function test_host_netns_is_refused_with_the_reason(t)
  local ok, msg, code = net.veth("rl-h0", "rl-h1")
  t:eq({ ok, code }, { nil, "EPERM" })
  t:ok(msg:find("rootless mode cannot change a network namespace it does not own", 1, true), msg)
  local h = t:ok(ns.create("net"))
  local v = t:ok(net.veth("rl-m0", "rl-m1", { ns = h }))
  ok, msg, code = v:set{ ns = ns.current("net") }
  t:eq({ ok, code }, { nil, "EPERM" })
  t:ok(msg:find("rootless mode cannot", 1, true), msg)
end

function test_spawn_in_new_namespaces(t)
  local p = t:ok(proc.spawn{ "sleep", "1000", ns = "net,uts,ipc,pid,mnt,cgroup", hostname = "rl-host" })
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  for _, k in ipairs{ "net", "uts", "ipc", "pid", "mnt", "cgroup" } do
    t:ok(nslink(p.pid, k) ~= nslink("self", k), k)
  end
  t:eq(sh("nsenter -t " .. p.pid .. " -u hostname"), "rl-host\n")
end

function test_spawn_user_namespace_default_map_is_the_subid_range(t)
  local p = t:ok(proc.spawn{ "sleep", "1000", ns = "user" })
  t:cleanup(function() p:kill("KILL"); p:wait() end)
  -- as nslua sees it: 0..65535 inside are ids 1..65536 of its own namespace, the caller's
  -- /etc/subuid range, not the caller itself
  local map = io.open("/proc/" .. p.pid .. "/uid_map"):read("*a")
  t:ok(map:match("^%s*0%s+1%s+65536"), map)
  t:eq(t:ok(proc.run{ "id", "-u", ns = "user" }).stdout, "0\n")
end

function test_spawn_user_namespace_and_subids(t)
  local r = t:ok(proc.run{ "sh", "-c", "id -u; cat /proc/self/uid_map", ns = "user",
                           uid_map = { { 0, 1, 1000 } }, gid_map = { { 0, 1, 1000 } } })
  t:ok(r.stdout:match("^0\n%s*0%s+1%s+1000"), r.stdout)
  -- uid 5 inside is subordinate id 5 of the caller's range outside
  r = t:ok(proc.run{ "id", "-u", uid = 5, gid = 5 })
  t:eq(r.stdout, "5\n")
end

function test_container_like_root_with_proc_in_new_pid_namespace(t)
  local dir = os.tmpname()
  os.remove(dir)
  t:eq(select(2, sh("mkdir -m 755 " .. dir .. " && cd " .. dir ..
    " && mkdir proc tmp usr && ln -s usr/bin bin && ln -s usr/lib lib && ln -s usr/lib64 lib64")), 0)
  t:cleanup(function() sh("rm -rf " .. dir) end)
  local mounts = {
    { type = "bind", source = "/usr", target = "/usr", ro = true },
    { type = "proc", target = "/proc" },
    { type = "tmpfs", target = "/tmp" },
  }
  for _, nsset in ipairs{ "pid,mnt,uts", "pid,mnt,user" } do
    local r = t:ok(proc.run{ "sh", "-c", "echo $$; echo /proc/[0-9]*; touch /tmp/x && echo ok",
                             ns = nsset, root = dir, mounts = mounts })
    t:eq(r.stdout, "1\n/proc/1\nok\n", nsset .. ": " .. (r.stderr or ""))
  end
end

function test_pins_cannot_outlive_nslua(t)
  -- a pin the user wants kept, outside nslua's private runtime directory
  local home = os.getenv("HOME") .. "/kept-pin"
  local ok, msg, code = ns.create("net", { pin = home, keep = true })
  t:eq({ ok, code }, { nil, "EPERM" })
  t:ok(msg:find("pins live in nslua's own mount namespace and end with it", 1, true), msg)
  t:eq(io.open(home), nil)
  -- inside it, keep means "until nslua ends" (topo keeps its pins so)
  local path = nslua.netns_dir .. "/kept-here"
  local h = t:ok(ns.create("net", { pin = path, keep = true }))
  t:ok(ns.delete(path))
  -- a pin under the host's /run is refused with the reason
  ok, msg, code = ns.create("net", { pin = "/run/rl-pin" })
  t:eq({ ok, code }, { nil, "EACCES" })
  t:ok(msg:find("rootless mode cannot pin at /run/rl-pin: it is owned by the host's root", 1, true), msg)
end
