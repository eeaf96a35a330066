-- uts.lua: hostname isolation: two uts namespaces with host names of their own, side by side; args: [NAME1 [NAME2]]
--
--   nslua -r uts [NAME1 [NAME2]]
--
-- Creates two uts namespaces (as `unshare --uts`), sets a hostname in each,
-- and asks hostname(1) — run inside each namespace — what it sees. The host
-- keeps its name. Exits non-zero when the outside view disagrees.
local ns = require "ns"
local recipes = require "recipes"

local a = recipes.args("[NAME1 [NAME2]]", { max = 2, help = [[
  NAME1, NAME2   the host names of the two namespaces, 1 to 64 bytes each
                 (default alpha and beta)]] })
local names = { arg[1] or "alpha", arg[2] or "beta" }
for i, name in ipairs(names) do
  if #name == 0 or #name > 64 then
    a:bad(string.format("NAME%d must be a host name of 1 to 64 bytes, got %d bytes", i, #name))
  end
end

-- what hostname(1), an outside program, prints when run from here
local function hostname_cmd()
  local f = assert(io.popen("hostname"))
  local s = f:read("*l")
  f:close()
  return s
end

local host = ns.hostname()
local rows = { { "host", tostring(ns.current("uts")), host, hostname_cmd() } }
for _, name in ipairs(names) do
  local u = assert(ns.create("uts"))
  local seen = ns.with(u, function()
    assert(ns.hostname(name))
    return hostname_cmd() -- runs in u: a child of this worker thread
  end)
  rows[#rows + 1] = { "new", tostring(u), name, seen }
end

print(string.format("%-6s %-20s %-16s %s", "NS", "ID", "SET", "hostname(1) SEES"))
for _, r in ipairs(rows) do
  print(string.format("%-6s %-20s %-16s %s", r[1], r[2], r[3], r[4]))
end

local ok = true
for _, r in ipairs(rows) do
  if r[3] ~= r[4] then
    io.stderr:write("uts: ", r[2], " set ", r[3], " but hostname(1) sees ", tostring(r[4]), "\n")
    ok = false
  end
end
if hostname_cmd() ~= host or ns.hostname() ~= host then
  io.stderr:write("uts: the host's name changed\n")
  ok = false
end
os.exit(ok and 0 or 1)
