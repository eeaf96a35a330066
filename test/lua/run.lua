-- Runs Lua test files: nslua test/lua/run.lua FILE... [--filter NAME]
local files, filter = {}, nil
local i = 1
while i <= #arg do
  if arg[i] == "--filter" then
    filter = arg[i + 1]
    i = i + 2
  else
    table.insert(files, arg[i])
    i = i + 1
  end
end
-- test files share helpers.lua, next to this file
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
os.exit(require("testing").main(files, filter))
