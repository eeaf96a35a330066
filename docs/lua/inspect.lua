---@meta inspect
-- LuaLS definitions for nslua's inspect module: the REPL's pretty printer as
-- a function (sorted keys, nested tables down to depth levels, cycles shown
-- as <cycle>, __tostring respected).
--
--   local inspect = require "inspect"
--   print(inspect({1, 2, x = {y = true}}))   --> { 1, 2, x = { y = true } }

---Render v as a string.
---@param v any
---@param opts? {depth: integer?} levels of nested tables shown (default 4)
---@return string
local function inspect(v, opts) end

return inspect
