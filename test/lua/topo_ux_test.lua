-- topo as a user meets it: ping_all on a LAN bigger than the kernel's
-- neighbour table, a topology started again after t:stop(), and the
-- tracebacks of topo's errors. Run as root (the suite runs inside
-- test/sandbox.sh).
local topo = require "topo"
local helpers = require "helpers"

local function need_root(t)
  for _, m in ipairs({ "ns", "net", "proc", "json" }) do
    if not pcall(require, m) then t:skip("module " .. m .. " not present") end
  end
end

local function started(t, tp)
  t:cleanup(function() tp:stop() end)
  return tp:start()
end

-- lan is a topology of n hosts on one switch.
local function lan(name, n)
  local tp = topo.new { name = name }
  local s = tp:switch("s")
  for i = 1, n do tp:link(tp:host("h" .. i), s) end
  return tp
end

-- arp_stat is {entries, table_fulls} of the kernel's one ARP table, as
-- /proc shows it (the file exists in the initial netns only; the sandbox
-- reads pid 1's), or the test is skipped.
local function arp_stat(t)
  for _, path in ipairs({ "/proc/net/stat/arp_cache", "/proc/1/net/stat/arp_cache" }) do
    local f = io.open(path)
    if f then
      local cols, i = {}, 0
      for name in f:read("*l"):gmatch("%S+") do
        i = i + 1
        cols[name] = i
      end
      local st = { entries = 0, table_fulls = 0 }
      for line in f:lines() do
        local v = {}
        for x in line:gmatch("%x+") do v[#v + 1] = tonumber(x, 16) end
        st.entries = v[cols.entries]
        st.table_fulls = st.table_fulls + v[cols.table_fulls]
      end
      f:close()
      return st
    end
  end
  t:skip("no readable /proc/net/stat/arp_cache")
end

-- 50 hosts make 2450 neighbour entries, more than the kernel's table holds
-- (gc_thresh3, 1024 by default, for all namespaces together): pinging them
-- all used to lose about a hundred pairs, a second each. ping_all empties
-- the hosts' neighbour caches on its way, so the kernel never refuses one.
function test_ping_all_on_a_lan_bigger_than_the_neighbour_table(t)
  need_root(t)
  local n = 50
  local tp = started(t, lan("ux50", n))
  local before = arp_stat(t)
  local res = tp:ping_all()
  local after = arp_stat(t)
  local bad = {}
  for _, p in ipairs(res.pairs) do
    if not p.ok then bad[#bad + 1] = p.from .. "->" .. p.to end
  end
  t:eq(#res.pairs, n * (n - 1))
  t:ok(res.ok, "unreachable: " .. table.concat(bad, " ", 1, math.min(#bad, 20)))
  t:eq(res.received, n * (n - 1))
  t:eq(after.table_fulls - before.table_fulls, 0, "the kernel found its neighbour table full")
  t:eq(res.table_fulls, 0)
  t:eq(res.warning, nil)
  -- every host still answers from its own address: the flush changed no MAC
  local r = tp:node("h1"):run { "ip", "-o", "link", "show", "h1-eth0" }
  t:ok(r.stdout:find("link/ether", 1, true), r.stdout)
  t:eq(tp:node("h7"):ping(tp:node("h1")).received, 1)
end

-- A failing pair costs ping_all one wait for its reply: a quarter second
-- by default (there is no link delay here), not a whole one.
function test_ping_all_waits_a_quarter_second_for_a_reply(t)
  need_root(t)
  -- two LANs without a router between them: nothing crosses
  local tp = topo.new { name = "uxq" }
  local s1, s2 = tp:switch("s1"), tp:switch("s2")
  tp:link(tp:host("a"), s1); tp:link(tp:host("b"), s1); tp:link(tp:host("c"), s2)
  started(t, tp)
  local res = tp:ping_all()
  t:eq(res.ok, false)
  t:eq(res.received, 2)
  t:eq(res.timeout, 0.25)
  t:eq(tp:ping_all({ timeout = 0.1 }).timeout, 0.1)
end

-- When the kernel's neighbour table is full for another reason (here a
-- second LAN that filled it a moment before), the pings that needed an
-- entry are lost: ping_all says so, naming the sysctl, in its result and
-- its printed matrix, instead of failing without a word.
function test_ping_all_says_when_the_neighbour_table_was_full(t)
  need_root(t)
  local filler = started(t, lan("uxfill", 40))
  local small = started(t, lan("uxsmall", 4))
  local fulls = arp_stat(t).table_fulls
  -- fill the table from one source after another until the kernel refuses
  -- an entry (entries younger than 5 s cannot be reclaimed)
  local full = false
  for i = 1, 40 do
    local a = filler:node("h" .. i)
    for j = 1, 40 do
      if i ~= j then a:ping(filler:node("h" .. j), { timeout = 0.05 }) end
    end
    if arp_stat(t).table_fulls > fulls then
      full = true
      break
    end
  end
  if not full then t:skip("the kernel's neighbour table holds more than 40 hosts' pings (gc_thresh3 raised?)") end
  local out = io.tmpfile()
  local res = small:ping_all { print = out, timeout = 0.1 }
  filler:stop() -- give the entries back at once
  small:stop()
  -- the table is the whole machine's: leave it as roomy as it was for what
  -- runs next (its entries go with the interfaces, as the namespaces end)
  local deadline = os.time() + 30
  while arp_stat(t).entries > 256 and os.time() < deadline do
    os.execute("sleep 0.1")
  end
  out:seek("set")
  local printed = out:read("*a")
  out:close()
  t:eq(res.ok, false, printed)
  t:ok(res.table_fulls > 0, tostring(res.table_fulls))
  t:ok(res.warning and res.warning:find("net.ipv4.neigh.default.gc_thresh3", 1, true), tostring(res.warning))
  t:ok(printed:find("\n%*%*%* Warning: the kernel's neighbour %(ARP%) table"), printed)
  t:ok(printed:find("gc_thresh3", 1, true), printed)
end

-- A stopped topology is a description again: t:start() builds it anew, and
-- the node objects of the first run work on the second.
function test_start_again_after_stop(t)
  need_root(t)
  local tp = topo.new { name = "uxre" }
  local h1, h2 = tp:host("h1"), tp:host("h2")
  local s = tp:switch("s")
  tp:link(h1, s); tp:link(h2, s)
  started(t, tp)
  t:eq(h1:ping(h2).received, 1)
  local first = tp:namespaces()[1].ino
  tp:stop()
  t:eq(helpers.shell("ip netns list | grep -c '^uxre' || true"), "0")
  t:fails(function() h1:ping(h2) end, "needs a running topology %(it is stopped%)")
  -- edits are allowed again while it is stopped
  local h3 = tp:host("h3")
  tp:link(h3, s)
  tp:start()
  t:eq(helpers.shell("ip netns list | grep -c '^uxre'"), "4")
  t:ok(tp:namespaces()[1].ino ~= first, "new namespaces")
  t:eq(h1:ping(h2).received, 1)
  t:eq(h3:ping(h1).received, 1)
  t:eq(tp:ping_all().ok, true)
  t:fails(function() tp:start() end, "topology uxre is running already; t:stop%(%) it first")
  t:fails(function() tp:host("h4") end, "describe it before t:start%(%) %(or after t:stop%(%)%)")
end

-- run_script runs a Lua script with nslua in a child process and returns
-- its exit code and stderr.
local function run_script(t, text)
  local path = os.tmpname()
  t:cleanup(function() os.remove(path) end)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  local r = assert(require("proc").run { arg[-1], path })
  return r.code, r.stderr, path
end

-- frames lists the traceback's lines up to the first one of the script.
local function frames_before(stderr, path)
  local out = {}
  local tb = stderr:match("\nstack traceback:\n(.*)$") or ""
  for line in tb:gmatch("[^\n]+") do
    line = line:gsub("^%s+", "")
    if line:sub(1, #path) == path then return out, line end
    out[#out + 1] = line
  end
  return out, nil
end

-- The traceback of a mistake topo raises starts at the function the script
-- called: that one frame (as for a function of Lua's own library), then
-- the script's line; no frame of topo's helpers.
function test_tracebacks_of_mistakes_start_at_the_call(t)
  need_root(t)
  local cases = {
    { "link", 'local t = topo.new { name = "tb" }\nlocal h = t:host("h")\nt:link(h, "nosuch")\n', 3,
      'unknown node "nosuch"' },
    { "host", 'local t = topo.new { name = "tb" }\nt:host("h")\nt:host("h")\n', 3, "duplicate node name" },
    { "new", 'topo.new { name = "a/b" }\n', 1, "may hold only" },
    { "describe", 'local t = topo.new { name = "tb" }\nfor i = 1, 3 do t:switch("s" .. i) end\n' ..
      't:link("s1", "s2"); t:link("s2", "s3"); t:link("s3", "s1")\nt:describe()\n', 4, "loop of switches" },
    { "ping_all", 'local t = topo.new { name = "tb" }\nt:ping_all { count = 0 }\n', 2, "option \"count\"" },
    { "ping", 'local t = topo.new { name = "tb" }\nlocal h = t:host("h")\nh:ping("x")\n', 3,
      "needs a running topology" },
    { "load", 'topo.load { name = "tb", links = { { a = "p", b = "q" } } }\n', 1, 'unknown node "p"' },
    -- start fails on this kernel: it has no netem for the delay
    { "start", 'local t = topo.new { name = "uxtb" }\nt:link(t:host("a"), t:host("b"), { delay = "10ms" })\n' ..
      't:start()\n', 3, "netem" },
  }
  for _, c in ipairs(cases) do
    local fn, body, line, pattern = c[1], c[2], c[3], c[4]
    local code, stderr, path = run_script(t, 'local topo = require "topo"\n' .. body)
    if fn == "start" and code == 0 then
      t:skip("this kernel has netem: t:start() of a delayed link works")
    end
    t:eq(code, 1, stderr)
    t:ok(stderr:find(pattern, 1, true), stderr)
    t:ok(stderr:find("^nslua: " .. path:gsub("%p", "%%%0") .. ":" .. (line + 1) .. ": topo: "), stderr)
    local frames, user = frames_before(stderr, path)
    t:eq(frames[1], "[G]: in function 'error'", stderr)
    t:ok(frames[2] and frames[2]:find("^stdlib/topo%.lua:%d+: in function '" .. fn .. "'$"), stderr)
    t:eq(#frames, 2, fn .. ": " .. stderr)
    t:eq(user and user:match("^.-:(%d+):"), tostring(line + 1), stderr)
  end
end

-- A bug is not a mistake: its traceback keeps every frame down to where it
-- happened (here a plan compiler that indexes nil, put in by the script).
function test_tracebacks_of_bugs_stay_whole(t)
  local code, stderr, path = run_script(t, table.concat({
    'local topo = require "topo"',
    'topo.plan.compile = function(d)',
    '  return d.nothing.here',
    'end',
    'local t = topo.new { name = "tb" }',
    't:describe()',
  }, "\n"))
  t:eq(code, 1, stderr)
  t:ok(stderr:find("attempt to index", 1, true), stderr)
  local frames, user = frames_before(stderr, path)
  -- the first frame of the script is the broken function, not t:describe()'s line
  t:eq(user and user:match("^.-:(%d+):"), "3", stderr)
  t:ok(#frames == 0, stderr)
  t:ok(stderr:find("in function 'describe'", 1, true), stderr)
end
