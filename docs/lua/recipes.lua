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

---Print "usage: nslua -r NAME SYNOPSIS" (or "nslua FILE SYNOPSIS" for a script
---run from a file) on stderr and end the script with exit code 2, through
---os.exit, so cleanup runs. For a bad command-line argument.
---@param synopsis string? what follows the name: "[N >= 2]"
function recipes.usage(synopsis) end

---Print "NAME: msg" on stderr and end the script with exit code 1, through
---os.exit, so cleanup runs. For a failure the recipe expects (no such file).
---@param msg string
function recipes.fail(msg) end

---A command-line argument as a whole number: decimal digits with an optional
---sign ("2.5", "0x4", "1e3" are not). nil when it is not one, or lies outside
---[min, max]; `default` when s is nil.
---@param s string?
---@param opts {default: integer?, min: integer?, max: integer?}?
---@return integer|nil
function recipes.int(s, opts) end

return recipes
