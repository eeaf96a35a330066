-- topo: building topologies in the kernel, checked against iproute2 and
-- iputils. Run as root (the suite runs inside test/sandbox.sh).
local topo = require "topo"
local json = require "json"

local function need_root(t)
  for _, m in ipairs({ "ns", "net", "proc", "json" }) do
    if not pcall(require, m) then t:skip("module " .. m .. " not present") end
  end
end

-- names lists the named netns starting with prefix
local function netns_with(prefix)
  local out = {}
  for _, n in ipairs(assert(require("ns").names())) do
    if n:sub(1, #prefix) == prefix then out[#out + 1] = n end
  end
  table.sort(out)
  return out
end

local function sh(argv)
  local r = require("proc").run(argv)
  return r.code, r.stdout, r.stderr
end

local function started(t, tp)
  t:cleanup(function() tp:stop() end)
  return tp:start()
end

function test_two_hosts_reach_each_other(t)
  need_root(t)
  local tp = topo.new { name = "b2" }
  local h1, h2 = tp:host("h1"), tp:host("h2")
  tp:link(h1, h2, { mtu = 1400 })
  started(t, tp)
  t:eq(netns_with("b2"), { "b2-h1", "b2-h2" })
  local r = h1:ping(h2)
  t:eq(r.received, 1)
  t:eq(h2:ping("h1").received, 1)
  t:eq(h2:ping(h1.ip).received, 1)
  local code, out = sh { "ip", "-n", "b2-h1", "-o", "link", "show", "h1-eth0" }
  t:eq(code, 0)
  t:ok(out:find("mtu 1400", 1, true), out)
  local res = h2:run { "ping", "-c", "1", "-W", "2", h1.ip }
  t:eq(res.code, 0, res.stderr)
  -- the host netns got nothing
  code, out = sh { "ip", "-o", "link" }
  t:ok(not out:find("h1-eth0", 1, true), out)
end

function test_stop_removes_everything_and_names_can_be_reused_at_once(t)
  need_root(t)
  for round = 1, 3 do
    local tp = topo.new { name = "re" }
    local s = tp:switch("s")
    tp:link(tp:host("a"), s); tp:link(tp:host("b"), s)
    tp:start()
    t:eq(#netns_with("re"), 3, "round " .. round)
    t:eq(tp:node("a"):ping("b").received, 1)
    tp:stop()
    t:eq(netns_with("re"), {}, "round " .. round)
    t:eq(io.open(topo.state_dir() .. "/re.json"), nil)
    tp:stop() -- idempotent
  end
end

function test_state_file_records_identities(t)
  need_root(t)
  local tp = topo.new { name = "st" }
  tp:link(tp:host("a"), tp:router("r"))
  started(t, tp)
  local f = assert(io.open(topo.state_dir() .. "/st.json"))
  local st = require("json").decode(f:read("*a"))
  f:close()
  t:eq(st.owner.pid, require("proc").self())
  t:eq(st.status, "running")
  t:eq(#st.netns, 2)
  for _, e in ipairs(st.netns) do
    local h = assert(require("ns").open(e.path))
    t:eq({ h.dev, h.id }, { e.dev, e.ino }, e.path)
    h:close()
  end
  t:eq(#st.links, 2)
  -- link identities agree with ip link
  for _, l in ipairs(st.links) do
    local _, out = sh { "ip", "-n", l.ns, "-o", "link", "show", l.name }
    t:ok(out:match("^" .. l.index .. ": "), out)
  end
  -- router forwards, host does not
  t:eq(tp:node("r"):run({ "cat", "/proc/sys/net/ipv4/ip_forward" }).stdout, "1\n")
  t:eq(tp:node("a"):run({ "cat", "/proc/sys/net/ipv4/ip_forward" }).stdout, "0\n")
end

function test_spawned_processes_stop_with_the_topology(t)
  need_root(t)
  local tp = topo.new { name = "sp" }
  local h = tp:host("h")
  tp:link(h, tp:host("g"))
  started(t, tp)
  local p = assert(h:spawn { "sleep", "60" })
  t:ok(p:running())
  -- it runs in h's netns
  local netns = require("proc").info(p.pid).ns.net
  local hns = h:ns()
  t:eq(netns, hns.id)
  hns:close()
  tp:stop()
  t:ok(not p:running())
  t:eq(netns_with("sp"), {})
end

function test_rate_is_shaped(t)
  need_root(t)
  local tp = topo.new { name = "rt" }
  tp:link(tp:host("a"), tp:host("b"), { rate = "10mbit" })
  started(t, tp)
  local _, out = sh { "tc", "-n", "rt-a", "qdisc", "show", "dev", "a-eth0" }
  t:ok(out:find("tbf") or out:find("htb"), out)
  t:eq(tp:node("a"):ping("b").received, 1)
end

function test_missing_netem_fails_clearly_and_undoes(t)
  need_root(t)
  local tp = topo.new { name = "nm" }
  tp:link(tp:host("a"), tp:host("b"), { delay = "10ms" })
  local err = t:fails(function() tp:start() end, "start nm: link a%-b: shape")
  -- on a kernel with netem it would have worked; this machine has none
  t:ok(err:find("netem"), err)
  -- raised at this file's line, with no position inside topo in the message
  t:eq(err:match("^(.-):%d+: topo: start nm: link a%-b: shape: "), debug.getinfo(1, "S").source, err)
  t:ok(not err:find("stdlib/"), err)
  t:eq(netns_with("nm"), {})
  t:eq(io.open(topo.state_dir() .. "/nm.json"), nil)
end

function test_start_refuses_a_foreign_netns_of_the_same_name(t)
  need_root(t)
  local ns = require "ns"
  local h = assert(ns.create("net", { name = "fx-b" }))
  h:close()
  t:cleanup(function() ns.delete("fx-b") end)
  local tp = topo.new { name = "fx" }
  tp:link(tp:host("a"), tp:host("b"))
  t:fails(function() tp:start() end, 'netns "fx-b" exists already')
  t:eq(netns_with("fx"), { "fx-b" }) -- nothing was built, the foreign one stays
end

-- a seeded random connected graph of k routers, one host behind each
local function random_graph(name, seed, k)
  return dofile("test/lua/topo_graphs.lua").random_graph(topo, name, seed, k)
end

function test_random_router_graphs_fully_reachable(t)
  need_root(t)
  for _, seed in ipairs({ 3, 17, 2026 }) do
    local k = 8 + seed % 5
    local tp = random_graph("rg" .. seed, seed, k)
    tp:start()
    local res = tp:ping_all { timeout = 1 }
    tp:stop()
    local bad = {}
    for _, p in ipairs(res.pairs) do
      if not p.ok then bad[#bad + 1] = p.from .. "->" .. p.to end
    end
    t:eq(#res.pairs, k * (k - 1), "seed " .. seed)
    t:ok(res.ok, "seed " .. seed .. ": unreachable " .. table.concat(bad, " "))
  end
end

-- a switch's node.bridge is the name of its bridge where `ip -n <topo>`
-- shows it, also when the switch's name had to be shortened, and the ports
-- that the switch's links made are its ports
function test_switch_bridge_name_is_the_kernels(t)
  need_root(t)
  local tp = topo.new { name = "bn" }
  local long = tp:switch("a-switch-with-a-long-name")
  tp:link(tp:host("a"), long); tp:link(tp:host("b"), long)
  started(t, tp)
  t:ok(long.bridge ~= long.name and #long.bridge <= 15, long.bridge)
  local code, out = sh { "ip", "-n", long.netns, "-j", "-d", "link", "show", "master", long.bridge }
  t:eq(code, 0)
  local ports = {}
  for _, l in ipairs(json.decode(out)) do ports[#ports + 1] = l.ifname end
  table.sort(ports)
  local want = {}
  for _, i in ipairs(long:ifaces()) do want[#want + 1] = i.name end
  table.sort(want)
  t:eq(ports, want)
end

function test_ping_all_reports_failures(t)
  need_root(t)
  -- two LANs without a router between them: nothing crosses
  local tp = topo.new { name = "pa" }
  local s1, s2 = tp:switch("s1"), tp:switch("s2")
  tp:link(tp:host("a"), s1); tp:link(tp:host("b"), s1); tp:link(tp:host("c"), s2)
  started(t, tp)
  local res = tp:ping_all { timeout = 0.3 }
  t:eq(res.ok, false)
  t:eq(res.sent, 6)
  t:eq(res.received, 2)
  for _, p in ipairs(res.pairs) do
    t:eq(p.ok, (p.from ~= "c" and p.to ~= "c"), p.from .. "->" .. p.to)
  end
end

function test_node_run_checks_its_arguments(t)
  need_root(t)
  local tp = topo.new { name = "ra" }
  local a = tp:host("a")
  tp:link(a, tp:host("b"))
  t:fails(function() a:run { "true" } end, "needs a running topology")
  started(t, tp)
  t:fails(function() a:run(42) end, "expected an argv list")
  t:fails(function() a:run { "true", ns = "net" } end, "the node chooses")
  t:eq(a:run("echo $((1+2))").stdout, "3\n")
  t:fails(function() a:ping("nobody") end, "neither an address nor a node")
  -- what proc.run and proc.spawn refuse is raised at the caller's line, not
  -- at topo's call of them
  local here = debug.getinfo(1, "S").source
  local err = t:fails(function() a:run { "true", bogus = 1 } end, "topo: host a: bad argument #1 to 'run' %(")
  t:eq(err:match("^(.-):%d+: "), here, err)
  t:ok(err:find("bogus"), err)
  err = t:fails(function() a:spawn { "true", bogus = 1 } end, "topo: host a: bad argument #1 to 'spawn' %(")
  t:eq(err:match("^(.-):%d+: "), here, err)
  err = t:fails(function() a:ping("b", { timeout = 0 }) end, "bad argument #2 to 'ping' %(option \"timeout\"")
  t:eq(err:match("^(.-):%d+: "), here, err)
  err = t:fails(function() tp:ping_all(5) end, "bad argument #1 to 'ping_all'")
  t:eq(err:match("^(.-):%d+: "), here, err)
  -- system failures still return nil, message, ENAME
  local r, msg, code = a:run { "/nonexistent/prog" }
  t:eq(r, nil)
  t:eq(code, "ENOENT", msg)
end

function test_zero_delay_and_loss_need_no_netem(t)
  need_root(t)
  -- delay 0 and loss 0 shape nothing: on this kernel without netem they
  -- start (net's l:shape would refuse to shape nothing at all)
  local tp = topo.new { name = "z0" }
  tp:link(tp:host("a"), tp:host("b"), { delay = 0, loss = "0%" })
  tp:link("a", "b", { rate = "10mbit", delay = "0ms" })
  started(t, tp)
  local _, out = sh { "tc", "-n", "z0-a", "qdisc", "show", "dev", "a-eth0" }
  t:ok(not out:find("tbf") and not out:find("netem"), out)
  _, out = sh { "tc", "-n", "z0-a", "qdisc", "show", "dev", "a-eth1" }
  t:ok(out:find("tbf"), out)
  t:eq(tp:node("a"):ping("b").received, 1)
end

-- sysctl reads a sysctl inside a node, as the node's processes see it
local function sysctl(node, key)
  local r = node:run { "cat", "/proc/sys/" .. key:gsub("%.", "/") }
  return (r.stdout:gsub("%s+$", ""))
end

-- inet6 lists the IPv6 addresses of a link inside a netns, as ip -j sees them
local function inet6(netns, dev)
  local _, out = sh { "ip", "-j", "-n", netns, "-6", "addr", "show", "dev", dev }
  local addrs = {}
  for a in out:gmatch('"local":"([^"]+)"') do addrs[#addrs + 1] = a end
  return addrs
end

-- the flags of a netns's loopback, as ip -j shows them
local function lo_flags(netns)
  local _, out = sh { "ip", "-j", "-n", netns, "link", "show", "lo" }
  return out:match('"flags":%[([^%]]*)%]')
end

-- what `ip netns exec NETNS sysctl -n KEY` reads
local function netns_sysctl(netns, key)
  local _, out = sh { "ip", "netns", "exec", netns, "sysctl", "-n", key }
  return (out:gsub("%s+$", ""))
end

function test_ipv6_is_off_on_the_links_only(t)
  need_root(t)
  local tp = topo.new { name = "v6" }
  local s = tp:switch("s")
  tp:link(tp:host("a"), s); tp:link(tp:host("b"), s); tp:link(tp:router("r"), s)
  started(t, tp)
  -- hosts and routers alike, a router forwarding; the switches' namespace
  -- with IPv6 off too and its loopback down
  for _, n in ipairs({ "v6-a", "v6-r" }) do
    t:eq(netns_sysctl(n, "net.ipv6.conf.default.disable_ipv6"), "1", n)
    t:eq(inet6(n, "lo"), { "::1" }, n)
    t:ok(lo_flags(n):find('"UP"', 1, true), n)
  end
  t:eq(netns_sysctl("v6-a", "net.ipv4.ip_forward"), "0")
  t:eq(netns_sysctl("v6-r", "net.ipv4.ip_forward"), "1")
  t:eq(inet6("v6-r", "r-eth0"), {})
  t:eq(netns_sysctl("v6", "net.ipv6.conf.default.disable_ipv6"), "1")
  t:ok(not lo_flags("v6"):find('"UP"', 1, true), lo_flags("v6"))
  local a = tp:node("a")
  -- the links get none; loopback keeps ::1 and "all" stays on, as
  -- docs/topo.md says
  t:eq(sysctl(a, "net.ipv6.conf.a-eth0.disable_ipv6"), "1")
  t:eq(sysctl(a, "net.ipv6.conf.default.disable_ipv6"), "1")
  t:eq(sysctl(a, "net.ipv6.conf.all.disable_ipv6"), "0")
  t:eq(sysctl(a, "net.ipv6.conf.lo.disable_ipv6"), "0")
  t:eq(inet6("v6-a", "a-eth0"), {})
  t:eq(inet6("v6-a", "lo"), { "::1" })
  t:eq(inet6("v6", "s"), {})
  t:eq(inet6("v6", "s-eth0"), {})

  local on = topo.new { name = "v6on", ipv6 = true }
  local s2 = on:switch("s")
  on:link(on:host("a"), s2); on:link(on:router("r"), s2)
  started(t, on)
  t:eq(sysctl(on:node("a"), "net.ipv6.conf.a-eth0.disable_ipv6"), "0")
  t:eq(sysctl(on:node("a"), "net.ipv6.conf.default.disable_ipv6"), "0")
  t:eq(netns_sysctl("v6on-r", "net.ipv6.conf.default.disable_ipv6"), "0")
  t:eq(netns_sysctl("v6on-r", "net.ipv4.ip_forward"), "1")
  t:eq(netns_sysctl("v6on", "net.ipv6.conf.default.disable_ipv6"), "0")
  t:ok(lo_flags("v6on-r"):find('"UP"', 1, true))
  t:ok(not lo_flags("v6on"):find('"UP"', 1, true))
end

function test_bad_input_builds_nothing(t)
  need_root(t)
  local cases = {
    function(tp) tp:host("a", { ip = "10.0.0.5" }); tp:host("b", { ip = "10.0.0.5" }); tp:link("a", "b") end,
    function(tp) tp:host("a", { ip = "192.168.1.1" }); tp:host("b"); tp:link("a", "b") end,
    function(tp)
      local s = tp:switch("s")
      for i = 1, 1024 do tp:link(tp:host("h" .. i), s) end
    end,
    function(tp)
      for i = 1, 3 do tp:switch("s" .. i) end
      tp:link("s1", "s2"); tp:link("s2", "s3"); tp:link("s3", "s1")
    end,
  }
  for i, build in ipairs(cases) do
    local tp = topo.new { name = "bad", subnet = "10.0.0.0/16" }
    build(tp)
    t:fails(function() tp:start() end, "topo: ")
    t:eq(netns_with("bad"), {}, "case " .. i)
    t:eq(io.open(topo.state_dir() .. "/bad.json"), nil, "case " .. i)
  end
  local tiny = topo.new { name = "bad", subnet = "10.0.0.0/24" }
  tiny:link(tiny:host("a"), tiny:switch("s1")); tiny:link(tiny:host("b"), tiny:switch("s2"))
  t:fails(function() tiny:start() end, "too small")
  t:eq(netns_with("bad"), {})
end

function test_stop_leaves_no_descriptor_on_its_namespaces(t)
  need_root(t)
  local tp = topo.new { name = "fd" }
  local s = tp:switch("s")
  tp:link(tp:host("a"), s); tp:link(tp:host("b"), tp:router("r")); tp:link("r", s)
  tp:start()
  t:eq(tp:node("a"):ping("b").received, 1) -- net has sockets in them now
  local ids = {}
  for _, e in ipairs(tp:namespaces()) do ids[#ids + 1] = string.format("%d %d", e.dev, e.ino) end
  t:eq(#ids, 4)
  tp:stop()
  -- what stat sees behind nslua's descriptors: none is one of them, so
  -- nothing of nslua's keeps them from the kernel's teardown
  local r = require("proc").run { "sh", "-c", "stat -L -c '%d %i' /proc/" .. require("proc").self() .. "/fd/* 2>/dev/null" }
  t:ok(r.stdout:find("\n"), r.stdout)
  for _, e in ipairs(ids) do
    t:ok(not r.stdout:find("\n" .. e .. "\n", 1, true) and r.stdout:sub(1, #e + 1) ~= e .. "\n",
      "an fd still holds the namespace " .. e)
  end
end

function test_container_on_a_node(t)
  need_root(t)
  local ok, container = pcall(require, "container")
  if not ok then t:skip("container module not present") end
  if not io.open("/bin/busybox") then t:skip("no /bin/busybox (apt install busybox-static)") end
  local dir = os.tmpname()
  os.remove(dir)
  t:cleanup(function() os.execute("rm -rf '" .. dir .. "'") end)
  local root = container.rootfs_from_host(dir)
  local tp = topo.new { name = "ctr" }
  local h1, h2 = tp:host("h1"), tp:host("h2")
  tp:link(h1, h2)
  started(t, tp)
  -- the container's network is the node's: its address, and its peer answers
  local c = container.new { rootfs = root, net = h1 }
  local r = c:run { "ip", "-o", "-4", "addr", "show", "h1-eth0" }
  t:eq(r.code, 0, r.stderr)
  t:ok(r.stdout:find(h1:ifaces()[1].ip, 1, true), r.stdout)
  r = c:run { "ping", "-c", "1", "-W", "2", h2.ip }
  t:eq(r.code, 0, r.stdout .. r.stderr)
end

function test_stop_closes_node_handles(t)
  need_root(t)
  local tp = topo.new { name = "hd" }
  local a = tp:host("a")
  tp:link(a, tp:host("b"))
  tp:start()
  local h = a:ns()
  t:eq(h.id, tp:namespaces()[1].ino)
  tp:stop()
  t:fails(function() h:with(function() end) end, "closed")
end

-- A node's own settings that the kernel refuses (here /proc/sys is mounted
-- read-only, as in many containers) fail the start with the node's name and
-- the kernel's error, and undo everything: the first namespace's IPv6
-- default with ipv6 off, a router's forwarding after its hosts with ipv6 on.
function test_refused_node_settings_name_the_node_and_undo(t)
  need_root(t)
  local ns, mount = require "ns", require "mount"
  -- /run/netns as iproute2 prepares it (shared), so that the pins made in
  -- the mount namespace below are the ones this test's one sees
  local prep = "rofs-prep" .. require("proc").self()
  assert(ns.create("net", { name = prep })):close()
  assert(ns.delete(prep))
  local m = assert(ns.create("mnt", { propagation = "unchanged" }))
  t:cleanup(function() m:close() end)
  local errs = ns.with(m, function()
    -- private first: the read-only /proc/sys stays in this namespace
    assert(mount.propagation("/proc", "private", { rec = true }))
    assert(mount.bind("/proc/sys", "/proc/sys", { ro = true }))
    local out = {}
    for _, ipv6 in ipairs({ false, true }) do
      local tp = topo.new { name = "rofs", ipv6 = ipv6 }
      local a = tp:host("a")
      tp:link(a, tp:router("r")); tp:link("r", tp:host("b"))
      out[#out + 1] = t:fails(function() tp:start() end, "topo: start rofs: ")
      out[#out + 1] = netns_with("rofs")
    end
    return out
  end)
  t:ok(errs[1]:find("start rofs: a: EROFS: sysctl(net.ipv6.conf.default.disable_ipv6)", 1, true), errs[1])
  t:eq(errs[2], {})
  t:ok(errs[3]:find("start rofs: r: EROFS: sysctl(net.ipv4.ip_forward)", 1, true), errs[3])
  t:eq(errs[4], {})
  t:eq(netns_with("rofs"), {})
  t:eq(io.open(topo.state_dir() .. "/rofs.json"), nil)
end
