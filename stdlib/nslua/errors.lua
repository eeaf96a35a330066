-- nslua.errors: where the stdlib's Lua modules (container, topo) raise their
-- errors — at the line of the script that called into the module, as
-- error(msg, 2) does in plain Lua, however deep inside the module the
-- error arose. A module registers its own chunks:
--
--   local errors = require "nslua.errors"
--   errors.internal(debug.getinfo(1, "S").source)
--   ...
--   error(errors.position() .. "topo: no such node", 0)
--
-- A traceback lists every frame on the stack where error() was called, so an
-- error raised on purpose (a mistake of the caller: a bad argument, a wrong
-- state, a description that cannot be built) is raised by the function the
-- script called, in its own frame, not by a helper below it: the traceback
-- then shows that one frame above the script's line, as it shows one C
-- function of Lua's own library. Helpers return the message instead, or,
-- when they are free of side effects, raise it with M.raise and are called
-- through M.try, which hands the message back:
--
--   local ok, entry = errors.try(plan.check_link, a, b, opts, byname)
--   if not ok then error(entry, 0) end
--
-- Internal to nslua's stdlib; its names may change.
local M = {}

local internal = {}

--- internal(source): frames of this chunk (debug.getinfo(1, "S").source)
--- belong to the module and are skipped by position.
function M.internal(source) internal[source] = true end

-- this file's own frames (try) are never the caller's
M.internal(debug.getinfo(1, "S").source)

--- position() is "source:line: " of the first frame that is neither a
--- registered chunk nor a Go function (pcall, ...), or "" when there is
--- none (a hook run at exit, or a script without debug). gopher-lua counts a
--- tail call as more than one level and shows the outermost frame at the
--- extra ones (debug.getinfo and error alike): those are skipped, or the
--- position would be the main chunk's current line.
function M.position()
  local getinfo = debug and debug.getinfo
  if not getinfo then return "" end
  local bottom = 2
  while getinfo(bottom + 1, "S") do bottom = bottom + 1 end
  local outermost = getinfo(bottom, "f").func
  for level = 2, bottom do
    local info = getinfo(level, "Slf")
    if info.what ~= "G" and not internal[info.source] and (info.func ~= outermost or level == bottom) then
      if info.currentline < 1 then return "" end
      return string.format("%s:%d: ", info.source, info.currentline)
    end
  end
  return ""
end

-- the message of the latest mistake; try tells a mistake from a bug by it
local last_mistake

--- mistake(msg) marks msg (a whole message, position included) as a mistake
--- of the caller and returns it, to be raised as error(msg, 0).
function M.mistake(msg)
  last_mistake = msg
  return msg
end

--- raise(msg) raises msg as a mistake of the caller (see try).
function M.raise(msg)
  error(M.mistake(msg), 0)
end

local function pack(...) return { n = select("#", ...), ... } end

--- try(f, ...) calls f, which must have no side effects. It returns true and
--- what f returns, or false and the message of a mistake f raised (raise,
--- mistake). Any other error is a bug: it is not turned into a value, and
--- not raised again from here either, which would cut its traceback short
--- (gopher-lua takes the traceback where error() is called): f runs again
--- unprotected, so that the bug raises with the traceback of where it is.
function M.try(f, ...)
  local r = pack(pcall(f, ...))
  if r[1] then return unpack(r, 1, r.n) end
  if type(r[2]) == "string" and r[2] == last_mistake then return false, r[2] end
  return true, f(...)
end

-- on_stack tells whether a chunk named source is running
local function on_stack(source)
  local getinfo = debug and debug.getinfo
  if not getinfo then return false end
  local level = 2
  while true do
    local info = getinfo(level, "S")
    if not info then return false end
    if info.source == source then return true end
    level = level + 1
  end
end

--- strip(msg) is msg without the "chunk:line: " a raised error starts with
--- ("stdlib/container.lua:310: ", "recipe:load.lua:12: "), to be raised
--- again at another position or wrapped in another message. A head with
--- white space ("10.0.0.1 port 80: ...") is a position only when it names
--- a chunk that is running: -e's "(command line)", a script path with a
--- space (recipes' Go side strips the same way).
function M.strip(msg)
  msg = tostring(msg)
  local head, rest = msg:match("^(.-): (.*)$")
  if not (head and head:find(":%d+$")) then return msg end
  if not head:find("%s") or on_stack(head:match("^(.*):%d+$")) then return rest end
  return msg
end

return M
