-- The inspect module: the REPL's pretty printer as a function.
local inspect = require "inspect"

function test_scalars(t)
  t:eq(inspect(nil), "nil")
  t:eq(inspect(42), "42")
  t:eq(inspect("a\nb\0"), '"a\\nb\\000"')
end

function test_sorted_keys_array_first(t)
  t:eq(inspect({ "x", "y", b = 1, a = 2, [10] = 3 }), '{ "x", "y", [10] = 3, a = 2, b = 1 }')
end

function test_round_trips_through_load(t)
  local v = { 1, "two", sub = { ok = true, s = "q\"uote\\" }, ["a key"] = 3 }
  local back = assert(loadstring("return " .. inspect(v)))()
  t:eq(back, v)
end

function test_depth(t)
  local deep = { a = { b = { c = { d = { e = 1 } } } } }
  t:eq(inspect(deep), "{ a = { b = { c = { d = {...} } } } }")
  t:eq(inspect(deep, { depth = 1 }), "{ a = {...} }")
  t:eq(inspect(deep, { depth = math.huge }), "{ a = { b = { c = { d = { e = 1 } } } } }")
end

function test_cycles(t)
  local a = { name = "a" }
  a.me = a
  t:eq(inspect(a), '{ me = <cycle>, name = "a" }')
end

function test_tostring_metamethod(t)
  local obj = setmetatable({}, { __tostring = function() return "<obj>" end })
  t:eq(inspect({ obj }), "{ <obj> }")
end

function test_long_input_is_cut(t)
  local s = inspect(string.rep("x", 5000))
  t:ok(s:find('%.%.%. %(5000 bytes%)$'), s:sub(-40))
  local big = {}
  for i = 1, 500 do big[i] = i end
  t:ok(inspect(big):find("%.%.%. %(400 more%)"))
end

function test_bad_arguments(t)
  t:fails(function() inspect() end, "bad argument #1 to 'inspect' %(value expected%)")
  t:fails(function() inspect(1, { dept = 2 }) end, 'unknown option "dept"')
  t:fails(function() inspect(1, { depth = 0 }) end, "positive integer expected")
  t:fails(function() inspect(1, { depth = "x" }) end, "number expected, got string")
  t:fails(function() inspect(1, 5) end, "table of options expected")
  t:fails(function() inspect(1, nil, 3) end, "no more than 2")
end
