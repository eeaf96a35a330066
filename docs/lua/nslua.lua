---@meta nslua
-- LuaLS definitions for nslua's nslua module: the running nslua
-- (docs/nslua.md).

---@class nslua.nslua.module
---@field version string what `nslua -v` prints ("v0.3.0-2-gabc1234", or "dev")
---@field rootless boolean true when nslua runs as root of a user namespace of its own (--rootless, the default for a non-root user): nothing it makes outlives it
---@field subids integer rootless: how many subordinate ids (beyond root) nslua's user namespace maps, from /etc/subuid and /etc/subgid through newuidmap (0 without them); 0 when not rootless
---@field runtime_dir string where state files go: /run/nslua, or rootless a private tmpfs under $XDG_RUNTIME_DIR/nslua
---@field netns_dir string where named netns are pinned (/run/netns, or rootless runtime_dir/netns), as ns.names() lists them
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
