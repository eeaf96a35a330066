---@meta recipes
-- LuaLS definitions for nslua's recipes module: the recipes embedded in the
-- binary (`nslua -r NAME`) and the data files beside them.

---@class nslua.recipes.module
local recipes = {}

---The embedded recipes, as `nslua -r list` prints them: `doc` is `summary`,
---then "; args: " and `args` (the synopsis of its usage line, "[N]") when the
---recipe takes arguments.
---@return {name: string, doc: string, summary: string, args: string}[]
function recipes.list() end

---The content of an embedded recipe file ("lab.json", "demo.lua").
---@param file string
---@return string|nil content
---@return string? errmsg
---@return string? errno "ENOENT"
function recipes.read(file) end

---@class nslua.recipes.args
---@field synopsis string what follows the name in the usage line
local Args = {}

---arg[i] as a whole number (decimal digits, an optional sign) in [min, max];
---`default` (or nil) when there is no arg[i]. Anything else ends the script
---as a:bad does: "NAME: N must be a whole number from 2 to 250, got "x"".
---@param i integer
---@param name string what the usage line calls it: "N"
---@param opts {default: integer?, min: integer?, max: integer?}?
---@return integer|nil
function Args:int(i, name, opts) end

---Print "NAME: msg" and the usage line on stderr and end the script with exit
---code 2, through os.exit, so cleanup runs. For a bad command-line argument.
---@param msg string what is wrong with it
function Args:bad(msg) end

---Print the help (as -h does) on stdout and end the script with exit code 0.
function Args:help() end

---The command line, checked as every recipe checks it. -h or --help among the
---arguments prints the usage line ("usage: nslua -r NAME SYNOPSIS"), the
---recipe's description and `help` on stdout and exits 0; more than `max`
---arguments (default 0) is a bad argument (a:bad). Arguments from number
---`rest` on are the recipe's own to read (a command: nsenter PID CMD...):
---neither counted nor looked at for -h.
---@param synopsis string what follows the name in the usage line: "[N]", "" for none
---@param opts {max: integer?, rest: integer?, help: string?}?
---@return nslua.recipes.args
function recipes.args(synopsis, opts) end

---The width of the terminal stdout is ($COLUMNS when set, as lsns(8) takes
---it), or nil when stdout is not a terminal.
---@return integer|nil
function recipes.columns() end

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
