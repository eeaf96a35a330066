-- How the container module fails: every failure raises (never a bare nil),
-- once, with the position of the script line that called the container
-- function, also when that call was a tail call (`return c:run{...}`).
local container = require "container"

local src = debug.getinfo(1, "S").source

-- here() is the line it is called on
local function here() return debug.getinfo(2, "l").currentline end

local rootfs = require("helpers").rootfs

-- err must be "<this file>:<line>: container: <rest>" with rest matching
-- pattern (plain), and carry no second position
local function at(t, err, line, pattern)
  local prefix = src .. ":" .. line .. ": container: "
  t:eq(err:sub(1, #prefix), prefix, err)
  t:ok(err:find(pattern, #prefix, true), "expected " .. pattern .. " in " .. err)
  local _, positions = err:gsub("%.lua:%d+: ", "")
  t:eq(positions, 1, "positions in " .. err)
end

function test_a_run_in_a_missing_netns_raises(t)
  local dir = rootfs(t)
  local c = container.new { rootfs = dir, net = "nslua-no-such-netns" }
  local line
  local ok, err = pcall(function() line = here(); c:run { "true" } end)
  t:eq(ok, false, "c:run returned " .. tostring(err))
  at(t, err, line, "net: ENOENT: open(/run/netns/nslua-no-such-netns)")
  ok, err = pcall(function() line = here(); c:start { "sleep", "10" } end)
  t:eq(ok, false, "c:start returned " .. tostring(err))
  at(t, err, line, "net: ENOENT")
  t:eq(c.pid, nil)
  c = container.new { rootfs = dir, net = "/nonexistent/nslua-netns" }
  ok, err = pcall(function() line = here(); c:run { "true" } end)
  t:eq(ok, false, "c:run returned " .. tostring(err))
  at(t, err, line, "net: ENOENT: open(/nonexistent/nslua-netns)")
end

function test_errors_carry_the_callers_line(t)
  local c = container.new { rootfs = "/" }
  local line
  local _, err = pcall(function() line = here(); c:run {} end)
  at(t, err, line, "run: argv expected")
  _, err = pcall(function() line = here(); container.new {} end)
  at(t, err, line, "new: rootfs (a directory holding the root file system) expected")
  _, err = pcall(function() line = here(); c:stop(-1) end)
  at(t, err, line, "stop: bad argument #1 (grace")
  _, err = pcall(function() line = here(); container.rootfs_from_host(5) end)
  at(t, err, line, "rootfs_from_host: directory path expected")
  _, err = pcall(function() line = here(); c.run(5, { "true" }) end)
  at(t, err, line, "run: a container expected as self")
end

-- a tail call leaves no trace of its line (Lua reuses the frame): the
-- error is at the line that called the function that made it, never at
-- whatever line the main chunk is on
function test_errors_after_a_tail_call(t)
  local c = container.new { rootfs = "/" }
  local function run_it() return c:run {} end
  local function new_it() return container.new { rootfs = "/", hostname = 5 } end
  local line
  local _, err = pcall(function() line = here(); local r = run_it(); return r end)
  at(t, err, line, "run: argv expected")
  _, err = pcall(function() line = here(); local r = new_it(); return r end)
  at(t, err, line, "new: hostname: string expected")
end

function test_exec_and_start_failures_are_positioned_once(t)
  local dir = rootfs(t)
  local c = container.new { rootfs = dir }
  local p = c:start { "/bin/sleep", "100" }
  t:cleanup(function() c:remove() end)
  local line
  local _, err = pcall(function() line = here(); c:exec { "/nonexistent" } end)
  at(t, err, line, "ENOENT: exec(/nonexistent)")
  t:ok(p:running())
  local d = container.new { rootfs = dir }
  _, err = pcall(function() line = here(); d:start { "/no/such/program" } end)
  at(t, err, line, "ENOENT: exec(/no/such/program)")
  _, err = pcall(function() line = here(); d:run { "/no/such/program" } end)
  at(t, err, line, "ENOENT: exec(/no/such/program)")
end
