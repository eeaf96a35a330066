-- lsns.lua: every namespace of the system, as lsns(8), plus those only a pin or an fd holds
--
--   nslua -r lsns [--json] [-t TYPE]
--
-- ns.list() reads every task's /proc/PID/task/TID/ns links, every open fd
-- and the nsfs mounts of this mount namespace. lsns reads only processes'
-- links, so a netns that only `ip netns add`'s bind mount holds is missing
-- there and listed here (NPROCS 0, PATH the pin). The recipe checks itself
-- against lsns when lsns is installed: every namespace lsns shows is here.
local ns = require "ns"
local proc = require "proc"
local recipes = require "recipes"

local function usage() recipes.usage("[--json] [-t TYPE]  (TYPE: " .. table.concat(ns.TYPES, ", ") .. ")") end

local as_json, only = false, nil
local i = 1
while i <= #arg do
  if arg[i] == "--json" or arg[i] == "-J" then
    as_json = true
  elseif arg[i] == "-t" or arg[i] == "--type" then
    i = i + 1
    only = arg[i]
    local known = false
    for _, t in ipairs(ns.TYPES) do known = known or t == only end
    if not known then usage() end
  else
    usage()
  end
  i = i + 1
end

-- a table cell as lsns (libsmartcols) prints it: control bytes as \xHH
-- (a newline in a command line is \x0a), and a backslash that would read as
-- the start of one as \x5c, so that each namespace stays one line
local function cell(s)
  return (s:gsub("\\x", "\\x5cx"):gsub("[%z\1-\31\127]", function(c) return string.format("\\x%02x", c:byte()) end))
end

-- user names, as lsns's USER column
local users = {}
local pw = io.open("/etc/passwd")
if pw then
  for line in pw:lines() do
    local name, uid = line:match("^([^:]*):[^:]*:(%d+):")
    if name then users[tonumber(uid)] = users[tonumber(uid)] or name end
  end
  pw:close()
end

local list, unreadable = ns.list(only and { type = only } or nil)
local rows = {}
for _, e in ipairs(list) do
  local command
  if e.pid then
    local info = proc.info(e.pid)
    command = info and info.cmdline and #info.cmdline > 0 and table.concat(info.cmdline, " ") or (info and info.name)
  end
  rows[#rows + 1] = {
    ns = e.id, type = e.type, nprocs = e.nprocs, pid = e.pid, uid = e.uid,
    user = e.uid and (users[e.uid] or tostring(e.uid)), command = command,
    path = e.path, names = e.names,
  }
end

if as_json then
  local json = require "json"
  local out = json.array()
  for _, r in ipairs(rows) do
    out[#out + 1] = {
      ns = r.ns, type = r.type, nprocs = r.nprocs, pid = r.pid or json.null,
      user = r.user or json.null, command = r.command or json.null,
      path = r.path, names = json.array(r.names),
    }
  end
  print(json.encode({ namespaces = out }))
else
  print(string.format("%10s %-6s %6s %7s %-8s %s", "NS", "TYPE", "NPROCS", "PID", "USER", "COMMAND"))
  for _, r in ipairs(rows) do
    local what = r.command or ("(held by " .. r.path .. ")")
    print(string.format("%10d %-6s %6d %7s %-8s %s", r.ns, r.type, r.nprocs, r.pid or "-", r.user or "-", cell(what)))
  end
  if unreadable then
    io.stderr:write("lsns: namespaces of pid(s) ", table.concat(unreadable, ","), " could not be read (EACCES)\n")
  end
end

-- self-check against lsns(8), an outside observer, when it is installed
local f = io.popen("lsns -n -r -o NS,TYPE 2>/dev/null")
local theirs = f:read("*a")
f:close()
local ours = {}
for _, r in ipairs(rows) do ours[r.type .. r.ns] = true end
local missing = 0
for id, ty in theirs:gmatch("(%d+) (%a+)") do
  if (not only or ty == only) and not ours[ty .. id] then
    io.stderr:write("lsns: lsns(8) shows ", ty, ":[", id, "], which ns.list missed\n")
    missing = missing + 1
  end
end
os.exit(missing == 0 and 0 or 1)
