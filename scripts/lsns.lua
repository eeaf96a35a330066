-- lsns.lua: every namespace, as lsns(8) lists them, plus those only a pin or an fd holds; args: [--json] [-t TYPE]
--
--   nslua -r lsns [--json] [-t TYPE]
--
-- On a terminal the COMMAND column is cut at the terminal's width, as lsns
-- cuts it; into a pipe or a file every line is whole.
--
-- ns.list() reads every task's /proc/PID/task/TID/ns links, every open fd
-- and the nsfs mounts of this mount namespace. lsns reads only processes'
-- links, so a netns that only `ip netns add`'s bind mount holds is missing
-- there and listed here (NPROCS 0, PATH the pin). The recipe checks itself
-- against lsns when lsns is installed: every namespace lsns shows is here.
local ns = require "ns"
local proc = require "proc"
local recipes = require "recipes"

local types = table.concat(ns.TYPES, ", ")
local a = recipes.args("[--json] [-t TYPE]", { rest = 1, help = [[
  -J, --json       the list as JSON: {"namespaces": [{ns, type, nprocs, pid,
                   user, command, path, names}, ...]}
  -t, --type TYPE  only namespaces of TYPE: ]] .. types .. "\n\n" .. [[
  A namespace no process is in (held by a bind mount, as `ip netns add`
  makes, or an open fd) shows with NPROCS 0 and what holds it.]] })

local as_json, only = false, nil
local i = 1
while i <= #arg do
  if arg[i] == "-h" or arg[i] == "--help" then
    a:help()
  elseif arg[i] == "--json" or arg[i] == "-J" then
    as_json = true
  elseif arg[i] == "-t" or arg[i] == "--type" then
    i = i + 1
    only = arg[i]
    if not only then a:bad(arg[i - 1] .. " needs a TYPE: " .. types) end
    local known = false
    for _, t in ipairs(ns.TYPES) do known = known or t == only end
    if not known then a:bad(string.format("unknown namespace type %q; TYPE is one of %s", only, types)) end
  else
    a:bad(string.format("unknown option %q", arg[i]))
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
  -- on a terminal, a line ends at its edge: the last column is cut there, as
  -- lsns cuts it (counting UTF-8 characters); whole in a pipe or a file
  local width = recipes.columns()
  local function line(s)
    if width then
      local n, cut = 0, nil
      for pos in s:gmatch("()[^\128-\191]") do
        n = n + 1
        if n == width + 1 then cut = pos break end
      end
      if cut then s = s:sub(1, cut - 1) end
    end
    print(s)
  end
  line(string.format("%10s %-6s %6s %7s %-8s %s", "NS", "TYPE", "NPROCS", "PID", "USER", "COMMAND"))
  for _, r in ipairs(rows) do
    local what = r.command or ("(held by " .. r.path .. ")")
    line(string.format("%10d %-6s %6d %7s %-8s %s", r.ns, r.type, r.nprocs, r.pid or "-", r.user or "-", cell(what)))
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
