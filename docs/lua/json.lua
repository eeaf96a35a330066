---@meta json
-- LuaLS definitions for nslua's json module (docs/json.md). Both functions
-- raise on bad input (a programming error): there is no error triple.

---The value of a JSON null (json.decode gives it; json.encode takes it).
---@class nslua.json.null: userdata

---@class nslua.json.module
---@field null nslua.json.null what a JSON null decodes to; encodes as null
local json = {}

---Encode v as JSON: keys sorted, arrays for tables with keys 1..n, {} for an
---empty table unless json.array marked it. Raises naming the place
---($.nodes[2].name) on what JSON cannot hold.
---@param v any
---@param opts? {indent: integer|string|nil} 0..16 spaces, or spaces and tabs
---@return string
function json.encode(v, opts) end

---Decode a JSON text: objects become tables, arrays json.array-marked tables,
---null json.null. Raises on invalid JSON, with the position.
---@param s string
---@return any
function json.decode(s) end

---Mark t (or a new table) as a JSON array, so that an empty one encodes as [].
---@generic T: table
---@param t? T
---@return T
function json.array(t) end

return json
