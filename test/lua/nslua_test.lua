-- nslua: the module about the running nslua (exit hooks are tested from
-- test/cli_test.go, which can watch the process end).
local nslua = require "nslua"

function test_version_is_a_string(t)
  t:eq(type(nslua.version), "string")
  t:ok(#nslua.version > 0)
end

function test_modules_lists_native_and_stdlib(t)
  local mods = nslua.modules()
  local seen = {}
  for i, m in ipairs(mods) do
    seen[m] = true
    if i > 1 then t:ok(mods[i - 1] < m, "modules() is not sorted") end
  end
  t:ok(seen.json and seen.nslua and seen.testing, table.concat(mods, ","))
  for _, m in ipairs(mods) do
    t:ok(pcall(require, m), "require " .. m)
  end
end

function test_bad_arguments(t)
  t:fails(function() nslua.modules(1) end, "bad argument #1 to 'modules' %(no more than 0 argument%(s%) expected, got 1%)")
  t:fails(function() nslua.on_exit() end, "bad argument #1 to 'on_exit' %(function expected, got no value%)")
  t:fails(function() nslua.on_exit("print") end, "function expected, got string")
  t:fails(function() nslua.on_exit(print, 1) end, "bad argument #2 to 'on_exit'")
end

-- nslua.errors.strip: the stdlib's way of dropping the "chunk:line: " of a
-- caught error (container and topo raise it again at their caller's line);
-- recipes' Go side (scripts/module.go stripPosition) strips the same way
function test_errors_strip_drops_a_position_only(t)
  local strip = require("nslua.errors").strip
  t:eq(strip("stdlib/container.lua:310: container: x"), "container: x")
  t:eq(strip("recipe:load.lua:12: topo: load: y"), "topo: load: y")
  t:eq(strip("EINVAL: mount(/x): invalid argument"), "EINVAL: mount(/x): invalid argument")
  t:eq(strip("(command line):4: boom"), "(command line):4: boom", "a head with white space is no position here")
  t:eq(strip("10.0.0.1 port 80: refused"), "10.0.0.1 port 80: refused")
  -- unless it names a running chunk: -e's "(command line)", a path with a space
  local run = assert(loadstring("local s = require('nslua.errors').strip(...) return s", "my lab.lua"))
  t:eq(run("my lab.lua:4: topo: boom"), "topo: boom", "the position of a running chunk with a space")
  t:eq(run("other lab.lua:4: boom"), "other lab.lua:4: boom", "a chunk not running")
  t:eq(strip("a.lua:x: not a line"), "a.lua:x: not a line")
  t:eq(strip("no position"), "no position")
  t:eq(strip(42), "42")
end
