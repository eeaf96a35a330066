---@meta nslua
-- LuaLS definitions for nslua's nslua module: the running nslua
-- (docs/nslua.md).

---@class nslua.nslua.module
---@field version string what `nslua -v` prints ("v0.3.0-2-gabc1234", or "dev")
local nslua = {}

---Sorted names of every module require finds without a file: the native ones
---and the embedded Lua stdlib, loaded or not.
---@return string[]
function nslua.modules() end

---Run fn() when nslua ends (normal end, uncaught error, os.exit, SIGINT,
---SIGTERM), newest first, together with the cleanup of everything the script
---created, like a shell's `trap ... EXIT`. An error in fn is printed and the
---other cleanups still run.
---@param fn fun()
---@return true
function nslua.on_exit(fn) end

return nslua
