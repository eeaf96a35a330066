---@meta recipes
-- LuaLS definitions for nslua's recipes module: the recipes embedded in the
-- binary (`nslua -r NAME`) and the data files beside them.

---@class nslua.recipes.module
local recipes = {}

---The embedded recipes, as `nslua -r list` prints them.
---@return {name: string, doc: string}[]
function recipes.list() end

---The content of an embedded recipe file ("lab.json", "demo.lua").
---@param file string
---@return string|nil content
---@return string? errmsg
---@return string? errno "ENOENT"
function recipes.read(file) end

return recipes
