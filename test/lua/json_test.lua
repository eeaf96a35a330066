-- json: encode/decode as scripts see them (the Go tests cover the grammar).
local json = require "json"

function test_encode_sorts_object_keys(t)
  t:eq(json.encode({ b = 1, a = { 3, 2 }, C = true }), '{"C":true,"a":[3,2],"b":1}')
end

function test_encode_scalars(t)
  t:eq(json.encode(nil), "null")
  t:eq(json.encode(json.null), "null")
  t:eq(json.encode(false), "false")
  t:eq(json.encode(42), "42")
  t:eq(json.encode(-1.25), "-1.25")
  t:eq(json.encode("a\"b\n\0"), '"a\\"b\\n\\u0000"')
end

function test_empty_table_is_object_unless_marked(t)
  t:eq(json.encode({}), "{}")
  t:eq(json.encode(json.array()), "[]")
  local list = json.array({})
  t:eq(json.encode({ items = list }), '{"items":[]}')
  table.insert(list, "x")
  t:eq(json.encode(list), '["x"]')
end

function test_array_marks_and_returns_its_table(t)
  local t1 = {}
  t:ok(rawequal(json.array(t1), t1))
  t:fails(function() json.array(setmetatable({}, {})) end, "already has a metatable")
  t:fails(function() json.array("x") end, "bad argument #1 to 'array' %(table expected, got string%)")
end

function test_decode_values(t)
  local v = json.decode('{"name": "lab", "nodes": [{"ip": "10.0.0.1"}, null], "n": 2.5, "ok": true}')
  t:eq(v.name, "lab")
  t:eq(v.n, 2.5)
  t:eq(v.ok, true)
  t:eq(#v.nodes, 2)
  t:eq(v.nodes[1].ip, "10.0.0.1")
  t:ok(v.nodes[2] == json.null, "null decodes to json.null")
  t:eq(tostring(json.null), "json.null")
end

function test_decode_unicode_escapes(t)
  t:eq(json.decode('"\\u00e9\\u20ac"'), "é€")
  t:eq(json.decode('"\\ud83d\\ude00"'), "😀")
  t:eq(json.decode('"\\u0000"'), "\0")
  t:fails(function() json.decode('"\\udc00"') end, "lone low surrogate")
end

function test_round_trip_keeps_empty_arrays(t)
  local s = '{"a":[],"b":{},"c":[1,[null,{}]]}'
  t:eq(json.encode(json.decode(s)), s)
end

function test_indent(t)
  t:eq(json.encode({ a = { 1 } }, { indent = 2 }), '{\n  "a": [\n    1\n  ]\n}')
  t:eq(json.encode({ a = 1 }, { indent = "\t" }), '{\n\t"a": 1\n}')
  t:fails(function() json.encode({}, { indnet = 2 }) end, 'unknown option "indnet"')
  t:fails(function() json.encode({}, { indent = true }) end, 'option "indent": number or string expected')
end

function test_decode_error_has_position(t)
  t:fails(function() json.decode('{\n  "a": tru\n}') end,
    "bad argument #1 to 'decode' %(invalid JSON at line 2, column 8 %(byte offset 9%)")
  t:fails(function() json.decode("") end, "unexpected end of input")
  t:fails(function() json.decode("[1,]") end, "column 4")
  t:fails(function() json.decode("{} x") end, "after the end of the value")
  t:fails(function() json.decode(42) end, "string expected, got number")
  t:fails(function() json.decode() end, "bad argument #1 to 'decode' %(string expected, got no value%)")
  t:fails(function() json.decode("1", "extra") end, "bad argument #2 to 'decode'")
end

function test_encode_refuses_cycles(t)
  local a = { name = "a" }
  a.self = { parent = a }
  t:fails(function() json.encode(a) end, "cannot encode %$%.self%.parent: cycle")
  local shared = { 1 }
  t:eq(json.encode({ x = shared, y = shared }), '{"x":[1],"y":[1]}')
end

function test_encode_refuses_non_string_keys(t)
  t:fails(function() json.encode({ [true] = 1 }) end, "non%-string key true")
  t:fails(function() json.encode({ [1.5] = 1 }) end, "non%-string key 1.5")
  t:fails(function() json.encode({ [1] = 1, [3] = 3 }) end, "sparse array")
  t:fails(function() json.encode({ 1, x = 2 }) end, "mixes array elements and string keys")
  t:fails(function() json.encode(json.array({ x = 1 })) end, "marked json.array has string keys")
end

function test_encode_refuses_nan_and_inf(t)
  t:fails(function() json.encode(0 / 0) end, "NaN")
  t:fails(function() json.encode({ x = { 1 / 0 } }) end, "%$%.x%[1%]: %+Inf")
  t:fails(function() json.encode(-1 / 0) end, "%-Inf")
end

function test_encode_refuses_what_json_cannot_hold(t)
  t:fails(function() json.encode({ f = print }) end, "%$%.f: a function value has no JSON form")
  t:fails(function() json.encode(coroutine.create(print)) end, "thread")
  t:fails(function() json.encode("\255") end, "not valid UTF%-8")
  t:fails(function() json.encode() end, "bad argument #1 to 'encode' %(value expected%)")
end

function test_huge_input(t)
  local big = string.rep("x", 1e6)
  t:eq(#json.decode(json.encode(big)), 1e6)
  local deep = string.rep("[", 2000) .. string.rep("]", 2000)
  t:fails(function() json.decode(deep) end, "nested deeper than 1000 levels")
end

function test_error_paths_stay_short(t)
  -- 1001 levels: the message names the first and last four steps only
  local deep = {}
  local c = deep
  for _ = 1, 1001 do c[1] = {}; c = c[1] end
  local ok, msg = pcall(json.encode, deep)
  t:eq(ok, false)
  t:ok(msg:find("cannot encode $[1][1][1][1]…[1][1][1][1]: nested deeper than 1000 levels", 1, true), msg)
  t:ok(#msg < 200, #msg)
  -- a huge key is cut short
  ok, msg = pcall(json.encode, { [string.rep("k", 100000)] = print })
  t:eq(ok, false)
  t:ok(msg:find('cannot encode $["' .. string.rep("k", 61) .. '"...]: a function value', 1, true), msg)
  -- a short path is spelled out whole
  t:fails(function() json.encode({ a = { { b = { print } } } }) end, "%$%.a%[1%]%.b%[1%]: a function")
end

function test_nul_bytes(t)
  t:eq(json.decode('"a\\u0000b"'), "a\0b")
  t:eq(json.encode({ ["k\0"] = "v\0" }), '{"k\\u0000":"v\\u0000"}')
  t:fails(function() json.decode('"a\0b"') end, "control character 0x00")
  t:fails(function() json.decode("\0") end, "unexpected byte 0x00")
end

function test_extra_arguments(t)
  t:fails(function() json.encode({}, nil, 3) end, "bad argument #3 to 'encode'")
  t:fails(function() json.array({}, 1) end, "bad argument #2 to 'array'")
  t:fails(function() json.encode({}, 2) end, "bad argument #2 to 'encode' %(table of options expected, got number%)")
end
