-- testing: a small test runner for Lua files whose test_* functions receive a
-- t with eq, ok, fails and skip. nslua's own suite uses it; so can a lab.
--
--   function test_addition(t) t:eq(1 + 1, 2) end
--
--   nslua -e 'os.exit(require("testing").main({"x_test.lua"}))'
local M = {}

local Skip = {}

local T = {}
T.__index = T

local function fmt(v, depth)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" or (depth or 0) > 4 then return tostring(v) end
  local keys = {}
  for k in pairs(v) do table.insert(keys, k) end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    local key = (type(k) == "number" and k == #parts + 1) and "" or "[" .. fmt(k) .. "]="
    table.insert(parts, key .. fmt(v[k], (depth or 0) + 1))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end
M.format = fmt

local function deep_eq(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_eq(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end
M.deep_eq = deep_eq

--- t:eq(got, want [, msg]): deep equality for tables, == otherwise.
function T:eq(got, want, msg)
  if not deep_eq(got, want) then
    error((msg and msg .. ": " or "") .. "expected " .. fmt(want) .. ", got " .. fmt(got), 2)
  end
end

--- t:ok(v [, msg]): v must be truthy. Returns v, so t:ok(f()) keeps f's value.
function T:ok(v, msg, ...)
  if not v then
    error((msg and tostring(msg) or "expected a true value, got " .. fmt(v)), 2)
  end
  return v, msg, ...
end

--- t:fails(fn, pattern): fn must raise an error whose message matches pattern
--- (a plain substring match when pattern has no magic characters).
function T:fails(fn, pattern)
  local ok, err = pcall(fn)
  if ok then error("expected an error matching " .. fmt(pattern) .. ", got none", 2) end
  err = tostring(err)
  if pattern and not (err:find(pattern, 1, true) or err:find(pattern)) then
    error("expected an error matching " .. fmt(pattern) .. ", got " .. fmt(err), 2)
  end
  return err
end

--- t:skip(reason): stop this test and count it as skipped.
function T:skip(reason)
  error(setmetatable({ reason = reason }, Skip), 0)
end

--- t:cleanup(fn): run fn after the test, also when it fails (newest first).
function T:cleanup(fn)
  table.insert(self._cleanups, fn)
end

local function run_test(name, fn)
  local t = setmetatable({ name = name, _cleanups = {} }, T)
  local ok, err = pcall(fn, t)
  for i = #t._cleanups, 1, -1 do
    local cok, cerr = pcall(t._cleanups[i])
    if not cok and ok then ok, err = false, "cleanup: " .. tostring(cerr) end
  end
  if ok then return "pass" end
  if getmetatable(err) == Skip then return "skip", err.reason end
  return "fail", tostring(err)
end

--- run_file(path [, filter]) loads a test file and runs its test_* functions
--- in order of definition line. Returns passed, failed, skipped.
function M.run_file(path, filter, out)
  out = out or io.stdout
  local env = setmetatable({}, { __index = _G })
  local chunk, err = loadfile(path)
  if not chunk then
    out:write("FAIL ", path, ": ", tostring(err), "\n")
    return 0, 1, 0
  end
  setfenv(chunk, env)
  local ok, lerr = pcall(chunk)
  if not ok then
    out:write("FAIL ", path, ": ", tostring(lerr), "\n")
    return 0, 1, 0
  end
  local tests = {}
  for name, fn in pairs(env) do
    if type(name) == "string" and name:match("^test_") and type(fn) == "function" then
      if not filter or name:find(filter, 1, true) then
        table.insert(tests, { name = name, fn = fn, line = debug.getinfo(fn, "S").linedefined })
      end
    end
  end
  table.sort(tests, function(a, b) return a.line < b.line end)
  local passed, failed, skipped = 0, 0, 0
  for _, test in ipairs(tests) do
    local status, msg = run_test(test.name, test.fn)
    if status == "pass" then
      passed = passed + 1
      out:write("ok   ", path, " ", test.name, "\n")
    elseif status == "skip" then
      skipped = skipped + 1
      out:write("skip ", path, " ", test.name, ": ", tostring(msg), "\n")
    else
      failed = failed + 1
      out:write("FAIL ", path, " ", test.name, ": ", msg, "\n")
    end
  end
  return passed, failed, skipped
end

--- main(files [, filter]) runs files and prints "N passed, N failed, N skipped".
--- Returns the exit code: 0 when nothing failed.
function M.main(files, filter)
  local p, f, s = 0, 0, 0
  for _, path in ipairs(files) do
    local a, b, c = M.run_file(path, filter)
    p, f, s = p + a, f + b, s + c
  end
  io.stdout:write(string.format("%d passed, %d failed, %d skipped\n", p, f, s))
  return f == 0 and 0 or 1
end

return M
