---@meta testing
-- LuaLS definitions for nslua's testing module (stdlib/testing.lua): a small
-- runner for files whose test_* functions receive a t.
--
--   function test_addition(t) t:eq(1 + 1, 2) end
--   nslua -e 'os.exit(require("testing").main({"x_test.lua"}))'

---What a test function receives.
---@class testing.T
---@field name string the test function's name
local T = {}

---Deep equality for tables, == otherwise; raises with both values shown.
---@param got any
---@param want any
---@param msg? string
function T:eq(got, want, msg) end

---v must be truthy; returns its arguments, so t:ok(f()) keeps f's values.
---@generic V
---@param v V
---@param msg? any
---@param ... any
---@return V
---@return any ...
function T:ok(v, msg, ...) end

---fn must raise an error whose message matches pattern (a plain substring
---match first, then a Lua pattern); returns the message.
---@param fn fun()
---@param pattern? string
---@return string errmsg
function T:fails(fn, pattern) end

---Stop this test and count it as skipped.
---@param reason string
function T:skip(reason) end

---Run fn after the test, also when it fails (newest first).
---@param fn fun()
function T:cleanup(fn) end

---@class testing.module
local testing = {}

---Format a value for messages: strings quoted, tables with sorted keys.
---@param v any
---@param depth? integer
---@return string
function testing.format(v, depth) end

---Deep equality of two values (tables compared key by key, cycles allowed).
---@param a any
---@param b any
---@param seen? table
---@return boolean
function testing.deep_eq(a, b, seen) end

---Load a test file and run its test_* functions (those whose name contains
---filter) in order of definition, writing one line per test to out
---(default io.stdout).
---@param path string
---@param filter? string
---@param out? file*
---@return integer passed
---@return integer failed
---@return integer skipped
function testing.run_file(path, filter, out) end

---Run the files, print "N passed, N failed, N skipped" and return the exit
---code: 0 when nothing failed.
---@param files string[]
---@param filter? string
---@return integer code
function testing.main(files, filter) end

return testing
