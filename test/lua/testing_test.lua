-- The test runner itself: what t:eq, t:ok, t:fails and t:skip accept and refuse.
local testing = require "testing"

function test_eq_compares_tables_deeply(t)
  t:eq({ 1, { a = "x" } }, { 1, { a = "x" } })
  t:fails(function() t:eq({ 1 }, { 2 }) end, "expected {2}, got {1}")
end

function test_ok_returns_its_values(t)
  local v = t:ok(42)
  t:eq(v, 42)
  t:fails(function() t:ok(nil, "custom message") end, "custom message")
end

function test_fails_requires_an_error(t)
  t:fails(function() t:fails(function() end, "x") end, "got none")
  t:fails(function() t:fails(function() error("abc") end, "xyz") end, 'got ".*abc"')
end

function test_failure_names_file_and_line(t)
  local ok, err = pcall(function() t:eq(1, 2) end)
  t:eq(ok, false)
  t:ok(err:find("testing_test.lua:%d+:"), "no file:line in " .. tostring(err))
end

function test_run_file_counts(t)
  local path = os.tmpname()
  t:cleanup(function() os.remove(path) end)
  local f = assert(io.open(path, "w"))
  f:write("function test_a(t) end\nfunction test_b(t) t:eq(1, 2) end\nfunction test_c(t) t:skip('no') end\n")
  f:close()
  local sink = { write = function(self) return self end }
  local p, fl, s = testing.run_file(path, nil, sink)
  t:eq({ p, fl, s }, { 1, 1, 1 })
end
