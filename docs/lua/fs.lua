---@meta fs
-- LuaLS definitions for nslua's fs module: the few file-system calls Lua
-- 5.1's io and os libraries lack.

---@class nslua.fs.module
local fs = {}

---mkdir -m MODE; mkdir -p with opts.parents (an existing directory is then no
---error, and keeps its mode). Every directory it creates gets exactly mode,
---setuid, setgid and sticky bits included and the umask left out; mode defaults
---to 0755 (tell Lua 5.1 octal as 493, or tonumber("755", 8)). A failure names
---the directory that could not be made.
---@param path string
---@param opts? {parents: boolean?, mode: integer?}
---@return true|nil ok
---@return string? errmsg
---@return string? errno
function fs.mkdir(path, opts) end

---The names in dir, sorted (ls -A).
---@param dir string
---@return string[]|nil names
---@return string? errmsg
---@return string? errno
function fs.list(dir) end

---The contents of the file at path (cat); nil, msg, ENAME when it cannot be
---read ("ENOENT: open(/x): no such file or directory"), where io.open answers
---with Go's words and no errno name.
---@param path string
---@return string|nil contents
---@return string? errmsg
---@return string? errno
function fs.read(path) end

---path made absolute against the script's working directory, cleaned
---("a/../b" -> "/cwd/b"), symlinks not resolved: realpath -s -m.
---@param path string
---@return string|nil abs
---@return string? errmsg
---@return string? errno
function fs.abspath(path) end

---The kind of file at path, following symlinks (stat -L -c %F): "dir",
---"file", "char", "block", "fifo", "socket", or "link" for a symlink whose
---target is missing; nil, msg, "ENOENT" when nothing is there (test -e).
---One stat(2): cheaper than probing with io.open.
---@param path string
---@return "dir"|"file"|"link"|"char"|"block"|"fifo"|"socket"|nil kind
---@return string? errmsg
---@return string? errno
function fs.type(path) end

---test -t: whether a standard stream (or fd) is a terminal.
---@param stream "stdin"|"stdout"|"stderr"|integer
---@return boolean
function fs.isatty(stream) end

return fs
